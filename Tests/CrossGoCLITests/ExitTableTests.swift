// The exit table through the real executable for every command: 0, 1, 2 (a bad flag, a bad file), 3 (the command's
// environment error) and 130 where the command runs long. Cheap inputs only: a missing file, a bad flag value, a go
// that is not there, a cache folder a file is in the way of, one host build or test shard made once and copied, a
// vulnerability database of one test entry. Every error is one line naming the flag or the file (one error event with
// --json). Not in the table, because the command has no such row: inspect, verify and doctor have no 3 (an unreadable
// file is a per-file failure, 1; the doctor's problems are findings), report, targets and ci have no 1, serve no 0.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// One row: the arguments (run in a copy of Examples/hello, whose go.mod and main.go are there), the status, and
/// the text the one error line must hold (nil for 0, which must print no error at all).
struct ExitCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var status: CrossGoKit.ExitStatus
    var error: String?
    /// The module the row runs in: an example ("hello", "bench") or a fixture ("fixture/testmatrix").
    var module = "hello"
    /// What the row puts in the module first (a copy of a shared output folder as `shard`, a database).
    var setup = ExitSetup.none
    /// For the rows without an error line (0, 1): text stdout or stderr must hold, naming what passed or failed.
    var output: String?
    var testDescription: String { "crossgo \(arguments.joined(separator: " ")) -> \(status.rawValue)" + (setup == .none ? "" : " (\(setup))") }

    init(_ arguments: [String], _ status: CrossGoKit.ExitStatus, _ error: String? = nil, module: String = "hello", setup: ExitSetup = .none,
         output: String? = nil) {
        self.arguments = arguments
        self.status = status
        self.error = error
        self.module = module
        self.setup = setup
        self.output = output
    }
}

/// What a row of the exit table finds in its module before crossgo runs.
enum ExitSetup: String, Sendable {
    case none
    /// `shard`: the output folder of `crossgo build --target host --shard 1/1` on Examples/hello (made once).
    case built
    /// `shard`: the same folder with one byte added to its binary.
    case tampered
    /// `shard`: the output folder of `crossgo test --target host --shard 1/1` on the testmatrix fixture, whose
    /// other.TestAlwaysFails fails (made once).
    case failedTests
    /// `vulndb`: a vulnerability database in the published layout with no entry.
    case emptyVulnDB
    /// `vulndb`: a database with one test entry: every Go release's os.Getenv (linked into the go executable).
    case stdlibVulnDB
    /// `fail_test.go`: a benchmark that always fails (b.Fatal).
    case failingBenchmark
}

/// The output folders the exit table's rows copy, made once for the suite.
enum ExitTableFixture {
    static let shared = Once { try await make() }

    struct Made: Sendable {
        var root: TempFolder
        /// The shard folder of a host build of Examples/hello.
        var built: String
        /// The shard folder of a host test run of the testmatrix fixture (one package fails).
        var failedTests: String
        /// The host binary's file name in `built`.
        var binary: String
    }

    static func make() async throws -> Made {
        let root = try TempFolder("exit-fixture")
        let hello = try copyExample("hello")
        let build = try await runCrossgo(["build", "--target", "host", "--shard", "1/1", "--no-progress"], in: hello.path)
        guard build.exitCode == 0 else { throw CLIFixtureError(message: "build --shard 1/1: \(build.stderr)") }
        let built = try root.copy(folder: hello.path + "/dist/shard-1-of-1", as: "built")
        hello.cleanup()
        let matrix = try copyFixture("testmatrix")
        let test = try await runCrossgo(["test", "--target", "host", "--shard", "1/1", "--no-progress"], in: matrix.path)
        guard test.exitCode == 1 else { throw CLIFixtureError(message: "test --shard 1/1 ended \(test.exitCode), not 1: \(test.stderr)") }
        let failedTests = try root.copy(folder: matrix.path + "/dist/shard-1-of-1", as: "tests")
        matrix.cleanup()
        let manifest = try JSONDecoder().decode(BuildManifest.self, from: Data(contentsOf: URL(fileURLWithPath: built + "/" + BuildManifest.fileName)))
        guard manifest.artifacts.count == 1, let binary = manifest.artifacts.first?.path else {
            throw CLIFixtureError(message: "expected one artifact in \(built): \(manifest.artifacts.map(\.path))")
        }
        return Made(root: root, built: built, failedTests: failedTests, binary: binary)
    }

