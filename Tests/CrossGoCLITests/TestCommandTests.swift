// `crossgo test` with the real toolchain, qemu-user, node and wasmtime: the matrix, the cache, a missing runner, JUnit.
import CrossGoKit
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import Testing

@Suite(.serialized, .requires("qemu-riscv64", "qemu-aarch64", "node", "wasmtime")) struct TestCommandTests {
    static let targets = "host,linux/riscv64,linux/arm64,js/wasm,wasip1/wasm,darwin/arm64"

    struct Line: Decodable {
        var event: String
        var record: PackageResult?
        var message: String?
    }

    /// Each package run's result, from the `job-finished` events of a `--json` stream.
    static func results(_ stdout: String) throws -> [PackageResult] {
        try stdout.split(separator: "\n").compactMap { line in
            let event = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            return event.event == "job-finished" ? event.record : nil
        }
    }

    static func notices(_ stdout: String) throws -> [String] {
        try stdout.split(separator: "\n").compactMap { line in
            let event = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            return event.event == "notice" ? event.message : nil
        }
    }

    static func cell(_ results: [PackageResult], _ package: String, _ target: String) -> PackageResult? {
        results.first { $0.package == "example.com/tm/" + package && $0.target == target }
    }

    @Test func matrixCacheAndJUnit() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let cache = try TempFolder("crossgo-test-cache")
        defer { cache.cleanup() }
        let host = try await realToolchain().host.description
        let env: EnvironmentChanges = ["CROSSGO_CACHE": cache.path]
        let junit = module.path + "/report.xml"
        let first = try await runCrossgo(["test", "--json", "--target", Self.targets, "--junit", junit], in: module.path, environment: env)
        #expect(first.exitCode == 1)  // other.TestAlwaysFails fails everywhere it runs
        let results = try Self.results(first.stdout)
        #expect(results.count == 12)
        for target in [host, "linux/riscv64", "linux/arm64", "js/wasm", "wasip1/wasm"] {
            let calc = try #require(Self.cell(results, "calc", target))
            let other = try #require(Self.cell(results, "other", target))
            #expect(!calc.cached && !other.cached)
            #expect(other.status == .failed && other.tests.map(\.name) == ["TestAlwaysFails"], "\(target)")
            #expect(calc.tests.first { $0.name == "TestSkipped" }?.status == .skipped, "\(target)")
            #expect(calc.tests.first { $0.name == "TestReadsTestdata" }?.status == .passed, "\(target)")
            #expect(calc.tests.first { $0.name == "TestAdd" }?.status == .passed, "\(target)")
            // The riscv64-only failure fails in that column alone.
            let riscvOnly = calc.tests.first { $0.name == "TestNotOnRISCV" }
            if target == "linux/riscv64" {
                #expect(calc.status == .failed && riscvOnly?.status == .failed && riscvOnly?.output.contains("fails only on riscv64") == true)
            } else {
                #expect(calc.status == .passed && riscvOnly?.status == .passed, "\(target): \(calc)")
            }
        }
        #expect(Self.cell(results, "calc", "darwin/arm64")?.status == .compileOnly)
        #expect(Self.cell(results, "other", "darwin/arm64")?.status == .compileOnly)

        // JUnit: valid XML whose counts equal the matrix counts.
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        let suites = try document.nodes(forXPath: "//testsuite")
        #expect(suites.count == 12)
        let cases = try document.nodes(forXPath: "//testcase")
        let failures = try document.nodes(forXPath: "//testcase/failure")
        let skipped = try document.nodes(forXPath: "//testcase/skipped")
        #expect(cases.count == results.map(\.tests.count).reduce(0, +))
        #expect(failures.count == results.map(\.failedCount).reduce(0, +))
        #expect(skipped.count == results.map(\.skippedCount).reduce(0, +))
        #expect(failures.count == 6 && skipped.count == 5)

        // Unchanged: served from the cache (passing packages); the text matrix says so.
        let second = try await runCrossgo(["test", "--json", "--target", Self.targets], in: module.path, environment: env)
        let again = try Self.results(second.stdout)
        for target in [host, "linux/arm64", "js/wasm", "wasip1/wasm"] {
            #expect(Self.cell(again, "calc", target)?.cached == true, "\(target)")
            #expect(Self.cell(again, "calc", target)?.tests.count == 4)
        }
        #expect(Self.cell(again, "calc", "linux/riscv64")?.cached == false)  // failures are never cached
        let text = try await runCrossgo(["test", "--target", "host,wasip1/wasm", "./calc"], in: module.path, environment: env)
        #expect(text.exitCode == 0 && text.stdout.contains("(cached)"))

        // A changed test data file re-runs the package that read it.
        try module.write("calc/testdata/input.txt", "forty-three\n")
        let changedData = try Self.results(try await runCrossgo(["test", "--json", "--target", "host", "./calc"], in: module.path, environment: env).stdout)
        #expect(changedData.first?.cached == false && changedData.first?.status == .failed)
        try module.write("calc/testdata/input.txt", "forty-two\n")

        // Changing the test source re-runs it; so do --no-cache and -count=1.
        let source = module.path + "/calc/calc_test.go"
        try (String(contentsOfFile: source, encoding: .utf8) + "\nfunc TestAdded(t *testing.T) {}\n").write(toFile: source, atomically: true, encoding: .utf8)
        let changed = try Self.results(try await runCrossgo(["test", "--json", "--target", "host,js/wasm", "./calc"], in: module.path, environment: env).stdout)
        #expect(changed.allSatisfy { !$0.cached && $0.tests.contains { $0.name == "TestAdded" } })
        let cachedNow = try Self.results(try await runCrossgo(["test", "--json", "--target", "host,js/wasm", "./calc"], in: module.path, environment: env).stdout)
        #expect(cachedNow.allSatisfy { $0.cached })
        let noCache = try Self.results(try await runCrossgo(["test", "--json", "--no-cache", "--target", "host,js/wasm", "./calc"], in: module.path, environment: env).stdout)
        #expect(noCache.count == 2 && noCache.allSatisfy { !$0.cached })
        let countOne = try Self.results(try await runCrossgo(["test", "--json", "--target", "host", "./calc", "--", "-count=1"], in: module.path, environment: env).stdout)
        #expect(countOne.count == 1 && !countOne[0].cached)
    }

    @Test func missingQemuIsReportedAndTheRestStillRuns() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let cache = try TempFolder("crossgo-test-cache")
        defer { cache.cleanup() }
        // A PATH with node and nothing else: no qemu-user anywhere.
        let bin = try TempFolder("crossgo-bin")
        defer { bin.cleanup() }
        let node = try #require(LinuxSystem().which("node"))
        try FileManager.default.createSymbolicLink(atPath: bin.path + "/node", withDestinationPath: node)
        let go = try await realToolchain().goPath
        let result = try await runCrossgo(["test", "--json", "--allow-not-run", "--target", "host,linux/riscv64,js/wasm,wasip1/wasm", "./calc"], in: module.path,
                                          environment: ["PATH": bin.path, "CROSSGO_GO": go, "CROSSGO_CACHE": cache.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let noticeLines = try Self.notices(result.stdout).filter { $0.contains("linux/riscv64") }
        #expect(noticeLines.count == 1)
        #expect(noticeLines.first?.contains("qemu-riscv64") == true && noticeLines.first?.contains("qemu-user") == true)
        let results = try Self.results(result.stdout)
        #expect(Self.cell(results, "calc", "linux/riscv64")?.status == .noRunner)
        for target in ["js/wasm", "wasip1/wasm"] { #expect(Self.cell(results, "calc", target)?.status == .passed, "\(target)") }
        #expect(results.filter { $0.status == .passed }.count == 3)
    }

    @Test func crashesAndTimeoutsAreFailures() async throws {
        let module = try TempFolder("crossgo-crash")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/crash\n\ngo 1.21\n")
        try module.write("crash_test.go", """
            package crash

            import (
            \t"testing"
            \t"time"
            )

            func TestPanics(t *testing.T) { var m map[string]int; m["x"] = 1 }
            func TestSlow(t *testing.T) { time.Sleep(time.Minute) }
            """)
        let result = try await runCrossgo(["test", "--no-cache", "--timeout", "3s", "--target", "host,linux/riscv64"], in: module.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("FAIL"))
        #expect(result.stdout.contains("assignment to entry in nil map"))
        let slow = try await runCrossgo(["test", "--no-cache", "--timeout", "2s", "--run", "TestSlow", "--target", "host"], in: module.path)
        #expect(slow.exitCode == 1)
        #expect(slow.stdout.contains("test timed out after 2s"))
    }
}
