// The build session: request in, events to the reporter, outcome out. Resolves the toolchain, targets and
// packages, plans, builds every (program x target) on the matrix runner, records exactly what it made in
// dist/, and runs the artifacts when asked.
import Foundation

/// What `crossgo build` was asked to do. nil means "not given": crossgo.yaml or the default applies.
public struct BuildRequest: Sendable {
    public var goPath: String?
    public var packages: [String] = []
    /// Target specs; empty: crossgo.yaml's `targets`, else `default`.
    public var targets: [String] = []
    /// Output folder (relative to the working folder); default: crossgo.yaml's `out`, else dist next to go.mod.
    public var out: String?
    public var jobs: Int?
    public var ldflags: String?
    public var tags: [String]?
    public var outputTemplate: String?
    public var trimpath: Bool?
    /// Remove the previous manifest's artifacts before building.
    public var clean = false
    /// Run each artifact this host can run, with `runArguments`.
    public var run = false
    public var runArguments: [String] = []
    /// With `run`: js/wasm programs run in headless Chromium instead of node.
    public var browser = false
    /// Write a web bundle per js/wasm program into <out>/web/<binary>/ (also `web: true` in crossgo.yaml).
    public var web = false
    /// Flags for go build (after `--`).
    public var passthrough: [String] = []
    /// The version `{{.Version}}` in ldflags stands for (default: the exact git tag, else "dev").
    public var version: String?
    /// Environment added to every go build.
    public var extraEnvironment: [String: String] = [:]
    /// Build only this shard's jobs (into `<out>/shard-K-of-N` unless --out is given).
    public var shard: Shard?
    /// An earlier run's manifest.json whose durations balance the shards.
    public var shardDurations: String?
    /// `--cgo`: every target with cgo (zig for foreign targets); nil: crossgo.yaml decides.
    public var cgo: Bool?
    /// `--min-glibc`: the glibc version linux cgo targets are linked against and checked for; nil: crossgo.yaml's `libc: gnu.X.Y`.
    public var minGlibc: String?
    /// `--sdk`: a macOS SDK folder for darwin cgo targets (default: SDKROOT).
    public var sdk: String?
    /// Checks of crossgo.yaml that the command on top of the build makes (release: `packages:`), run once the file is
    /// read and before anything is built or written; a thrown error ends the build.
    public var checkConfig: (@Sendable (_ config: BuildConfig?, _ moduleRoot: String) throws -> Void)?

    public init() {}
}

/// One artifact run by `build --run`.
public struct RunRecord: Sendable, Codable, Equatable {
    public var target: String
    public var binary: String
    /// How it ran: native, qemu-user, node, wasmtime, ...; nil when it could not run here.
    public var runner: String?
    public var status: JobStatus
    public var exitCode: Int32?
    /// stdout and stderr, trimmed.
    public var output: String
    /// Why it did not run.
    public var reason: String?
}

