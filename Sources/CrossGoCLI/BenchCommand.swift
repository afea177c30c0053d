// `crossgo bench`: maps flags to a BenchRequest (or, with --artifacts, an ArtifactsRequest) and runs the session.
import ArgumentParser
import CrossGoKit
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the module's benchmarks on every target, with confidence intervals and a comparison against a baseline.",
        discussion: """
            Builds each package's test binary per target as crossgo test does and runs it as \
            `go test -bench REGEX -benchmem -run '^$'` would, --count times, round by round across the targets, \
            under the target's runner (native, qemu-user, node, wasmtime, wine). Shows per benchmark and target the \
            median and its 95% confidence interval (order statistics; needs --count 6 or more), and with --baseline \
            the change and a Mann-Whitney U test (~: not significant). Under an emulator or a wasm host, ns/op is \
            the runner's time; B/op and allocs/op are the program's own. Results: dist/bench-results.json next to \
            go.mod (or --results), and crossgo's cache for --baseline last. Default target: the host. \
            With --artifacts: measures the artifacts of dist/manifest.json instead (size, size by package, start-up, \
            peak RSS, GC). Exit status: 0 ok, 1 a benchmark failed or could not run, 2 bad input, 3 environment, 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("Packages to benchmark (default: ./...). crossgo bench passes no go flags.", valueName: "packages"))
    var packages: [String] = []

    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets, globs or triples, comma-separated (repeatable); default: host.", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only benchmarks matching this regular expression (default: all).", valueName: "regex"))
    var bench: String?

    @Option(name: .long, help: "Runs of every package x target (6 or more give confidence intervals).")
    var count: Int = 1

    @Option(name: .long, help: ArgumentHelp("Per benchmark, as go test -benchtime: a duration (1s, 20ms) or iterations (100x).", valueName: "t"))
    var benchtime: String?

    @Option(name: .long, help: ArgumentHelp("Compare with this bench-results.json, or `last` (this module's previous run).", valueName: "file|last"))
    var baseline: String?

    @Option(name: .long, help: "Build tags, comma-separated.")
    var tags: String?

    @Option(name: .long, help: "Test binaries built at the same time (runs are always one at a time).")
    var jobs: Int?

    @Option(help: ArgumentHelp("Write the results to this file (default: dist/bench-results.json next to go.mod).", valueName: "file"))
    var results: String?

    @Option(help: ArgumentHelp("Run only shard K of N of the (package x target) runs; results go to dist/shard-K-of-N/bench-results.json.", valueName: "K/N"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("Per test binary run, as a Go duration.", valueName: "duration"))
    var timeout: String = "10m"

    @Flag(help: "Measure the artifacts of dist/manifest.json (after crossgo build): size, size by package, start-up, peak RSS, GC.")
    var artifacts = false

    @Option(name: .long, help: ArgumentHelp("With --artifacts: the output folder holding manifest.json (default: dist next to go.mod).", valueName: "dir"))
    var dist: String?

    @Option(name: .customLong("arg"), parsing: .unconditionalSingleValue, help: ArgumentHelp("With --artifacts: an argument for each program run (repeatable).", valueName: "word"))
    var runArguments: [String] = []

    @OptionGroup var cgoOptions: CgoOptions
    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if let flag = packages.first(where: { $0.hasPrefix("-") }) {
            throw ValidationError("\(flag) is not a package: crossgo bench passes no go flags (use --bench, --benchtime, --count, --tags, --timeout)")
        }
        try validateRunFlags(jobs: jobs, count: count, shard: shard)
        if goDurationSeconds(timeout) == nil { throw ValidationError("--timeout '\(timeout)' is not a Go duration (e.g. 90s, 10m, 1h)") }
        if !artifacts && (dist != nil || !runArguments.isEmpty) { throw ValidationError("--dist and --arg are for --artifacts: add --artifacts") }
        if artifacts && (shard != nil || baseline != nil) { throw ValidationError("--shard and --baseline are for benchmarks, not --artifacts") }
        if artifacts && (cgoOptions.cgo || cgoOptions.sdk != nil || cgoOptions.minGlibc != nil) {
            throw ValidationError("--cgo, --sdk and --min-glibc are for benchmarks, not --artifacts (the artifacts are built already)")
        }
    }

    func run() async throws {
        if artifacts {
            var request = ArtifactsRequest()
            request.goPath = toolchainOptions.goPath
            request.dist = dist
            request.targets = target
            request.runs = count
            request.arguments = runArguments
            request.results = results
            let built = request
            try await CommandRuntime.run("bench", reporting: reporting) { context in
                try await ArtifactsSession(context: context).run(built)
            }
            return
        }
        var request = BenchRequest()
        request.goPath = toolchainOptions.goPath
        request.packages = packages
        request.targets = target
        request.bench = bench ?? "."
        request.count = count
        request.benchtime = benchtime
        request.baseline = baseline
        request.tags = tags.map { $0.split(separator: ",").map(String.init) } ?? []
        request.jobs = jobs
        request.results = results
        request.shard = try shard.map { try Shard(parsing: $0) }
        request.timeout = timeout
        request.cgo = cgoOptions.cgo ? true : nil
        request.sdk = cgoOptions.sdk
        request.minGlibc = cgoOptions.minGlibc
        let built = request
        try await CommandRuntime.run("bench", reporting: reporting) { context in
            try await BenchSession(context: context).run(built)
        }
    }
}
