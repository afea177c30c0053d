// `crossgo bench`: the test session's parts (its planner and executor) used for `go test -bench -benchmem -run '^$'`, every
// (package x target) N times, interleaved across targets; results summarised (median, 95% CI), compared against
// a baseline (Mann–Whitney U), and recorded as bench-results.json next to the manifest and in the cache.
import Foundation

/// What `crossgo bench` was asked to do.
public struct BenchRequest: Sendable {
    public var goPath: String?
    public var packages: [String] = []
    /// Target specs; empty: the host.
    public var targets: [String] = []
    /// -test.bench: which benchmarks.
    public var bench = "."
    /// Runs of every (package x target).
    public var count = 1
    /// -test.benchtime ("1s", "100x"); nil: go's default.
    public var benchtime: String?
    /// A bench-results.json file, or "last" (the previous run of this module, from crossgo's cache).
    public var baseline: String?
    public var tags: [String] = []
    public var jobs: Int?
    public var shard: Shard?
    /// Where to write the results (default: dist/bench-results.json next to go.mod; dist/shard-K-of-N/ with --shard).
    public var results: String?
    /// Per test binary run, as a Go duration.
    public var timeout = "10m"
    public var extraEnvironment: [String: String] = [:]
    /// `--cgo`: build every target with cgo (zig for foreign targets); nil: crossgo.yaml's `cgo` decides, as for test.
    public var cgo: Bool?
    /// `--min-glibc` (see TestRequest).
    public var minGlibc: String?
    /// `--sdk`: a macOS SDK folder for darwin targets with cgo (default: SDKROOT).
    public var sdk: String?

    public init() {}
}

/// One benchmark on one target: every sample of every unit.
public struct BenchSeries: Sendable, Codable, Equatable {
    public var package: String
    public var target: String
    /// Without `Benchmark` and the -GOMAXPROCS suffix.
    public var name: String
    public var procs: Int?
    /// How it ran: native, qemu-user, node, wasmtime, node-wasi, wine, ...
    public var runner: String
    /// Time units are the runner's time (an emulator or a JavaScript/WASI host), not the target hardware's.
    public var emulated: Bool
    /// Unit -> one value per run, in run order.
    public var samples: [String: [Double]]
    /// goos, goarch, pkg, cpu as the benchmark printed them.
    public var configuration: [String: String]

    public var key: String { "\(package) \(target) \(name)" }

    public init(package: String, target: String, name: String, procs: Int?, runner: String, emulated: Bool, samples: [String: [Double]],
                configuration: [String: String]) {
        self.package = package
        self.target = target
        self.name = name
        self.procs = procs
        self.runner = runner
        self.emulated = emulated
        self.samples = samples
        self.configuration = configuration
    }
}

/// A (package x target) whose benchmarks could not be run.
public struct BenchProblem: Sendable, Codable, Equatable {
    public var package: String
    public var target: String
    /// "build-failed", "failed", "not-run", "compile-only", "interrupted" (stopped by a signal: not run, not failed).
    public var status: String
    public var message: String
}

/// One unit of one benchmark, summarised, and compared with the baseline when there is one.
public struct BenchSummary: Sendable, Codable, Equatable {
    public var package: String
    public var target: String
    public var name: String
    public var unit: String
    public var emulated: Bool
    public var runner: String
    public var n: Int
    public var median: Double
    /// The 95% confidence interval of the median; nil with too few samples (fewer than 6).
    public var low: Double?
    public var high: Double?
    public var baseline: BenchChange?
}

/// The change of a median against the baseline's.
public struct BenchChange: Sendable, Codable, Equatable {
    public var baselineMedian: Double
    public var baselineN: Int
    /// (new - old) / old, in percent.
    public var percent: Double
    public var p: Double
    /// p < 0.05 and the sample sizes can reach it; otherwise the change is shown as `~`.
    public var significant: Bool
    /// Why not significant when the samples are too few to ever be ("need >= 4+4 samples").
    public var note: String?
}