/// What a build session did.
public struct BuildOutcome: SessionOutcome {
    public var command: String { "build" }
    public var outDir: String
    public var go: String
    public var module: String
    public var artifacts: [Artifact]
    public var failures: [BuildFailure]
    /// Programs that do not exist for some targets (build constraints).
    public var absent: [AbsentBuild]
    public var runs: [RunRecord]
    /// Files of the previous build that this one removed (not rebuilt: dist/ holds exactly the manifest).
    public var removed: [String]
    public var interrupted: Bool
    /// Whether the git work tree had changes before crossgo started (nil: not a git checkout).
    public var treeDirty: Bool?
    /// The folder holding go.mod (not encoded: the manifest's paths are relative to outDir).
    public var moduleRoot: String = ""

    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if !failures.isEmpty || runs.contains(where: { $0.status == .failed }) { return .failed }
        return .ok
    }

    public var counts: [(String, Int)] {
        [("built", artifacts.count), ("failed", failures.count), ("absent", absent.filter { $0.skipped != true }.count),
         ("skipped", absent.filter { $0.skipped == true }.count),
         ("ran", runs.filter { $0.status == .passed }.count), ("runFailed", runs.filter { $0.status == .failed }.count),
         ("notRun", runs.filter { $0.status == .notRun || $0.status == .compileOnly }.count)]
    }

    enum CodingKeys: String, CodingKey {
        case outDir, go, module, artifacts, failures, absent, runs, removed, interrupted, treeDirty
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        if !artifacts.isEmpty {
            out.results.append(renderTable(
                ["ARTIFACT", "TARGET", "SIZE", "SHA256", "VERIFIED"],
                artifacts.map { a in
                    [relativePath(outDir + "/" + a.path, to: base), a.target, formatSize(a.size), String(a.sha256.prefix(12)),
                     a.verification.confirmed.filter { !$0.hasPrefix("build info") }.joined(separator: ", ")]
                }))
        }
        for failure in failures {
            out.results.append(painter.red("FAILED") + " \(failure.binary) \(failure.target) (\(failure.stage.rawValue)):")
            for line in failure.message.split(separator: "\n") { out.results.append("    \(line)") }
        }
        for a in absent {
            out.results.append(painter.dim(a.skipped == true ? "skipped" : "absent") + " \(a.binary) \(a.target): \(a.reason)")
        }
        for r in runs {
            switch r.status {
            case .passed, .failed:
                let exit = r.status == .failed ? painter.red(" (exit \(r.exitCode ?? -1))") : ""
                out.results.append("\(r.target) [\(r.runner ?? "?")]: \(r.output)\(exit)")
            default:
                out.results.append("\(r.target): built and verified; \(painter.yellow("not run")): \(r.reason ?? "no runner")")
            }
        }
        if !removed.isEmpty {
            out.messages.append("crossgo: removed \(removed.count) artifact(s) of the previous build that this one did not make: \(removed.joined(separator: ", "))")
        }
        if interrupted {
            out.messages.append("crossgo: interrupted: \(artifacts.count) artifact(s) complete and recorded; no partial files left")
        }
        let dist = relativePath(outDir, to: base)
        out.messages.append("crossgo: \(artifacts.count) built and verified, \(failures.count) failed"
            + (absent.contains { $0.skipped != true } ? ", \(absent.filter { $0.skipped != true }.count) absent for their target" : "")
            + (absent.contains { $0.skipped == true } ? ", \(absent.filter { $0.skipped == true }.count) skipped (external linking needs cgo)" : "")
            + "; sums in \(dist)/\(BuildManifest.sumsName)")
        return out
    }
}

/// Runs `crossgo build`.
public struct BuildSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: BuildRequest) async throws -> BuildOutcome {
        let system = context.system
        let cwd = context.workingDirectory
        let goPath = try context.locator.locate(explicit: request.goPath)
        // git status of the work tree, taken while the toolchain is read and before crossgo writes anything.
        async let dirty = Self.treeDirty(cwd, system: system)
        let toolchain = try await GoToolchain.load(goPath: goPath, workingDirectory: cwd, system: system, cache: context.goCache)
        let moduleRoot = try BuildPlanner.moduleRoot(toolchain: toolchain)
        let config = try BuildConfig.load(path: moduleRoot + "/" + BuildConfig.fileName, system: system)
        try request.checkConfig?(config, moduleRoot)
        let targets = try resolveTargets(request.targets, config: config, toolchain: toolchain)

