// `crossgo test`: the module's tests on every target, under the right emulator, with a result cache.
import ArgumentParser
import CrossGoKit
import Foundation

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the module's tests on every target: natively, under qemu-user, node or wasmtime, or compile-only.",
        discussion: """
            Default packages: ./...; default targets: the host and the default set. Results are cached by the test \
            binary's content, arguments, runner and the environment and files the tests read; -count=1 after `--` or \
            --no-cache runs them again. Flags after `--` go to the test binaries (-short, -count=1, -v, ...).
            """
    )

    @Argument(help: ArgumentHelp("Packages (default ./...); after `--`, flags for the tests.", valueName: "packages"))
    var positional: [String] = []

    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only tests matching this regular expression.", valueName: "regex"))
    var run: String?

    @Option(name: .long, help: ArgumentHelp("Per test binary, as a Go duration.", valueName: "duration"))
    var timeout: String = "10m"

    @Option(name: .long, help: ArgumentHelp("Write a JUnit XML report to this file.", valueName: "file"))
    var junit: String?

    @Flag(name: .customLong("no-cache"), help: "Run every test again, ignoring cached results.")
    var noCache = false

    @Option(name: .long, help: "Package x target runs at the same time (default: number of cores).")
    var jobs: Int?

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var outputOptions: OutputOptions

    var packages: [String] { splitPassthrough(positional, commandLine: CommandLine.arguments).0 }
    var passthrough: [String] { splitPassthrough(positional, commandLine: CommandLine.arguments).1 }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if goDurationSeconds(timeout) == nil { throw ValidationError("--timeout '\(timeout)' is not a Go duration (e.g. 90s, 10m, 1h)") }
    }

    func run() async throws {
        let context = CrossGoContext.live
        let cwd = FileManager.default.currentDirectoryPath
        var options = TestOptions()
        let matrix: TestMatrix
        do {
            let toolchain = try await context.toolchain(explicitGo: toolchainOptions.goPath)
            let resolver = TargetResolver(toolchain: toolchain)
            options.targets = try target.isEmpty ? resolver.resolve("host,default") : resolver.resolve(target)
            options.packages = packages
            options.run = run
            options.timeout = timeout
            options.noCache = noCache || CacheFolder.isOff(environment: context.system.environment)
            options.passthrough = passthrough
            if let jobs { options.jobs = jobs }
            let runners = await context.runners(for: toolchain)
            let environment = ProcessInfo.processInfo.environment
            matrix = TestMatrix(toolchain: toolchain, runners: runners, cache: TestCache(directory: TestCache.defaultDirectory(environment: environment)),
                                workingDirectory: cwd, environment: environment)
        } catch {
            throw fail(error)
        }
        let json = outputOptions.json
        let results: [PackageResult]
        do {
            results = try await matrix.run(options) { event in
                switch event {
                case .notice(let text):
                    Console.err("crossgo: \(text)")
                case .started:
                    break
                case .finished(let result, let events):
                    if json {
                        for e in events { if let line = try? Console.jsonLine(e) { Console.out(line) } }
                        if let line = try? Console.jsonLine(ResultLine(result: result)) { Console.out(line) }
                    } else {
                        Console.err("\(result.cached ? "cached" : "ran   ")  \(result.target)  \(result.package)  \(result.status.rawValue)")
                    }
                }
            }
        } catch {
            throw fail(error)
        }
        if let junit {
            do {
                try JUnitReport.xml(results).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                throw fail(CLIError("cannot write --junit \(junit): \(error.localizedDescription)"))
            }
        }
        if json {
            if let line = try? Console.jsonLine(Summary(results: results)) { Console.out(line) }
        } else {
            Console.out(Self.matrix(results, targets: options.targets.map(\.description), color: outputOptions.useColor()))
            Self.printFailures(results)
        }
        if results.contains(where: { $0.status.isFailure }) { throw ExitCode(1) }
    }

    struct ResultLine: Encodable {
        var Action = "crossgo-result"
        var result: PackageResult
    }

    struct Summary: Encodable {
        var Action = "crossgo-summary"
        var passed: Int
        var failed: Int
        var skipped: Int
        var results: [PackageResult]
        init(results: [PackageResult]) {
            self.results = results
            passed = results.map(\.passedCount).reduce(0, +)
            failed = results.map(\.failedCount).reduce(0, +)
            skipped = results.map(\.skippedCount).reduce(0, +)
        }
    }

    /// The package x target table.
    static func matrix(_ results: [PackageResult], targets: [String], color: Bool) -> String {
        var packages: [String] = []
        for r in results where !packages.contains(r.package) { packages.append(r.package) }
        func cell(_ r: PackageResult?) -> String {
            guard let r else { return "-" }
            let time = String(format: "%.1fs", r.elapsed)
            let text: String
            switch r.status {
            case .passed: text = "ok \(r.passedCount)" + (r.skippedCount > 0 ? " skip \(r.skippedCount)" : "") + (r.cached ? " (cached)" : " \(time)")
            case .failed: text = "FAIL \(r.failedCount)/\(r.tests.count)"
            case .skipped: text = "skip \(r.skippedCount)" + (r.cached ? " (cached)" : "")
            case .compileOnly: text = "compile-only"
            case .noTests: text = "no tests"
            case .buildFailed: text = "BUILD FAILED"
            case .noRunner: text = "no runner"
            }
            guard color else { return text }
            switch r.status {
            case .passed: return "\u{1B}[32m\(text)\u{1B}[0m"
            case .failed, .buildFailed: return "\u{1B}[31m\(text)\u{1B}[0m"
            default: return "\u{1B}[2m\(text)\u{1B}[0m"
            }
        }
        let rows = packages.map { p in [p] + targets.map { t in cell(results.first { $0.package == p && $0.target == t }) } }
        let table = renderTable(["PACKAGE"] + targets, rows)
        let passed = results.map(\.passedCount).reduce(0, +)
        let failed = results.map(\.failedCount).reduce(0, +)
        let skipped = results.map(\.skippedCount).reduce(0, +)
        let cached = results.filter(\.cached).count
        let compileOnly = results.filter { $0.status == .compileOnly || $0.status == .noRunner }.count
        return table + "\n\(passed) passed, \(failed) failed, \(skipped) skipped; \(cached) package run(s) cached, \(compileOnly) compile-only"
    }

    static func printFailures(_ results: [PackageResult]) {
        for r in results where r.status.isFailure {
            let failing = r.tests.filter { $0.status == .failed }
            if failing.isEmpty {
                Console.err("--- \(r.status == .buildFailed ? "BUILD FAILED" : "FAIL"): \(r.package) on \(r.target)")
                for line in (r.message ?? "").split(separator: "\n").suffix(30) { Console.err("    \(line)") }
            }
            for t in failing {
                Console.err("--- FAIL: \(t.name) on \(r.target) (\(r.package))")
                for line in t.output.split(separator: "\n") { Console.err("    \(line)") }
            }
        }
        for r in results where r.status == .noRunner {
            Console.err("crossgo: \(r.package) on \(r.target): compiled only, \(r.message ?? "no runner")")
        }
    }
}
