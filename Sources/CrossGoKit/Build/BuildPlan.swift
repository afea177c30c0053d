// Decides what to build: packages x targets, with flags, environment and output names. No processes run here
// except `go list`, so the argv of every build can be checked without building.
import Foundation

/// Options from the command line; nil means "not given" so that crossgo.yaml can fill it.
public struct BuildOptions: Sendable {
    public var packages: [String] = []
    public var ldflags: String?
    public var tags: [String]?
    public var trimpath: Bool?
    public var outputTemplate: String?
    /// Flags after `--`, passed to `go build` as they are (except those crossgo owns: see `ownedFlag`).
    public var passthrough: [String] = []
    /// Values for `{{.Name}}` in ldflags (see `LdflagsTemplate`); nil: ldflags are used as written.
    public var ldflagsValues: [String: String]?
    /// Environment added to every go build (the reproducibility check's own GOCACHE).
    public var extraEnvironment: [String: String] = [:]
    /// `--cgo`: build every target with cgo (zig as the C cross-compiler), whatever crossgo.yaml says.
    public var cgo: Bool?
    /// `--min-glibc`: links linux cgo targets against this glibc (libc gnu) and holds their artifacts to it.
    public var minGlibc: String?

    public init() {}
}

/// `{{.Version}}`, `{{.Commit}}`, `{{.CommitDate}}`, `{{.Date}}` in ldflags, as release tools spell them:
/// `-X main.version={{.Version}}`. Unknown names are an error, never passed to the linker as they are.
public enum LdflagsTemplate {
    public static let names = ["Version", "Commit", "ShortCommit", "CommitDate", "Date"]

    public static func uses(_ text: String?) -> Bool { text?.contains("{{") ?? false }

