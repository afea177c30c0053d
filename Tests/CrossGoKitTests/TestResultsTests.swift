// PackageResult.from with events from the real toolchain: benchmarks (issue 11, defect 4) and the -cover line.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// A tiny module's test binary, built and run for the host, its stdout turned into events by `go tool test2json`.
struct RealRun {
    var events: [TestEvent]
    var exitCode: Int32
    var stdout: String
    var stderr: String

    static func run(files: [String: String], buildFlags: [String] = [], arguments: [String]) async throws -> RealRun {
        let go = try await realToolchain().goPath
        let module = try TempFolder("crossgo-results")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/bm\n\ngo 1.22\n")
        for (name, text) in files { try module.write(name, text) }
        let binary = module.path + "/bm.test"
        let build = try await runProgram(go, ["test", "-c"] + buildFlags + ["-o", binary, "."], environment: ["GOFLAGS": nil],
                                         workingDirectory: module.path, timeout: 1800)
        try #require(build.succeeded, "\(build.stderr)")
        let out = try await runProgram(binary, ["-test.v=test2json", "-test.paniconexit0", "-test.timeout=2m"] + arguments,
                                       workingDirectory: module.path, timeout: 180)
        let json = try await runProgram(go, ["tool", "test2json", "-t", "-p", "example.com/bm"], timeout: 300, input: out.stdout)
        try #require(json.succeeded, "\(json.stderr)")
        let events = try json.stdout.split(separator: "\n").map { try JSONDecoder().decode(TestEvent.self, from: Data($0.utf8)) }
        return RealRun(events: events, exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr)
    }

    func result() -> PackageResult {
        PackageResult.from(events: events, package: "example.com/bm", target: "linux/amd64", exitCode: exitCode,
                           rawOutput: stdout + stderr, stderr: stderr)
    }
}

@Suite struct BenchmarkResultsTests {
    static let code = """
        package bm

        func Add(a, b int) int { return a + b }

        """
    static let benchmarks = """
        package bm

        import "testing"

        func BenchmarkAdd(b *testing.B) {
        \tfor i := 0; i < b.N; i++ { Add(i, 1) }
        }

        func BenchmarkLogs(b *testing.B) {
        \tb.Log("hello from a benchmark")
        \tfor i := 0; i < b.N; i++ { Add(i, 2) }
        }

        func BenchmarkTree(b *testing.B) {
        \tb.Run("leaf", func(b *testing.B) { for i := 0; i < b.N; i++ { Add(1, i) } })
        }

        func TestAdd(t *testing.T) {
        \tif Add(1, 2) != 3 { t.Fatal("bad") }
        }

        """

    /// `crossgo test -- -bench=. -benchtime=1x '-run=^$'` used to report every benchmark as failed (FAIL n/n).
    @Test func onlyBenchmarksPass() async throws {
        let run = try await RealRun.run(files: ["bm.go": Self.code, "bm_test.go": Self.benchmarks],
                                        arguments: ["-test.bench=.", "-test.benchtime=1x", "-test.run=^$"])
        #expect(run.exitCode == 0)
        // What test2json gives a passing benchmark: run and output events, never pass.
        #expect(run.events.contains { $0.Test == "BenchmarkAdd" && $0.Action == "run" })
        #expect(!run.events.contains { $0.Test != nil && ["pass", "fail", "skip"].contains($0.Action) })
        #expect(run.events.last?.Action == "pass" && run.events.last?.Test == nil)
        let result = run.result()
        #expect(result.status == .passed)
        #expect(result.tests.map(\.name) == ["BenchmarkAdd", "BenchmarkLogs", "BenchmarkTree", "BenchmarkTree/leaf"])
        #expect(result.tests.allSatisfy { $0.status == .passed })
        #expect(result.failedCount == 0 && result.passedCount == 4)
        #expect(result.message == nil)
        #expect(result.tests.first { $0.name == "BenchmarkLogs" }?.output.contains("hello from a benchmark") == true)
        #expect(result.tests.first { $0.name == "BenchmarkAdd" }?.output.contains("ns/op") == true)
    }

