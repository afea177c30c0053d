// `crossgo test`: maps flags to a TestRequest and runs the test session.
import ArgumentParser
import CrossGoKit
import Foundation

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the module's tests on every target: natively, under qemu-user, node or wasmtime, or compile-only.",
        discussion: """
            Default packages: ./...; default targets: the host and the default set. Words after `--` are split as \
            go test splits them: build flags (-tags, -race, -cover, ...) go to go test -c, test flags (-run, -v, \
            -count, -bench, ...) to the test binaries. Results are cached by the test binary's content, arguments, \
            runner and the environment and files the tests read; -count=1 after `--` or --no-cache runs them again. \
            Exit status: 0 all passed, 1 a failure or a target that could run here but has no runner (unless \
            --allow-not-run), 2 bad input, 3 environment, 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("Packages to test (default: ./...). Words after `--` go to go test: build flags to go test -c, test flags to the test binaries.", valueName: "packages"))
    var packages: [String] = []

    @OptionGroup var arguments: PackageArguments
    var passthrough: [String] { arguments.passthrough }

    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only tests matching this regular expression.", valueName: "regex"))
    var run: String?

    @Option(name: .long, help: ArgumentHelp("Per test binary, as a Go duration; 0 for no limit.", valueName: "duration"))
    var timeout: String = "10m"

    @Option(name: .long, help: "Build tags, comma-separated.")
    var tags: String?

    @Option(name: .long, help: ArgumentHelp("Write a JUnit XML report to this file.", valueName: "file"))
    var junit: String?

    @Flag(name: .customLong("no-cache"), help: "Run every test again, ignoring cached results.")
    var noCache = false

    @Flag(name: .customLong("allow-not-run"), help: "Exit 0 even when a target that could run here was only compiled for want of a runner.")
    var allowNotRun = false

    @Flag(name: .long, help: "Run js/wasm tests in headless Chromium (a page served on 127.0.0.1) instead of node.")
    var browser = false

    @Option(name: .long, help: "Package x target runs at the same time (default: number of cores).")
    var jobs: Int?

    @Option(help: ArgumentHelp("Write the results as JSON (test-results.json) to this file.", valueName: "file"))
    var results: String?

    @Option(help: ArgumentHelp("Run only shard K of N of the (package x target) runs; results go to dist/shard-K-of-N/test-results.json (or --results); join with crossgo merge.", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("shard-durations"), help: ArgumentHelp("An earlier run's test-results.json: its durations balance the shards.", valueName: "file"))
    var shardDurations: String?
    @Option(name: .customLong("remote-cache"), help: ArgumentHelp("Share the Go build cache through this HTTP cache (GOCACHEPROG=crossgo cacheprog).", valueName: "url"))
    var remoteCache: String?

    @OptionGroup var cgoOptions: CgoOptions
    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        try validateRunFlags(jobs: jobs, shard: shard)
        if goDurationSeconds(timeout) == nil { throw ValidationError("--timeout '\(timeout)' is not a Go duration (e.g. 90s, 10m, 1h; 0 for no limit)") }
    }

    func run() async throws {
        var request = TestRequest()
        request.goPath = toolchainOptions.goPath
        request.packages = packages
        request.targets = target
        request.run = run
        request.timeout = timeout
        request.tags = tags.map { $0.split(separator: ",").map(String.init) } ?? []
        request.junit = junit
        request.noCache = noCache
        request.cgo = cgoOptions.cgo ? true : nil
        request.sdk = cgoOptions.sdk
        request.minGlibc = cgoOptions.minGlibc
        request.allowNotRun = allowNotRun
        request.browser = browser
        request.jobs = jobs
        request.passthrough = passthrough
        request.results = results
        request.shard = try shard.map { try Shard(parsing: $0) }
        request.shardDurations = shardDurations
        let built = request
        try await CommandRuntime.run("test", reporting: reporting, remoteCache: remoteCache) { context, cacheEnvironment in
            var asked = built
            asked.extraEnvironment.merge(cacheEnvironment) { $1 }
            return try await TestSession(context: context).run(asked)
        }
    }
}
