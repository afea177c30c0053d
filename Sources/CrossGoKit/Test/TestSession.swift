// The test session: request in, events to the reporter, outcome out. Lists packages, plans (TestPlan),
// and runs every (package x target) on the matrix runner: build the test binary, run it where it lives,
// read test2json events, reuse results through TestCache.
import Foundation

/// What `crossgo test` was asked to do.
public struct TestRequest: Sendable {
    public var goPath: String?
    public var packages: [String] = []
    /// Target specs; empty: the host and the default set.
    public var targets: [String] = []
    public var run: String?
    /// A Go duration for -test.timeout ("10m"); "0" means no limit, as in go test.
    public var timeout: String = "10m"
    public var tags: [String] = []
    public var noCache = false
    public var jobs: Int?
    /// Words after `--`: build flags, test flags and arguments, split as go test splits them.
    public var passthrough: [String] = []
    /// Accept targets that could run here but have no runner installed (exit 0 instead of 1).
    public var allowNotRun = false
    /// Write a JUnit report here (atomically, and not when interrupted).
    public var junit: String?
    /// Write the results as JSON here (test-results.json); with --shard, default `dist/shard-K-of-N/test-results.json`.
    public var results: String?
    /// Run only this shard's (package x target) jobs.
    public var shard: Shard?
    /// An earlier run's test-results.json whose durations balance the shards.
    public var shardDurations: String?
    /// Run js/wasm in headless Chromium instead of node.
    public var browser = false
    /// Environment added to every go command that builds (go list -export, go test -c, go vet).
    public var extraEnvironment: [String: String] = [:]
    /// `--cgo`: test every target with cgo (zig for foreign targets); nil: crossgo.yaml's `cgo` decides.
    public var cgo: Bool?
    /// `--sdk`: a macOS SDK folder for darwin targets with cgo (default: SDKROOT).
    public var sdk: String?
    /// `--min-glibc`: the glibc linux cgo test binaries are linked against.
    public var minGlibc: String?

    public init() {}
}

/// What a test session did.
public struct TestOutcome: SessionOutcome {
    public var command: String { "test" }
    public var targets: [String]
    public var results: [PackageResult]
    public var interrupted: Bool
    public var allowNotRun: Bool

    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if results.contains(where: { $0.status.isFailure }) { return .failed }
        if !allowNotRun && results.contains(where: { $0.status == .noRunner }) { return .failed }
        return .ok
    }

    /// Tests passed, failed, skipped; packages that failed without a failing test (build, crash, TestMain);
    /// package runs cached, not run (no runner), compile-only.
    public var counts: [(String, Int)] {
        [("passed", results.map(\.passedCount).reduce(0, +)),
         ("failed", results.map(\.failedCount).reduce(0, +)),
         ("skipped", results.map(\.skippedCount).reduce(0, +)),
         ("packagesFailed", results.filter { $0.status.isFailure }.count),
         ("cached", results.filter(\.cached).count),
         ("notRun", results.filter { $0.status == .noRunner }.count),
         ("compileOnly", results.filter { $0.status == .compileOnly }.count),
         ("absent", results.filter { $0.status == .absent }.count),
         ("interrupted", results.filter { $0.status == .interrupted }.count)]
    }

    enum CodingKeys: String, CodingKey { case targets, results, interrupted, allowNotRun }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        var packages: [String] = []
        for r in results where !packages.contains(r.package) { packages.append(r.package) }
        func cell(_ r: PackageResult?) -> String {
            guard let r else { return "-" }
            let time = String(format: "%.1fs", r.elapsed)
            switch r.status {
            case .passed: return painter.green("ok \(r.passedCount)" + (r.skippedCount > 0 ? " skip \(r.skippedCount)" : "")) + (r.cached ? " (cached)" : " \(time)") + (r.coverage.map { " " + $0.replacingOccurrences(of: "coverage: ", with: "") } ?? "")
            case .failed: return painter.red(r.failedCount > 0 ? "FAIL \(r.failedCount)/\(r.tests.count)" : "FAIL")
            case .skipped: return painter.dim("skip \(r.skippedCount)" + (r.cached ? " (cached)" : ""))
            case .compileOnly: return painter.dim("compile-only")
            case .noTests: return painter.dim("no tests")
            case .buildFailed: return painter.red("BUILD FAILED")
            case .noRunner: return painter.yellow("NOT RUN")
            case .absent: return painter.dim("absent")
            case .interrupted: return painter.yellow("interrupted")
            }
        }
        let rows = packages.map { p in [p] + targets.map { t in cell(results.first { $0.package == p && $0.target == t }) } }
        out.results.append(renderTable(["PACKAGE"] + targets, rows))
        // Failures go with the results, so that `crossgo test > log` keeps them.
        for r in results where r.status.isFailure {
            let failing = r.tests.filter { $0.status == .failed }
            if failing.isEmpty {
                out.results.append(painter.red("--- \(r.status == .buildFailed ? "BUILD FAILED" : "FAIL")") + ": \(r.package) on \(r.target)")
                for line in (r.message ?? "").split(separator: "\n").suffix(30) { out.results.append("    \(line)") }
            }
            for t in failing {
                out.results.append(painter.red("--- FAIL") + ": \(t.name) on \(r.target) (\(r.package))")
                for line in t.output.split(separator: "\n") { out.results.append("    \(line)") }
            }
        }
        for r in results where r.status == .noRunner {
            out.results.append(painter.yellow("--- NOT RUN") + ": \(r.package) on \(r.target): \(r.message ?? "no runner")")
        }
        for r in results where r.status == .absent {
            out.results.append(painter.dim("absent") + " \(r.package) on \(r.target): \(r.message ?? "no Go files for this target")")
        }
        let c = Dictionary(counts, uniquingKeysWith: { a, _ in a })
        var line = "\(c["passed"] ?? 0) passed, \(c["failed"] ?? 0) failed, \(c["skipped"] ?? 0) skipped"
        if let broken = c["packagesFailed"], broken > 0 { line += "; \(broken) package run(s) failed" }
        line += "; \(c["cached"] ?? 0) cached, \(c["compileOnly"] ?? 0) compile-only, \((c["notRun"] ?? 0) + (c["interrupted"] ?? 0)) not run"
        if let absent = c["absent"], absent > 0 { line += ", \(absent) absent for their target" }
        out.results.append(line)
        if interrupted { out.messages.append("crossgo: interrupted: results of finished package runs shown; no report written") }
        if let notRun = c["notRun"], notRun > 0 {
            out.messages.append(allowNotRun
                ? "crossgo: \(notRun) package run(s) not run for want of a runner (accepted by --allow-not-run)"
                : "crossgo: \(notRun) package run(s) not run for want of a runner: install it, or pass --allow-not-run to accept")
        }
        return out
    }
}