    /// Puts what `setup` asks for into `module`.
    static func prepare(_ setup: ExitSetup, in module: TempFolder) async throws {
        switch setup {
        case .none: return
        case .built, .tampered:
            let made = try await shared.get()
            _ = try module.copy(folder: made.built, as: "shard")
            if setup == .tampered {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: module.path + "/shard/" + made.binary))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data([0]))
                try handle.close()
            }
        case .failedTests:
            let made = try await shared.get()
            _ = try module.copy(folder: made.failedTests, as: "shard")
        case .emptyVulnDB:
            try VulnDBFixture.write(to: module.path + "/vulndb", modified: "2026-01-01T00:00:00Z", only: [])
        case .stdlibVulnDB:
            let entry = #"{"schema_version": "1.3.1", "id": "GO-2099-0001", "modified": "2026-11-20T00:00:00Z", "published": "2026-11-20T00:00:00Z", "#
                + #""aliases": [], "summary": "Test entry (not a real advisory): every Go release's os.Getenv", "affected": [{"package": "#
                + #"{"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}], "#
                + #""ecosystem_specific": {"imports": [{"path": "os", "symbols": ["Getenv"]}]}}], "#
                + #""database_specific": {"url": "https://pkg.go.dev/vuln/GO-2099-0001"}}"#
            try VulnDBFixture.write(to: module.path + "/vulndb", modified: "2026-11-20T00:00:00Z", only: ["GO-2099-0001"], extra: [entry])
        case .failingBenchmark:
            try module.write("fail_test.go", "package main\n\nimport \"testing\"\n\nfunc BenchmarkFails(b *testing.B) { b.Fatal(\"this benchmark always fails\") }\n")
        }
    }
}

