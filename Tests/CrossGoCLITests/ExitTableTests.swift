// The exit table through the real executable for every command: 0, 1, 2 (a bad flag, a bad file), 3 (the command's
// environment error) and 130 where the command runs long. Cheap inputs only: a missing file, a bad flag value, a go
// that is not there, a cache folder a file is in the way of. Every error is one line naming the flag or the file.
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
    var testDescription: String { "crossgo \(arguments.joined(separator: " ")) -> \(status.rawValue)" }

    init(_ arguments: [String], _ status: CrossGoKit.ExitStatus, _ error: String? = nil) {
        self.arguments = arguments
        self.status = status
        self.error = error
    }
}

@Suite struct CommandExitTableTests {
    static let cases: [ExitCase] = [
        // build and test: 0 and 1 are in SpineTests (a real build); here the cheap rows.
        ExitCase(["build", "--jobs", "0"], .usage, "--jobs must be a positive whole number (1 or more), not 0"),
        ExitCase(["build", "--target", "host", "--shard", "1/2", "--shard-durations", "missing.json", "--no-progress"], .usage, "missing.json"),
        ExitCase(["build", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["test", "--timeout", "soon"], .usage, "--timeout 'soon' is not a Go duration"),
        ExitCase(["test", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["bench", "--count", "0"], .usage, "--count must be a positive whole number (1 or more), not 0"),
        ExitCase(["bench", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["report", "--color", "sometimes"], .usage, "--color"),
        ExitCase(["report", "missing-dist", "--no-progress"], .usage, "missing-dist"),
        ExitCase(["release", "--jobs", "0"], .usage, "--jobs must be a positive whole number (1 or more), not 0"),
        ExitCase(["release", "--go", "/nonexistent/go", "--no-progress"], .environment, "/nonexistent/go"),
        ExitCase(["verify", "--color", "sometimes", "."], .usage, "--color"),
        ExitCase(["verify", "/nonexistent"], .usage, "/nonexistent: no such folder"),
        ExitCase(["merge", "go.mod"], .usage, "go.mod: is a file, not a folder"),
        ExitCase(["merge", "--color", "sometimes", "."], .usage, "--color"),
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
        let module = try copyExample("hello")
        defer { module.cleanup() }
        // GO: the go executable, a Go binary that is always at hand (inspect, audit).
        let go = try await realToolchain().goPath
        let arguments = row.arguments.map { $0 == "GO" ? go : $0 }
        let result = try await runCrossgo(arguments, in: module.path, environment: ["NO_COLOR": "1"], timeout: 300)
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
}