/// bench-results.json.
public struct BenchResultsFile: Sendable, Codable, Equatable {
    public var crossgo: String
    public var go: String
    public var created: String
    public var module: String?
    public var targets: [String]
    public var count: Int
    public var benchtime: String?
    public var series: [BenchSeries]
    public var problems: [BenchProblem]
    /// Per-artifact measurements (`--artifacts`).
    public var artifacts: [ArtifactMeasurement]?
    /// Every series and unit summarised, compared with the baseline of the run that wrote the file (for the report).
    public var summaries: [BenchSummary]?
    /// The baseline the summaries compare against.
    public var baseline: String?
    public var shard: ShardRecord?

    public static let fileName = "bench-results.json"

    public init(go: String, module: String?, targets: [String], count: Int, benchtime: String?, series: [BenchSeries],
                problems: [BenchProblem], artifacts: [ArtifactMeasurement]? = nil, shard: ShardRecord? = nil) {
        crossgo = CrossGoVersion.current
        self.go = go
        created = ISO8601DateFormatter().string(from: Date())
        self.module = module
        self.targets = targets
        self.count = count
        self.benchtime = benchtime
        self.series = series
        self.problems = problems
        self.artifacts = artifacts
        self.shard = shard
    }

    /// Reads a results file; a usage error naming the file otherwise.
    public static func read(_ path: String, flag: String, system: any HostSystem = liveSystem()) throws -> BenchResultsFile {
        guard let data = system.readData(path) else {
            throw UsageError("\(flag) \(path): no such file (give a bench-results.json written by crossgo bench, or last)")
        }
        do {
            return try JSONDecoder().decode(BenchResultsFile.self, from: data)
        } catch {
            throw UsageError("\(flag) \(path): not a crossgo bench-results.json (\(error.localizedDescription))")
        }
    }

    func write(to path: String, system: any HostSystem) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try OutputFolder.createParent(of: path, system: system)
        try system.writeData(encoder.encode(self), to: path)
    }

    /// Summaries of every series and unit, compared against `baseline` where it has the same benchmark and unit.
    public func summaries(against baseline: BenchResultsFile?) -> [BenchSummary] {
        let old = Dictionary((baseline?.series ?? []).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [BenchSummary] = []
        for s in series {
            for unit in BenchResultsFile.unitOrder(Array(s.samples.keys)) {
                guard let values = s.samples[unit], !values.isEmpty else { continue }
                let ci = BenchStats.medianInterval(values)
                var summary = BenchSummary(package: s.package, target: s.target, name: s.name, unit: unit, emulated: s.emulated,
                                           runner: s.runner, n: values.count, median: BenchStats.median(values), low: ci?.low, high: ci?.high)
                if let before = old[s.key]?.samples[unit], !before.isEmpty {
                    summary.baseline = BenchResultsFile.change(before, values)
                }
                out.append(summary)
            }
        }
        return out
    }

    /// The change from `before` to `after`, benchstat's way.
    public static func change(_ before: [Double], _ after: [Double]) -> BenchChange {
        let m0 = BenchStats.median(before), m1 = BenchStats.median(after)
        let percent = m0 == 0 ? (m1 == 0 ? 0 : .infinity) : (m1 - m0) / m0 * 100
        let test = BenchStats.mannWhitney(before, after)
        let reachable = BenchStats.smallestP(before.count, after.count) < 0.05
        return BenchChange(baselineMedian: m0, baselineN: before.count, percent: percent, p: test.p,
                           significant: reachable && test.p < 0.05,
                           note: reachable ? nil : "need >= 4+4 samples to detect a difference at alpha 0.05")
    }

    /// sec/op first, then B/op, allocs/op, then custom units alphabetically.
    static func unitOrder(_ units: [String]) -> [String] {
        let known = ["ns/op", "B/op", "allocs/op", "MB/s"]
        return known.filter(units.contains) + units.filter { !known.contains($0) }.sorted()
    }
}

