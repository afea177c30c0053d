// The release's universal binary: real darwin builds merged and written to disk, refusals with exit 1.
import CrossGoKit
import Foundation
import GoBinary
import Testing
import TestSupport

@Suite struct UniversalBinaryTests {
    @Test(.requires("llvm-lipo"))
    func writesAUniversalFileFromDarwinBuilds() async throws {
        let folder = try TempFolder("universal")
        defer { folder.cleanup() }
        try folder.write("go.mod", "module example.com/uni\n\ngo 1.21\n")
        try folder.write("main.go", "package main\n\nfunc main() { println(\"uni\") }\n")
        let go = try await realToolchain().goPath
        var slices: [URL] = []
        for arch in ["arm64", "amd64"] {
            let out = folder.path + "/uni-darwin-\(arch)"
            let built = try await runProgram(go, ["build", "-trimpath", "-o", out, "."],
                                             environment: ["GOOS": "darwin", "GOARCH": arch, "CGO_ENABLED": "0", "GOFLAGS": nil, "GOWORK": "off", "GOTOOLCHAIN": "local"],
                                             workingDirectory: folder.path)
            #expect(built.exitCode == 0, "\(built.stderr)")
            slices.append(URL(fileURLWithPath: out))
        }
        let output = URL(fileURLWithPath: folder.path + "/uni")
        let arches = try UniversalBinary.write(slices: slices, to: output)
        #expect(arches.map(\.align) == [12, 14])
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o755)
        let image = try BinaryImage.read(path: output.path)
        #expect(image.format == .universal)
        #expect(image.slices.map { $0.buildInfo?.path } == ["example.com/uni", "example.com/uni"])
        let lipo = try await runProgram(repositoryRoot + "/.tools/bin/llvm-lipo", ["-info", output.path])
        #expect(lipo.stdout.contains("are: x86_64 arm64"), "\(lipo.stdout) \(lipo.stderr)")

        // Two arm64 slices: refused with one line and exit 1, and nothing is written.
        let refused = URL(fileURLWithPath: folder.path + "/dup")
        let error = #expect(throws: FatMachOError.self) { try UniversalBinary.write(slices: [slices[0], slices[0]], to: refused) }
        #expect(ExitStatus.of(error!) == .failed)
        #expect(error?.description == "\(slices[0].path) and \(slices[0].path) are both arm64: a universal binary holds one slice per architecture")
        #expect(!FileManager.default.fileExists(atPath: refused.path))
        // A missing slice is an environment error naming the file.
        let missing = #expect(throws: EnvironmentError.self) {
            try UniversalBinary.write(slices: [slices[0], URL(fileURLWithPath: folder.path + "/nope")], to: refused)
        }
        #expect(missing?.description.hasPrefix(folder.path + "/nope: cannot read:") == true)
        #expect(filesUnder(folder.path).filter { $0.contains("partial") }.isEmpty)
    }
}
