// The universal Mach-O writer: real darwin builds merged, checked by llvm-lipo and read back by GoBinary.
import Foundation
import GoBinary
import Testing

/// A program on PATH or in the repository's .tools/bin.
func findTool(_ name: String) -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + [packageRoot + "/.tools/bin"]
    return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Two tiny programs, built once per test process: `example.com/tiny` for darwin/arm64 and darwin/amd64, and
/// `example.com/other` for darwin/amd64 (GOOS=darwin, CGO_ENABLED=0, -trimpath), and `tiny` for linux/amd64.
actor DarwinBuilds {
    static let shared = DarwinBuilds()
    private var task: Task<[String: String], any Error>?

    func get() async throws -> [String: String] {
        if let task { return try await task.value }
        let t = Task { try await DarwinBuilds.build() }
        task = t
        return try await t.value
    }

    private static func build() async throws -> [String: String] {
        let root = NSTemporaryDirectory() + "/crossgo-fat-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        for name in ["tiny", "other"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            try "module example.com/\(name)\n\ngo 1.21\n".write(toFile: "\(root)/\(name)/go.mod", atomically: true, encoding: .utf8)
            try "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"\(name)\\n\") }\n"
                .write(toFile: "\(root)/\(name)/main.go", atomically: true, encoding: .utf8)
        }
        var paths: [String: String] = [:]
        for (program, goos, arch) in [("tiny", "darwin", "arm64"), ("tiny", "darwin", "amd64"), ("other", "darwin", "amd64"), ("tiny", "linux", "amd64")] {
            var env = FixtureStore.environment(root: root)
            env["GOOS"] = goos
            env["GOARCH"] = arch
            let key = goos == "darwin" ? "\(program)-\(arch)" : "\(program)-\(goos)-\(arch)"
            let out = "\(root)/bin/\(key)"
            let r = try await runProcess(goTool, ["build", "-trimpath", "-o", out, "."], environment: env, directory: "\(root)/\(program)")
            guard r.status == 0 else { throw FixtureError(description: "go build \(program) \(goos)/\(arch): \(r.stderr)") }
            paths[key] = out
        }
        return paths
    }
}