    @Test func benchmarksNextToTestsAreBenchmarks() async throws {
        let run = try await RealRun.run(files: ["bm.go": Self.code, "bm_test.go": Self.benchmarks],
                                        arguments: ["-test.bench=Add", "-test.benchtime=1x", "-test.benchmem"])
        let result = run.result()
        #expect(result.status == .passed)
        #expect(result.tests.map(\.name) == ["TestAdd", "BenchmarkAdd"])
        #expect(result.tests.map(\.kind) == [.test, .benchmark])
        #expect(result.benchmarkCount == 1 && result.passedCount == 2)
    }

    @Test func failingAndSkippedBenchmarksStaySo() async throws {
        let code = """
            package bm

            import "testing"

            func BenchmarkGood(b *testing.B) { for i := 0; i < b.N; i++ { Add(i, 1) } }

            func BenchmarkBad(b *testing.B) { b.Fatal("broken") }

            func BenchmarkLater(b *testing.B) { b.Skip("not today") }

            func BenchmarkMixed(b *testing.B) {
            \tb.Run("bad", func(b *testing.B) { b.Error("sub broken") })
            \tb.Run("good", func(b *testing.B) { for i := 0; i < b.N; i++ { Add(1, i) } })
            }

            """
        let run = try await RealRun.run(files: ["bm.go": Self.code, "bm_test.go": code],
                                        arguments: ["-test.bench=.", "-test.benchtime=1x", "-test.run=^$"])
        #expect(run.exitCode == 1)
        let result = run.result()
        #expect(result.status == .failed)
        let statuses = Dictionary(uniqueKeysWithValues: result.tests.map { ($0.name, $0.status) })
        #expect(statuses == ["BenchmarkGood": .passed, "BenchmarkBad": .failed, "BenchmarkLater": .skipped,
                             "BenchmarkMixed": .failed, "BenchmarkMixed/bad": .failed, "BenchmarkMixed/good": .passed])
    }

    /// A benchmark that ends the process: the binary dies without PASS or FAIL, and the running benchmark (with its
    /// parent) takes the blame and stderr. (Not a panic: a sub-benchmark's panic races the testing package's own exit,
    /// and about one run in fifty exits 0 with PASS and no panic text at all, under go test too.)
    @Test func aCrashFailsTheRunningBenchmarkOnly() async throws {
        let code = """
            package bm

            import (
            \t"fmt"
            \t"os"
            \t"testing"
            )

            func BenchmarkFirst(b *testing.B) { for i := 0; i < b.N; i++ { Add(i, 1) } }

            func BenchmarkSecond(b *testing.B) {
            \tb.Run("boom", func(b *testing.B) { fmt.Fprintln(os.Stderr, "kaboom"); os.Exit(3) })
            }

            """
        let run = try await RealRun.run(files: ["bm.go": Self.code, "bm_test.go": code],
                                        arguments: ["-test.bench=.", "-test.benchtime=1x", "-test.run=^$"])
        #expect(run.exitCode == 3)
        let result = run.result()
        #expect(result.status == .failed)
        let statuses = Dictionary(uniqueKeysWithValues: result.tests.map { ($0.name, $0.status) })
        #expect(statuses == ["BenchmarkFirst": .passed, "BenchmarkSecond": .failed, "BenchmarkSecond/boom": .failed])
        #expect(result.tests.first { $0.name == "BenchmarkSecond/boom" }?.output.contains("kaboom") == true)
    }
}

@Suite struct TestResultsTests {
    /// With -cover, the binary's `coverage: N% of statements` line is package output in test2json; it is kept.
    @Test func coverageLineIsSurfaced() async throws {
        let code = """
            package bm

            func Sign(n int) int {
            \tif n < 0 {
            \t\treturn -1
            \t}
            \treturn 1
            }

            """
        let test = """
            package bm

            import "testing"

            func TestNeg(t *testing.T) { if Sign(-1) != -1 { t.Fatal("neg") } }

            """
        let run = try await RealRun.run(files: ["bm.go": code, "bm_test.go": test], buildFlags: ["-cover"], arguments: [])
        #expect(run.events.contains { $0.Test == nil && $0.Action == "output" && $0.Output == "coverage: 66.7% of statements\n" })
        let result = run.result()
        #expect(result.status == .passed)
        #expect(result.coverage == "66.7% of statements")
        let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(encoded.contains("\"coverage\":\"66.7% of statements\""))
    }