/// Runs `crossgo test`.
public struct TestSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: TestRequest) async throws -> TestOutcome {
        let system = context.system
        let cwd = context.workingDirectory
        if goDurationSeconds(request.timeout) == nil {
            throw UsageError("--timeout '\(request.timeout)' is not a Go duration (e.g. 90s, 10m, 1h; 0 for no limit)")
        }
        let toolchain = try await context.toolchain(explicitGo: request.goPath)
        let resolver = TargetResolver(toolchain: toolchain)
        let targets = try request.targets.isEmpty ? resolver.resolve("host,default") : resolver.resolve(request.targets)
        // Test binaries and go's own temporary files (GOTMPDIR) live in a scratch folder removed however the run ends.
        let scratchFolder = try ScratchFolder("test", system: context.system)
        defer { scratchFolder.remove() }
        let scratch = scratchFolder.path
        let goEnvironment = request.extraEnvironment.merging(scratchFolder.goEnvironment) { a, _ in a }
        let planning = TestPlanner.Request(packages: request.packages, tags: request.tags, cgo: request.cgo, sdk: request.sdk, minGlibc: request.minGlibc)
        let (cgo, listing) = try await TestPlanner(context: context).prepare(planning, targets: targets, toolchain: toolchain, goEnvironment: goEnvironment)
        let packages = listing.packages
        var plan: TestPlan
        do {
            plan = try TestPlan(packages: packages, targets: targets, host: toolchain.host, run: request.run, tags: request.tags,
                                passthrough: request.passthrough, noCache: request.noCache || CacheFolder.isOff(environment: system.environment),
                                cgo: cgo, perTarget: listing.perTarget)
        } catch let error as ClassifiedError {
            throw error
        } catch {
            throw UsageError("\(error)")
        }
        let (jobs, shardRecord) = try await Shard.pick(
            request.shard, plan.jobs, what: "package run(s)", durationsFile: request.shardDurations,
            settings: { [toolchain.version, request.run ?? "", request.tags.joined(separator: ","), request.timeout] + request.passthrough },
            folder: cwd, context: context, id: { $0.id.description }, target: { $0.id.target }, free: { !$0.package.hasTests || $0.package.absent != nil })
        plan.jobs = jobs
        let planned = plan
        var runners = await context.runners(for: toolchain)
        runners.useBrowser = request.browser
        for (target, why) in planned.raceDropped.sorted(by: { $0.key.description < $1.key.description }) {
            context.reporter.report(.notice("\(target): \(why); its tests run without -race", level: "warning"))
        }
        for target in targets {
            let runner = runners.runner(for: target, cgo: cgo[target]?.setting)
            if runner.kind == .buildOnly, let fix = runner.fix {
                context.reporter.report(.notice("\(target): \(runner.detail); tests are only compiled. To run them: \(fix)", level: "warning"))
            }
        }
        let runnerJobs = request.jobs ?? Concurrency.runners
        context.reporter.report(.planned(command: "test", jobs: planned.jobs.map(\.id),
                                         message: "testing \(packages.count) package(s) on \(targets.count) target(s) with \(toolchain.version), \(runnerJobs) at a time"))
        let executor = TestExecutor(toolchain: toolchain, runners: runners, system: system,
                                    cache: TestCache(directory: TestCache.defaultDirectory(environment: system.environment), system: system),
                                    environment: system.environment, timeout: planned.flags.timeout ?? (request.timeout == "0" ? "0s" : request.timeout),
                                    goEnvironment: goEnvironment)
        // The cache's identities: one `go list -export` per target (it compiles), as many at a time as builds.
        var identities: [Target: [String: String]] = [:]
        if planned.cacheAllowed {
            let listed = targets.filter { runners.runner(for: $0, cgo: cgo[$0]?.setting).canRun }
            identities = await Self.cacheIdentities(listed, jobs: request.jobs ?? Concurrency.builds, reporter: context.reporter) { target in
                let environment = planned.jobs.first { $0.target == target }?.environment
                return try await executor.binaryIdentities(listing.withTests(for: target), target: target, buildFlags: planned.buildFlags,
                                                           environment: environment)
            }
        }
        // Wine: crossgo's prefix made (once per machine) and one wineserver kept alive for the run.
        _ = try await WineHost.startIfNeeded(for: targets, runners: runners, reporter: context.reporter, system: context.system)
        let matrix = MatrixRunner(concurrency: runnerJobs, reporter: context.reporter)
        let known = identities
        let ran = await matrix.run(planned.jobs, id: \.id, firstPhase: "test", work: { job, handle in
            await executor.run(job, identity: known[job.target]?[job.package.importPath], cacheAllowed: planned.cacheAllowed,
                               scratch: scratch, handle: handle)
        }, end: { result in
            JobEnd(status: result.jobStatus, elapsed: result.elapsed, summary: result.shortSummary, record: result)
        })
        let interrupted = ran.interrupted || Task.isCancelled
        if !interrupted {
            try writeCoverage(plan: planned, targets: targets, scratch: scratch)
        }
        let outcome = TestOutcome(targets: targets.map(\.description), results: ran.completed, interrupted: interrupted, allowNotRun: request.allowNotRun)
        let moduleRoot = toolchain.moduleRoot ?? cwd
        let resultsPath = request.results.map { context.absolute($0) }
            ?? request.shard.map { shard in moduleRoot + "/dist/" + shard.name + "/" + TestResultsFile.fileName }
        let file = TestResultsFile(crossgo: CrossGoVersion.current, go: toolchain.version, targets: outcome.targets, results: outcome.results, shard: shardRecord,
                                   module: toolchain.modulePath(system: system))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // The module's last whole run, for crossgo report when dist/ has no test-results.json (best effort: a cache).
        if !interrupted, request.shard == nil, let last = TestResultsFile.lastPath(moduleRoot: moduleRoot, environment: system.environment),
           let data = try? encoder.encode(file) {
            try? system.writeData(data, to: last)
        }
        if let resultsPath, !interrupted {
            do {
                let folder = (resultsPath as NSString).deletingLastPathComponent
                if request.results == nil {  // dist/shard-K-of-N: crossgo's folders, kept out of git as the build's are
                    try BuildSession.prepare(outDir: (folder as NSString).deletingLastPathComponent, system: context.system)
                    try BuildSession.prepare(outDir: folder, system: context.system)
                } else {
                    try OutputFolder.create(folder, system: context.system)
                }
                try context.system.writeData(encoder.encode(file), to: resultsPath)
            } catch {
                throw EnvironmentError("cannot write the test results \(resultsPath): \(error.localizedDescription)")
            }
        }
        if let junit = request.junit, !interrupted {
            let path = context.absolute(junit)
            do {
                try OutputFolder.createParent(of: path, system: context.system)
                try context.system.writeData(Data(JUnitReport.xml(outcome.results).utf8), to: path)
            } catch {
                throw EnvironmentError("cannot write --junit \(junit): \(error.localizedDescription)")
            }
        }
        return outcome
    }

    /// The content identities of each target's test binaries, at most `jobs` targets at a time (`go list -export`
    /// compiles). A target whose listing failed has none, so its results are not cached, and a warning says so.
    static func cacheIdentities(_ targets: [Target], jobs: Int, reporter: any Reporter,
                                identify: @escaping @Sendable (Target) async throws -> [String: String]) async -> [Target: [String: String]] {
        let listed = await Concurrency.bounded(targets, limit: jobs) { target -> Result<[String: String], any Error>? in
            do { return .success(try await identify(target)) } catch { return .failure(error) }
        }
        var out: [Target: [String: String]] = [:]
        for (target, result) in zip(targets, listed) {
            switch result {
            case .success(let ids)?: out[target] = ids
            case .failure(let error)?:
                if !Task.isCancelled { reporter.report(.notice("test results not cached for \(target): \(error)", level: "warning")) }
            case nil: break
            }
        }
        return out
    }
}

