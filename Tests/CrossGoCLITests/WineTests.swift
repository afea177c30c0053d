// windows/amd64 under Wine with the real wine: verdicts agree with `go test -exec` through a Wine wrapper, the prefix
// is made once (and shared by every test through one cache folder), crossgo's DLL is checked, a 386 program without
// wine32 is never passed, and targets/doctor/build --run show the runner.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

@Suite(.serialized, .requires("wine", "wineserver"), .requiresHost("linux/amd64")) struct WineTests {
    /// One cache folder for every Wine test on this machine: the prefix (wineboot -i, ~9 s and ~700 MB) is made once.
    static let cache = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path + "/crossgo-wine-tests-cache"
    static var environment: EnvironmentChanges { ["CROSSGO_CACHE": cache, "NO_COLOR": "1"] }
    static var prefix: String { WineHost.prefixPath(environment: ["CROSSGO_CACHE": cache]) }

    struct Line: Decodable {
        var event: String
        var record: PackageResult?
        var message: String?
    }

    static func lines(_ stdout: String) throws -> [Line] {
        try stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// Package -> "ok" or "FAIL", from `go test`'s summary lines.
    static func goVerdicts(_ output: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2, fields[0] == "ok" || fields[0] == "FAIL" else { continue }
            out[fields[1]] = fields[0]
        }
        return out
    }

    @Test func verdictsAgreeWithGoTestExecAndTheSetUpHappensOnce() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let packages = ["./...", "strings", "sort", "encoding/json", "os"]
        let first = try await runCrossgo(["test"] + packages + ["--target", "windows/amd64", "--json", "--no-cache"],
                                         in: module.path, environment: Self.environment)
        #expect(first.exitCode == 1, "other's TestAlwaysFails and os under Wine fail: \(first.stderr.suffix(2000))")
        let results = try Self.lines(first.stdout).compactMap { $0.event == "job-finished" ? $0.record : nil }
        var crossgo: [String: String] = [:]
        for r in results { crossgo[r.package] = r.status == .passed ? "ok" : (r.status.isFailure ? "FAIL" : r.status.rawValue) }
        #expect(crossgo["strings"] == "ok" && crossgo["sort"] == "ok" && crossgo["encoding/json"] == "ok")
        #expect(crossgo["os"] == "FAIL", "os fails under Wine 8 (unlinkat, readlink): a true result")
        #expect(crossgo["example.com/tm/calc"] == "ok" && crossgo["example.com/tm/other"] == "FAIL")
        #expect(results.first { $0.package == "strings" }.map { $0.passedCount > 100 } == true)
        // The DLL in the prefix is crossgo's, and passes crossgo's own check.
        let dll = try #require(FileManager.default.contents(atPath: Self.prefix + "/drive_c/windows/system32/bcryptprimitives.dll"))
        #expect([UInt8](dll) == (try ProcessPrngDLL.bytes()))

        // go test -exec with a Wine wrapper on the same prefix (services started first, as crossgo does, so that they
        // do not hold a test's stdout open), on the same packages.
        let toolchain = try await realToolchain()
        let wrapper = try wineExecWrapper(in: module, prefix: Self.prefix)
        let wineEnv: EnvironmentChanges = WineHost.environment(prefix: Self.prefix)
        _ = try await runProgram("wineserver", ["-p30"], environment: wineEnv, timeout: 60)  // never -k: the prefix is shared
        _ = try await runProgram("/bin/sh", ["-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh", "/usr/lib/wine/wine64", "wineboot"],
                                 environment: wineEnv, timeout: 120)
        let go = try await runProgram(toolchain.goPath, ["test", "-count=1", "-exec", wrapper] + packages,
                                      environment: ["GOOS": "windows", "GOARCH": "amd64", "CGO_ENABLED": "0"],
                                      workingDirectory: module.path, timeout: 1800)
        let reference = Self.goVerdicts(go.stdout + go.stderr)
        #expect(reference.count == 6, "\(go.stdout.suffix(3000))")
        for (package, verdict) in reference {
            #expect(crossgo[package] == verdict, "\(package): crossgo \(crossgo[package] ?? "-"), go test -exec \(verdict)")
        }

        // A second run makes no prefix (the set-up notice comes only when it is created) and still runs.
        let second = try await runCrossgo(["test", "strings", "--target", "windows/amd64", "--json", "--no-cache"],
                                          in: module.path, environment: Self.environment)
        #expect(second.exitCode == 0, "\(second.stderr.suffix(1000))")
        let notices = try Self.lines(second.stdout).compactMap { $0.event == "notice" ? $0.message : nil }
        #expect(!notices.contains { $0.contains("Wine prefix") }, "\(notices)")
        #expect(try Self.lines(second.stdout).contains { $0.record?.package == "strings" && $0.record?.status == .passed })
    }

    @Test func windows386WithoutWine32IsNeverPassed() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let build = try await runCrossgo(["build", "--target", "windows/386,windows/amd64", "--run", "--json"], in: module.path, environment: Self.environment)
        struct Runs: Decodable { var runs: [RunRecord] }
        let outcome = try summaryOutcome(Runs.self, from: build.stdout)
        let run386 = try #require(outcome.runs.first { $0.target == "windows/386" })
        #expect(run386.status != .passed && run386.runner == nil, "\(run386)")
        let amd64 = try #require(outcome.runs.first { $0.target == "windows/amd64" })
        #expect(amd64.status == .passed && amd64.runner == "wine" && amd64.output.contains("hello"), "\(amd64)")
        let wine32 = ["/usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so", "/usr/lib/wine/i386-unix/ntdll.so"].contains { FileManager.default.fileExists(atPath: $0) }
        if !wine32 {
            #expect(run386.status == .notRun && (run386.reason ?? "").contains("wine32:i386"), "\(run386)")
            let test = try await runCrossgo(["test", "strings", "--target", "windows/386"], in: module.path, environment: Self.environment)
            #expect(test.exitCode == 1 && test.stdout.contains("NOT RUN") && test.stdout.contains("wine32"), "\(test.stdout)")
        }
    }

    @Test func targetsAndDoctorShowTheRunner() async throws {
        let targets = try await runCrossgo(["targets", "--target", "windows/amd64,windows/386"], environment: Self.environment)
        let lines = targets.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("windows/amd64") && $0.contains("wine (") && $0.contains(Self.prefix) }, "\(targets.stdout)")
        #expect(lines.contains { $0.hasPrefix("windows/386") && $0.contains("build only") && $0.contains("wine32") }, "\(targets.stdout)")
        let path = repositoryRoot + "/.tools/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let doctor = try await runCrossgo(["doctor", "--json"], environment: Self.environment.merging(["PATH": path]) { $1 })
        #expect(doctor.stdout.contains("windows/amd64: wine ("), "\(doctor.stdout.prefix(3000))")
    }

    /// crossgo refuses a DLL that is not its thunk.
    @Test func dllCheckRejectsDamage() throws {
        let good = try ProcessPrngDLL.bytes()
        #expect(ProcessPrngDLL.check(good) == nil)
        let dirs = try PEDirectories.read(MemorySource(good))
        var bad = good
        let rva = Int(try #require(dirs.exports["ProcessPrng"]))
        bad[0x200 + rva - 0x1000] = 0xCC  // int3 instead of sub rsp
        #expect(ProcessPrngDLL.check(bad) == "ProcessPrng's code is not crossgo's thunk")
        #expect(ProcessPrngDLL.check(Array(good.prefix(300))) != nil)
    }
}
