// `crossgo targets`: every target of the active toolchain, with how this host can run it.
import ArgumentParser
import CrossGoKit

struct Targets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List Go targets: first-class, cgo, executable extension, and how this host runs them.",
        discussion: "Without --target, lists every target of `go tool dist list`."
    )

    @Option(name: .long, help: ArgumentHelp("Targets to show: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        let request = TargetsRequest(targets: target, goPath: toolchainOptions.goPath)
        try await CommandRuntime.run("targets", reporting: reporting) { context in
            try await TargetsSession(context: context).run(request)
        }
    }
}