        var options = BuildOptions()
        options.packages = request.packages
        options.ldflags = request.ldflags
        options.tags = request.tags
        options.trimpath = request.trimpath
        options.outputTemplate = request.outputTemplate
        options.passthrough = request.passthrough
        options.extraEnvironment = request.extraEnvironment
        options.cgo = request.cgo
        options.minGlibc = request.minGlibc
        if LdflagsTemplate.uses(request.ldflags) || config.map({ c in c.builds.contains { LdflagsTemplate.uses($0.ldflags) } || c.overrides.contains { LdflagsTemplate.uses($0.ldflags) } }) == true {
            options.ldflagsValues = await SourceFacts.read(moduleRoot, system: system).ldflagsValues(version: request.version, now: context.clock())
        }
        var planner = BuildPlanner(toolchain: toolchain, moduleRoot: moduleRoot, system: system, cache: context.goCache)
        if BuildPlanner.usesCgo(options: options, config: config) {
            planner.cgo = await context.cgoToolchain(toolchain: toolchain, sdk: request.sdk)
        }
        var plan = try await planner.plan(options: options, config: config, targets: targets, workingDirectory: cwd)
        Self.reportCgo(plan.jobs.compactMap { job in job.cgo.map { (job.target, TargetCgo(environment: job.environment, setting: $0, problem: job.problem)) } },
                       reporter: context.reporter)
        let (jobs, shardRecord) = try await Shard.pick(
            request.shard, plan.jobs, what: "build(s)", durationsFile: request.shardDurations,
            settings: { [toolchain.version] + plan.jobs.map { ([$0.relativePath] + $0.arguments + $0.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }.sorted() },
            folder: moduleRoot, context: context, id: { "\($0.binary) \($0.target)" }, target: { $0.target.description })
        plan.jobs = jobs
        for a in plan.absent {
            context.reporter.report(.notice("\(a.package) is not built for \(a.target): \(a.reason)", level: a.skipped == true ? "warning" : "info"))
        }

        let wasDirty = await dirty
        let outDir = request.out.map(context.absolute)
            ?? absolutePath((config?.out ?? "dist") + (request.shard.map { "/" + $0.name } ?? ""), against: moduleRoot)
        if request.shard != nil && request.out == nil {
            try Self.prepare(outDir: (outDir as NSString).deletingLastPathComponent, system: system)  // dist/ itself, when crossgo makes it
        }
        try Self.prepare(outDir: outDir, system: system)
        var previous = BuildManifest.read(from: outDir, system: system)
        if request.clean {
            let removed = BuildManifest.clean(outDir: outDir, system: system)
            context.reporter.report(.notice("removed \(removed.count) artifact(s) of the previous build (--clean)", level: "info"))
            previous = nil
        }
        let parallel = request.jobs ?? config?.jobs ?? Concurrency.builds
        var builder = Builder(toolchain: toolchain, outDir: outDir, workingDirectory: cwd, previous: previous, system: system)
        builder.removeStalePartials()
        // go's own work folders (go-build*) live in crossgo's scratch folder, removed however the run ends, unless the
        // user chose a GOTMPDIR. Not part of a job's environment: it would differ from run to run.
        let scratch = try ScratchFolder("build", system: context.system)
        defer { scratch.remove() }
        if (toolchain.env["GOTMPDIR"] ?? "").isEmpty { builder.goTemporaryDirectory = scratch.goTemporaryDirectory }
        let jobBuilder = builder

        let programs = Set(plan.jobs.map(\.binary)).count
        context.reporter.report(.planned(
            command: "build", jobs: plan.jobs.map { JobID(item: $0.binary, target: $0.target.description) },
            message: "building \(programs) program(s) for \(Set(plan.jobs.map(\.target)).count) target(s) with \(toolchain.version), \(parallel) at a time -> \(relativePath(outDir, to: cwd))"))

        let runner = MatrixRunner(concurrency: parallel, reporter: context.reporter)
        let built = await runner.run(plan.jobs, id: { JobID(item: $0.binary, target: $0.target.description) }, firstPhase: "build",
                                     work: { job, handle in await jobBuilder.build(job, handle: handle) },
                                     end: { result in
                                         switch result {
                                         case .success(let a):
                                             return JobEnd(status: .passed, elapsed: a.duration, summary: "\(formatSize(a.size))", record: a)
                                         case .failure(let f) where f.stage == .interrupted:
                                             return JobEnd(status: .notRun, summary: "interrupted", record: f)  // not run, not failed
                                         case .failure(let f):
                                             return JobEnd(status: .failed, summary: "\(f.stage.rawValue): \(f.message.split(separator: "\n").first ?? "")", record: f)
                                         }
                                     })
        var artifacts: [Artifact] = []
        var failures: [BuildFailure] = []
        for case let result? in built.outputs {
            switch result {
            case .success(let a): artifacts.append(a)
            case .failure(let f) where f.stage != .interrupted: failures.append(f)
            case .failure: break
            }
        }

        var webFiles: [WebFile] = []
        if request.web || config?.web == true {
            webFiles = try writeWebBundles(artifacts.filter { $0.goos == "js" && $0.goarch == "wasm" }, toolchain: toolchain, outDir: outDir)
        }
        // dist/ holds exactly what the manifest lists: what the previous build made and this one did not is removed.
        let kept = Set(artifacts.map(\.path) + webFiles.map(\.path))
        var removed: [String] = []
        for old in (previous?.artifacts.map(\.path) ?? []) + (previous?.web ?? []).map(\.path) where !kept.contains(old) {
            let full = URL(fileURLWithPath: outDir + "/" + old).standardizedFileURL.path
            guard full.hasPrefix(outDir + "/"), system.fileExists(full) else { continue }
            if (try? system.removeItem(full)) != nil { removed.append(old) }
        }
        let module = toolchain.modulePath(system: system) ?? ""
        var manifest = BuildManifest(go: toolchain.version, module: module, artifacts: artifacts, failures: failures, created: context.clock())
        manifest.treeDirty = wasDirty
        manifest.absent = plan.absent
        manifest.shard = shardRecord
        manifest.web = webFiles.isEmpty ? nil : webFiles
        WebFile.removeEmptyFolders(outDir: outDir, system: system)
        do {
            try manifest.write(to: outDir, system: context.system)
        } catch {
            throw EnvironmentError("cannot write \(outDir)/\(BuildManifest.fileName): \(error.localizedDescription)")
        }

        var runs: [RunRecord] = []
        if request.run && !built.interrupted && !Task.isCancelled {
            runs = await runArtifacts(artifacts, toolchain: toolchain, outDir: outDir, arguments: request.runArguments, concurrency: parallel, browser: request.browser)
        }
        var outcome = BuildOutcome(outDir: outDir, go: toolchain.version, module: module, artifacts: artifacts, failures: failures, absent: plan.absent,
                                   runs: runs, removed: removed, interrupted: built.interrupted || Task.isCancelled, treeDirty: wasDirty)
        outcome.moduleRoot = moduleRoot
        return outcome
    }

