// `crossgo ci github`: maps flags to a CIRequest and runs the CI session.
import ArgumentParser
import CrossGoKit
import Foundation

struct CI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Write continuous-integration workflows for the module's targets.",
        subcommands: [GitHub.self]
    )

    struct GitHub: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "github",
            abstract: "Write .github/workflows/crossgo.yml: shards on Linux, darwin and windows natively, one merged result.",
            discussion: """
                The workflow goes to the root of the git checkout holding the module (else next to go.mod). \
                An existing file is never replaced without --force. \
                Exit status: 0 written (or printed), 2 bad input (the file exists, a bad flag), 3 environment.
                """
        )

        @Flag(help: "Print the workflow on stdout and write nothing.")
        var stdout = false

        @Flag(help: "Replace an existing .github/workflows/crossgo.yml.")
        var force = false

        @Option(help: ArgumentHelp("Linux shards the (package x target) matrix is split into (default: one per four targets, at most 4).", valueName: "n"))
        var shards: Int?

        @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets, globs or triples, comma-separated (repeatable; default: crossgo.yaml's targets, else default).", valueName: "spec"))
        var target: [String] = []

        @Option(name: .customLong("crossgo-source"), help: ArgumentHelp("A git URL of crossgo's sources for the workflow to build (default: the repository variable CROSSGO_SOURCE).", valueName: "url"))
        var crossgoSource: String?

        @Option(name: .customLong("crossgo-ref"), help: ArgumentHelp("The tag or commit of crossgo to build (default: the repository variable CROSSGO_REF).", valueName: "ref"))
        var crossgoRef: String?

        @OptionGroup var toolchainOptions: ToolchainOptions
        @OptionGroup var reporting: ReportingOptions

        func run() async throws {
            var request = CIRequest()
            request.goPath = toolchainOptions.goPath
            request.targets = target
            request.shards = shards
            request.stdout = stdout
            request.force = force
            request.crossgoSource = crossgoSource
            request.crossgoRef = crossgoRef
            let asked = request
            try await CommandRuntime.run("ci", reporting: reporting) { try await CISession(context: $0).run(asked) }
        }
    }
}