/// The test session's planner, a part that test and bench both use: crossgo.yaml read and checked, cgo per target,
/// and the packages listed per target as `go test` would list them there.
struct TestPlanner: Sendable {
    var context: CrossGoContext

    /// What the planner is asked: the packages, build tags and cgo settings of a test or bench request.
    struct Request: Sendable {
        var packages: [String] = []
        var tags: [String] = []
        /// `--cgo`; nil: crossgo.yaml's `cgo` decides.
        var cgo: Bool?
        var sdk: String?
        var minGlibc: String?
    }

    /// The targets tested with cgo (`--cgo`, or `cgo: true` in crossgo.yaml at the top or in an override), with their
    /// C compiler set up as `crossgo build` does it; `libc` and an override's `env: CC` are honoured.
    func cgoTargets(_ request: Request, targets: [Target], toolchain: GoToolchain) async throws -> [Target: TargetCgo] {
        let config = try toolchain.moduleRoot.flatMap { try BuildConfig.load(path: $0 + "/" + BuildConfig.fileName, system: context.system) }
        try config?.validate(toolchain: toolchain)
        var options = BuildOptions()
        options.cgo = request.cgo
        guard BuildPlanner.usesCgo(options: options, config: config) else { return [:] }
        let overrides = try ResolvedOverrides(config: config, toolchain: toolchain)
        let toolchainForC = await context.cgoToolchain(toolchain: toolchain, sdk: request.sdk)
        var out: [Target: TargetCgo] = [:]
        for target in targets {
            let applying = overrides.applying(target)
            var userEnv: [String: String] = [:]
            for o in applying { userEnv.merge(o.env) { $1 } }
            guard var decided = TargetCgo.decide(for: target, flag: request.cgo, applying: applying, build: nil, config: config,
                                                 userEnvironment: userEnv, toolchain: toolchainForC, minGlibc: request.minGlibc) else { continue }
            if decided.problem == nil { decided.environment.merge(userEnv) { $1 } }
            out[target] = decided
        }
        BuildSession.reportCgo(targets.compactMap { t in out[t].map { (t, $0) } }, reporter: context.reporter)
        return out
    }
}

