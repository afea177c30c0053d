// `crossgo targets`: every target of the active toolchain, with how this host can run it.
import ArgumentParser
import CrossGoKit

struct Targets: AsyncParsableCommand, QuickCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List Go targets: first-class, cgo, executable extension, and how this host runs them.",
        discussion: "Without --target, lists every target of `go tool dist list`."
    )

    @Option(name: .long, help: ArgumentHelp("Targets to show: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    var invocation: Invocation { .targets(TargetsRequest(targets: target, goPath: toolchainOptions.goPath), reporting.settings) }

    func run() async throws { try await invocation.run() }
}