@Suite struct CommandExitTableTests {
    static let cases: [ExitCase] = [
        // build: 0 and 1 are in SpineTests (a real build); here the cheap rows. Rows with a setup copy one shared host
        // build or test shard (ExitTableFixture) into their module.
        ExitCase(["build", "--jobs", "0"], .usage, "--jobs must be a positive whole number (1 or more), not 0"),
        ExitCase(["build", "--target", "host", "--shard", "1/2", "--shard-durations", "missing.json", "--no-progress"], .usage, "missing.json"),
        ExitCase(["build", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["test", "--timeout", "soon"], .usage, "--timeout 'soon' is not a Go duration"),
        ExitCase(["test", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["bench", "--count", "0"], .usage, "--count must be a positive whole number (1 or more), not 0"),
        ExitCase(["bench", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["report", "--color", "sometimes"], .usage, "--color"),
        ExitCase(["report", "missing-dist", "--no-progress"], .usage, "missing-dist"),
        ExitCase(["report", "shard", "--no-progress"], .ok, setup: .built, output: "shard/report.html"),
        ExitCase(["report", "shard", "-o", "go.mod/report.html", "--no-progress"], .environment, "go.mod/report.html", setup: .built),
        ExitCase(["report", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["release", "--jobs", "0"], .usage, "--jobs must be a positive whole number (1 or more), not 0"),
        ExitCase(["release", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["verify", "--color", "sometimes", "."], .usage, "--color"),
        ExitCase(["verify", "/nonexistent"], .usage, "/nonexistent: no such folder"),
        ExitCase(["verify", "shard", "--no-progress"], .ok, setup: .built, output: "shard: 2 check(s) passed, 0 failed"),
        ExitCase(["verify", "shard", "--no-progress"], .failed, setup: .tampered, output: "FAILED sums BINARY: "),
        ExitCase(["verify", "shard", "--pub", "missing.pub"], .usage, "--pub missing.pub: no such file", setup: .built),
        ExitCase(["merge", "go.mod"], .usage, "go.mod: is a file, not a folder"),
        ExitCase(["merge", "--color", "sometimes", "."], .usage, "--color"),
        ExitCase(["merge", "shard", "--out", "merged", "--no-progress"], .ok, setup: .built, output: "merged 1 shard(s) into merged: 1 artifact(s), 0 failed"),
        ExitCase(["merge", "shard", "--out", "merged", "--no-progress"], .failed, setup: .failedTests,
                 output: "FAILED example.com/tm/other HOSTPAIR: 1 test(s) failed"),
        ExitCase(["merge", "shard", "--out", "go.mod/merged", "--no-progress"], .environment, "go.mod/merged", setup: .built),
        ExitCase(["merge", "shard", "--out", "shard", "--no-progress"], .usage, "--out shard is one of the shards' folders", setup: .built),
        ExitCase(["test", "--target", "host", "./calc", "--no-progress"], .ok, module: "fixture/testmatrix", output: "3 passed, 0 failed, 1 skipped"),
        ExitCase(["test", "--target", "host", "./other", "--no-progress"], .failed, module: "fixture/testmatrix", output: "--- FAIL: TestAlwaysFails on HOSTPAIR"),
        ExitCase(["bench", "--target", "host", "--bench", "Ints", "--benchtime", "1x", "--no-progress"], .ok, module: "bench", output: "example.com/bench #1 HOSTPAIR"),
        ExitCase(["release", "--target", "host", "--version", "1.0.0", "--no-progress"], .ok, output: "stage sign: skipped"),
        ExitCase(["release", "--target", "host", "--version", "1.0.0", "--ldflags=-bogusflag", "--no-progress"], .failed, output: "hello HOSTPAIR  build: flag provided but not defined: -bogusflag"),
        ExitCase(["audit", "GO", "--db", "vulndb", "--no-progress"], .ok, setup: .emptyVulnDB, output: "no known vulnerabilities in 1 artifact"),
        ExitCase(["audit", "GO", "--db", "vulndb", "--no-progress"], .failed, setup: .stdlibVulnDB, output: "linked: os.Getenv"),
        ExitCase(["bench", "--target", "host", "--benchtime", "1x", "--no-progress"], .failed, setup: .failingBenchmark,
                 output: "fail_test.go:5: this benchmark always fails"),
        ExitCase(["serve", "--addr", "0.0.0.0:80"], .usage, "--addr '0.0.0.0:80': crossgo serves on 127.0.0.1 only"),
        ExitCase(["serve", "go.mod"], .usage, "go.mod: is a file, not a folder"),
        ExitCase(["inspect", "GO"], .ok),
        ExitCase(["inspect", "go.mod"], .failed, "go.mod: "),
        ExitCase(["inspect", "/nonexistent"], .usage, "/nonexistent: no such file or folder"),
        ExitCase(["inspect", "--color", "sometimes", "GO"], .usage, "--color"),
        ExitCase(["audit", "/nonexistent"], .usage, "/nonexistent: no such file or folder"),
        ExitCase(["audit", "--color", "sometimes", "GO"], .usage, "--color"),
        ExitCase(["audit", "GO", "--db", "http://127.0.0.1:1", "--no-progress"], .environment, "127.0.0.1:1"),
        ExitCase(["doctor", "--fix-shell", "tcsh"], .usage, "--fix-shell"),
        ExitCase(["doctor", "--color", "sometimes"], .usage, "--color"),
        ExitCase(["targets", "--target", "host"], .ok),
        ExitCase(["targets", "--target", "linux/risc64"], .usage, "did you mean linux/riscv64"),
        ExitCase(["targets", "--go", "/nonexistent/go"], .environment, "/nonexistent/go"),
        ExitCase(["cacheprog", "--dir", "cache"], .ok),
        ExitCase(["cacheprog", "--url", "ftp://cache.example"], .usage, "--url 'ftp://cache.example' is not an http:// or https:// URL"),
        ExitCase(["cacheprog", "--max-upload", "-1"], .usage, "--max-upload"),
        ExitCase(["cacheprog", "--dir", "go.mod/cache"], .environment, "cannot use the cache folder go.mod/cache: go.mod is a file, not a folder"),
        ExitCase(["ci", "github", "--stdout"], .ok),
        ExitCase(["ci", "github", "--stdout", "--shards", "-2"], .usage, "--shards"),
        ExitCase(["ci", "github", "--stdout", "--go", "/nonexistent/go"], .environment, "/nonexistent/go"),
        ExitCase(["release", "keygen", "signing"], .ok),
        ExitCase(["release", "keygen", ""], .usage, "keygen: give a name for the key pair"),
        ExitCase(["release", "keygen", "--color", "sometimes", "k"], .usage, "--color"),
        ExitCase(["release", "keygen", "no-such-folder/k"], .environment, "no-such-folder/k.key: cannot write"),
    ]

    @Test(arguments: cases)
    func statusAndOneErrorLine(_ row: ExitCase) async throws {
        let module = try row.module.hasPrefix("fixture/") ? copyFixture(String(row.module.dropFirst("fixture/".count))) : copyExample(row.module)
        defer { module.cleanup() }
        try await ExitTableFixture.prepare(row.setup, in: module)
        // GO: the go executable, a Go binary that is always at hand (inspect, audit).
        let go = try await realToolchain().goPath
        let arguments = row.arguments.map { $0 == "GO" ? go : $0 }
        let result = try await runCrossgo(arguments, in: module.path, environment: ["NO_COLOR": "1"], timeout: 300)
        if var output = row.output {
            // HOSTPAIR: the host's target; BINARY: the host binary's name in the built folder.
            output = output.replacingOccurrences(of: "HOSTPAIR", with: hostPair)
            if output.contains("BINARY") { output = output.replacingOccurrences(of: "BINARY", with: try await ExitTableFixture.shared.get().binary) }
            #expect((result.stdout + result.stderr).contains(output), "\(output) in: \(result.stdout.suffix(1500)) \(result.stderr.suffix(1500))")
        }
        #expect(result.exitCode == row.status.rawValue, "\(arguments): \(result.stderr.suffix(2000))")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(result.stderr)")
        let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("crossgo: error:") || $0.hasPrefix("Error:") }
        if let error = row.error {
            #expect(errorLines.count == 1, "one error line: \(result.stderr)")
            #expect(errorLines.first?.contains(error) == true, "\(error) in \(result.stderr)")
        } else {
            #expect(errorLines.isEmpty, "\(result.stderr)")
        }
    }

    /// The same rows with --json: nothing on stderr, and the last stdout line is the one error event, with the
    /// status's code and word and the message naming the flag or file.
    static let jsonCases: [ExitCase] = cases.filter { row in
        row.error != nil && ["build", "test", "bench", "report", "release", "verify", "merge", "audit"].contains(row.arguments[0])
            && !row.arguments.contains("--color") && row.arguments.contains("--no-progress")
    }

    @Test(arguments: jsonCases)
    func jsonErrorEvent(_ row: ExitCase) async throws {
        let module = try row.module.hasPrefix("fixture/") ? copyFixture(String(row.module.dropFirst("fixture/".count))) : copyExample(row.module)
        defer { module.cleanup() }
        try await ExitTableFixture.prepare(row.setup, in: module)
        let go = try await realToolchain().goPath
        let arguments = row.arguments.map { $0 == "GO" ? go : $0 } + ["--json"]
        let result = try await runCrossgo(arguments, in: module.path, environment: ["NO_COLOR": "1"], timeout: 300)
        #expect(result.exitCode == row.status.rawValue, "\(arguments): \(result.stderr.suffix(2000))")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let events = try lines.map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(events.filter { $0.event == "error" }.count == 1 && events.last?.event == "error", "\(result.stdout.suffix(1500))")
        let last = try #require(events.last)
        #expect(last.exitCode == Int(row.status.rawValue) && last.status == row.status.name && last.command == row.arguments[0])
        #expect(last.message?.contains(row.error ?? "") == true && last.message?.contains("\n") == false, "\(last.message ?? "")")
    }

    /// An existing key is never overwritten: bad input (2) naming the file.
    @Test func keygenOverAnExistingKeyIsTwo() async throws {
        let folder = try TempFolder("exit-keygen")
        defer { folder.cleanup() }
        try folder.write("signing.pub", "an older key")
        let result = try await runCrossgo(["release", "keygen", "signing"], in: folder.path)
        #expect(result.exitCode == ExitStatus.usage.rawValue)
        #expect(result.stderr == "crossgo: error: \(folder.path)/signing.pub: already exists; crossgo never overwrites a key (move it away or choose another name)\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/signing.key"))
    }

    /// A port another server holds is serve's environment error (3), naming --addr.
    @Test func serveOnAPortInUseIsThree() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("site/index.html", "<html></html>")
        let holder = try await LocalHTTPServer.start(port: 0) { _ in LocalResponse() }
        let result = try await runCrossgo(["serve", "site", "--addr", "127.0.0.1:\(holder.port)"], in: module.path, timeout: 60)
        await holder.stop()
        #expect(result.exitCode == ExitStatus.environment.rawValue, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("crossgo: error: --addr 127.0.0.1:\(holder.port): cannot listen on 127.0.0.1:\(holder.port): "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A session that is interrupted ends 130: serve stops its server and says so; a build stops its go.
    @Test func serveStopsCleanlyOn130() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("dist/web/hello/index.html", "<html></html>")
        let serve = try GroupInterrupt(arguments: ["serve", "--no-progress"], in: module.path)
        let (status, _) = try serve.interrupt(when: "at http://127.0.0.1:", timeout: 120)
        #expect(status == ExitStatus.interrupted.rawValue, "\(serve.output)")
        #expect(serve.output.contains("crossgo: serving \(module.path)/dist/web/hello at http://127.0.0.1:"), "\(serve.output)")
        #expect(serve.output.contains("crossgo: stopped serving \(module.path)/dist/web/hello"), "\(serve.output)")
    }

    @Test func serveJSONEndsWithAnInterruptedSummary() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("site/index.html", "<html></html>")
        let serve = try GroupInterrupt(arguments: ["serve", "site", "--json"], in: module.path)
        let (status, _) = try serve.interrupt(when: "\"event\":\"notice\"", timeout: 120)
        #expect(status == ExitStatus.interrupted.rawValue)
        let events = try serve.output.split(separator: "\n").map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(events.map(\.event) == ["notice", "summary"], "\(serve.output)")
        #expect(events.last?.command == "serve")
    }

    /// The quick commands run on the main thread's executor, whose loop watches SIGINT itself (no Dispatch source):
    /// interrupted while its go waits for a toolchain from a proxy that never answers, `targets` ends 130 at once with
    /// one error event, and the go it started is gone.
    @Test func quickCommandStopsOn130() async throws {
        let proxy = try SilentServer()
        defer { proxy.stop() }
        let folder = try TempFolder("crossgo-quick-interrupt")
        defer { folder.cleanup() }
        let targets = try GroupInterrupt(arguments: ["targets", "--json"], in: folder.path,
                                         environment: ["CROSSGO_CACHE": "off", "GOTOOLCHAIN": "go1.99.0", "GOPROXY": proxy.url,
                                                       "GOSUMDB": "off", "GOMODCACHE": folder.path + "/modcache"])
        var started: [Int32] = []
        let (status, _) = try targets.interrupt(until: {
            started = targets.children
            return !started.isEmpty
        }, describing: "a go started by crossgo targets", timeout: 120)
        #expect(status == ExitStatus.interrupted.rawValue, "\(targets.output)")
        let events = try targets.output.split(separator: "\n").map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(events.map(\.event) == ["error"], "\(targets.output)")
        #expect(events.first?.message == "interrupted" && events.first?.exitCode == 130)
        // Every go it started has ended (reaped: no /proc entry left, or a zombie of an exited process at most).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, started.contains(where: { kill($0, 0) == 0 && !isZombie($0) }) { usleep(50_000) }
        #expect(!started.contains { kill($0, 0) == 0 && !isZombie($0) }, "still running: \(started)")
    }

    /// Whether a process has exited and waits to be reaped (state Z in /proc/PID/stat).
    func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func buildStopsOn130() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let build = try GroupInterrupt(arguments: ["build", "--target", "linux/amd64,linux/arm64,linux/riscv64,windows/amd64,darwin/arm64",
                                                   "--no-progress", "--json"],
                                       in: module.path, environment: ["GOCACHE": module.path + "/gocache"])
        let (status, _) = try build.interrupt(when: "\"job-started\"", timeout: 300)
        #expect(status == ExitStatus.interrupted.rawValue, "\(build.output.suffix(2000))")
        let last = try #require(build.output.split(separator: "\n").last)
        #expect(try JSONDecoder().decode(EventLine.self, from: Data(last.utf8)).exitCode == 130, "\(last)")
    }

    /// The doctor's own rows through the real executable, in a sandbox of the developer's shell: 0 when every check
    /// passes, 1 for warnings only (GOPATH/bin not on PATH), 2 for an error (a go.mod needing a Go that
    /// GOTOOLCHAIN=local forbids); never an error line, the JSON summary naming the status and the finding behind it.
    @Test func doctorIsZeroCleanOneForWarningsTwoForErrors() async throws {
        let box = try DoctorTests.Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: try await DoctorTests.mainGo())
        let tools = repositoryRoot + "/.tools/bin"
        let (clean, cleanFindings) = try await box.doctor(path: [goDir, box.home + "/go/bin", tools])
        #expect(clean.exitCode == ExitStatus.ok.rawValue, "\(cleanFindings.filter { $0.status != .ok && $0.status != .skipped })")
        let cleanSummary = try #require(clean.stdout.split(separator: "\n").last)
        let cleanLine = try JSONDecoder().decode(EventLine.self, from: Data(cleanSummary.utf8))
        #expect(cleanLine.event == "summary" && cleanLine.status == "ok" && cleanLine.exitCode == 0, "\(cleanSummary)")
        #expect(!clean.stderr.contains("crossgo: error:"), "\(clean.stderr)")
        let (warned, warnings) = try await box.doctor(path: [goDir, tools])
        #expect(warned.exitCode == ExitStatus.failed.rawValue, "\(warnings.filter { $0.status != .ok })")
        let binPath = try DoctorTests.find(warnings, "go.bin-path")
        #expect(warnings.filter { $0.status == .error }.isEmpty && binPath.status == .warning)
        let warnedSummary = try #require(warned.stdout.split(separator: "\n").last)
        let warnedLine = try JSONDecoder().decode(EventLine.self, from: Data(warnedSummary.utf8))
        #expect(warnedLine.event == "summary" && warnedLine.status == "warnings" && warnedLine.exitCode == 1, "\(warnedSummary)")
        #expect(!warned.stderr.contains("crossgo: error:"), "\(warned.stderr)")

        try box.root.write("work/go.mod", "module example.com/future\n\ngo 1.99.0\n")
        let (failed, errors) = try await box.doctor(path: [goDir, box.home + "/go/bin", tools], extra: ["GOTOOLCHAIN": "local"])
        #expect(failed.exitCode == ExitStatus.usage.rawValue)
        let toolchain = try DoctorTests.find(errors, "go.toolchain")
        #expect(toolchain.status == .error)
        let failedSummary = try #require(failed.stdout.split(separator: "\n").last)
        let failedLine = try JSONDecoder().decode(EventLine.self, from: Data(failedSummary.utf8))
        #expect(failedLine.event == "summary" && failedLine.status == "errors" && failedLine.exitCode == 2, "\(failedSummary)")
        // The text report ends the same way: the count line, no error line.
        let (text, _) = try await box.doctor(path: [goDir, box.home + "/go/bin", tools], extra: ["GOTOOLCHAIN": "local"], arguments: [])
        #expect(text.exitCode == 2 && !text.stderr.contains("crossgo: error:"), "\(text.stderr)")
        #expect(text.stdout.contains("error(s)"), "\(text.stdout.suffix(500))")
    }

