// `crossgo inspect` end to end: real Go binaries of several formats, folders, JSON, errors and exit codes.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// Binaries of Examples/hello built once for the inspect tests.
enum InspectFixture {
    static let shared = Once { try await make() }

    static let targets = ["linux/amd64", "linux/s390x", "darwin/arm64", "darwin/amd64", "windows/amd64", "js/wasm", "wasip1/wasm",
                          "aix/ppc64", "plan9/386"]

    static func make() async throws -> (folder: TempFolder, go: String) {
        let go = try await realToolchain().goPath
        let folder = try copyExample("hello")
        try FileManager.default.createDirectory(atPath: folder.path + "/bin/nested", withIntermediateDirectories: true)
        for target in Self.targets {
            let (goos, goarch) = (String(target.split(separator: "/")[0]), String(target.split(separator: "/")[1]))
            let out = folder.path + "/bin/" + InspectFixture.fileName(goos, goarch)
            let result = try await runProgram(go, ["build", "-trimpath", "-o", out, "."],
                                              environment: ["GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"],
                                              workingDirectory: folder.path)
            guard result.succeeded else { throw CLIFixtureError(message: "go build \(target): \(result.stderr)") }
        }
        try "not a binary\n".write(toFile: folder.path + "/bin/nested/README.txt", atomically: true, encoding: .utf8)
        return (folder, go)
    }

    static func fileName(_ goos: String, _ goarch: String) -> String {
        "hello_\(goos)_\(goarch)" + (goos == "windows" ? ".exe" : (goarch == "wasm" ? ".wasm" : ""))
    }
}

struct CLIFixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The fields of `crossgo inspect --json` that the tests check.
struct InspectedFile: Decodable {
    struct Module: Decodable, Equatable {
        var path: String
        var version: String
        var sum: String?
    }
    struct Setting: Decodable, Equatable {
        var key: String
        var value: String
    }
    struct Slice: Decodable {
        var format: String
        var goos: String?
        var goarch: String?
        var goVersion: String?
        var path: String?
        var main: Module?
        var settings: [Setting]?
        struct MachO: Decodable { var codeSignature: Bool; var cpu: String }
        struct ELF: Decodable { var `static`: Bool; var endianness: String }
        struct Wasm: Decodable { var flavor: String?; var importModules: [String] }
        struct XCOFF: Decodable { var executable: Bool; var sections: [String] }
        struct Plan9: Decodable { var machine: String; var header64: Bool; var text: UInt32 }
        var macho: MachO?
        var elf: ELF?
        var wasm: Wasm?
        var xcoff: XCOFF?
        var plan9: Plan9?
    }
    var file: String
    var format: String
    var slices: [Slice]
}