    /// `text` with every `{{.Name}}` replaced; throws `PlanError.badLdflags` for an unknown or unclosed one.
    public static func expand(_ text: String, values: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw PlanError.badLdflags(text, "unclosed {{")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard name.hasPrefix("."), let value = values[String(name.dropFirst())] else {
                throw PlanError.badLdflags(text, "unknown {{\(name)}} (known: \(names.map { "{{.\($0)}}" }.joined(separator: ", ")))")
            }
            out += value
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

/// crossgo.yaml's `overrides:` with their targets resolved (a bad target is an error located in the file).
public struct ResolvedOverrides: Sendable {
    var entries: [(override: TargetOverride, targets: Set<Target>)] = []

    public init(config: BuildConfig?, toolchain: GoToolchain) throws {
        let resolver = TargetResolver(toolchain: toolchain)
        for override in config?.overrides ?? [] {
            do {
                entries.append((override, Set(try resolver.resolve(override.targets).map { Target(goos: $0.goos, goarch: $0.goarch, variant: $0.variant) })))
            } catch {
                throw ConfigError(file: config?.file ?? BuildConfig.fileName, line: override.line, key: "overrides.targets", message: error.description)
            }
        }
    }

    /// The overrides that apply to a target (named with or without its level), in file order.
    public func applying(_ target: Target) -> [TargetOverride] {
        entries.filter { $0.targets.contains(target) || $0.targets.contains(Target(goos: target.goos, goarch: target.goarch)) }.map(\.override)
    }
}

/// One `go build` of one package for one target.
public struct BuildJob: Sendable, Equatable {
    public var binary: String
    /// Import path of the main package.
    public var package: String
    public var target: Target
    /// Where the artifact goes, relative to the output folder.
    public var relativePath: String
    /// Arguments after `go`, with `-o` last-but-one's value filled in by the builder.
    public var arguments: [String]
    /// Environment set for this build (GOOS, GOARCH, level, CGO_ENABLED, CC and CXX for cgo, configured env).
    public var environment: [String: String]
    /// How cgo is set up for this build; nil when cgo is off.
    public var cgo: CgoSetting?
    /// Why this job cannot build here (one line: zig missing, no macOS SDK); the builder reports it instead of building.
    public var problem: String?

    /// "hello linux/riscv64"
    public var label: String { "\(binary) \(target)" }

    /// The full `go build` argv for writing to `output`.
    public func goArguments(output: String) -> [String] {
        var args = arguments
        args.insert(contentsOf: ["-o", output], at: 1)
        return args
    }
}

/// A main package found in the module.
public struct MainPackage: Sendable, Equatable {
    public var importPath: String
    public var binary: String
}

/// Why a plan cannot be made.
public enum PlanError: Error, CustomStringConvertible, Equatable {
    case notInModule
    case noMainPackages(String)
    case notMain(String)
    case listFailed(String)
    case badTemplate(String, String)
    case collision(String, String, String)
    case ownedFlag(String, String)
    case excludedEverywhere(String, String)
    case duplicateBuild(String, Int?)
    case badLdflags(String, String)

    public var description: String {
        switch self {
        case .notInModule: return "not inside a Go module (no go.mod here or above): run crossgo build in a module"
        case .noMainPackages(let where_): return "no main packages in \(where_): name one, e.g. crossgo build ./cmd/tool"
        case .notMain(let pkg): return "package \(pkg) is not a main package, so it builds no program"
        case .listFailed(let message): return "go list failed: \(message)"
        case .badTemplate(let template, let why): return "output template '\(template)': \(why)"
        case .collision(let path, let a, let b): return "output template gives the same file \(path) for \(a) and \(b): add {binary}, {os}, {arch} or {variant}"
        case .ownedFlag(let flag, let why): return "go build flag \(flag) cannot be passed through crossgo: \(why)"
        case .excludedEverywhere(let package, let targets):
            return "package \(package) has no Go files for any requested target (\(targets)): build constraints exclude them all; check --tags and --target"
        case .duplicateBuild(let main, let line):
            return "\(main) is listed twice\(line.map { " (again at line \($0))" } ?? ""): give each program one entry"
        case .badLdflags(let flags, let why):
            return "ldflags '\(flags)': \(why)"
        }
    }
}

/// Artifact names from a template with {binary}, {os}, {arch}, {variant}, {ext}.
public struct OutputTemplate: Sendable, Equatable {
    public static let standard = "{binary}_{os}_{arch}_{variant}{ext}"
    public var template: String

    public init(_ template: String = OutputTemplate.standard) throws(PlanError) {
        let known = ["{binary}", "{os}", "{arch}", "{variant}", "{ext}"]
        var rest = template
        for k in known { rest = rest.replacingOccurrences(of: k, with: "") }
        if rest.contains("{") || rest.contains("}") {
            throw .badTemplate(template, "unknown placeholder (known: \(known.joined(separator: ", ")))")
        }
        if template.hasPrefix("/") || template.hasPrefix("~") { throw .badTemplate(template, "must be relative to the output folder") }
        if template.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
            throw .badTemplate(template, "would write outside the output folder ('..' or '.')")
        }
        self.template = template
    }

    /// The relative path for a binary and target. An empty {variant} also drops the separator before it.
    public func render(binary: String, target: Target) throws(PlanError) -> String {
        var t = template
        let variant = (target.variant ?? "").replacingOccurrences(of: ",", with: "+")
        if variant.isEmpty {
            for sep in ["_", "-", "."] { t = t.replacingOccurrences(of: sep + "{variant}", with: "") }
        }
        let path = t.replacingOccurrences(of: "{binary}", with: binary)
            .replacingOccurrences(of: "{os}", with: target.goos)
            .replacingOccurrences(of: "{arch}", with: target.goarch)
            .replacingOccurrences(of: "{variant}", with: variant)
            .replacingOccurrences(of: "{ext}", with: target.executableExtension)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }) else {
            throw .badTemplate(template, "gives '\(path)', which is not a file inside the output folder")
        }
        return path
    }
}

/// A program that does not exist for a target (its files are excluded there by build constraints).
public struct AbsentBuild: Sendable, Codable, Equatable {
    public var binary: String
    public var package: String
    public var target: String
    /// What go said.
    public var reason: String
    /// Not built although it exists: the target needs external (cgo) linking and cgo is off.
    public var skipped: Bool? = nil
}

/// What to build, and which programs do not exist for which targets.
public struct BuildPlan: Sendable {
    public var jobs: [BuildJob]
    public var absent: [AbsentBuild]
}

/// One row of `go list -find` for one target configuration.
struct ListedPackage: Sendable, Equatable {
    var importPath: String
    var name: String
    var error: String
    /// The package's files are all excluded for this configuration.
    var excluded: Bool { name.isEmpty && error.contains("build constraints exclude all Go files") }
}

/// Turns options, crossgo.yaml and the module's packages into build jobs.
public struct BuildPlanner: Sendable {
    public var toolchain: GoToolchain
    /// Folder holding go.mod.
    public var moduleRoot: String
    public var system: any HostSystem
    public var cache: GoQueryCache?
    /// The C cross-compilers for cgo targets; needed only when some target builds with cgo.
    public var cgo: CgoToolchain?

