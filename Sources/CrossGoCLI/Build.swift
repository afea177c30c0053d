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

    @Argument(help: ArgumentHelp("Main packages to build (default: every main package of the module). Words after `--` go to go build.", valueName: "packages"))
    var packages: [String] = []

    @OptionGroup var arguments: PackageArguments

    @OptionGroup var build: BuildFlags

    @Flag(help: "Run each artifact this host can run (natively, qemu-user, node, wasmtime) and show what it printed.")
    var run = false

    @Flag(help: "Write a web bundle per js/wasm program: <out>/web/<binary>/ (index.html, wasm_exec.js, .wasm, .wasm.gz); see crossgo serve.")
    var web = false

    @Flag(help: "With --run: run js/wasm programs in headless Chromium (a page served on 127.0.0.1) instead of node.")
    var browser = false

    @Option(name: .customLong("arg"), parsing: .unconditionalSingleValue, help: ArgumentHelp("An argument for the programs --run starts (repeatable).", valueName: "word"))
    var runArguments: [String] = []

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if !runArguments.isEmpty && !run { throw ValidationError("--arg is for the programs --run starts: add --run") }
        if browser && !run { throw ValidationError("--browser is for the programs --run starts: add --run") }
    }

    func run() async throws {
        var request = try build.request(packages: packages, arguments, goPath: toolchainOptions.goPath)
        request.run = run
        request.runArguments = runArguments
        request.browser = browser
        request.web = web
        let built = request
        try await CommandRuntime.run("build", reporting: reporting, remoteCache: build.remoteCache) { context, cacheEnvironment in
            var asked = built
            asked.extraEnvironment.merge(cacheEnvironment) { $1 }
            return try await BuildSession(context: context).run(asked)
        }
    }
}
