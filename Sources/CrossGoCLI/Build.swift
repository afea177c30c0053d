// `crossgo build`: maps flags to a BuildRequest and runs the build session.
import ArgumentParser
import CrossGoKit
import Foundation

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build, verify and record the module's programs for every target.",
        discussion: """
            Without packages, builds every main package of the module, for each target where it exists \
            (build constraints decide). Without --target and crossgo.yaml, builds the default set \
            (darwin/arm64, linux/riscv64, js/wasm, wasip1/wasm and the host). Artifacts go to \
            dist/<binary>_<os>_<arch>[_<level>]<ext> with SHA256SUMS and manifest.json; dist/ then holds exactly \
            what the manifest lists. Flags after `--` go to go build (not -o, -C or a -buildmode other than exe/pie). \
            Exit status: 0 all built, 1 a target failed, 2 bad input, 3 environment, 130 interrupted.
            """
    )

    @OptionGroup var arguments: PackageArguments
    var packages: [String] { arguments.packages }
    var passthrough: [String] { arguments.passthrough }

    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output folder (default: dist next to go.mod).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: "Targets built at the same time (default: chosen for this machine).")
    var jobs: Int?

    @Option(name: .long, parsing: .unconditional, help: "Linker flags for go build -ldflags (an empty value, --ldflags=, means none).")
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

    @Option(name: .customLong("arg"), parsing: .unconditionalSingleValue, help: ArgumentHelp("An argument for the programs --run starts (repeatable).", valueName: "word"))
    var runArguments: [String] = []

    @Option(name: .customLong("remote-cache"), help: ArgumentHelp("Share the Go build cache through this HTTP cache (GOCACHEPROG=crossgo cacheprog).", valueName: "url"))
    var remoteCache: String?

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !runArguments.isEmpty && !run { throw ValidationError("--arg is for the programs --run starts: add --run") }
    }

    func run() async throws {
        var request = BuildRequest()
        request.goPath = toolchainOptions.goPath
        request.packages = packages
        request.targets = target
        request.out = out
        request.jobs = jobs
        request.ldflags = ldflags
        request.tags = tags.map { $0.split(separator: ",").map(String.init) }
        request.outputTemplate = output
        request.trimpath = trimpath
        request.clean = clean
        request.run = run
        request.runArguments = runArguments
        request.passthrough = passthrough
        let launch = try remoteCacheLaunch(remoteCache)
        defer { launch?.cleanup() }
        request.extraEnvironment.merge(launch?.environment ?? [:]) { $1 }
        let built = request
        try await CommandRuntime.run("build", reporting: reporting) { context in
            let outcome = try await BuildSession(context: context).run(built)
            launch?.reportWarnings(to: context.reporter)
            return outcome
        }
    }
}
