// `crossgo build`: build every main package for every target, verify each artifact, record sums and a manifest.
import ArgumentParser
import CrossGoKit
import Foundation

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build, verify and record the module's programs for every target.",
        discussion: """
            Without packages, builds every main package of the module. Without --target and crossgo.yaml, builds \
            the default set (darwin/arm64, linux/riscv64, js/wasm, wasip1/wasm and the host). Artifacts go to \
            dist/<binary>_<os>_<arch>[_<level>]<ext> with SHA256SUMS and manifest.json. Flags after `--` go to go build.
            """
    )

    @Argument(help: ArgumentHelp("Main packages to build (default: every main package of the module); after `--`, flags for go build.", valueName: "packages"))
    var positional: [String] = []

    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output folder (default: dist next to go.mod).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: "Targets built at the same time (default: chosen for this machine).")
    var jobs: Int?

    @Option(name: .long, parsing: .unconditional, help: "Linker flags for go build -ldflags.")
    var ldflags: String?

    @Option(name: .long, help: "Build tags, comma-separated.")
    var tags: String?

    @Option(name: .long, help: ArgumentHelp("Artifact name template: {binary} {os} {arch} {variant} {ext}.", valueName: "template"))
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Build with -trimpath (default: on).")
    var trimpath: Bool?

    @Flag(help: "Remove the artifacts listed in the previous manifest first.")
    var clean = false

    @Flag(help: "Run each artifact this host can run (natively, qemu-user, node, wasmtime) and show what it printed.")
    var run = false

    @Flag(name: .customLong("no-progress"), help: "Plain progress lines even on a terminal.")
    var noProgress = false

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var outputOptions: OutputOptions

    /// Everything after `--` on the command line goes to go build unchanged.
    var passthrough: [String] { splitPassthrough(positional, commandLine: CommandLine.arguments).1 }
    var packages: [String] { splitPassthrough(positional, commandLine: CommandLine.arguments).0 }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if outputOptions.json && run { throw ValidationError("--run prints program output and cannot be combined with --json") }
    }

    func run() async throws {
        let context = CrossGoContext.live
        let cwd = FileManager.default.currentDirectoryPath
        let toolchain: GoToolchain
        let jobsList: [BuildJob]
        let outDir: String
        let moduleRoot: String
        let config: BuildConfig?
        var listing: Task<[MainPackage], any Error>?
        do {
            // `go list` of the packages overlaps with reading the toolchain; both need only the go path.
            let goPath = try context.locator.locate(explicit: toolchainOptions.goPath)
            let patterns = packages
            let listed = Task {
                try await BuildPlanner.mainPackages(goPath: goPath, patterns, workingDirectory: cwd, system: context.system, cache: context.goCache)
            }
            listing = listed
            toolchain = try await GoToolchain.load(goPath: goPath, system: context.system, cache: context.goCache)
            if !patterns.isEmpty { Prefetch.discardUnused() }
            moduleRoot = try BuildPlanner.moduleRoot(toolchain: toolchain)
            config = try BuildConfig.load(path: moduleRoot + "/" + BuildConfig.fileName)
            let resolver = TargetResolver(toolchain: toolchain)
            let targets: [Target]
            if !target.isEmpty {
                targets = try resolver.resolve(target)
            } else if let specs = config?.targets {
                do { targets = try resolver.resolve(specs) } catch {
                    throw ConfigError(file: config?.file ?? BuildConfig.fileName, line: config?.targetsLine, key: "targets", message: error.description)
                }
            } else {
                targets = try resolver.resolve("default")
            }
            var options = BuildOptions()
            options.packages = packages
            options.ldflags = ldflags
            options.tags = tags.map { $0.split(separator: ",").map(String.init) }
            options.trimpath = trimpath
            options.outputTemplate = output
            options.passthrough = passthrough
            options.listedPackages = listed
            let planner = BuildPlanner(toolchain: toolchain, moduleRoot: moduleRoot)
            jobsList = try await planner.plan(options: options, config: config, targets: targets, workingDirectory: cwd)
            let outSetting = out.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? moduleRoot + "/" + (config?.out ?? "dist")
            outDir = URL(fileURLWithPath: outSetting).standardizedFileURL.path
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        } catch {
            // A bad flag found after the listing started: end the listing before exiting, never leave go running.
            listing?.cancel()
            _ = try? await listing?.value
            throw fail(error)
        }
        if clean {
            let removed = BuildManifest.clean(outDir: outDir)
            Console.err("crossgo: removed \(removed.count) artifact(s) of the previous build")
        }
        let parallel = jobs ?? config?.jobs ?? Builder.defaultJobs()
        let builder = Builder(toolchain: toolchain, outDir: outDir, workingDirectory: cwd, jobs: parallel)
        builder.removeStalePartials()

        let progress: any BuildProgress
        if outputOptions.json {
            progress = JSONBuildProgress()
        } else if !noProgress && isatty(2) == 1 {
            progress = LiveBuildProgress(jobs: jobsList, color: outputOptions.color != .never)
        } else {
            progress = PlainBuildProgress(total: jobsList.count)
        }
        if !outputOptions.json {
            Console.err("crossgo: building \(Set(jobsList.map(\.binary)).count) program(s) for \(Set(jobsList.map(\.target)).count) target(s) with \(toolchain.version), \(parallel) at a time -> \(relative(outDir, to: cwd))")
        }

        Trace.mark("build: planned")
        let buildTask = Task { await builder.run(jobsList) { progress.handle($0) } }
        let signals = trapInterrupts { buildTask.cancel() }
        let result = await buildTask.value
        signals.forEach { $0.cancel() }
        progress.finish()

        Trace.mark("build: all built")
        let module = Self.modulePath(goMod: moduleRoot + "/go.mod") ?? ""
        let manifest = BuildManifest(go: toolchain.version, module: module, artifacts: result.artifacts, failures: result.failures)
        do {
            try manifest.write(to: outDir)
        } catch {
            throw fail(CLIError("cannot write \(outDir)/\(BuildManifest.fileName): \(error.localizedDescription)"))
        }

        Trace.mark("build: manifest written")
        if outputOptions.json {
            struct Summary: Encodable {
                var event = "summary"
                var outDir: String
                var manifest: BuildManifest
                var interrupted: Bool
            }
            Console.out(try Console.jsonLine(Summary(outDir: outDir, manifest: manifest, interrupted: result.cancelled)))
        } else {
            printSummary(result, outDir: outDir, cwd: cwd)
        }
        if run && !result.cancelled { await runArtifacts(result.artifacts, toolchain: toolchain, context: context, outDir: outDir) }
        if result.cancelled {
            Console.err("crossgo: interrupted: \(result.artifacts.count) artifact(s) complete and recorded; no partial files left")
            throw ExitCode(130)
        }
        if !result.failures.isEmpty { throw ExitCode(1) }
    }

    func printSummary(_ result: BuildResult, outDir: String, cwd: String) {
        if !result.artifacts.isEmpty {
            Console.out(renderTable(
                ["ARTIFACT", "TARGET", "SIZE", "SHA256", "VERIFIED"],
                result.artifacts.map { a in
                    [relative(outDir + "/" + a.path, to: cwd), a.target, formatSize(a.size), String(a.sha256.prefix(12)),
                     a.verification.confirmed.filter { !$0.hasPrefix("build info") }.joined(separator: ", ")]
                }))
        }
        for failure in result.failures {
            Console.err("crossgo: \(failure.target) (\(failure.binary)) failed to \(failure.stage.rawValue):")
            for line in failure.message.split(separator: "\n") { Console.err("    \(line)") }
        }
        let failed = result.failures.count
        Console.err("crossgo: \(result.artifacts.count) built and verified, \(failed) failed; sums in \(relative(outDir, to: cwd))/SHA256SUMS")
    }

    /// Runs each artifact the host can run and prints its output; names those it could only build.
    func runArtifacts(_ artifacts: [Artifact], toolchain: GoToolchain, context: CrossGoContext, outDir: String) async {
        let runners = await context.runners(for: toolchain)
        for artifact in artifacts {
            let target = Target(goos: artifact.goos, goarch: artifact.goarch, variant: artifact.variant)
            let runner = runners.runner(for: target)
            let path = outDir + "/" + artifact.path
            guard let argv = runner.command(binary: path, directories: [outDir]) else {
                Console.out("\(artifact.target): built and verified (\(artifact.verification.confirmed.first { $0.contains("signature") } ?? "header checked")); cannot run here: \(runner.detail)")
                continue
            }
            do {
                let result = try await runProgram(argv[0], Array(argv.dropFirst()), timeout: 120, argv0: runner.argv0)
                let text = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
                let how = runner.kind == .native ? "native" : runner.kind.rawValue
                Console.out("\(artifact.target) [\(how)]: \(text)\(result.succeeded ? "" : " (exit \(result.exitCode))")")
            } catch {
                Console.out("\(artifact.target): could not run: \(error)")
            }
        }
    }

    /// The module path from go.mod's `module` line.
    static func modulePath(goMod: String) -> String? {
        guard let text = try? String(contentsOfFile: goMod, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("module ") || trimmed.hasPrefix("module\t") else { continue }
            var path = String(trimmed.dropFirst(6)).trimmingCharacters(in: .whitespaces)
            if let comment = path.range(of: "//") { path = String(path[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces) }
            return path.trimmingCharacters(in: CharacterSet(charactersIn: "\"`"))
        }
        return nil
    }
}

/// Splits positional arguments into packages and the go flags that followed `--`.
/// (swift-argument-parser folds post-terminator words into the positional array.)
func splitPassthrough(_ positional: [String], commandLine: [String]) -> ([String], [String]) {
    guard let dash = commandLine.firstIndex(of: "--") else { return (positional, []) }
    let tail = Array(commandLine[(dash + 1)...])
    guard tail.count <= positional.count, Array(positional.suffix(tail.count)) == tail else { return (positional, []) }
    return (Array(positional.dropLast(tail.count)), tail)
}

/// Runs `handler` on SIGINT or SIGTERM instead of dying, so builds can clean up.
func trapInterrupts(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { sig in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

func relative(_ path: String, to base: String) -> String {
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

func formatSize(_ bytes: Int) -> String {
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    if bytes >= 1 << 10 { return String(format: "%.0f KiB", Double(bytes) / 1024) }
    return "\(bytes) B"
}
