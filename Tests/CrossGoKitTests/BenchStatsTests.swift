// The statistics of crossgo bench against values computed independently: scipy (pinned in scripts/setup's
// validators venv) for the binomial quantiles, medians and Mann–Whitney U p-values, and a brute-force enumeration
// of the permutation distribution in Python for samples with ties. Also benchfmt parsing and gctrace lines.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.requires("crossgo-validators-python")) struct BenchStatsTests {
    struct Case: Codable { var x: [Double]; var y: [Double] }
    struct Reference: Codable {
        var median: Double
        var ci: [Double]?
        var p: Double
        var method: String
    }

    /// What Python computes for every case: numpy median of x, the order-statistic CI of x (L = binom.ppf(0.025, n, 1/2)),
    /// and the two-sided Mann–Whitney p of x against y: scipy's exact method without ties, brute-force enumeration of
    /// all splits of the mid-ranks with ties (small samples), scipy's asymptotic method (tie and continuity corrected)
    /// beyond 100 samples.
    static let python = #"""
    import itertools, json, sys
    import numpy as np
    from scipy import stats
    out = []
    for c in json.load(sys.stdin):
        x, y = c["x"], c["y"]
        n = len(x)
        s = sorted(x)
        L = int(stats.binom.ppf(0.025, n, 0.5))
        ci = None if L == 0 else [s[L - 1], s[n - L]]
        allv = x + y
        ties = len(set(allv)) < len(allv)
        if len(allv) > 100:
            p = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True).pvalue
            method = "asymptotic"
        elif not ties:
            p = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact").pvalue
            method = "exact"
        else:
            ranks = stats.rankdata(allv)
            n1, N = len(x), len(allv)
            mean = n1 * len(y) / 2
            def u_of(idx):
                return sum(ranks[i] for i in idx) - n1 * (n1 + 1) / 2
            obs = abs(u_of(range(n1)) - mean)
            hits = total = 0
            for idx in itertools.combinations(range(N), n1):
                total += 1
                if abs(u_of(idx) - mean) >= obs - 1e-9:
                    hits += 1
            p = hits / total
            method = "enumerated"
        out.append({"median": float(np.median(x)), "ci": ci, "p": float(min(1.0, p)), "method": method})
    json.dump(out, sys.stdout)
    """#

    static func cases() -> [Case] {
        var g = SplitMix(seed: 42)
        var cases: [Case] = [
            Case(x: [1], y: [2]),
            Case(x: [1, 2], y: [3, 4, 5]),
            Case(x: [3, 1, 2], y: [4, 6, 5]),
            Case(x: [1, 2, 3, 4], y: [5, 6, 7, 8]),
            Case(x: [1, 2, 3, 4, 5], y: [1.5, 2.5, 3.5, 4.5, 5.5]),
            Case(x: [10, 11, 12, 13, 14, 15], y: [20, 21, 22, 23, 24, 25]),  // a clean 2x: p = 2/924
            Case(x: [5, 5, 5, 5, 5, 5], y: [5, 5, 5, 5, 5, 5]),  // all tied: B/op that did not change
            Case(x: [8192, 8192, 8192, 8192, 8192, 8192], y: [4096, 4096, 4096, 4096, 4096, 4096]),  // tied within, apart between
            Case(x: [1, 2, 2, 3, 3, 3], y: [2, 3, 3, 4, 4, 5]),  // ties across samples
            Case(x: [1, 1, 2], y: [1, 2, 2, 2]),
            Case(x: [7, 7, 8, 9, 9, 9, 10], y: [6, 7, 7, 7, 8, 8]),
        ]
        for n in [6, 7, 8, 10, 13, 20] {  // random, continuous: the exact path and CIs of several ranks
            cases.append(Case(x: (0..<n).map { _ in g.next() * 100 }, y: (0..<(n - 1)).map { _ in g.next() * 100 + 20 }))
        }
        for n in [8, 9] {  // random with ties (values rounded), enumerated in Python
            cases.append(Case(x: (0..<n).map { _ in (g.next() * 6).rounded() }, y: (0..<n).map { _ in (g.next() * 6).rounded() + 1 }))
        }
        // Large with ties: the normal approximation.
        cases.append(Case(x: (0..<60).map { _ in (g.next() * 20).rounded() }, y: (0..<55).map { _ in (g.next() * 20).rounded() + 2 }))
        return cases
    }

    @Test func medianIntervalAndUTestAgreeWithScipy() async throws {
        let cases = Self.cases()
        let input = String(decoding: try JSONEncoder().encode(cases), as: UTF8.self)
        let python = repositoryRoot + "/.tools/bin/crossgo-validators-python"
        let r = try await runProgram(FileManager.default.isExecutableFile(atPath: python) ? python : "crossgo-validators-python",
                                     ["-c", Self.python], timeout: 300, input: input)
        try #require(r.succeeded, "\(r.stderr)")
        let refs = try JSONDecoder().decode([Reference].self, from: Data(r.stdout.utf8))
        #expect(refs.count == cases.count)
        var methods: Set<String> = []
        for (c, ref) in zip(cases, refs) {
            methods.insert(ref.method)
            #expect(abs(BenchStats.median(c.x) - ref.median) < 1e-9, "median of \(c.x)")
            let ci = BenchStats.medianInterval(c.x)
            #expect((ci == nil) == (ref.ci == nil), "CI of n=\(c.x.count): \(String(describing: ci)) vs \(String(describing: ref.ci))")
            if let ci, let want = ref.ci {
                #expect(ci.low == want[0] && ci.high == want[1], "CI of \(c.x.sorted())")
            }
            let test = BenchStats.mannWhitney(c.x, c.y)
            #expect(abs(test.p - ref.p) < 1e-9 * max(1, ref.p) + 1e-12, "p of \(c.x) vs \(c.y): \(test.p) vs \(ref.p) (\(ref.method))")
            #expect(test.exact == (ref.method != "asymptotic"))
        }
        #expect(methods == ["exact", "enumerated", "asymptotic"])
    }

    /// Published facts that need no software: with n = 6 the 95% interval is [min, max] (coverage 1 - 2/64), five
    /// samples cannot reach 95% (1 - 2/32 = 0.9375), and two samples of 6 fully apart give p = 2/C(12,6) = 2/924.
    @Test func knownValues() {
        #expect(BenchStats.intervalRank(n: 5, confidence: 0.95) == nil)
        #expect(BenchStats.intervalRank(n: 6, confidence: 0.95) == 1)
        #expect(abs(BenchStats.coverage(n: 6, rank: 1) - 62.0 / 64.0) < 1e-12)
        // n = 20: the classic table value is ranks 6 and 15 (coverage 0.9586).
        #expect(BenchStats.intervalRank(n: 20, confidence: 0.95) == 6)
        let apart = BenchStats.mannWhitney([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
        #expect(abs(apart.p - 2.0 / 924.0) < 1e-12 && apart.u == 0)
        #expect(BenchStats.smallestP(3, 3) >= 0.05 && BenchStats.smallestP(4, 4) < 0.05)
        let same = BenchResultsFile.change([5, 5, 5], [5, 5, 5])
        #expect(!same.significant && same.p == 1)
        let few = BenchResultsFile.change([1, 2, 3], [10, 11, 12])
        #expect(!few.significant && few.note?.contains("need >= 4+4") == true)
        let doubled = BenchResultsFile.change([10, 11, 12, 10.5, 11.5, 10.2], [20, 22, 21, 23, 20.5, 21.5])
        #expect(doubled.significant && doubled.percent > 80 && doubled.percent < 120)
    }

    @Test func benchFormatLines() {
        let text = """
            goos: linux
            goarch: riscv64
            pkg: example.com/bench
            cpu: AMD EPYC
            BenchmarkPointers-2   \t     100\t      6239 ns/op\t    9472 B/op\t       1 allocs/op
            BenchmarkChecksum     \t     100\t     80243 ns/op\t3266.87 MB/s\t       0 B/op\t       0 allocs/op
            Benchmarking is fun
            BenchmarkSub/n=10-8 10 5.5 ns/op
            BenchmarkBroken-2 abc 1 ns/op
            PASS
            ok  \texample.com/bench\t0.043s
            """
        let lines = BenchFormat.parse(text)
        #expect(lines.map(\.name) == ["Pointers", "Checksum", "Sub/n=10"])
        #expect(lines[0].procs == 2 && lines[1].procs == nil && lines[2].procs == 8)
        #expect(lines[0].values == ["ns/op": 6239, "B/op": 9472, "allocs/op": 1])
        #expect(lines[1].values["MB/s"] == 3266.87)
        #expect(lines[0].configuration["goarch"] == "riscv64" && lines[0].configuration["cpu"] == "AMD EPYC")
    }

    @Test func gcTraceLines() {
        let stderr = """
            gc 1 @0.004s 3%: 0.010+0.50+0.020 ms clock, 0.040+0.10/0.2/0+0.080 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P
            gc 2 @0.009s 3%: 0.015+0.40+0.005 ms clock, 0.060+0/0.1/0+0.020 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P
            allocated 51200 KiB
            """
        let gc = GCTrace.parse(stderr)
        #expect(gc.cycles == 2)
        #expect(abs(gc.pauseMs - 0.050) < 1e-9)
    }
}

/// A small deterministic generator (SplitMix64) for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}

/// The argv a benchmark binary gets, apart from running it, and the results file's comparison rules.
@Suite struct BenchPlanTests {
    @Test func binaryArguments() {
        #expect(BenchSession.binaryArguments(bench: "Parse|Encode", benchtime: "100x", timeout: "10m")
                == ["-test.run=^$", "-test.bench=Parse|Encode", "-test.benchmem", "-test.count=1", "-test.timeout=10m", "-test.benchtime=100x"])
        #expect(BenchSession.binaryArguments(bench: ".", benchtime: nil, timeout: "0").last == "-test.timeout=0")
    }

    @Test func summariesCompareOnlyTheSameBenchmarkTargetAndUnit() {
        func series(_ target: String, _ values: [Double]) -> BenchSeries {
            BenchSeries(package: "p", target: target, name: "X", procs: nil, runner: "native", emulated: false, samples: ["ns/op": values], configuration: [:])
        }
        let old = BenchResultsFile(go: "go1.27.3", module: nil, targets: [], count: 6, benchtime: nil,
                                   series: [series("linux/amd64", [1, 2, 3, 4, 5, 6])], problems: [])
        let new = BenchResultsFile(go: "go1.27.3", module: nil, targets: [], count: 6, benchtime: nil,
                                   series: [series("linux/amd64", [11, 12, 13, 14, 15, 16]), series("js/wasm", [1, 2, 3, 4, 5, 6])], problems: [])
        let s = new.summaries(against: old)
        #expect(s.count == 2)
        #expect(s[0].baseline?.significant == true && s[0].baseline?.percent == 100 * (13.5 - 3.5) / 3.5)
        #expect(s[1].baseline == nil, "js/wasm is not in the baseline")
        #expect(s[0].low == 11 && s[0].high == 16)
    }
}