    public init(toolchain: GoToolchain, moduleRoot: String, system: any HostSystem, cache: GoQueryCache?, cgo: CgoToolchain? = nil) {
        self.toolchain = toolchain
        self.moduleRoot = moduleRoot
        self.system = system
        self.cache = cache
        self.cgo = cgo
    }

    /// Whether any target may build with cgo: the flag, or `cgo: true` anywhere in crossgo.yaml.
    public static func usesCgo(options: BuildOptions, config: BuildConfig?) -> Bool {
        if let flag = options.cgo { return flag }
        return config?.cgo == true || config?.builds.contains { $0.cgo == true } == true || config?.overrides.contains { $0.cgo == true } == true
    }

    /// The module root from the toolchain's GOMOD (as seen from the current folder).
    public static func moduleRoot(toolchain: GoToolchain) throws(PlanError) -> String {
        guard let root = toolchain.moduleRoot else { throw .notInModule }
        return root
    }

    /// The binary name Go would give a package: its last path element, skipping a /vN major-version suffix.
    public static func binaryName(importPath: String) -> String {
        let parts = importPath.split(separator: "/").map(String.init)
        guard let last = parts.last else { return importPath }
        if parts.count > 1, last.count > 1, last.first == "v", last.dropFirst().allSatisfy(\.isNumber) { return parts[parts.count - 2] }
        return last
    }

    /// The `go list` that finds main packages. Only names are needed: -find skips resolving imports
    /// (41 -> 28 ms on Examples/server), -buildvcs=false skips VCS stamping of main packages (git runs, ~0.3 s);
    /// `go build` reports what either would have found. Run once per target configuration (GOOS, GOARCH,
    /// tags), because build constraints decide which packages exist where.
    public static func listArguments(_ patterns: [String], tags: [String] = []) -> [String] {
        ["list", "-e", "-find", "-buildvcs=false"] + (tags.isEmpty ? [] : ["-tags=" + tags.joined(separator: ",")])
            + ["-f", "{{.ImportPath}}\t{{.Name}}\t{{if .Error}}{{.Error}}{{end}}"] + (patterns.isEmpty ? ["./..."] : patterns)
    }