extension TestSession {
    /// Merges each target's coverage profiles (one per package run) into the file -coverprofile named, per target.
    func writeCoverage(plan: TestPlan, targets: [Target], scratch: String) throws {
        guard plan.flags.coverProfile != nil else { return }
        for target in targets {
            let suffix = "-" + target.description.replacingOccurrences(of: "/", with: "_") + ".cover"
            let texts = context.system.listDirectory(scratch).filter { $0.hasSuffix(suffix) }
                .compactMap { context.system.readUTF8File(scratch + "/" + $0) }
            guard !texts.isEmpty,
                  let path = plan.flags.coverProfilePath(target: target.description, targetCount: targets.count, workingDirectory: context.workingDirectory)
            else { continue }
            do {
                try context.system.writeData(Data(try CoverageProfile.merge(texts: texts).utf8), to: path)
                context.reporter.report(.notice("\(target): coverage profile of \(texts.count) package run(s) merged into \(relativePath(path, to: context.workingDirectory))", level: "info"))
            } catch let error as CoverageProfileError {
                throw EnvironmentError("cannot merge the coverage profiles for \(target): \(error)")
            } catch {
                throw EnvironmentError("cannot write \(path): \(error.localizedDescription)")
            }
        }
    }
}

extension TestPlanner {
    /// What test and bench decide before anything builds: crossgo.yaml read and checked, cgo per target (`--cgo`,
    /// crossgo.yaml), and the packages listed per target with the environment its test binaries build with.
    func prepare(_ request: Request, targets: [Target], toolchain: GoToolchain, goEnvironment: [String: String])
        async throws -> (cgo: [Target: TargetCgo], listing: TestListing) {
        let cgo = try await cgoTargets(request, targets: targets, toolchain: toolchain)
        let environments = Dictionary(targets.map { ($0, TestPlan.environment(for: $0, host: toolchain.host, cgo: cgo[$0])) }, uniquingKeysWith: { a, _ in a })
        let listing = try await listPackages(request.packages, tags: request.tags, toolchain: toolchain, targets: targets,
                                             environments: environments, extra: goEnvironment)
        return (cgo, listing)
    }

