// crossgo bench with the real Go toolchain, qemu-user, node and wasmtime on Examples/bench: B/op per target,
// confidence intervals from --count 6, a deliberate 2x slowdown reported significant, an unchanged rerun `~`,
// --shard, and bad input as one line with exit 2.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// The decodable part of a bench outcome.
struct BenchOutcomeJSON: Decodable {
    var summaries: [BenchSummary]
    var results: BenchResultsFile
    var written: [String]
}

/// One copy of Examples/bench with its own crossgo cache, and the baseline run every test starts from (run once).
actor BenchFixture {
    static let shared = BenchFixture()
    static let targets = "host,linux/riscv64,linux/386,js/wasm,wasip1/wasm"
    private var task: Task<(TempFolder, ProgramResult, ProgramResult), any Error>?

    /// The module folder, the baseline run (--json) and the same run as text.
    func baseline() async throws -> (module: TempFolder, json: ProgramResult, text: String) {
        if task == nil {
            task = Task {
                let module = try copyExample("bench")
                try FileManager.default.createDirectory(atPath: module.path + "/.cache", withIntermediateDirectories: true)
                let json = try await runCrossgo(["bench", "--target", Self.targets, "--count", "6", "--benchtime", "100x", "--json"],
                                                in: module.path, environment: Self.environment(module))
                // The text form of the same results: render the file again through the JSON reporter's outcome.
                try FileManager.default.copyItem(atPath: module.path + "/dist/bench-results.json", toPath: module.path + "/baseline.json")
                let text = try await runCrossgo(["bench", "--target", "host,linux/riscv64", "--bench", "Pointers", "--count", "2", "--benchtime", "10x",
                                                 "--results", "text-run.json"], in: module.path, environment: Self.environment(module))
                return (module, json, text)
            }
        }
        let (m, j, t) = try await task!.value
        return (m, j, t.stdout + "\n--stderr--\n" + t.stderr)
    }

    static func environment(_ module: TempFolder) -> EnvironmentChanges {
        ["CROSSGO_CACHE": module.path + "/.cache", "NO_COLOR": "1"]
    }
}

/// The suites whose figures are timings: one at a time, so that they do not slow each other down.
@Suite(.serialized) struct Measuring {}

