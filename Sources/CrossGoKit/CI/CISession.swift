// `crossgo ci github`: places the module's targets on GitHub-hosted runners and writes (or prints) the
// workflow that tests and builds them in shards, natively where a runner can, and merges the results.
import Foundation

/// What `crossgo ci github` was asked to do.
public struct CIRequest: Sendable {
    public var goPath: String?
    /// Target specs; empty: crossgo.yaml's `targets`, else `default`.
    public var targets: [String] = []
    /// Number of Linux shards; nil: chosen from the number of targets.
    public var shards: Int?
    /// Print the workflow instead of writing it.
    public var stdout = false
    /// Replace an existing workflow file.
    public var force = false
    /// crossgo's sources to build in the workflow (a git URL and a tag or commit); nil: repository variables.
    public var crossgoSource: String?
    public var crossgoRef: String?

    public init() {}

    public static let maxShards = 32
}

/// What `crossgo ci github` did.
public struct CIOutcome: SessionOutcome {
    public var command: String { "ci" }
    /// The workflow file (absolute); nil with --stdout.
    public var path: String?
    public var plan: CIPlan
    /// The workflow's text (encoded only with --stdout, where it is the result).
    public var workflow: String
    public var printed: Bool

    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] {
        [("targets", plan.targets.count), ("shards", plan.shards), ("darwin", plan.darwin.count), ("windows", plan.windows.count)]
    }

    enum CodingKeys: String, CodingKey { case path, plan, workflow }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encode(plan, forKey: .plan)
        if printed { try c.encode(workflow, forKey: .workflow) }
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        if printed { out.results.append(String(workflow.dropLast(workflow.hasSuffix("\n") ? 1 : 0))) }
        var parts = ["\(plan.shards) shard(s) on \(CIPlacement.Labels.linux) for \(plan.targets.count) target(s)"]
        if !plan.darwin.isEmpty { parts.append("darwin natively: " + plan.darwin.map { "\($0.target) on \($0.runner)" }.joined(separator: ", ")) }
        if !plan.windows.isEmpty { parts.append("windows natively: " + plan.windows.map { "\($0.target) on \($0.runner)" }.joined(separator: ", ")) }
        if plan.library { parts.append("a library (no main package): tests only, no build or release job") }
        parts.append("pushes to \(plan.branch)")
        let what = parts.joined(separator: "; ")
        if let path {
            out.messages.append("crossgo: wrote \(relativePath(path, to: base)): \(what)")
        } else {
            out.messages.append("crossgo: workflow printed, nothing written: \(what)")
        }
        if plan.crossgoSource == nil {
            out.messages.append("crossgo: the workflow builds crossgo from source: set the repository variables CROSSGO_SOURCE and CROSSGO_REF")
        }
        return out
    }
}

/// Runs `crossgo ci github`.
public struct CISession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: CIRequest) async throws -> CIOutcome {
        if let n = request.shards, !(1...CIRequest.maxShards).contains(n) {
            throw UsageError("--shards \(n): expected a whole number from 1 to \(CIRequest.maxShards)")
        }
        for (flag, value) in [("--crossgo-source", request.crossgoSource), ("--crossgo-ref", request.crossgoRef)] {
            if let value, value.isEmpty || value.contains(where: { $0.isNewline || $0 == "'" }) || value.hasPrefix("-") {
                throw UsageError("\(flag) '\(value)': expected a git URL or ref without quotes, newlines or a leading '-'")
            }
        }
        let goPath = try context.locator.locate(explicit: request.goPath)
        let toolchain = try await GoToolchain.load(goPath: goPath, workingDirectory: context.workingDirectory, system: context.system,
                                                   cache: context.goCache)
        let moduleRoot = try BuildPlanner.moduleRoot(toolchain: toolchain)
        let config = try BuildConfig.load(path: moduleRoot + "/" + BuildConfig.fileName, system: context.system)
        let targets = try BuildSession(context: context).resolveTargets(request.targets, config: config, toolchain: toolchain)
        let source = request.targets.isEmpty ? (config?.targets == nil ? "the default set" : BuildConfig.fileName) : "--target"
        let top = await SourceFacts.read(moduleRoot, system: context.system).top ?? moduleRoot
        let module = toolchain.modulePath(system: context.system) ?? (moduleRoot as NSString).lastPathComponent