    @Test func noCoverageLineWithoutCover() {
        let lines = [#"{"Action":"run","Test":"TestA"}"#, #"{"Action":"pass","Test":"TestA"}"#,
                     #"{"Action":"output","Output":"PASS\n"}"#, #"{"Action":"pass"}"#]
        let events = lines.compactMap { try? JSONDecoder().decode(TestEvent.self, from: Data($0.utf8)) }
        #expect(events.count == 4)
        let result = PackageResult.from(events: events, package: "p", target: "t", exitCode: 0, rawOutput: "")
        #expect(result.status == .passed && result.coverage == nil)
        #expect(result.tests.map(\.kind) == [.test])
    }

    static func events(_ lines: [String]) -> [TestEvent] {
        lines.compactMap { try? JSONDecoder().decode(TestEvent.self, from: Data($0.utf8)) }
    }

    /// What test2json sometimes gets from a benchmark that panics: its iterations line, without measurements.
    @Test func aBenchmarkThatPrintedOnlyIterationsBeforeDyingFailed() {
        let events = Self.events([
            #"{"Action":"run","Test":"BenchmarkFirst"}"#,
            #"{"Action":"output","Test":"BenchmarkFirst","Output":"BenchmarkFirst-2    \t       1\t      1287 ns/op\n"}"#,
            #"{"Action":"run","Test":"BenchmarkSecond"}"#,
            #"{"Action":"run","Test":"BenchmarkSecond/boom"}"#,
            #"{"Action":"output","Test":"BenchmarkSecond/boom","Output":"BenchmarkSecond/boom-2         \t       1\n"}"#,
        ])
        #expect(events.count == 5)
        let result = PackageResult.from(events: events, package: "p", target: "t", exitCode: 2, rawOutput: "", stderr: "panic: kaboom\n")
        #expect(result.status == .failed)
        #expect(result.tests.map(\.status) == [.passed, .failed, .failed])
        #expect(result.tests.last?.output.contains("kaboom") == true)
        // Sometimes PASS (and so a package pass event) even comes out before the exit status 2.
        let passed = events + Self.events([#"{"Action":"output","Output":"PASS\n"}"#, #"{"Action":"pass"}"#])
        let again = PackageResult.from(events: passed, package: "p", target: "t", exitCode: 2, rawOutput: "", stderr: "panic: kaboom\n")
        #expect(again.status == .failed)
        #expect(again.tests.map(\.status) == [.passed, .failed, .failed])
        #expect(again.tests.last?.output.contains("kaboom") == true)
    }

    /// A binary that dies after its last benchmark finished (say in TestMain): the benchmarks passed, the package failed.
    @Test func aCrashAfterTheBenchmarksFailsThePackageOnly() {
        let events = Self.events([
            #"{"Action":"run","Test":"BenchmarkOnly"}"#,
            #"{"Action":"output","Test":"BenchmarkOnly","Output":"BenchmarkOnly-8 \t 1000\t 3 ns/op\t 0 B/op\n"}"#,
            #"{"Action":"output","Output":"PASS\n"}"#,
        ])
        let result = PackageResult.from(events: events, package: "p", target: "t", exitCode: 3, rawOutput: "PASS\nexit status 3\n", stderr: "bye\n")
        #expect(result.status == .failed)
        #expect(result.tests.map(\.status) == [.passed])
        #expect(result.message?.contains("PASS") == true)
    }

    /// Results cached before `kind` and `coverage` existed still decode.
    @Test func olderResultsDecode() throws {
        let old = """
            {"package":"p","target":"linux/amd64","status":"passed","tests":[{"name":"TestA","status":"passed","elapsed":0.5,"output":""}],
             "elapsed":1,"cached":false}
            """
        let result = try JSONDecoder().decode(PackageResult.self, from: Data(old.utf8))
        #expect(result.tests.first?.kind == nil && result.coverage == nil && result.passedCount == 1)
    }

    @Test func kindsFromNames() {
        #expect(TestCaseResult.kind(ofName: "BenchmarkX/sub") == .benchmark)
        #expect(TestCaseResult.kind(ofName: "ExampleFoo") == .example)
        #expect(TestCaseResult.kind(ofName: "FuzzParse/seed#0") == .fuzz)
        #expect(TestCaseResult.kind(ofName: "TestBenchmarkLike/Benchmark") == .test)
    }
}