extension Measuring {
@Suite(.serialized, .requires("go", "qemu-riscv64", "node", "wasmtime")) struct BenchCommandTests {
    func summary(_ s: [BenchSummary], _ name: String, _ target: String, _ unit: String) throws -> BenchSummary {
        try #require(s.first { $0.name == name && $0.target == target && $0.unit == unit }, "no \(name) \(target) \(unit)")
    }

    @Test func bytesPerOpDifferByTargetWithConfidenceIntervals() async throws {
        let (_, run, text) = try await BenchFixture.shared.baseline()
        #expect(run.exitCode == 0, "\(run.stderr.suffix(2000))")
        let outcome = try summaryOutcome(BenchOutcomeJSON.self, from: run.stdout)
        // One event vocabulary: a build stage and a run stage planned, every line of the documented schema.
        let events = try EventSchemaTests.validate(run.stdout, command: "bench")
        #expect(events.filter { $0.event == "planned" }.map { $0.jobs?.count ?? 0 } == [5, 30])
        let host = hostPair
        // 1024 pointers: 8 KiB + the 8-byte malloc header of a pointerful object -> the 9472-byte size class on 64-bit
        // targets; 4 KiB + 4 -> 4864 on 32-bit linux/386.
        for target in [host, "linux/riscv64", "js/wasm", "wasip1/wasm"] {
            #expect(try summary(outcome.summaries, "Pointers", target, "B/op").median == 9472, "\(target)")
            #expect(try summary(outcome.summaries, "Ints", target, "B/op").median == 4096, "\(target)")
        }
        #expect(try summary(outcome.summaries, "Pointers", "linux/386", "B/op").median == 4864)
        #expect(try summary(outcome.summaries, "Ints", "linux/386", "B/op").median < 2200)
        // --count 6: every benchmark x target x unit has six samples and an interval around its median.
        #expect(outcome.summaries.count == 5 * (3 * 3 + 1))  // 3 benchmarks x (ns/op, B/op, allocs/op) + MB/s of Checksum
        for s in outcome.summaries {
            #expect(s.n == 6)
            let low = try #require(s.low), high = try #require(s.high)
            #expect(low <= s.median && s.median <= high, "\(s.name) \(s.target) \(s.unit)")
        }
        let runners = Dictionary(outcome.results.series.map { ($0.target, ($0.runner, $0.emulated)) }, uniquingKeysWith: { a, _ in a })
        #expect(runners["linux/riscv64"]! == ("qemu-user", true))
        #expect(runners["js/wasm"]! == ("node", true))
        #expect(runners["wasip1/wasm"]! == ("wasmtime", true))
        #expect(runners[host]! == ("native", false))
        // The results file is next to where a manifest goes.
        #expect(outcome.written.count == 1 && outcome.written[0].hasSuffix("/dist/bench-results.json"))
        // Text: emulation is said, and the CI column is filled.
        #expect(text.contains("linux/riscv64 *") && text.contains("ns/op is the runner's time") && text.contains("B/op and allocs/op are the program's own"), "\(text)")
        #expect(text.contains("95% CI") && text.contains("results written to text-run.json"))
    }

    /// Timing on a shared machine: a baseline run disturbed by other work (the rest of the suite builds and runs in
    /// parallel) can hide a real change or fake one. Each comparison is a fresh baseline and a run right after it,
    /// tried up to three times; the test fails when crossgo misses the 2x slowdown three times in a row, or calls
    /// unchanged code a change three times in a row (5% each under steady noise).
    @Test func doubledWorkIsSignificantAndAnUnchangedRerunIsNot() async throws {
        let (module, _, _) = try await BenchFixture.shared.baseline()
        let env = BenchFixture.environment(module)
        // 300 iterations: under qemu the first iterations also pay for translating the code, which makes short runs noisy.
        let common = ["bench", "--target", "host,linux/riscv64", "--bench", "Checksum|Pointers", "--count", "6", "--benchtime", "300x"]
        func baseline() async throws {
            let base = try await runCrossgo(common + ["--results", "checksum-baseline.json"], in: module.path, environment: env)
            try #require(base.exitCode == 0, "\(base.stderr.suffix(2000))")
        }
        var seen: [String] = []
        var detected = false
        var detectedOn: Set<String> = []  // a target whose slowdown was found in some try (each try's noise is its own)
        for _ in 1...3 where !detected {
            try await baseline()
            let slow = try await runCrossgo(common + ["--tags", "crossgo_slow", "--baseline", "checksum-baseline.json", "--json"], in: module.path, environment: env)
            try #require(slow.exitCode == 0, "\(slow.stderr.suffix(2000))")
            let s = try summaryOutcome(BenchOutcomeJSON.self, from: slow.stdout)
            for target in [hostPair, "linux/riscv64"] {
                let time = try #require(try summary(s.summaries, "Checksum", target, "ns/op").baseline)
                let speed = try #require(try summary(s.summaries, "Checksum", target, "MB/s").baseline)
                seen.append("\(target) ns/op \(time.percent)% p=\(time.p); MB/s \(speed.percent)% p=\(speed.p)")
                if time.significant && time.percent > 50 && time.percent < 200 && speed.significant && speed.percent < -30 { detectedOn.insert(target) }
                // B/op does not depend on speed: never significant here.
                let bytes = try #require(try summary(s.summaries, "Pointers", target, "B/op").baseline)
                #expect(!bytes.significant, "\(target): \(bytes)")
            }
            detected = detectedOn.count == 2
        }
        #expect(detected, "the 2x slowdown was not reported significant on both targets in 3 tries: \(seen)")

        // Unchanged code against the baseline: no significant change of B/op (which can move by a few bytes: runtime
        // allocations inside a short run), allocs/op, or time.
        var calm = false
        var last = ""
        for _ in 1...3 where !calm {
            try await baseline()
            let same = try await runCrossgo(common + ["--baseline", "checksum-baseline.json"], in: module.path, environment: env)
            try #require(same.exitCode == 0, "\(same.stderr.suffix(2000))")
            last = same.stdout
            let lines = same.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let allocRows = lines.drop { !$0.hasPrefix("BENCHMARK (allocs/op)") }.dropFirst().prefix { !$0.isEmpty }
            #expect(allocRows.count == 4 && allocRows.allSatisfy { $0.contains(" ~ (p=1.000 n=6+6)") }, "\(same.stdout)")
            let bytesRows = lines.drop { !$0.hasPrefix("BENCHMARK (B/op)") }.dropFirst().prefix { !$0.isEmpty }
            let timeRows = lines.drop { !$0.hasPrefix("BENCHMARK (ns/op)") }.dropFirst().prefix { !$0.isEmpty }
            #expect(bytesRows.count == 4 && timeRows.count == 4, "\(same.stdout)")
            calm = (bytesRows + timeRows).allSatisfy { $0.contains(" ~ (p=") && $0.contains("n=6+6)") }
            #expect(same.stdout.contains("Mann-Whitney U test") && same.stderr.contains("compared with checksum-baseline.json"))
            #expect(!same.stdout.contains("\u{1B}["), "NO_COLOR: no escapes")
        }
        #expect(calm, "unchanged code reported as a change in 3 tries; the last:\n\(last)")
    }

    @Test func baselineLastComesFromTheCache() async throws {
        let (module, _, _) = try await BenchFixture.shared.baseline()
        let env = BenchFixture.environment(module)
        // Two runs of one cheap benchmark: the second compares with the first through the cache.
        _ = try await runCrossgo(["bench", "--bench", "Ints", "--count", "4", "--benchtime", "10x", "--results", "first.json"], in: module.path, environment: env)
        let second = try await runCrossgo(["bench", "--bench", "Ints", "--count", "4", "--benchtime", "10x", "--baseline", "last", "--json",
                                           "--results", "second.json"], in: module.path, environment: env)
        #expect(second.exitCode == 0, "\(second.stderr)")
        let o = try summaryOutcome(BenchOutcomeJSON.self, from: second.stdout)
        let bytes = try #require(try summary(o.summaries, "Ints", hostPair, "B/op").baseline)
        #expect(bytes.baselineN == 4 && !bytes.significant, "\(bytes)")  // B/op of 10 iterations may move by a few bytes: not a change
        #expect(o.results.baseline?.hasSuffix("-last.json") == true)
        // Without a recorded run (a fresh cache), `last` is one usage line.
        let fresh = try TempFolder("crossgo-bench-cache")
        defer { fresh.cleanup() }
        let none = try await runCrossgo(["bench", "--baseline", "last"], in: module.path, environment: ["CROSSGO_CACHE": fresh.path])
        #expect(none.exitCode == 2)
        #expect(none.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(none.stderr.contains("--baseline last: no earlier crossgo bench run of"), "\(none.stderr)")
    }

    @Test func badInputIsOneLineAndExitTwo() async throws {
        let (module, _, _) = try await BenchFixture.shared.baseline()
        let env = BenchFixture.environment(module)
        let cases: [([String], String)] = [
            (["bench", "--count", "0"], "--count must be a positive whole number (1 or more), not 0"),
            (["bench", "--baseline", "nosuch.json"], "--baseline "),
            (["bench", "--shard", "3/2"], "--shard '3/2'"),
            (["bench", "--benchtime", "fast"], "--benchtime 'fast'"),
            (["bench", "--target", "wasm32-unknown-unknown"], "wasm32-unknown-unknown"),
            (["bench", "--bench", "("], "--bench '('"),
            (["bench", "--artifacts", "--dist", "nowhere"], "no crossgo manifest.json in nowhere"),
            (["report", "nowhere"], "report: nowhere is not a folder"),
        ]
        for (args, message) in cases {
            let r = try await runCrossgo(args, in: module.path, environment: env)
            #expect(r.exitCode == 2, "\(args): \(r.exitCode) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): results on stdout: \(r.stdout)")
        }
        let missing = try await runCrossgo(["bench", "--baseline", "nosuch.json"], in: module.path, environment: env)
        #expect(missing.stderr.contains("nosuch.json: no such file"))
    }

    @Test func aFailingBenchmarkFailsTheRunWithItsOutput() async throws {
        let folder = try TempFolder("crossgo-bench-fail")
        defer { folder.cleanup() }
        try folder.write("go.mod", "module example.com/fails\n\ngo 1.21\n")
        try folder.write("f_test.go", """
            package fails

            import "testing"

            func BenchmarkFine(b *testing.B) { for i := 0; i < b.N; i++ {} }

            func BenchmarkBroken(b *testing.B) { b.Fatal("broken on purpose") }
            """)
        let r = try await runCrossgo(["bench", "--benchtime", "10x"], in: folder.path, environment: ["CROSSGO_CACHE": folder.path + "/.cache"])
        #expect(r.exitCode == 1, "\(r.stderr)")
        #expect(r.stdout.contains("--- FAIL: example.com/fails on \(hostPair): exited with status 1") && r.stdout.contains("broken on purpose"), "\(r.stdout)")
        // The benchmark that finished keeps its result.
        #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix("Fine ") }, "\(r.stdout)")
    }

    @Test func shardsSplitThePackageTargetRuns() async throws {
        let (module, _, _) = try await BenchFixture.shared.baseline()
        let env = BenchFixture.environment(module)
        var seen: [String] = []
        for k in 1...2 {
            let r = try await runCrossgo(["bench", "--target", "host,wasip1/wasm", "--bench", "Ints", "--benchtime", "10x", "--shard", "\(k)/2", "--json"],
                                         in: module.path, environment: env)
            #expect(r.exitCode == 0, "\(r.stderr)")
            let o = try summaryOutcome(BenchOutcomeJSON.self, from: r.stdout)
            #expect(o.written == [module.path + "/dist/shard-\(k)-of-2/bench-results.json"])
            #expect(o.results.shard?.index == k && o.results.shard?.count == 2)
            seen += Set(o.results.series.map(\.target)).sorted()
        }
        #expect(seen.sorted() == [hostPair, "wasip1/wasm"].sorted(), "each target in exactly one shard: \(seen)")
        // crossgo merge joins them into one bench-results.json, and refuses a missing shard.
        let merged = try await runCrossgo(["merge", "dist/shard-1-of-2", "dist/shard-2-of-2", "--out", "merged"], in: module.path, environment: env)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        let file = try BenchResultsFile.read(module.path + "/merged/bench-results.json", flag: "test")
        #expect(Set(file.series.map(\.target)) == [hostPair, "wasip1/wasm"] && file.problems.isEmpty && file.summaries?.isEmpty == false)
        #expect(merged.stderr.contains("2 benchmark series"), "\(merged.stderr)")
        let missing = try await runCrossgo(["merge", "dist/shard-1-of-2", "--out", "merged-one"], in: module.path, environment: env)
        #expect(missing.exitCode == 2 && missing.stderr.contains("shard"), "\(missing.stderr)")
    }
}
}