/// What a bench session did.
public struct BenchOutcome: SessionOutcome {
    public var command: String { "bench" }
    public var results: BenchResultsFile
    public var summaries: [BenchSummary]
    /// The baseline's file (or "last" and the file it resolved to).
    public var baseline: String?
    /// Where the results were written.
    public var written: [String]
    public var interrupted: Bool

    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if results.problems.contains(where: { $0.status == "failed" || $0.status == "build-failed" || $0.status == "not-run" }) { return .failed }
        return .ok
    }

    public var counts: [(String, Int)] {
        [("benchmarks", Set(results.series.map(\.key)).count),
         ("significant", summaries.filter { $0.baseline?.significant == true }.count),
         ("failed", results.problems.filter { $0.status == "failed" || $0.status == "build-failed" }.count),
         ("notRun", results.problems.filter { $0.status == "not-run" || $0.status == "interrupted" }.count)]
    }

    enum CodingKeys: String, CodingKey { case results, summaries, baseline, written, interrupted }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        let hasBaseline = summaries.contains { $0.baseline != nil }
        for unit in BenchResultsFile.unitOrder(Array(Set(summaries.map(\.unit)))) {
            let rows = summaries.filter { $0.unit == unit }
            guard !rows.isEmpty else { continue }
            var header = ["BENCHMARK (\(unit))", "TARGET", "MEDIAN", "95% CI"]
            if hasBaseline { header += ["BASELINE", "CHANGE"] }
            let table = rows.map { s -> [String] in
                var row = [s.name + (Set(summaries.map(\.package)).count > 1 ? " (\(s.package))" : ""),
                           s.target + (s.emulated ? " *" : ""),
                           BenchFormatting.value(s.median, unit: unit),
                           BenchFormatting.interval(s)]
                if hasBaseline {
                    if let c = s.baseline {
                        row.append(BenchFormatting.value(c.baselineMedian, unit: unit))
                        let text = c.significant ? String(format: "%+.2f%%", c.percent) : "~"
                        let detail = String(format: " (p=%.3f n=%d+%d)", c.p, c.baselineN, s.n)
                        row.append((c.significant ? (c.percent > 0 && unit != "MB/s" ? painter.red(text) : painter.green(text)) : text) + detail)
                    } else {
                        row += ["-", "(not in baseline)"]
                    }
                }
                return row
            }
            out.results.append(renderTable(header, table))
            out.results.append("")
        }
        let emulated = Dictionary(results.series.filter(\.emulated).map { ($0.target, $0.runner) }, uniquingKeysWith: { a, _ in a })
        if !emulated.isEmpty {
            let list = emulated.sorted { $0.key < $1.key }.map { "\($0.key) under \($0.value)" }.joined(separator: ", ")
            out.results.append("* not run on the target's hardware (\(list)): ns/op is the runner's time, not the target's; "
                               + "B/op and allocs/op are the program's own and hold on real hardware.")
        }
        if summaries.contains(where: { $0.low == nil }) {
            out.results.append("95% CI: the median's distribution-free interval (order statistics); \"-\" needs >= 6 runs (--count 6).")
        }
        if hasBaseline {
            out.results.append("CHANGE: Mann-Whitney U test (two-sided, exact with ties); ~ means no significant difference (p >= 0.05 or too few runs).")
        }
        for p in results.problems {
            let label = p.status == "not-run" ? painter.yellow("--- NOT RUN") : p.status == "interrupted" ? painter.yellow("--- INTERRUPTED") : p.status == "compile-only" ? painter.dim("--- COMPILE-ONLY") : painter.red("--- FAIL")
            out.results.append("\(label): \(p.package) on \(p.target): \(p.message.split(separator: "\n").prefix(20).joined(separator: "\n    "))")
        }
        if results.series.isEmpty && results.problems.isEmpty {
            out.results.append("no benchmarks matched")
        }
        if let baseline { out.messages.append("crossgo: compared with \(relativePath(baseline, to: base))") }
        for path in written { out.messages.append("crossgo: results written to \(relativePath(path, to: base))") }
        if interrupted { out.messages.append("crossgo: interrupted: no results written") }
        return out
    }
}