    /// The packages matching the patterns (default ./...), listed once per distinct target environment (GOOS, GOARCH,
    /// level, CGO_ENABLED and cgo's compiler, tags) as `go test` would list them there: whether each exists for the
    /// target and has test files there. A package no target has is an error, as in `go test`.
    func listPackages(_ patterns: [String], tags: [String], toolchain: GoToolchain, targets: [Target],
                      environments: [Target: [String: String]], extra: [String: String]) async throws -> TestListing {
        let arguments = TestPlan.listArguments(patterns, tags: tags)
        var distinct: [[String: String]] = []
        for target in targets {
            let env = (environments[target] ?? target.environment).merging(extra) { $1 }
            if !distinct.contains(env) { distinct.append(env) }
        }
        var listings: [[String: String]: [ListedTestPackage]] = [:]
        try await withThrowingTaskGroup(of: ([String: String], [ListedTestPackage]).self) { group in
            for env in distinct {
                group.addTask { (env, try await self.list(arguments, environment: env, toolchain: toolchain)) }
            }
            for try await (env, listed) in group { listings[env] = listed }
        }
        // The union, in go's order: a package only some targets have goes after the one before it in their listing.
        var order: [String] = []
        var directories: [String: String] = [:]
        for env in distinct {
            var previous: String?
            for row in listings[env] ?? [] {
                directories[row.importPath] = directories[row.importPath] ?? (row.directory.isEmpty ? nil : row.directory)
                if !order.contains(row.importPath) {
                    let at = previous.flatMap { order.firstIndex(of: $0) }.map { $0 + 1 } ?? (previous == nil ? 0 : order.count)
                    order.insert(row.importPath, at: at)
                }
                previous = row.importPath
            }
        }
        guard !order.isEmpty else { throw PlanError.listFailed("no packages match \((patterns.isEmpty ? ["./..."] : patterns).joined(separator: " "))") }
        var perTarget: [Target: [String: TestPackage]] = [:]
        var packages: [String: TestPackage] = [:]
        for target in targets {
            let env = (environments[target] ?? target.environment).merging(extra) { $1 }
            let rows = Dictionary((listings[env] ?? []).map { ($0.importPath, $0) }, uniquingKeysWith: { a, _ in a })
            var mine: [String: TestPackage] = [:]
            for path in order {
                let directory = directories[path] ?? ""
                guard let row = rows[path] else {
                    // `./...` leaves out folders whose files are all excluded for the target.
                    mine[path] = TestPackage(importPath: path, directory: directory, hasTests: false,
                                             absent: "build constraints exclude all Go files in \(directory) for \(target)")
                    continue
                }
                if row.error.contains("build constraints exclude all Go files") {
                    mine[path] = TestPackage(importPath: path, directory: directory, hasTests: false, absent: row.error)
                } else if !row.error.isEmpty && row.directory.isEmpty {
                    throw PlanError.listFailed(row.error)
                } else {
                    mine[path] = TestPackage(importPath: path, directory: row.directory, hasTests: row.testFiles > 0)
                }
                if packages[path] == nil || packages[path]?.absent != nil { packages[path] = mine[path] }
            }
            perTarget[target] = mine
        }
        let explicit = !patterns.isEmpty && !patterns.contains { $0.contains("...") }
        if explicit, let nowhere = order.first(where: { path in targets.allSatisfy { perTarget[$0]?[path]?.absent != nil } }) {
            throw PlanError.excludedEverywhere(nowhere, targets.map(\.description).joined(separator: ", "))
        }
        return TestListing(packages: order.compactMap { packages[$0] }, perTarget: perTarget)
    }

    /// One `go list` of the test packages with one environment, through the HostSystem.
    private func list(_ arguments: [String], environment: [String: String], toolchain: GoToolchain) async throws -> [ListedTestPackage] {
        let result = try await GoQuery.run(toolchain.goPath, arguments, environment: environment.mapValues { Optional($0) },
                                           workingDirectory: context.workingDirectory, timeout: 300, system: context.system, cache: nil).result
        guard result.succeeded else { throw PlanError.listFailed(ProcessFailure(argv: [toolchain.goPath] + arguments, result: result).stderrTail) }
        return result.stdout.split(separator: "\n").compactMap { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 5, !(c[4].contains("matched no packages")) else { return nil }
            return ListedTestPackage(importPath: c[0], directory: c[1], testFiles: (Int(c[2]) ?? 0) + (Int(c[3]) ?? 0), error: c[4...].joined(separator: "\t"))
        }
    }
}