        var plan = Self.plan(targets: targets, module: module, targetSource: source, shards: request.shards,
                             goVersion: toolchain.version, moduleDirectory: Self.relative(moduleRoot, to: top),
                             crossgoSource: request.crossgoSource, crossgoRef: request.crossgoRef)
        if config?.builds.isEmpty ?? true {
            let planner = BuildPlanner(toolchain: toolchain, moduleRoot: moduleRoot, system: context.system, cache: context.goCache)
            let overrides = try ResolvedOverrides(config: config, toolchain: toolchain)
            do {
                _ = try await planner.mainPackages([], targets: targets, tags: { overrides.applying($0).compactMap(\.tags).last ?? [] },
                                                   workingDirectory: moduleRoot)
            } catch PlanError.noMainPackages {
                plan.library = true
            } catch {}  // a module go cannot list: the build shards will say why
        }
        (plan.branch, plan.branchSource) = await Self.defaultBranch(top, system: context.system)
        let text = GitHubWorkflow.render(plan)
        if request.stdout {
            return CIOutcome(path: nil, plan: plan, workflow: text, printed: true)
        }
        let path = top + "/" + GitHubWorkflow.relativePath
        let system = context.system
        if system.fileExists(path) && !request.force {
            throw UsageError("\(path) exists: crossgo does not replace it without --force")
        }
        do {
            try system.writeData(Data(text.utf8), to: path)  // its folder created, then a temporary sibling renamed
        } catch {
            throw EnvironmentError("cannot write \(path): \(error.localizedDescription)")
        }
        return CIOutcome(path: path, plan: plan, workflow: text, printed: false)
    }

    /// Places `targets` on runners: everything in the Linux shards (they build every target, and test what
    /// Linux can run), darwin and windows targets also on their native runners.
    public static func plan(targets: [Target], module: String, targetSource: String, shards: Int?, goVersion: String,
                            moduleDirectory: String, crossgoSource: String? = nil, crossgoRef: String? = nil) -> CIPlan {
        var darwin: [CIPlan.Native] = []
        var windows: [CIPlan.Native] = []
        for target in targets {
            let (placement, runner) = CIPlacement.runner(for: target)
            let native = CIPlan.Native(target: target.description, runner: runner)
            switch placement {
            case .darwin: if !darwin.contains(native) { darwin.append(native) }
            case .windows: if !windows.contains(native) { windows.append(native) }
            case .shards: break
            }
        }
        let emulated: Set<String> = ["amd64", "386"]
        return CIPlan(
            module: module, targets: targets.map(\.description), targetSource: targetSource,
            shards: shards ?? min(4, max(1, (targets.count + 3) / 4)),
            goVersion: goVersion.hasPrefix("go") ? String(goVersion.dropFirst(2)) : goVersion,
            moduleDirectory: moduleDirectory, darwin: darwin, windows: windows,
            qemu: targets.contains { $0.goos == "linux" && !emulated.contains($0.goarch) },
            wine: targets.contains { $0.goos == "windows" && emulated.contains($0.goarch) },
            wine32: targets.contains { $0.goos == "windows" && $0.goarch == "386" },
            crossgoSource: crossgoSource, crossgoRef: crossgoRef, swiftVersion: "6.3")
    }

    /// The branch pushes should run the workflow on: origin's default branch (origin/HEAD), else the current
    /// branch, else `main` (not a git checkout, or a detached HEAD); with the reason, for the header.
    static func defaultBranch(_ folder: String, system: any HostSystem) async -> (String, String) {
        if let git = system.which("git") {
            func ask(_ arguments: [String]) async -> String? {
                guard let r = try? await system.run(git, ["-C", folder] + arguments, environment: ["GIT_OPTIONAL_LOCKS": "0"], timeout: 30),
                      r.succeeded else { return nil }
                let answer = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return answer.isEmpty ? nil : answer
            }
            if let remote = await ask(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]), remote.hasPrefix("origin/") {
                return (String(remote.dropFirst("origin/".count)), "origin's default branch (origin/HEAD)")
            }
            if let current = await ask(["symbolic-ref", "--quiet", "--short", "HEAD"]) {
                return (current, "the current branch (git knows no origin/HEAD)")
            }
        }
        return ("main", "assumed (not on a git branch, and no origin/HEAD)")
    }

    /// `folder` relative to `top` ("." when equal), both with symbolic links resolved.
    static func relative(_ folder: String, to top: String) -> String {
        let f = URL(fileURLWithPath: folder).resolvingSymlinksInPath().standardizedFileURL.path
        let t = URL(fileURLWithPath: top).resolvingSymlinksInPath().standardizedFileURL.path
        if f == t { return "." }
        return f.hasPrefix(t + "/") ? String(f.dropFirst(t.count + 1)) : "."
    }
}