    /// The long-running commands end 130 on SIGINT once a job has started, the last JSON event an interrupted summary:
    /// test and bench under qemu, release as build does.
    @Test(.requires("qemu-riscv64"), arguments: [
        ["test", "--no-cache", "--target", "linux/riscv64,linux/arm64,linux/s390x,wasip1/wasm", "--no-progress", "--json"],
        ["bench", "--target", "linux/riscv64,linux/arm64,linux/s390x", "--count", "3", "--no-progress", "--json"],
        ["release", "--target", "linux/amd64,linux/arm64,linux/riscv64,windows/amd64,darwin/arm64", "--version", "1.0.0", "--no-progress", "--json"],
    ])
    func longCommandsStopOn130(_ arguments: [String]) async throws {
        let module = try arguments[0] == "test" ? copyFixture("testmatrix") : copyExample(arguments[0] == "bench" ? "bench" : "hello")
        defer { module.cleanup() }
        let run = try GroupInterrupt(arguments: arguments, in: module.path,
                                     environment: ["GOCACHE": module.path + "/gocache", "CROSSGO_CACHE": module.path + "/crossgo-cache"])
        let (status, _) = try run.interrupt(when: "\"job-started\"", timeout: 300)
        #expect(status == ExitStatus.interrupted.rawValue, "\(run.output.suffix(2000))")
        let last = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let event = try JSONDecoder().decode(EventLine.self, from: Data(last.utf8))
        #expect(event.event == "summary" && event.command == arguments[0] && event.exitCode == 130, "\(last)")
        #expect(!run.output.contains("Fatal error"), "\(run.output.suffix(2000))")
    }
}