/// One row of the test session's `go list`.
struct ListedTestPackage: Sendable, Equatable {
    var importPath: String
    var directory: String
    var testFiles: Int
    var error: String
}

extension PackageResult {
    /// The job status the matrix runner reports.
    var jobStatus: JobStatus {
        if cached { return .cached }
        switch status {
        case .passed: return .passed
        case .failed, .buildFailed: return .failed
        case .skipped, .noTests, .absent: return .skipped
        case .compileOnly: return .compileOnly
        case .noRunner, .interrupted: return .notRun
        }
    }

    var shortSummary: String {
        switch status {
        case .passed: return "ok \(passedCount)"
        case .failed: return "FAIL \(failedCount)/\(tests.count)"
        case .skipped: return "skip \(skippedCount)"
        case .compileOnly: return "compile-only"
        case .noTests: return "no tests"
        case .buildFailed: return "build failed"
        case .noRunner: return message ?? "no runner"
        case .absent: return "absent"
        case .interrupted: return "interrupted"
        }
    }
}

/// Why a target's test binaries have no identity (and its results are not cached).
struct TestIdentityFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// Builds, runs and reads one test job.
struct TestExecutor: Sendable {
    var toolchain: GoToolchain
    var runners: RunnerDetector
    var system: any HostSystem
    var cache: TestCache
    var environment: [String: String]
    var timeout: String
    /// Added to the environment of the go commands that build (the request's extraEnvironment).
    var goEnvironment: [String: String] = [:]
    let versions = RunnerVersions()
    let tools = ToolPaths()