    /// One line per cgo target saying who compiles its C code (zig and its triple, the user's CC, the host's).
    static func reportCgo(_ targets: [(Target, TargetCgo)], reporter: any Reporter) {
        var seen = Set<Target>()
        for (target, c) in targets where c.problem == nil && seen.insert(target).inserted {
            let cgo = c.setting, cc = c.environment["CC"]
            let line: String
            switch cgo.compiler {
            case .zig:
                let kind = target.goos == "linux" ? (cgo.libc == .musl ? ", static" : ", dynamic glibc") : ""
                line = "cgo \(target): CC = zig cc -target \(cgo.zigTriple ?? "?")\(kind) (\(cc ?? ""))"
            case .user: line = "cgo \(target): CC=\(cc ?? "") from crossgo.yaml wins over zig"
            case .host: line = "cgo \(target): the host's own C compiler (\(cc.map { "CC=\($0)" } ?? "go's default CC"))"
            case .off: line = "cgo \(target): Go has no cgo for this target (go tool dist list), so it is built with CGO_ENABLED=0"
            }
            reporter.report(.notice(line, level: "info"))
        }
    }

    /// Targets from the flag, else crossgo.yaml (errors located there), else `default`. crossgo.yaml's targets
    /// are checked even when the flag wins: a misspelled target in the file is an error whatever the flags.
    func resolveTargets(_ specs: [String], config: BuildConfig?, toolchain: GoToolchain) throws -> [Target] {
        let resolver = TargetResolver(toolchain: toolchain)
        let configured = try config?.resolvedTargets(toolchain: toolchain)
        if !specs.isEmpty { return try resolver.resolve(specs) }
        if let configured { return configured }
        return try resolver.resolve("default")
    }

    /// Creates the output folder. When crossgo creates it, or it is crossgo's (it holds a manifest), a
    /// `.gitignore` holding `*` makes everything in it invisible to git, so that go's VCS stamping of the
    /// builds does not see crossgo's own files as changes (vcs.modified). A folder of the user's is not touched.
    static func prepare(outDir: String, system: any HostSystem = liveSystem()) throws {
        do {
            try OutputFolder.create(outDir, owned: system.fileExists(outDir + "/" + BuildManifest.fileName), system: system)
        } catch {
            throw EnvironmentError("cannot create the output folder \(outDir): \(error.localizedDescription)")
        }
        guard access(outDir, W_OK) == 0 else { throw EnvironmentError("cannot write to the output folder \(outDir)") }
    }