    /// go build flags crossgo decides itself: where the artifact goes, what kind of file it is, which folder go runs in.
    /// Returns the flag and why, or nil when every flag may pass.
    public static func ownedFlag(in flags: [String]) -> (String, String)? {
        var i = 0
        while i < flags.count {
            let word = flags[i]
            guard word.hasPrefix("-") else { i += 1; continue }
            let body = word.drop { $0 == "-" }
            let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts.first ?? "")
            var value = parts.count > 1 ? String(parts[1]) : nil
            if value == nil, ["o", "C", "buildmode"].contains(name), i + 1 < flags.count { value = flags[i + 1]; i += 1 }
            switch name {
            case "o": return (word, "crossgo names each artifact itself (use --out and --output)")
            case "C": return (word, "crossgo runs go in the module's folder (run crossgo there instead)")
            case "buildmode":
                if let value, !["exe", "pie", "default"].contains(value) {
                    return ("-buildmode=\(value)", "crossgo builds and verifies executables (exe or pie)")
                }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Lists `patterns` for one target configuration: prefetched never, remembered when the pattern is the
    /// default `./...` (keyed also by every folder and .go file below the working folder: GoQueryCache.treeInputs).
    func list(_ patterns: [String], target: Target, tags: [String], workingDirectory: String, tree: [String]?) async throws -> [ListedPackage] {
        let arguments = Self.listArguments(patterns, tags: tags)
        let environment: EnvironmentChanges = ["GOOS": target.goos, "GOARCH": target.goarch]
        let answer = try await GoQuery.run(toolchain.goPath, arguments, environment: environment, workingDirectory: workingDirectory, timeout: 300,
                                           system: system, cache: cache, extraInputs: patterns.isEmpty ? tree : nil).result
        guard answer.succeeded else {
            throw PlanError.listFailed(ProcessFailure(argv: [toolchain.goPath] + arguments, result: answer).stderrTail)
        }
        return answer.stdout.split(separator: "\n").compactMap { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 3 else { return nil }
            return ListedPackage(importPath: cols[0], name: cols[1], error: cols[2...].joined(separator: "\t"))
        }
    }

    /// The main packages `patterns` name, per target: which programs exist for which target.
    /// Throws when a named package is not main, is broken, or exists for no requested target.
    func mainPackages(_ patterns: [String], targets: [Target], tags: @Sendable (Target) -> [String], workingDirectory: String)
        async throws -> (mains: [MainPackage], absent: [String: [Target: String]]) {
        let tree = patterns.isEmpty && cache != nil ? GoQueryCache.treeInputs(below: workingDirectory, system: system) : nil
        // One listing per distinct configuration, concurrently.
        var configurations: [String: (Target, [String])] = [:]
        for target in targets {
            let t = tags(target)
            configurations["\(target.goos)/\(target.goarch) \(t.joined(separator: ","))"] = (Target(goos: target.goos, goarch: target.goarch), t)
        }
        var listings: [String: [ListedPackage]] = [:]
        try await withThrowingTaskGroup(of: (String, [ListedPackage]).self) { group in
            for (key, (target, t)) in configurations {
                group.addTask { (key, try await self.list(patterns, target: target, tags: t, workingDirectory: workingDirectory, tree: tree)) }
            }
            for try await (key, listed) in group { listings[key] = listed }
        }
        let explicit = !patterns.isEmpty && !patterns.contains { $0.contains("...") }
        var order: [String] = []
        var isMain: [String: Bool] = [:]
        var absent: [String: [Target: String]] = [:]
        var excludedCount: [String: Int] = [:]
        var listedFor: [Target: Set<String>] = [:]
        for target in targets {
            let t = tags(target)
            let listed = listings["\(target.goos)/\(target.goarch) \(t.joined(separator: ","))"] ?? []
            listedFor[target] = Set(listed.map(\.importPath))
            for p in listed {
                if !order.contains(p.importPath) { order.append(p.importPath) }
                if p.excluded {
                    absent[p.importPath, default: [:]][target] = p.error
                    excludedCount[p.importPath, default: 0] += 1
                } else if p.name.isEmpty && !p.error.isEmpty {
                    throw PlanError.listFailed(p.error)
                } else if p.name == "main" {
                    isMain[p.importPath] = true
                } else if isMain[p.importPath] == nil {
                    isMain[p.importPath] = false
                }
            }
        }
        // `./...` leaves out folders whose files are all excluded for a target: such a program is absent there.
        for path in order where isMain[path] == true {
            for target in targets where listedFor[target]?.contains(path) == false && absent[path]?[target] == nil {
                absent[path, default: [:]][target] = "build constraints exclude all its Go files for \(target.goos)/\(target.goarch)"
            }
        }
        var mains: [MainPackage] = []
        for path in order {
            if isMain[path] == true {
                mains.append(MainPackage(importPath: path, binary: Self.binaryName(importPath: path)))
            } else if explicit && isMain[path] == false {
                throw PlanError.notMain(path)
            } else if explicit && excludedCount[path] == targets.count {
                throw PlanError.excludedEverywhere(path, targets.map(\.description).joined(separator: ", "))
            }
        }
        guard !mains.isEmpty else { throw PlanError.noMainPackages((patterns.isEmpty ? ["./..."] : patterns).joined(separator: " ")) }
        return (mains, absent)
    }

    /// Builds the job list. Flags override crossgo.yaml; per-target overrides refine builds.
    public func plan(options: BuildOptions, config: BuildConfig?, targets: [Target], workingDirectory: String) async throws -> BuildPlan {
        // A bad template from crossgo.yaml is reported with its file and line.
        let fromConfig = options.outputTemplate == nil && config?.output != nil
        func located(_ error: PlanError) -> any Error {
            guard fromConfig, let config else { return error }
            return ConfigError(file: config.file ?? BuildConfig.fileName, line: config.outputLine, key: "output", message: error.description)
        }
        let template: OutputTemplate
        do { template = try OutputTemplate(options.outputTemplate ?? config?.output ?? OutputTemplate.standard) } catch { throw located(error) }
        if let (flag, why) = Self.ownedFlag(in: options.passthrough) { throw PlanError.ownedFlag(flag, why) }
        for build in config?.builds ?? [] {
            if let (flag, why) = Self.ownedFlag(in: build.flags) {
                throw ConfigError(file: config?.file ?? BuildConfig.fileName, line: nil, key: "builds.flags", message: PlanError.ownedFlag(flag, why).description)
            }
        }
        let resolved = try ResolvedOverrides(config: config, toolchain: toolchain)
        @Sendable func applying(_ target: Target) -> [TargetOverride] { resolved.applying(target) }
        /// A build's tags for a target: the flag, else the last applying override, else the build's own.
        func tags(_ build: BuildSpec?) -> @Sendable (Target) -> [String] {
            { [options] target in options.tags ?? applying(target).compactMap(\.tags).last ?? build?.tags ?? [] }
        }
        var specs: [(MainPackage, BuildSpec?)] = []
        var absent: [AbsentBuild] = []
        func collect(_ patterns: [String], build: BuildSpec?, directory: String) async throws {
            let (mains, missing) = try await mainPackages(patterns, targets: targets, tags: tags(build), workingDirectory: directory)
            for main in mains {
                var named = main
                if let binary = build?.binary, mains.count == 1 { named.binary = binary }
                specs.append((named, build))
                for target in targets {
                    if let reason = missing[main.importPath]?[target] {
                        absent.append(AbsentBuild(binary: named.binary, package: main.importPath, target: target.description, reason: reason))
                    }
                }
            }
        }
        if !options.packages.isEmpty || (config?.builds.isEmpty ?? true) {
            try await collect(options.packages, build: nil, directory: workingDirectory)
        } else if let config {
            var seen: [String: Int?] = [:]
            for build in config.builds {
                if seen[build.main] != nil { throw ConfigError(file: config.file ?? BuildConfig.fileName, line: build.line, key: "builds", message: PlanError.duplicateBuild(build.main, build.line).description) }
                seen[build.main] = build.line
                try await collect([build.main], build: build, directory: moduleRoot)
            }
        }
        let trimpath = options.trimpath ?? config?.trimpath ?? true
        var jobs: [BuildJob] = []
        var seenPaths: [String: String] = [:]
        for (main, build) in specs {
            for target in targets where !absent.contains(where: { $0.package == main.importPath && $0.target == target.description }) {
                let applying = applying(target)
                var env = target.environment
                var userEnv: [String: String] = [:]
                for (k, v) in build?.env ?? [:] { userEnv[k] = v }
                for o in applying { for (k, v) in o.env { userEnv[k] = v } }
                let targetCgo = TargetCgo.decide(for: target, flag: options.cgo, applying: applying, build: build, config: config,
                                                 userEnvironment: userEnv, toolchain: self.cgo, minGlibc: options.minGlibc)
                env["CGO_ENABLED"] = targetCgo == nil ? "0" : "1"
                for (k, v) in targetCgo?.environment ?? [:] { env[k] = v }
                let cgoSetting = targetCgo?.setting
                let problem = targetCgo?.problem
                for (k, v) in userEnv { env[k] = v }
                for (k, v) in options.extraEnvironment { env[k] = v }
                if env["CGO_ENABLED"] != "1" && target.requiresExternalLinking {
                    absent.append(AbsentBuild(binary: main.binary, package: main.importPath, target: target.description,
                                              reason: "\(target.pair) requires external (cgo) linking, but cgo is not enabled (--cgo builds it with a C toolchain for the target)",
                                              skipped: true))
                    continue
                }
                var ldflags = options.ldflags ?? applying.compactMap(\.ldflags).last ?? build?.ldflags
                if let values = options.ldflagsValues, let written = ldflags, LdflagsTemplate.uses(written) {
                    ldflags = try LdflagsTemplate.expand(written, values: values)
                }
                let tags = tags(build)(target)
                var args = ["build"]
                if trimpath { args.append("-trimpath") }
                if let ldflags, !ldflags.isEmpty { args.append("-ldflags=\(ldflags)") }
                if !tags.isEmpty { args.append("-tags=\(tags.joined(separator: ","))") }
                args += build?.flags ?? []
                for o in applying { args += o.flags }
                args += options.passthrough
                if let cgoSetting, problem == nil { args = ["build"] + cgoSetting.withLinkMode(Array(args.dropFirst())) }
                args.append(main.importPath)
                let path: String
                do { path = try template.render(binary: main.binary, target: target) } catch { throw located(error) }
                let label = "\(main.binary) \(target)"
                if let other = seenPaths[path] { throw PlanError.collision(path, other, label) }
                seenPaths[path] = label
                jobs.append(BuildJob(binary: main.binary, package: main.importPath, target: target, relativePath: path, arguments: args, environment: env,
                                     cgo: cgoSetting, problem: problem))
            }
        }
        return BuildPlan(jobs: jobs, absent: absent)
    }
}
