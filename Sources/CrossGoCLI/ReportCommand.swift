// `crossgo report`: maps flags to a ReportRequest and runs the report session.
import ArgumentParser
import CrossGoKit
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page with the build, test and benchmark results of an output folder.",
        discussion: """
            Reads manifest.json (crossgo build), test-results.json (crossgo test --results dist/test-results.json) and \
            bench-results.json (crossgo bench, crossgo bench --artifacts) from the folder (default: dist next to go.mod) \
            and writes report.html there (or -o FILE): inline SVG charts with a table behind each, no script, no \
            network. Prints the page's path. Exit status: 0 written, 2 nothing to report or a bad record, 3 cannot write.
            """
    )

    @Argument(help: ArgumentHelp("The output folder (default: dist next to go.mod).", valueName: "dir"))
    var dist: String?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the page here (default: <dir>/report.html).", valueName: "file"))
    var output: String?

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        var request = ReportRequest()
        request.goPath = toolchainOptions.goPath
        request.dist = dist
        request.output = output
        let built = request
        try await CommandRuntime.run("report", reporting: reporting) { context in
            try await ReportSession(context: context).run(built)
        }
    }
}