/// Number formatting for benchmark values.
public enum BenchFormatting {
    public static func value(_ v: Double, unit: String) -> String {
        switch unit {
        case "ns/op":
            if v >= 1e9 { return String(format: "%.3fs", v / 1e9) }
            if v >= 1e6 { return String(format: "%.3fms", v / 1e6) }
            if v >= 1e3 { return String(format: "%.3fµs", v / 1e3) }
            return String(format: "%.2fns", v)
        case "B/op":
            if v >= 1_048_576 { return String(format: "%.2fMiB", v / 1_048_576) }
            if v >= 1024 { return String(format: "%.2fKiB", v / 1024) }
            return String(format: "%.0fB", v)
        default:
            return v == v.rounded() && abs(v) < 1e15 ? String(format: "%.0f", v) : String(format: "%.4g", v)
        }
    }

    /// "[low, high]" or "-" (too few samples), and "±x%" as benchstat shows it.
    public static func interval(_ s: BenchSummary) -> String {
        guard let low = s.low, let high = s.high else { return "-" }
        let spread = s.median == 0 ? 0 : max(s.median - low, high - s.median) / s.median * 100
        return String(format: "±%.0f%%", spread) + " [\(value(low, unit: s.unit)), \(value(high, unit: s.unit))]"
    }
}