    /// Content identities of each package's test binary for a target, without linking it:
    /// the build IDs of the test main package and every package it depends on (`go list -export`). Throws
    /// `TestIdentityFailure` when go list cannot say: the target's results are then not cached.
    func binaryIdentities(_ packages: [TestPackage], target: Target, buildFlags: [String], environment jobEnvironment: [String: String]? = nil) async throws -> [String: String] {
        guard !packages.isEmpty else { return [:] }
        // Test variants are named "pkg [pkg.test]", with a space: join with commas, which import paths never hold.
        let format = "{{.ImportPath}}\t{{.BuildID}}\t{{join .Deps \",\"}}"
        var env = target.environment
        if target != toolchain.host { env["CGO_ENABLED"] = "0" }
        if let jobEnvironment { env = jobEnvironment }
        env.merge(goEnvironment) { $1 }
        let flags = buildFlags.filter { $0.hasPrefix("-tags") || $0.hasPrefix("-race") || $0.hasPrefix("-cover") }
        let arguments = ["list", "-e", "-deps", "-test", "-export"] + flags + ["-f", format] + packages.map(\.importPath)
        let result: ProgramResult
        do {
            result = try await system.run(toolchain.goPath, arguments, environment: env.mapValues { Optional($0) }, timeout: 600, workingDirectory: nil)
        } catch {
            throw TestIdentityFailure(reason: "go list -export could not run: \(error)")
        }
        guard result.succeeded else {
            let failure = ProcessFailure(argv: [toolchain.goPath] + arguments, result: result)
            let lines = failure.stderrTail.split(separator: "\n")
            throw TestIdentityFailure(reason: "go list -export \(failure.status)" + (lines.first.map { ": \($0)" + (lines.count > 1 ? " …" : "") } ?? ""))
        }
        var buildIDs: [String: String] = [:]
        var deps: [String: [String]] = [:]
        for line in result.stdout.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 3 else { continue }
            buildIDs[c[0]] = c[1]
            deps[c[0]] = c[2].split(separator: ",").map(String.init)
        }
        var out: [String: String] = [:]
        for package in packages {
            let main = package.importPath + ".test"
            guard let mainID = buildIDs[main], !mainID.isEmpty else { continue }
            // Every dependency is listed; only pseudo-packages such as unsafe have no build ID.
            var lines = ["\(main)=\(mainID)"]
            var complete = true
            for dep in deps[main] ?? [] {
                guard let id = buildIDs[dep] else { complete = false; break }
                lines.append("\(dep)=\(id)")
            }
            if complete { out[package.importPath] = sha256Hex(Data(lines.sorted().joined(separator: "\n").utf8)) }
        }
        return out
    }

    func run(_ job: TestJob, identity: String?, cacheAllowed: Bool, scratch: String, handle: JobHandle) async -> PackageResult {
        let start = Date()
        let package = job.package
        let target = job.target
        let name = target.description
        func finish(_ result: PackageResult) -> PackageResult {
            var r = result
            if !r.cached { r.elapsed = Date().timeIntervalSince(start) }
            return r
        }
        // A run stopped by SIGINT/SIGTERM (the go command or the binary got the signal too) is neither passed nor failed.
        func interrupted() -> PackageResult { PackageResult(package: package.importPath, target: name, status: .interrupted, message: "interrupted") }
        if let absent = package.absent { return finish(PackageResult(package: package.importPath, target: name, status: .absent, message: absent)) }
        guard package.hasTests else { return finish(PackageResult(package: package.importPath, target: name, status: .noTests)) }
        if let problem = job.problem {
            return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: problem))
        }
        let runner = runners.runner(for: target, cgo: job.cgo)
        let env = job.environment.merging(goEnvironment) { $1 }.mapValues { Optional($0) }
        let safeName = package.importPath.replacingOccurrences(of: "/", with: "_") + "-" + name.replacingOccurrences(of: "/", with: "_")
        let binary = scratch + "/" + safeName + ".test" + target.executableExtension

        // Served from the cache?
        var key: String?
        if cacheAllowed, runner.canRun, let identity {
            let version = await versions.version(of: runner, system: system)
            key = TestCache.key(binaryIdentity: identity, arguments: job.binaryArguments + job.buildFlags + ["timeout=\(timeout)"],
                                runner: runner.kind.rawValue + ":" + (runner.program ?? ""), runnerVersion: version, target: name)
            if let key, var hit = cache.lookup(key, environment: environment) {
                hit.cached = true
                return finish(hit)
            }
        }

        // Build the test binary (and vet it where it cannot run).
        let build: ProgramResult
        do {
            build = try await system.run(toolchain.goPath, job.buildArguments(output: binary), environment: env, timeout: 1800,
                                         workingDirectory: package.directory, options: RunOptions(limit: 4 << 20))
        } catch {
            if error is CancellationError || Task.isCancelled { return finish(interrupted()) }
            return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: "\(error)"))
        }
        defer { try? system.removeItem(binary) }
        if Task.isCancelled { return finish(interrupted()) }
        guard build.succeeded else {
            return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: Builder.compilerLines(build.stderr, max: 20)))
        }
        guard runner.canRun else {
            handle.phase("vet")
            let vet = try? await system.run(toolchain.goPath, job.vetArguments, environment: env, timeout: 600, workingDirectory: package.directory)
            if Task.isCancelled { return finish(interrupted()) }
            if let vet, !vet.succeeded {
                return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: "go vet: " + Builder.compilerLines(vet.stderr, max: 20)))
            }
            let status: PackageStatus = runner.fix != nil ? .noRunner : .compileOnly
            return finish(PackageResult(package: package.importPath, target: name, status: status, message: runner.summary))
        }

        // Run it where it lives, with the test log `go test` uses for its own cache.
        handle.phase("run")
        let log = scratch + "/" + safeName + ".testlog"
        let timeoutSeconds = goDurationSeconds(timeout).flatMap { $0 > 0 ? $0 + 60 : nil }
        let args = job.runArguments(timeout: timeout, testLog: log, coverFile: job.coverProfile ? scratch + "/" + safeName + ".cover" : nil)
        // The environment `go test -exec` gives a test binary: go's own, which holds the target's GOOS, GOARCH and
        // CGO_ENABLED, with GOROOT/bin first on PATH and PWD the package folder (a test that runs `go build`
        // builds for the target, as under go).
        let runEnvironment = job.runEnvironment(goroot: toolchain.goroot, path: environment["PATH"]).merging(runner.environment) { $1 }
        // (wasmtime passes its guest only PWD and PATH, as GOROOT's go_wasip1_wasm_exec does.)
        guard let argv = runner.command(binary: binary, arguments: args, workingDirectory: package.directory,
                                        pathVariable: runEnvironment["PATH"] ?? nil) else {
            return finish(PackageResult(package: package.importPath, target: name, status: .noRunner, message: runner.summary))
        }
        let output: ProgramResult
        do {
            if runner.kind == .browser, let chromium = runner.program, let wasmExec = runner.support {
                // A page has no file system: no test log (so no cache entry), the rest as go would pass it.
                var env: [String: String] = [:]
                for (k, v) in runEnvironment { if let v { env[k] = v } }
                output = try await BrowserRun.run(chromium: Chromium(program: chromium, system: system), wasmExec: wasmExec, binary: binary,
                                                  arguments: args.filter { !$0.hasPrefix("-test.testlogfile=") }, environment: env,
                                                  timeout: timeoutSeconds ?? 3600)
            } else {
                output = try await system.run(argv[0], Array(argv.dropFirst()), environment: runEnvironment, timeout: timeoutSeconds,
                                              workingDirectory: package.directory, options: RunOptions(argv0: runner.argv0, limit: 64 << 20))
            }
        } catch {
            if error is CancellationError || Task.isCancelled { return finish(interrupted()) }
            return finish(PackageResult(package: package.importPath, target: name, status: .failed, message: "\(error)"))
        }
        if Task.isCancelled { return finish(interrupted()) }
        let testEvents = await parse(output.stdout, package: package.importPath, target: name)
        // A signal to the whole process group may have stopped test2json itself: no verdict from half the events.
        if Task.isCancelled { return finish(interrupted()) }
        for event in testEvents { handle.test(event) }
        let result = PackageResult.from(events: testEvents, package: package.importPath, target: name, exitCode: output.exitCode,
                                        rawOutput: output.stdout + output.stderr, stderr: String(output.stderr.suffix(8000)))
        if let key, result.status != .failed, let text = system.readUTF8File(log) {
            cache.store(key, result: result, inputs: TestInputs.fromTestLog(text, directory: package.directory, environment: environment, system: system))
        }
        return finish(result)
    }

    /// test2json events from a test binary's -test.v=test2json output.
    func parse(_ stdout: String, package: String, target: String) async -> [TestEvent] {
        // Recent Go builds test2json on demand: `go tool` costs a second per call, so run the binary itself.
        let test2json = await tools.path(of: "test2json", goPath: toolchain.goPath, environment: goEnvironment, system: system)
        let command = test2json.map { ($0, ["-t", "-p", package]) } ?? (toolchain.goPath, ["tool", "test2json", "-t", "-p", package])
        guard let result = try? await system.run(command.0, command.1, environment: goEnvironment.mapValues { Optional($0) }, timeout: 120,
                                                 workingDirectory: nil, options: RunOptions(input: stdout))
        else { return [] }
        let decoder = JSONDecoder()
        return result.stdout.split(separator: "\n").compactMap { line in
            guard var event = try? decoder.decode(TestEvent.self, from: Data(line.utf8)) else { return nil }
            event.Target = target
            return event
        }
    }
}