    /// Whether `git status` in the module's work tree shows changes; nil when it is not a git checkout.
    static func treeDirty(_ folder: String, system: any HostSystem) async -> Bool? {
        guard let git = system.which("git"),
              let result = try? await system.run(git, ["-C", folder, "status", "--porcelain"], environment: ["GIT_OPTIONAL_LOCKS": "0"], timeout: 30),
              result.succeeded else { return nil }
        return !result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Runs each artifact the host can run, with `arguments`, on the matrix runner; says why the others cannot run.
    func runArtifacts(_ artifacts: [Artifact], toolchain: GoToolchain, outDir: String, arguments: [String], concurrency: Int, browser: Bool = false) async -> [RunRecord] {
        var detected = await context.runners(for: toolchain)
        detected.useBrowser = browser
        let runners = detected
        context.reporter.report(.planned(command: "build", jobs: artifacts.map { JobID(item: $0.binary, target: $0.target) },
                                         message: "running the \(artifacts.count) artifact(s) where this host can"))
        let targets = artifacts.map { Target(goos: $0.goos, goarch: $0.goarch, variant: $0.variant) }
        var wine: WineHost?
        do {
            wine = try await WineHost.startIfNeeded(for: targets, runners: runners, reporter: context.reporter, system: context.system)
        } catch {
            context.reporter.report(.notice("\(error)", level: "warning"))
        }
        let wineReady = wine != nil
        let runner = MatrixRunner(concurrency: concurrency, reporter: context.reporter)
        let system = context.system
        let result = await runner.run(artifacts, id: { JobID(item: $0.binary, target: $0.target) }, firstPhase: "run", work: { (artifact: Artifact, _: JobHandle) -> RunRecord in
            let target = Target(goos: artifact.goos, goarch: artifact.goarch, variant: artifact.variant)
            var how = runners.runner(for: target, cgo: artifact.cgo)
            if how.kind == .wine && !wineReady {
                how = Runner(kind: .buildOnly, detail: "crossgo's Wine prefix could not be made", fix: "see the warning above")
            }
            let path = outDir + "/" + artifact.path
            guard let argv = how.command(binary: path, arguments: arguments, directories: [outDir, "/tmp"]) else {
                let status: JobStatus = how.fix == nil ? .compileOnly : .notRun
                return RunRecord(target: artifact.target, binary: artifact.binary, runner: nil, status: status, exitCode: nil, output: "",
                                 reason: how.detail + (how.fix.map { "; to run it: \($0)" } ?? ""))
            }
            do {
                let ran: ProgramResult
                if how.kind == .browser, let chromium = how.program, let wasmExec = how.support {
                    ran = try await BrowserRun.run(chromium: Chromium(program: chromium, system: system), wasmExec: wasmExec, binary: path, arguments: arguments,
                                                   environment: [:], timeout: 120)
                } else {
                    ran = try await system.run(argv[0], Array(argv.dropFirst()), environment: how.environment, timeout: 120, workingDirectory: nil,
                                               options: RunOptions(argv0: how.argv0))
                }
                let text = (ran.stdout + ran.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
                return RunRecord(target: artifact.target, binary: artifact.binary, runner: how.kind == .native ? "native" : how.kind.rawValue,
                                 status: ran.succeeded ? .passed : .failed, exitCode: ran.exitCode, output: text, reason: nil)
            } catch {
                return RunRecord(target: artifact.target, binary: artifact.binary, runner: how.kind.rawValue, status: .failed, exitCode: nil,
                                 output: "", reason: "\(error)")
            }
        }, end: { (record: RunRecord) -> JobEnd in
            let ran = record.status == .passed || record.status == .failed
            let summary: String = ran ? "exit \(record.exitCode ?? -1)" : (record.reason ?? "")
            return JobEnd(status: record.status, summary: summary, record: record)
        })
        return result.completed
    }

    /// Writes dist/web/<binary>/ for each js/wasm artifact: index.html, the toolchain's wasm_exec.js, the .wasm and its
    /// .wasm.gz, each atomically; returns them for the manifest.
    func writeWebBundles(_ artifacts: [Artifact], toolchain: GoToolchain, outDir: String) throws -> [WebFile] {
        guard !artifacts.isEmpty else { return [] }
        let system = context.system
        guard let wasmExecPath = RunnerDetector.browserWasmExecCandidates(goroot: toolchain.goroot).first(where: { system.fileExists($0) }),
              let wasmExec = system.readData(wasmExecPath) else {
            throw EnvironmentError("--web: GOROOT \(toolchain.goroot) has no lib/wasm/wasm_exec.js (nor misc/wasm)")
        }
        var files: [WebFile] = []
        for artifact in artifacts {
            guard let wasm = system.readData(outDir + "/" + artifact.path) else { continue }
            let folder = "web/" + artifact.binary
            do {
                try system.createDirectory(outDir + "/" + folder)
                for (name, data) in try WebBundle.files(binary: artifact.binary, wasm: wasm, wasmExec: wasmExec) {
                    let path = folder + "/" + name
                    try system.writeData(data, to: outDir + "/" + path)
                    files.append(WebFile(binary: artifact.binary, path: path, size: data.count, sha256: sha256Hex(data)))
                }
            } catch {
                throw EnvironmentError("cannot write the web bundle \(outDir)/\(folder): \(error)")
            }
            context.reporter.report(.notice("web bundle for \(artifact.binary): \(relativePath(outDir + "/" + folder, to: context.workingDirectory))/ (serve it with crossgo serve)", level: "info"))
        }
        return files
    }
}