/// Runs `crossgo bench`.
public struct BenchSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) { self.context = context }

    public func run(_ request: BenchRequest) async throws -> BenchOutcome {
        let system = context.system
        let cwd = context.workingDirectory
        guard request.count >= 1 else { throw UsageError("--count must be at least 1") }
        if goDurationSeconds(request.timeout) == nil { throw UsageError("--timeout '\(request.timeout)' is not a Go duration") }
        if let t = request.benchtime, !BenchSession.validBenchtime(t) {
            throw UsageError("--benchtime '\(t)' is neither a Go duration (1s, 20ms) nor a count of iterations (100x)")
        }
        if (try? NSRegularExpression(pattern: request.bench)) == nil { throw UsageError("--bench '\(request.bench)' is not a regular expression") }
        let toolchain = try await context.toolchain(explicitGo: request.goPath)
        let resolver = TargetResolver(toolchain: toolchain)
        let targets = try request.targets.isEmpty ? resolver.resolve("host") : resolver.resolve(request.targets)
        let moduleRoot = toolchain.moduleRoot ?? cwd
        // The baseline is read before anything runs: a bad file is a usage error, not a wasted run.
        let lastPath = BenchSession.lastResultsPath(moduleRoot: moduleRoot, environment: system.environment)
        var baseline: BenchResultsFile?
        var baselinePath: String?
        if let b = request.baseline {
            if b == "last" {
                guard let lastPath else { throw UsageError("--baseline last: crossgo's cache is off (CROSSGO_CACHE=off); give a bench-results.json file") }
                guard context.system.fileExists(lastPath) else {
                    throw UsageError("--baseline last: no earlier crossgo bench run of \(moduleRoot) is recorded; run crossgo bench once first")
                }
                baseline = try BenchResultsFile.read(lastPath, flag: "--baseline last:", system: context.system)
                baselinePath = lastPath
            } else {
                let path = context.absolute(b)
                baseline = try BenchResultsFile.read(path, flag: "--baseline", system: context.system)
                baselinePath = path
            }
        }
        // Test binaries and go's own temporary files (GOTMPDIR) live in a scratch folder removed however the run ends.
        let scratchFolder = try ScratchFolder("bench", system: context.system)
        defer { scratchFolder.remove() }
        let scratch = scratchFolder.path
        let goEnvironment = request.extraEnvironment.merging(scratchFolder.goEnvironment) { a, _ in a }
        // The packages, crossgo.yaml and cgo, per target, exactly as crossgo test decides them: the test session's planner.
        let planning = TestPlanner.Request(packages: request.packages, tags: request.tags, cgo: request.cgo, sdk: request.sdk, minGlibc: request.minGlibc)
        let (cgo, listing) = try await TestPlanner(context: context).prepare(planning, targets: targets, toolchain: toolchain, goEnvironment: goEnvironment)
        var plan = try TestPlan(packages: listing.packages, targets: targets, host: toolchain.host, run: "^$", tags: request.tags,
                                passthrough: [], noCache: true, cgo: cgo, perTarget: listing.perTarget)
        // Only packages with test files for the target have benchmarks there.
        plan.jobs = plan.jobs.filter { $0.package.hasTests && $0.package.absent == nil }
        let (jobs, shardRecord) = try await Shard.pick(
            request.shard, plan.jobs, what: "package run(s)", durationsFile: nil,
            settings: { [toolchain.version, request.bench, String(request.count), request.benchtime ?? "", request.tags.joined(separator: ",")] },
            folder: cwd, context: context, id: { $0.id.description }, target: { $0.id.target })
        plan.jobs = jobs
        let runners = await context.runners(for: toolchain)
        let executor = TestExecutor(toolchain: toolchain, runners: runners, system: system,
                                    cache: TestCache(directory: TestCache.defaultDirectory(environment: system.environment), system: system),
                                    environment: system.environment, timeout: request.timeout, goEnvironment: goEnvironment)
        _ = try await WineHost.startIfNeeded(for: targets, runners: runners, reporter: context.reporter, system: context.system)

        // 1. Build every test binary on the matrix runner, --jobs at a time. By default as many as `build` overlaps:
        // these are go builds (`go test -c`), whose warm runs are mostly process start and cache checks.
        let buildJobs = request.jobs ?? Concurrency.builds
        context.reporter.report(.planned(command: "bench", jobs: plan.jobs.map(\.id),
                                         message: "benchmarking \(plan.jobs.count) package run(s) x \(request.count) with \(toolchain.version)"))
        let built = await MatrixRunner(concurrency: buildJobs, reporter: context.reporter).run(plan.jobs, id: \.id, firstPhase: "build", work: { job, _ in
            await executor.buildBenchBinary(job, scratch: scratch)
        }, end: { r in
            JobEnd(status: r.binary != nil ? .passed : (r.problem?.status == "compile-only" ? .compileOnly
                                                        : r.problem?.status == "not-run" || r.problem?.status == "interrupted" ? .notRun : .failed),
                   summary: r.binary != nil ? "built" : (r.problem?.status ?? "failed"))
        })
        var problems: [BenchProblem] = built.completed.compactMap(\.problem)
        let ready = built.completed.filter { $0.binary != nil }

        // 2. Run them N times, one at a time, round by round so that every target sees the same machine drift.
        struct RunJob: Sendable { var round: Int; var build: BuiltBench }
        var runJobs: [RunJob] = []
        for round in 1...request.count { for b in ready { runJobs.append(RunJob(round: round, build: b)) } }
        let arguments = BenchSession.binaryArguments(bench: request.bench, benchtime: request.benchtime, timeout: request.timeout)
        let runID: @Sendable (RunJob) -> JobID = { JobID(item: $0.build.job.package.importPath + " #\($0.round)", target: $0.build.job.target.description) }
        if !runJobs.isEmpty {
            context.reporter.report(.planned(command: "bench", jobs: runJobs.map(runID),
                                             message: "running \(ready.count) benchmark binary(ies) \(request.count) time(s) each, one at a time, round by round"))
        }
        let ran = await MatrixRunner(concurrency: 1, reporter: context.reporter).run(runJobs, id: runID, firstPhase: "run", work: { job, _ in
            await executor.runBenchBinary(job.build, arguments: arguments)
        }, end: { r in
            JobEnd(status: r.interrupted ? .notRun : r.failure == nil ? .passed : .failed, elapsed: r.seconds,
                   summary: r.interrupted ? "interrupted" : r.failure == nil ? "\(r.lines.count) result(s)" : "failed")
        })
        let interrupted = ran.interrupted || built.interrupted || Task.isCancelled

        // 3. Collect the samples, in run order.
        var series: [String: BenchSeries] = [:]
        var order: [String] = []
        var failedRuns: Set<String> = []
        for (index, output) in ran.outputs.enumerated() {
            guard let output else { continue }
            let job = runJobs[index].build
            let runner = runners.runner(for: job.job.target, cgo: job.job.cgo)
            if let failure = output.failure {
                let key = job.job.id.description
                if !failedRuns.contains(key) {
                    failedRuns.insert(key)
                    problems.append(BenchProblem(package: job.job.package.importPath, target: job.job.target.description,
                                                 status: output.interrupted ? "interrupted" : "failed", message: failure))
                }
                // The benchmarks that finished before the failure keep their results, as go test prints them.
            }
            for line in output.lines {
                let key = "\(job.job.package.importPath) \(job.job.target) \(line.name)"
                if series[key] == nil {
                    order.append(key)
                    series[key] = BenchSeries(package: job.job.package.importPath, target: job.job.target.description, name: line.name, procs: line.procs,
                                              runner: runner.kind.rawValue, emulated: runner.kind != .native, samples: [:],
                                              configuration: line.configuration)
                }
                for (unit, value) in line.values { series[key]!.samples[unit, default: []].append(value) }
            }
        }
        var file = BenchResultsFile(go: toolchain.version, module: moduleRoot, targets: targets.map(\.description), count: request.count,
                                    benchtime: request.benchtime, series: order.compactMap { series[$0] }, problems: problems, shard: shardRecord)
        file.problems.sort { ($0.package, $0.target) < ($1.package, $1.target) }
        let summaries = file.summaries(against: baseline)
        file.summaries = summaries
        file.baseline = baselinePath
        var written: [String] = []
        if !interrupted {
            let path = request.results.map(context.absolute)
                ?? moduleRoot + "/dist/" + (request.shard.map { $0.name + "/" } ?? "") + BenchResultsFile.fileName
            do {
                if request.results == nil {
                    try BuildSession.prepare(outDir: moduleRoot + "/dist", system: context.system)
                    if let shard = request.shard { try BuildSession.prepare(outDir: moduleRoot + "/dist/" + shard.name, system: context.system) }
                }
                // Artifact measurements recorded there (`--artifacts`) stay: they describe the build, not these runs.
                if let earlier = try? BenchResultsFile.read(path, flag: "--results", system: context.system) { file.artifacts = earlier.artifacts }
                try file.write(to: path, system: context.system)
                written.append(path)
            } catch let error as ClassifiedError {
                throw error
            } catch {
                throw EnvironmentError("cannot write the bench results \(path): \(error.localizedDescription)")
            }
            if let lastPath, request.shard == nil { try? file.write(to: lastPath, system: context.system) }
        }
        return BenchOutcome(results: file, summaries: summaries, baseline: baselinePath, written: written, interrupted: interrupted)
    }

    /// The test binary's arguments for a benchmark run: no tests, the benchmarks, their memory statistics.
    public static func binaryArguments(bench: String, benchtime: String?, timeout: String) -> [String] {
        ["-test.run=^$", "-test.bench=\(bench)", "-test.benchmem", "-test.count=1", "-test.timeout=\(timeout)"]
            + (benchtime.map { ["-test.benchtime=\($0)"] } ?? [])
    }

    /// "100x" or a Go duration.
    static func validBenchtime(_ text: String) -> Bool {
        if text.hasSuffix("x") { return Int(text.dropLast()).map { $0 > 0 } ?? false }
        return (goDurationSeconds(text) ?? 0) > 0 || text.hasSuffix("ns") || text.hasSuffix("us") || text.hasSuffix("µs")
    }

    /// The cache file of this module's last run (for `--baseline last`); nil when the cache is off.
    public static func lastResultsPath(moduleRoot: String, environment: [String: String]) -> String? {
        guard !CacheFolder.isOff(environment: environment) else { return nil }
        return CacheFolder.path("bench", environment: environment) + "/" + String(sha256Hex(Data(moduleRoot.utf8)).prefix(16)) + "-last.json"
    }
}