@Suite("crossgo inspect")
struct InspectCLITests {
    @Test("Every format is read; the JSON agrees with go version -m -json where Go can read the file")
    func json() async throws {
        let (folder, go) = try await InspectFixture.shared.get()
        let result = try await runCrossgo(["inspect", "--json", folder.path + "/bin"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let files = try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(InspectedFile.self, from: Data($0.utf8)) }
        #expect(files.count == InspectFixture.targets.count)
        let version = try await realToolchain().version
        for file in files {
            let slice = try #require(file.slices.first)
            let name = (file.file as NSString).lastPathComponent
            #expect(slice.goVersion == version)
            #expect(slice.path == "example.com/hello")
            #expect(slice.main == .init(path: "example.com/hello", version: "(devel)", sum: nil))
            #expect(name == InspectFixture.fileName(slice.goos ?? "", slice.goarch ?? ""))
            #expect(slice.settings?.contains(.init(key: "-trimpath", value: "true")) == true)
            switch slice.goarch {
            case "wasm":
                #expect(file.format == "wasm")
                #expect(slice.wasm?.flavor == slice.goos)
                #expect(slice.wasm?.importModules.contains(slice.goos == "js" ? "gojs" : "wasi_snapshot_preview1") == true)
            case _ where slice.goos == "plan9":
                // go version -m cannot read Plan 9 files (go.dev/issue/80193): the build settings name the target.
                #expect(file.format == "plan9")
                #expect(slice.plan9?.machine == "Intel 386" && slice.plan9?.header64 == false && (slice.plan9?.text ?? 0) > 0)
                #expect(slice.settings?.contains(.init(key: "GOOS", value: "plan9")) == true)
                #expect(slice.settings?.contains(.init(key: "GOARCH", value: "386")) == true)
            default:
                // The same file through go version -m -json.
                let goJSON = try await runProgram(go, ["version", "-m", "-json", file.file])
                struct GoInfo: Decodable {
                    struct Setting: Decodable { var Key: String; var Value: String }
                    var GoVersion: String
                    var Path: String
                    var Settings: [Setting]
                }
                let info = try JSONDecoder().decode(GoInfo.self, from: Data(goJSON.stdout.utf8))
                #expect(info.GoVersion == slice.goVersion)
                #expect(info.Path == slice.path)
                #expect(info.Settings.map { InspectedFile.Setting(key: $0.Key, value: $0.Value) } == slice.settings)
            }
            if slice.goos == "darwin" {
                #expect(file.format == "mach-o")
                #expect(slice.macho?.codeSignature == (slice.goarch == "arm64"))
            }
            if slice.goarch == "s390x" { #expect(slice.elf?.endianness == "big" && slice.elf?.static == true) }
            if slice.goos == "aix" {
                #expect(file.format == "xcoff")
                #expect(slice.xcoff?.executable == true && slice.xcoff?.sections.contains(".data") == true)
            }
        }
    }

    @Test("XCOFF and Plan 9 files: the text report names the format, and the build check accepts them for their target only")
    func xcoffAndPlan9() async throws {
        let (folder, _) = try await InspectFixture.shared.get()
        let aix = folder.path + "/bin/" + InspectFixture.fileName("aix", "ppc64")
        let plan9 = folder.path + "/bin/" + InspectFixture.fileName("plan9", "386")
        let text = try await runCrossgo(["inspect", aix, plan9])
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains(aix + ": go1.") && text.stdout.contains(" aix/ppc64\n"))
        #expect(text.stdout.contains("XCOFF 64-bit big-endian executable, module type 1L"))
        #expect(text.stdout.contains(plan9 + ": go1.") && text.stdout.contains(" plan9/386\n"))
        #expect(text.stdout.contains("Plan 9 a.out Intel 386, text "))

        let good = ArtifactCheck.verify(path: aix, target: Target(goos: "aix", goarch: "ppc64"))
        #expect(good.passed, "\(good.problems)")
        #expect(good.format == "xcoff")
        #expect(good.confirmed.contains("xcoff file") && good.confirmed.contains("header says aix"))
        let good9 = ArtifactCheck.verify(path: plan9, target: Target(goos: "plan9", goarch: "386"))
        #expect(good9.passed, "\(good9.problems)")
        #expect(good9.confirmed.contains("plan9 file") && good9.confirmed.contains("header says 386"))
        #expect(good9.confirmed.contains("build info GOOS=plan9"))
        // The wrong target is caught by format, OS and architecture.
        let wrong = ArtifactCheck.verify(path: plan9, target: Target(goos: "plan9", goarch: "amd64"))
        #expect(!wrong.passed)
        #expect(wrong.problems.contains("expected amd64 code, the header says 386"))
        let wrongFormat = ArtifactCheck.verify(path: aix, target: Target(goos: "plan9", goarch: "ppc64"))
        #expect(!wrongFormat.passed)
        #expect(wrongFormat.problems.contains("expected a plan9 file for plan9, found xcoff"))
    }

    @Test("Folders are walked; files that are not Go binaries are skipped, and listed with -v")
    func folders() async throws {
        let (folder, _) = try await InspectFixture.shared.get()
        let plain = try await runCrossgo(["inspect", folder.path])
        #expect(plain.exitCode == 0)
        #expect(plain.stderr.isEmpty)
        #expect(!plain.stdout.contains("README.txt") && !plain.stdout.contains("main.go"))
        for target in InspectFixture.targets {
            let parts = target.split(separator: "/").map(String.init)
            #expect(plain.stdout.contains(InspectFixture.fileName(parts[0], parts[1]) + ": go1."))
        }
        let verbose = try await runCrossgo(["inspect", "-v", folder.path])
        #expect(verbose.stderr.contains("README.txt: skipped"))
        #expect(verbose.stderr.contains("main.go: skipped"))
    }

    @Test("A named file that is not a Go binary or is damaged: one line naming it, exit 1; the others are still shown")
    func errors() async throws {
        let (folder, _) = try await InspectFixture.shared.get()
        let good = folder.path + "/bin/" + InspectFixture.fileName("linux", "amd64")
        let text = folder.path + "/bin/nested/README.txt"
        let cut = folder.path + "/cut"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let empty = folder.path + "/empty"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        for bad in [text, cut, empty, "/bin/sh"] {
            let result = try await runCrossgo(["inspect", good, bad])
            #expect(result.exitCode == 1)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(lines.first?.contains(bad + ": ") == true)
            #expect(result.stdout.contains(good + ": go1."))
        }
        let truncated = try await runCrossgo(["inspect", cut])
        #expect(truncated.stderr.contains("truncated"))
        let json = try await runCrossgo(["inspect", "--json", text])
        #expect(json.exitCode == 1)
        #expect(json.stdout.contains("\"error\""))
    }

    @Test("A path that does not exist is bad input: exit 2 as for audit and verify, one line, nothing read")
    func missingPath() async throws {
        let (folder, _) = try await InspectFixture.shared.get()
        let good = folder.path + "/bin/" + InspectFixture.fileName("linux", "amd64")
        for arguments in [["/nonexistent"], [good, folder.path + "/missing"], ["--json", "/nonexistent"]] {
            let result = try await runCrossgo(["inspect"] + arguments)
            #expect(result.exitCode == ExitStatus.usage.rawValue, "\(arguments): \(result.stderr)")
            #expect(result.stderr == "crossgo: error: \(arguments.last ?? ""): no such file or folder\n")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("A folder holding no Go binary, or only a symlink loop, is said to hold none and exits 1, as a named non-Go file does")
    func folderWithoutGoBinaries() async throws {
        let box = try TempFolder("inspect-nogo")
        defer { box.cleanup() }
        try box.write("notes/README.txt", "not a binary\n")
        try FileManager.default.createDirectory(atPath: box.path + "/loop", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.path + "/loop/a", withDestinationPath: box.path + "/loop/b")
        try FileManager.default.createSymbolicLink(atPath: box.path + "/loop/b", withDestinationPath: box.path + "/loop/a")
        try FileManager.default.createDirectory(atPath: box.path + "/empty", withIntermediateDirectories: true)
        for name in ["notes", "loop", "empty"] {
            let path = box.path + "/" + name
            let result = try await runCrossgo(["inspect", path])
            #expect(result.exitCode == ExitStatus.failed.rawValue, "\(name): \(result.stderr)")
            #expect(result.stderr == "crossgo: error: \(path): no Go binary in this folder (-v lists the files skipped)\n")
            #expect(result.stdout.isEmpty)
        }
        let json = try await runCrossgo(["inspect", "--json", box.path + "/notes"])
        #expect(json.exitCode == 1)
        #expect(json.stdout.contains("\"error\"") && json.stdout.contains("no Go binary in this folder"))
        // A folder with a Go binary beside other files is fine.
        let (fixture, _) = try await InspectFixture.shared.get()
        let ok = try await runCrossgo(["inspect", fixture.path + "/bin"])
        #expect(ok.exitCode == 0 && ok.stderr.isEmpty)
    }

    @Test("A universal binary lists both slices")
    func universal() async throws {
        let (folder, _) = try await InspectFixture.shared.get()
        let parts = try ["darwin_amd64", "darwin_arm64"].map { try Data(contentsOf: URL(fileURLWithPath: folder.path + "/bin/hello_" + $0)) }
        var fat = Data()
        func be32(_ v: UInt32) { fat.append(contentsOf: [24, 16, 8, 0].map { UInt8((v >> UInt32($0)) & 0xff) }) }
        be32(0xcafe_babe); be32(2)
        var offset = 0x4000
        var offsets: [Int] = []
        for (i, p) in parts.enumerated() {
            offsets.append(offset)
            be32(i == 0 ? 0x0100_0007 : 0x0100_000c); be32(i == 0 ? 3 : 0); be32(UInt32(offset)); be32(UInt32(p.count)); be32(14)
            offset = (offset + p.count + 0x3fff) / 0x4000 * 0x4000
        }
        for (i, p) in parts.enumerated() {
            fat.append(Data(count: offsets[i] - fat.count))
            fat.append(p)
        }
        let path = folder.path + "/universal"
        try fat.write(to: URL(fileURLWithPath: path))
        let result = try await runCrossgo(["inspect", "--json", path])
        #expect(result.exitCode == 0)
        let file = try JSONDecoder().decode(InspectedFile.self, from: Data(result.stdout.utf8))
        #expect(file.format == "mach-o-universal")
        #expect(file.slices.map(\.goarch) == ["amd64", "arm64"])
        #expect(file.slices.allSatisfy { $0.path == "example.com/hello" })
        let text = try await runCrossgo(["inspect", path])
        #expect(text.stdout.contains("universal Mach-O, 2 slices: x86_64, arm64"))
    }
}