/// Paths of Go tools (`go tool -n NAME`), asked once per run.
actor ToolPaths {
    private var known: [String: Task<String?, Never>] = [:]

    func path(of tool: String, goPath: String, environment: [String: String] = [:], system: any HostSystem) async -> String? {
        if let task = known[tool] { return await task.value }
        let task = Task { () -> String? in
            guard let out = try? await system.run(goPath, ["tool", "-n", tool], environment: environment.mapValues { Optional($0) }, timeout: 300),
                  out.succeeded else { return nil }
            let path = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return system.isExecutableFile(path) ? path : nil
        }
        known[tool] = task
        return await task.value
    }
}

/// Runner versions, asked once per program.
actor RunnerVersions {
    private var known: [String: String] = [:]

    func version(of runner: Runner, system: any HostSystem) async -> String {
        guard let program = runner.program else { return runner.kind.rawValue }
        if let v = known[program] { return v }
        let out = try? await system.run(program, ["--version"], environment: [:], timeout: 30)
        let v = out.map { firstLine($0.stdout.isEmpty ? $0.stderr : $0.stdout) } ?? "unknown"
        known[program] = v
        return v
    }
}

/// Seconds in a Go duration such as "10m", "90s", "1h30m", "500ms".
public func goDurationSeconds(_ text: String) -> Double? {
    var total = 0.0
    var number = ""
    var chars = Array(text)
    var i = 0
    guard !chars.isEmpty else { return nil }
    chars.append(" ")
    while i < chars.count - 1 {
        let c = chars[i]
        if c.isNumber || c == "." { number.append(c); i += 1; continue }
        guard let value = Double(number) else { return nil }
        var unit = String(c)
        if (c == "m" && chars[i + 1] == "s") || ((c == "u" || c == "µ" || c == "n") && chars[i + 1] == "s") { unit += "s"; i += 1 }
        switch unit {
        case "h": total += value * 3600
        case "m": total += value * 60
        case "s": total += value
        case "ms": total += value / 1000
        case "us", "µs", "ns": total += 0
        default: return nil
        }
        number = ""
        i += 1
    }
    if number.isEmpty { return total }
    return total == 0 && Double(number) == 0 ? 0 : nil  // "0" is a duration: no limit
}