/// A test binary built for benchmarks, or why there is none.
struct BuiltBench: Sendable {
    var job: TestJob
    var binary: String?
    var problem: BenchProblem?
}

/// What one run of a benchmark binary gave.
struct BenchRunOutput: Sendable {
    var lines: [BenchLine]
    var failure: String?
    /// Wall time of the binary under its runner.
    var seconds: Double
    /// Stopped by SIGINT/SIGTERM: not run, not failed.
    var interrupted = false
}

extension TestExecutor {
    /// Builds the package's test binary for the job's target the way the test session does (`go test -c`, same
    /// flags and environment); a target that cannot run here is only compiled.
    func buildBenchBinary(_ job: TestJob, scratch: String) async -> BuiltBench {
        let name = job.target.description
        let safeName = job.package.importPath.replacingOccurrences(of: "/", with: "_") + "-" + name.replacingOccurrences(of: "/", with: "_")
        let binary = scratch + "/" + safeName + ".test" + job.target.executableExtension
        let env = job.environment.merging(goEnvironment) { $1 }.mapValues { Optional($0) }
        let runner = runners.runner(for: job.target, cgo: job.cgo)
        func problem(_ status: String, _ message: String) -> BuiltBench {
            BuiltBench(job: job, binary: nil, problem: BenchProblem(package: job.package.importPath, target: name, status: status, message: message))
        }
        if let why = job.problem { return problem("build-failed", why) }
        do {
            let build = try await system.run(toolchain.goPath, job.buildArguments(output: binary), environment: env, timeout: 1800,
                                             workingDirectory: job.package.directory, options: RunOptions(limit: 4 << 20))
            if Task.isCancelled { return problem("interrupted", "interrupted") }
            guard build.succeeded else { return problem("build-failed", Builder.compilerLines(build.stderr, max: 20)) }
        } catch {
            if error is CancellationError || Task.isCancelled { return problem("interrupted", "interrupted") }
            return problem("build-failed", "\(error)")
        }
        guard runner.canRun else { return problem(runner.fix != nil ? "not-run" : "compile-only", runner.summary) }
        if runner.kind == .browser { return problem("not-run", "benchmarks run under node, not in a browser") }
        return BuiltBench(job: job, binary: binary)
    }

