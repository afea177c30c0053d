// The real crossgo executable: help, version, `targets` against `go tool dist list`, errors and exit codes.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct CLITests {
    @Test func versionAndHelp() async throws {
        let version = try await runCrossgo(["--version"])
        #expect(version.exitCode == 0 && version.stdout == CrossGoVersion.full + "\n")
        let help = try await runCrossgo(["--help"])
        #expect(help.exitCode == 0 && help.stdout.contains("SUBCOMMANDS") && help.stdout.contains("targets"))
        let targetsHelp = try await runCrossgo(["help", "targets"])
        #expect(targetsHelp.exitCode == 0 && targetsHelp.stdout.contains("--target <spec>"))
    }

    struct Report: Decodable {
        struct Row: Decodable {
            var goos: String
            var goarch: String
            var firstClass: Bool
            var cgo: Bool
            var `extension`: String
            var runner: Runner
        }
        var goVersion: String
        var targets: [Row]
    }

    @Test func goQueriesAreRememberedUntilWhatTheyDependOnChanges() async throws {
        // A `go` wrapper that logs its runs, in a module folder with a crossgo cache of its own.
        let toolchain = try await realToolchain()
        let box = try TempFolder("crossgo-gocache")
        defer { box.cleanup() }
        let log = box.path + "/runs.log"
        let go = try box.write("bin/go", "#!/bin/sh\necho \"$@\" >> \(log)\nexec \(toolchain.goPath) \"$@\"\n", executable: true)
        _ = try box.write("module/go.mod", "module example.com/m\n\ngo 1.22\n")
        let env: EnvironmentChanges = ["CROSSGO_GO": go, "CROSSGO_CACHE": box.path + "/cache"]
        func runs() -> [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted() }
        let first = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env)
        #expect(first.exitCode == 0)
        #expect(runs() == ["env -json", "tool dist list -json"])
        let second = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env)
        #expect(second.exitCode == 0)
        #expect(try summaryOutcome(Report.self, from: second.stdout).targets.count == summaryOutcome(Report.self, from: first.stdout).targets.count)
        #expect(runs().count == 2)
        // go.mod rewritten (GOMOD and toolchain switches depend on it): both run again.
        _ = try box.write("module/go.mod", "module example.com/m\n\ngo 1.23\n")
        _ = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env)
        #expect(runs().count == 4)
        // Another environment: again.
        _ = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env.merging(["GOFLAGS": "-v"]) { $1 })
        #expect(runs().count == 6)
        // CROSSGO_CACHE=off: every time.
        _ = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env.merging(["CROSSGO_CACHE": "off"]) { $1 })
        _ = try await runCrossgo(["targets", "--json"], in: box.path + "/module", environment: env.merging(["CROSSGO_CACHE": "off"]) { $1 })
        #expect(runs().count == 10)
    }

    @Test func targetsJSONHasExactlyTheDistList() async throws {
        let toolchain = try await realToolchain()
        let dist = try await runProgram(toolchain.goPath, ["tool", "dist", "list", "-json"])
        let expected = try JSONDecoder().decode([DistTarget].self, from: Data(dist.stdout.utf8))
        let result = try await runCrossgo(["targets", "--json"], in: repositoryRoot)
        #expect(result.exitCode == 0)
        let report = try summaryOutcome(Report.self, from: result.stdout)
        #expect(report.goVersion == toolchain.version)
        let pairs = report.targets.map { "\($0.goos)/\($0.goarch)" }
        #expect(pairs.count == expected.count)
        #expect(Set(pairs) == Set(expected.map(\.pair)))
        for row in report.targets {
            let want = expected.first { $0.goos == row.goos && $0.goarch == row.goarch }
            #expect(row.firstClass == want?.firstClass && row.cgo == want?.cgoSupported)
        }
    }

    @Test func runnersOnThisHost() async throws {
        let result = try await runCrossgo(["targets", "--json", "--target", "linux/riscv64,linux/arm64,js/wasm,wasip1/wasm,aarch64-apple-darwin"], in: repositoryRoot)
        #expect(result.exitCode == 0)
        let rows = try summaryOutcome(Report.self, from: result.stdout).targets
        #expect(rows.map { "\($0.goos)/\($0.goarch)" } == ["linux/riscv64", "linux/arm64", "js/wasm", "wasip1/wasm", "darwin/arm64"])
        #expect(rows.map(\.runner.kind) == [.qemuUser, .qemuUser, .node, .wasmtime, .buildOnly])
        #expect(rows[2].extension == ".wasm" && rows[4].extension == "")
        let table = try await runCrossgo(["targets", "--target", "default"], in: repositoryRoot)
        #expect(table.stdout.contains("qemu-user") && table.stdout.contains("build only"))
        #expect(!table.stdout.contains("\u{1B}["))  // no colour when stdout is not a terminal
    }

    @Test(arguments: [
        (["targets", "--target", "linux/risc64"], "did you mean linux/riscv64"),
        (["targets", "--target", "wasm32-unknown-unknown"], "Rust target"),
        (["targets", "--go", "/nonexistent/go"], "/nonexistent/go"),
    ])
    func badInputIsOneLineAndNonZero(arguments: [String], expected: String) async throws {
        let result = try await runCrossgo(arguments, in: repositoryRoot)
        #expect(result.exitCode == (arguments.contains("--go") ? 3 : 2))
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("go1.") }
        #expect(lines.count == 1)
        #expect(result.stderr.contains(expected))
    }

    @Test func noGoAnywhere() async throws {
        // A copy of crossgo outside the repository, run with an empty PATH, has no `go` to find.
        let folder = try TempFolder()
        defer { folder.cleanup() }
        let copy = folder.path + "/crossgo"
        try FileManager.default.copyItem(atPath: crossgoExecutable, toPath: copy)
        let result = try await runProgram(copy, ["targets"], environment: ["PATH": "/nonexistent", "CROSSGO_GO": nil], workingDirectory: folder.path)
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("no `go` found"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        let viaEnv = try await runProgram(copy, ["targets", "--target", "host"], environment: ["PATH": "/nonexistent", "CROSSGO_GO": try await realToolchain().goPath], workingDirectory: folder.path)
        #expect(viaEnv.exitCode == 0 && viaEnv.stdout.contains("native"))
    }

    @Test func setupRunTwiceInstallsNothingTheSecondTime() async throws {
        let first = try await runProgram(repositoryRoot + "/scripts/setup", [], timeout: 900)
        #expect(first.exitCode == 0)
        let second = try await runProgram(repositoryRoot + "/scripts/setup", [], timeout: 900)
        #expect(second.exitCode == 0)
        #expect(!second.stderr.contains("installing"))
        #expect(second.stderr.contains("ok: qemu-user present"))
        #expect(second.stderr.contains("ok: node"))
    }
}
