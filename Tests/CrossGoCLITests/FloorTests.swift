// Issue 28 items 1 and 2: each artifact's OS floor and signature kind, shown by inspect, recorded by build and
// release, reported by verify; a glibc floor (--min-glibc, libc: gnu.X.Y) is a promise checked against the artifact.
// Witnesses: binutils (readelf --version-info, objdump -T) and LLVM (llvm-readobj, llvm-objdump).
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

/// The highest GLIBC_x.y `readelf --version-info` lists in the version needs; nil when there is none.
func readelfGlibcFloor(_ file: String) async throws -> String? {
    let r = try await runProgram("readelf", ["--version-info", "-W", file])
    #expect(r.exitCode == 0, "readelf: \(r.stderr)")
    let versions = r.stdout.split(separator: "\n").compactMap { line -> String? in
        guard let range = line.range(of: "Name: GLIBC_") else { return nil }
        return String(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
    return versions.max { ELFVersionNeed.compare($0, $1) < 0 }
}

/// The highest GLIBC_x.y `objdump -T` shows on an undefined symbol.
func objdumpGlibcFloor(_ file: String) async throws -> String? {
    let r = try await runProgram("objdump", ["-T", file])
    #expect(r.exitCode == 0, "objdump: \(r.stderr)")
    let versions = r.stdout.split(separator: "\n").filter { $0.contains("*UND*") }.compactMap { line -> String? in
        guard let range = line.range(of: "(GLIBC_") else { return nil }
        return String(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
    return versions.max { ELFVersionNeed.compare($0, $1) < 0 }
}

/// One inspect --json line, the parts these tests read.
struct InspectFloorLine: Decodable {
    struct Slice: Decodable {
        struct Signature: Decodable { var kind: String; var teamIdentifier: String? }
        var goarch: String?
        var floor: ArtifactFloor?
        var signature: Signature
    }
    var slices: [Slice]
}

@Suite(.requires("git", "tar", "unzip", "sha256sum", "minisign", "llvm-lipo", "llvm-readobj", "llvm-objdump"))
struct ReleaseFloorTests {
    @Test func releaseRecordsEachFloorAndSignatureAndWarnsOnceAboutGatekeeper() async throws {
        let made = try await ReleaseFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stderr)")
        let facts = try #require(made.manifest.artifacts)
        #expect(Set(facts.map(\.path)) == Set(ReleaseTests.binaries))
        let arm = try #require(facts.first { $0.target == "darwin/arm64" })
        #expect(arm.signature?.kind == "linker-signed ad-hoc")
        #expect(arm.floor?.minOS == "13.0" && arm.floor?.sdk == "26.2" && arm.floor?.goMinimum == "macOS 13 (Go 1.27+)")
        #expect(facts.first { $0.target == "darwin/amd64" }?.signature?.kind == "not signed")
        let windows = try #require(facts.first { $0.target == "windows/amd64" })
        #expect(windows.signature?.kind == "not signed")
        #expect(windows.floor?.goMinimum == "Windows 10 / Server 2016 (Go 1.21+)")
        let readobj = try await runProgram("llvm-readobj", ["--file-headers", made.dist + "/hello_windows_amd64.exe"])
        let major = readobj.stdout.split(separator: "\n").first { $0.contains("MajorSubsystemVersion:") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces)
        let minor = readobj.stdout.split(separator: "\n").first { $0.contains("MinorSubsystemVersion:") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces)
        #expect(windows.floor?.subsystemVersion == "\(major ?? "?").\(minor ?? "?")")
        let linux = try #require(facts.first { $0.target == "linux/amd64" })
        #expect(linux.floor?.libc == "static" && linux.floor?.goMinimum == "Linux kernel 3.2 (Go 1.24+)")
        #expect(facts.first { $0.target == "js/wasm" }?.floor?.importModules == ["gojs"])
        // The build's manifest records the same, per artifact.
        let build = try #require(BuildManifest.read(from: made.dist))
        #expect(build.artifacts.first { $0.target == "darwin/arm64" }?.signature?.kind == "linker-signed ad-hoc")
        // One warning for all darwin artifacts, naming Gatekeeper.
        let all = made.result.stdout + made.result.stderr
        #expect(all.components(separatedBy: "darwin artifacts are ad-hoc signed only").count == 2, "\(made.result.stderr)")
        #expect(all.contains("Gatekeeper") && all.contains("darwin/arm64: linker-signed ad-hoc") && all.contains("darwin/amd64: not signed"))

        // verify reads each artifact again and says its kind.
        let verified = try await runCrossgo(["verify", made.dist, "--pub", made.keyBase + ".pub", "--no-progress"])
        #expect(verified.exitCode == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("signed hello_darwin_arm64: linker-signed ad-hoc"), "\(verified.stdout)")
        #expect(verified.stdout.contains("signed hello_windows_amd64.exe: not signed"))
        #expect(verified.stdout.contains("signed hello_linux_amd64: not applicable"))
    }

    @Test func inspectShowsTheFloorOfEachSliceOfTheUniversalBinary() async throws {
        let made = try await ReleaseFixture.shared.get()
        let file = made.dist + "/hello_darwin_universal"
        let json = try await runCrossgo(["inspect", "--json", file])
        #expect(json.exitCode == 0, "\(json.stderr)")
        let line = try JSONDecoder().decode(InspectFloorLine.self, from: Data(json.stdout.utf8))
        #expect(line.slices.count == 2)
        // llvm-objdump's minos/sdk, slice by slice.
        let dump = try await runProgram("llvm-objdump", ["--macho", "--private-headers", "--arch=all", file])
        let minos = dump.stdout.split(separator: "\n").compactMap { l -> String? in
            let w = l.split(separator: " ")
            return w.count == 2 && w[0] == "minos" ? String(w[1]) : nil
        }
        #expect(line.slices.map { $0.floor?.minOS ?? "" } == minos)
        for slice in line.slices {
            #expect(slice.signature.kind == (slice.goarch == "arm64" ? "linker-signed ad-hoc" : "not signed"))
        }
        let text = try await runCrossgo(["inspect", file])
        #expect(text.stdout.contains("floor    macOS 13.0 (SDK 26.2); macOS 13 (Go 1.27+)"), "\(text.stdout)")
        #expect(text.stdout.contains("signed   linker-signed ad-hoc"))
        let windows = try await runCrossgo(["inspect", made.dist + "/hello_windows_amd64.exe"])
        #expect(windows.stdout.contains("signed   not signed"), "\(windows.stdout)")
        #expect(windows.stdout.contains("Windows 10 / Server 2016 (Go 1.21+)"))
    }
}

@Suite struct FloorInputTests {
    @Test func aBadMinGlibcIsOneLineNamingTheFlag() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        for command in ["build", "test"] {
            let r = try await runCrossgo([command, "--min-glibc", "x", "--no-progress"], in: module.path)
            #expect(r.exitCode == 2, "\(command): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See") && !$0.isEmpty }
            #expect(lines.count == 1 && lines.first?.contains("--min-glibc") == true, "\(r.stderr)")
        }
    }

    @Test func aBadLibcVersionInCrossgoYamlIsOneLineNamingTheKey() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("crossgo.yaml", "cgo: true\nlibc: gnu.banana\n")
        let r = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(r.exitCode == 2, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 && lines.first?.contains("libc") == true && lines.first?.contains("banana") == true, "\(r.stderr)")
    }
}

/// Examples/cgo with a second program that calls getrandom (GLIBC_2.25), built with glibc for linux/amd64: by the
/// host's compiler with the host's glibc (and for linux/arm64 by zig with its default glibc), by zig against glibc 2.17 (--min-glibc 2.17), where the second fails, and
/// with `libc: gnu.2.17` but the host's gcc as CC, whose artifact breaks the promise.
@Suite(.serialized, .requires("zig", "readelf", "objdump"), .requiresHost("linux/amd64"))
struct GlibcFloorTests {
    static let made = Once { try await make() }

    struct Made: Sendable {
        var module: TempFolder
        var host: ProgramResult
        var floor: ProgramResult
        var promise: ProgramResult
    }

    static func make() async throws -> Made {
        let module = try copyExample("cgo")
        try module.write("crossgo.yaml", "cgo: true\nlibc: gnu\n")
        try FileManager.default.createDirectory(atPath: module.path + "/cmd/newer", withIntermediateDirectories: true)
        try module.write("cmd/newer/main.go", """
            // newer calls getrandom(2) through glibc's wrapper, which glibc added in 2.25.
            package main

            /*
            #include <sys/random.h>
            static long fill(void) { char b[8]; return (long)getrandom(b, sizeof b, 0); }
            */
            import "C"

            import "fmt"

            func main() { fmt.Println("getrandom:", C.fill()) }
            """)
        let host = try await runCrossgo(["build", "--json", "--no-progress", "--target", "linux/amd64,linux/arm64", "."], in: module.path,
                                        environment: CgoFixture.environment)
        let floor = try await runCrossgo(["build", "--json", "--no-progress", "--target", "linux/amd64", "--min-glibc", "2.17",
                                          "--out", "dist-2.17", ".", "./cmd/newer"], in: module.path, environment: CgoFixture.environment)
        // The promise made in crossgo.yaml, but kept by nobody: the host's gcc (a CC crossgo.yaml sets wins over zig)
        // links against this machine's glibc; the artifact is checked and fails.
        try module.write("crossgo.yaml", "cgo: true\nlibc: gnu.2.17\noverrides:\n  - targets: linux/amd64\n    env: {CC: gcc}\n")
        let promise = try await runCrossgo(["build", "--json", "--no-progress", "--target", "linux/amd64", "--out", "dist-gcc", "."],
                                           in: module.path, environment: CgoFixture.environment)
        return Made(module: module, host: host, floor: floor, promise: promise)
    }

    @Test func theFloorsInspectShowsAreWhatBinutilsShow() async throws {
        let made = try await Self.made.get()
        #expect(made.host.exitCode == 0, "\(made.host.stderr.suffix(2000))")
        let hostFile = made.module.path + "/dist/cgocalc_linux_amd64"
        let zigFile = made.module.path + "/dist/cgocalc_linux_arm64"
        let floorFile = made.module.path + "/dist-2.17/cgocalc_linux_amd64"
        var floors: [String] = []
        for file in [hostFile, zigFile, floorFile] {
            let r = try await runCrossgo(["inspect", "--json", file])
            #expect(r.exitCode == 0, "\(r.stderr)")
            let line = try JSONDecoder().decode(InspectFloorLine.self, from: Data(r.stdout.utf8))
            let floor = try #require(line.slices.first?.floor)
            let readelf = try await readelfGlibcFloor(file)
            #expect(floor.glibc != nil && floor.glibc == readelf, "\(file)")
            #expect(floor.glibc == (try await objdumpGlibcFloor(file)))
            #expect(floor.libc == "glibc \(readelf ?? "?")")
            let text = try await runCrossgo(["inspect", file])
            #expect(text.stdout.contains("floor    glibc \(readelf ?? "?")"), "\(text.stdout)")
            floors.append(floor.glibc ?? "")
        }
        // The promised floor holds, and is below the host's.
        #expect(ELFVersionNeed.compare(floors[2], "2.17") <= 0)
        #expect(ELFVersionNeed.compare(floors[0], floors[2]) > 0)
    }

    @Test func aFunctionNewerThanTheFloorFailsItsTargetInOneLineNamingIt() async throws {
        let made = try await Self.made.get()
        #expect(made.floor.exitCode == 1, "\(made.floor.stderr.suffix(2000))")
        struct Summary: Decodable { var artifacts: [Artifact]; var failures: [BuildFailure] }
        let summary = try summaryOutcome(Summary.self, from: made.floor.stdout)
        let ok = try #require(summary.artifacts.first)
        #expect(ok.binary == "cgocalc" && ok.cgo?.zigTriple == "x86_64-linux-gnu.2.17" && ok.cgo?.minGlibc == "2.17")
        #expect(ok.floor?.glibc.map { ELFVersionNeed.compare($0, "2.17") <= 0 } == true)
        let failure = try #require(summary.failures.first)
        #expect(failure.binary == "newer")
        #expect(!failure.message.contains("\n") && failure.message.contains("getrandom") && failure.message.contains("2.17"), "\(failure.message)")
    }

    @Test func anArtifactThatBreaksThePromiseFailsNamingTheSymbolObjdumpShows() async throws {
        let made = try await Self.made.get()
        #expect(made.promise.exitCode == 1, "\(made.promise.stderr.suffix(2000))")
        struct Summary: Decodable { var artifacts: [Artifact]; var failures: [BuildFailure] }
        let summary = try summaryOutcome(Summary.self, from: made.promise.stdout)
        let failure = try #require(summary.failures.first)
        #expect(summary.artifacts.isEmpty && failure.stage == .verify)
        #expect(!failure.message.contains("\n") && failure.message.contains("newer than the promised glibc 2.17"), "\(failure.message)")
        // "res_search needs GLIBC_2.34 from libc.so.6, ...": the same gcc's build (dist/) shows that symbol at that version.
        let words = failure.message.split(separator: " ")
        let symbol = try #require(words.first.map(String.init)), version = try #require(words.dropFirst(2).first.map(String.init))
        let objdump = try await runProgram("objdump", ["-T", made.module.path + "/dist/cgocalc_linux_amd64"])
        #expect(objdump.stdout.split(separator: "\n").contains { $0.contains("*UND*") && $0.contains("(\(version))") && $0.hasSuffix(" " + symbol) },
                "\(symbol)@\(version)")
        #expect(ELFVersionNeed.compare(String(version.dropFirst(6)), "2.17") > 0)
    }
}