    /// Runs a built benchmark binary once under its runner, as the test session runs test binaries.
    func runBenchBinary(_ built: BuiltBench, arguments: [String]) async -> BenchRunOutput {
        guard let binary = built.binary else { return BenchRunOutput(lines: [], failure: "not built", seconds: 0) }
        let job = built.job
        let runner = runners.runner(for: job.target, cgo: job.cgo)
        let runEnvironment = job.runEnvironment(goroot: toolchain.goroot, path: environment["PATH"]).merging(runner.environment) { $1 }
        guard let argv = runner.command(binary: binary, arguments: arguments, workingDirectory: job.package.directory,
                                        pathVariable: runEnvironment["PATH"] ?? nil) else {
            return BenchRunOutput(lines: [], failure: runner.summary, seconds: 0)
        }
        let start = Date()
        let limit = goDurationSeconds(timeout).flatMap { $0 > 0 ? $0 + 60 : nil }
        do {
            let output = try await system.run(argv[0], Array(argv.dropFirst()), environment: runEnvironment, timeout: limit,
                                              workingDirectory: job.package.directory, options: RunOptions(argv0: runner.argv0, limit: 16 << 20))
            let seconds = Date().timeIntervalSince(start)
            if Task.isCancelled { return BenchRunOutput(lines: BenchFormat.parse(output.stdout), failure: "interrupted", seconds: seconds, interrupted: true) }
            guard output.succeeded else {
                let text = (output.stdout + output.stderr).split(separator: "\n").suffix(20).joined(separator: "\n")
                return BenchRunOutput(lines: BenchFormat.parse(output.stdout), failure: "\(ProcessFailure(argv: argv, result: output).status): \(text)", seconds: seconds)
            }
            return BenchRunOutput(lines: BenchFormat.parse(output.stdout), failure: nil, seconds: seconds)
        } catch {
            let interrupted = error is CancellationError || Task.isCancelled
            return BenchRunOutput(lines: [], failure: interrupted ? "interrupted" : "\(error)", seconds: Date().timeIntervalSince(start), interrupted: interrupted)
        }
    }
}