@Suite struct FatMachOWriterTests {
    func slice(_ builds: [String: String], _ key: String) throws -> FatMachOWriter.Slice {
        FatMachOWriter.Slice(name: builds[key]!, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: builds[key]!))))
    }

    @Test(.enabled(if: findTool("llvm-lipo") != nil, "needs llvm-lipo (run scripts/setup --all)"))
    func mergesDarwinSlicesAsLipoDoes() async throws {
        let builds = try await DarwinBuilds.shared.get()
        let arm = try slice(builds, "tiny-arm64"), amd = try slice(builds, "tiny-amd64")
        // Input order does not matter: arm64 goes last, as lipo puts it.
        let universal = try FatMachOWriter.build([arm, amd])
        #expect(try FatMachOWriter.build([amd, arm]) == universal)
        let dir = (builds["tiny-arm64"]! as NSString).deletingLastPathComponent
        let path = dir + "/tiny-universal"
        try Data(universal).write(to: URL(fileURLWithPath: path))

        let lipo = findTool("llvm-lipo")!
        let info = try await runProcess(lipo, ["-info", path])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("are: x86_64 arm64"), "\(info.stdout)")
        let verify = try await runProcess(lipo, [path, "-verify_arch", "x86_64", "arm64"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let missing = try await runProcess(lipo, [path, "-verify_arch", "i386"])
        #expect(missing.status != 0)

        // The same bytes as llvm-lipo's own -create.
        let reference = dir + "/tiny-lipo"
        let create = try await runProcess(lipo, ["-create", "-output", reference, builds["tiny-arm64"]!, builds["tiny-amd64"]!])
        #expect(create.status == 0, "\(create.stderr)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: reference))) == universal)

        // Read back: the header, and each slice's header, build info and code signature.
        let image = try BinaryImage.read(path: path)
        #expect(image.format == .universal)
        #expect(!image.isFat64)
        #expect(image.fatArches.map(\.align) == [12, 14])
        #expect(image.fatArches.map(\.offset) == [4096, (4096 + UInt64(amd.bytes.count) + 16383) / 16384 * 16384])
        #expect(image.slices.map(\.goarch) == ["amd64", "arm64"])
        for (readBack, input) in zip(image.slices, [amd, arm]) {
            let thin = try BinaryImage.read(MemorySource(input.bytes)).slices[0]
            #expect(readBack.size == input.bytes.count)
            #expect(Array(universal[readBack.offset ..< readBack.offset + readBack.size]) == input.bytes)
            #expect(readBack.macho?.fileTypeName == "MH_EXECUTE")
            #expect(readBack.macho?.cpuType == thin.macho?.cpuType)
            #expect(readBack.buildInfo != nil)
            #expect(readBack.buildInfo == thin.buildInfo)
            #expect(readBack.buildInfo?.path == "example.com/tiny")
            #expect(readBack.buildInfo?.setting("-trimpath") == "true")
            // Go's linker signs darwin/arm64 executables (ad hoc) and not darwin/amd64 ones: each slice keeps what it had.
            #expect(readBack.macho?.hasCodeSignature == (readBack.goarch == "arm64"))
            #expect(readBack.macho?.hasCodeSignature == thin.macho?.hasCodeSignature)
            #expect(readBack.macho?.codeSignatureOffset == thin.macho?.codeSignatureOffset)
            #expect(readBack.macho?.codeSignatureSize == thin.macho?.codeSignatureSize)
        }
    }

    @Test func refusesWhatIsNotOneProgramPerArchitecture() async throws {
        let builds = try await DarwinBuilds.shared.get()
        let arm = try slice(builds, "tiny-arm64"), amd = try slice(builds, "tiny-amd64"), other = try slice(builds, "other-amd64")

        func refusal(_ slices: [FatMachOWriter.Slice]) -> FatMachOError? {
            do { _ = try FatMachOWriter.build(slices); return nil } catch { return error }
        }
        let dup = refusal([amd, arm, FatMachOWriter.Slice(name: "copy-of-amd64", bytes: amd.bytes)])
        #expect(dup == FatMachOError(.duplicateArchitecture(arch: "x86_64", first: amd.name, second: "copy-of-amd64")))
        #expect(dup?.description == "\(amd.name) and copy-of-amd64 are both x86_64: a universal binary holds one slice per architecture")

        #expect(refusal([arm]) == FatMachOError(.tooFewSlices(count: 1)))
        #expect(refusal([]) == FatMachOError(.tooFewSlices(count: 0)))

        let different = refusal([arm, other])
        #expect(different == FatMachOError(.differentPrograms(first: arm.name, firstPath: "example.com/tiny", second: other.name, secondPath: "example.com/other")))

        let text = FatMachOWriter.Slice(name: "README.md", bytes: Array("# hello\n".utf8))
        #expect(refusal([arm, text]) == FatMachOError(.notThinMachO(name: "README.md", detail: "not an executable (unrecognized file format)")))

        let universal = FatMachOWriter.Slice(name: "fat", bytes: try FatMachOWriter.build([arm, amd]))
        #expect(refusal([universal, amd]) == FatMachOError(.notThinMachO(name: "fat", detail: "it is already a universal file")))

        let truncated = FatMachOWriter.Slice(name: "cut", bytes: Array(amd.bytes.prefix(100)))
        let cut = refusal([arm, truncated])
        #expect(cut?.description.hasPrefix("cut: not a thin Mach-O executable: Mach-O: truncated file") == true, "\(String(describing: cut))")

        let elf = FatMachOWriter.Slice(name: "linux", bytes: try slice(builds, "tiny-linux-amd64").bytes)
        #expect(refusal([arm, elf]) == FatMachOError(.notThinMachO(name: "linux", detail: "it is an ELF file")))
        for error in [dup, different, cut].compactMap({ $0 }) { #expect(!error.description.contains("\n")) }
    }
}
