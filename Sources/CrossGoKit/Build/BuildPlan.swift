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
    /// Flags after `--`, passed to `go build` as they are.
    public var passthrough: [String] = []
    /// `packages` already being listed (started early, while the toolchain is read).
    public var listedPackages: Task<[MainPackage], any Error>?

    public init() {}
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
    /// Environment set for this build (GOOS, GOARCH, level, CGO_ENABLED, configured env).
    public var environment: [String: String]

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

    public var description: String {
        switch self {
        case .notInModule: return "not inside a Go module (no go.mod here or above): run crossgo build in a module"
        case .noMainPackages(let where_): return "no main packages in \(where_): name one, e.g. crossgo build ./cmd/tool"
        case .notMain(let pkg): return "package \(pkg) is not a main package, so it builds no program"
        case .listFailed(let message): return "go list failed: \(message)"
        case .badTemplate(let template, let why): return "output template '\(template)': \(why)"
        case .collision(let path, let a, let b): return "output template gives the same file \(path) for \(a) and \(b): add {binary}, {os}, {arch} or {variant}"
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

/// Turns options, crossgo.yaml and the module's packages into build jobs.
public struct BuildPlanner: Sendable {
    public var toolchain: GoToolchain
    /// Folder holding go.mod.
    public var moduleRoot: String

    public init(toolchain: GoToolchain, moduleRoot: String) {
        self.toolchain = toolchain
        self.moduleRoot = moduleRoot
    }

    /// The module root from the toolchain's GOMOD (as seen from the current folder).
    public static func moduleRoot(toolchain: GoToolchain) throws(PlanError) -> String {
        let gomod = toolchain.env["GOMOD"] ?? ""
        guard !gomod.isEmpty, gomod != "/dev/null", gomod != "NUL" else { throw .notInModule }
        return (gomod as NSString).deletingLastPathComponent
    }

    /// The binary name Go would give a package: its last path element, skipping a /vN major-version suffix.
    public static func binaryName(importPath: String) -> String {
        let parts = importPath.split(separator: "/").map(String.init)
        guard let last = parts.last else { return importPath }
        if parts.count > 1, last.count > 1, last.first == "v", last.dropFirst().allSatisfy(\.isNumber) { return parts[parts.count - 2] }
        return last
    }

    /// Main packages matching `patterns` (default `./...`), via one `go list`.
    public func mainPackages(_ patterns: [String], workingDirectory: String) async throws -> [MainPackage] {
        try await Self.mainPackages(goPath: toolchain.goPath, patterns, workingDirectory: workingDirectory, system: liveSystem(), cache: nil)
    }

    /// The `go list` that finds main packages. Only names are needed: -find skips resolving imports
    /// (41 -> 28 ms on Examples/server), -buildvcs=false skips VCS stamping of main packages (git runs, ~0.3 s);
    /// `go build` reports what either would have found.
    public static func listArguments(_ patterns: [String]) -> [String] {
        ["list", "-e", "-find", "-buildvcs=false", "-f", "{{.ImportPath}}\t{{.Name}}\t{{if .Error}}{{.Error}}{{end}}"] + (patterns.isEmpty ? ["./..."] : patterns)
    }

    /// The `go list` answer: prefetched, remembered, or run. Only the default `./...` is remembered, keyed
    /// also by every folder and .go file below the working folder (GoQueryCache.treeInputs).
    public static func listPackages(goPath: String, _ patterns: [String], workingDirectory: String, system: any HostSystem,
                                    cache: GoQueryCache?, usePrefetched: Bool = true) async throws -> GoQueryResult {
        let arguments = listArguments(patterns)
        let tree = patterns.isEmpty && cache != nil ? GoQueryCache.treeInputs(below: workingDirectory) : nil
        if usePrefetched {
            return try await GoQuery.run(goPath, arguments, workingDirectory: workingDirectory, timeout: 300, system: system, cache: cache, extraInputs: tree)
        }
        return try await GoQuery.fetch(goPath, arguments, workingDirectory: workingDirectory, timeout: 300, system: system, cache: cache, extraInputs: tree)
    }

    /// The same, needing only the `go` path, so that it can run while the toolchain is being read.
    public static func mainPackages(goPath: String, _ patterns: [String], workingDirectory: String, system: any HostSystem,
                                    cache: GoQueryCache?) async throws -> [MainPackage] {
        let wanted = patterns.isEmpty ? ["./..."] : patterns
        let result = try await listPackages(goPath: goPath, patterns, workingDirectory: workingDirectory, system: system, cache: cache).result
        guard result.succeeded else { throw PlanError.listFailed(firstLine(result.stderr)) }
        var mains: [MainPackage] = []
        for line in result.stdout.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 3 else { continue }
            if !cols[2].isEmpty && cols[1].isEmpty { throw PlanError.listFailed(cols[2]) }
            if cols[1] == "main" {
                mains.append(MainPackage(importPath: cols[0], binary: Self.binaryName(importPath: cols[0])))
            } else if !patterns.isEmpty && !cols[0].contains("...") && !patterns.contains(where: { $0.contains("...") }) {
                throw PlanError.notMain(cols[0])
            }
        }
        guard !mains.isEmpty else { throw PlanError.noMainPackages(wanted.joined(separator: " ")) }
        return mains
    }

    /// Builds the job list. Flags override crossgo.yaml; per-target overrides refine builds.
    public func plan(options: BuildOptions, config: BuildConfig?, targets: [Target], workingDirectory: String) async throws -> [BuildJob] {
        // A bad template from crossgo.yaml is reported with its file and line.
        let fromConfig = options.outputTemplate == nil && config?.output != nil
        func located(_ error: PlanError) -> any Error {
            guard fromConfig, let config else { return error }
            return ConfigError(file: config.file ?? BuildConfig.fileName, line: config.outputLine, key: "output", message: error.description)
        }
        let template: OutputTemplate
        do { template = try OutputTemplate(options.outputTemplate ?? config?.output ?? OutputTemplate.standard) } catch { throw located(error) }
        var specs: [(MainPackage, BuildSpec?)] = []
        if !options.packages.isEmpty || (config?.builds.isEmpty ?? true) {
            let mains: [MainPackage]
            if let listed = options.listedPackages { mains = try await listed.value } else { mains = try await mainPackages(options.packages, workingDirectory: workingDirectory) }
            for main in mains { specs.append((main, nil)) }
        } else if let config {
            for build in config.builds {
                let found = try await mainPackages([build.main], workingDirectory: moduleRoot)
                for main in found {
                    var named = main
                    if let binary = build.binary, found.count == 1 { named.binary = binary }
                    specs.append((named, build))
                }
            }
        }
        let resolver = TargetResolver(toolchain: toolchain)
        var overrides: [(TargetOverride, Set<Target>)] = []
        for override in config?.overrides ?? [] {
            do {
                overrides.append((override, Set(try resolver.resolve(override.targets).map { Target(goos: $0.goos, goarch: $0.goarch, variant: $0.variant) })))
            } catch {
                throw ConfigError(file: config?.file ?? BuildConfig.fileName, line: override.line, key: "overrides.targets", message: error.description)
            }
        }
        let trimpath = options.trimpath ?? config?.trimpath ?? true
        var jobs: [BuildJob] = []
        var seenPaths: [String: String] = [:]
        for (main, build) in specs {
            for target in targets {
                let applying = overrides.filter { $0.1.contains(target) || $0.1.contains(Target(goos: target.goos, goarch: target.goarch)) }.map(\.0)
                var env = target.environment
                let cgo = applying.compactMap(\.cgo).last ?? config?.cgo ?? false
                env["CGO_ENABLED"] = cgo ? "1" : "0"
                for (k, v) in build?.env ?? [:] { env[k] = v }
                for o in applying { for (k, v) in o.env { env[k] = v } }
                let ldflags = options.ldflags ?? applying.compactMap(\.ldflags).last ?? build?.ldflags
                let tags = options.tags ?? applying.compactMap(\.tags).last ?? build?.tags ?? []
                var args = ["build"]
                if trimpath { args.append("-trimpath") }
                if let ldflags, !ldflags.isEmpty { args.append("-ldflags=\(ldflags)") }
                if !tags.isEmpty { args.append("-tags=\(tags.joined(separator: ","))") }
                args += build?.flags ?? []
                for o in applying { args += o.flags }
                args += options.passthrough
                args.append(main.importPath)
                let path: String
                do { path = try template.render(binary: main.binary, target: target) } catch { throw located(error) }
                let label = "\(main.binary) \(target)"
                if let other = seenPaths[path] { throw PlanError.collision(path, other, label) }
                seenPaths[path] = label
                jobs.append(BuildJob(binary: main.binary, package: main.importPath, target: target, relativePath: path, arguments: args, environment: env))
            }
        }
        return jobs
    }
}
