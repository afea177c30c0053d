// `crossgo serve`: serve a web bundle (dist/web/<binary>) on 127.0.0.1 with LocalHTTPServer until interrupted.
import ArgumentParser
import CrossGoKit

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a web bundle (crossgo build --web) on 127.0.0.1.",
        discussion: """
            Serves FOLDER (default: the only bundle under dist/web, else dist/web) on 127.0.0.1 at --addr's port, or a \
            free one; the URL is printed on stderr. .wasm files go out as application/wasm, the precompressed .wasm.gz \
            when the browser accepts gzip (Content-Encoding: gzip), with an ETag and Cache-Control: no-cache. \
            Runs until interrupted (SIGINT or SIGTERM: the server stops, exit status 130).
            """
    )

    @Argument(help: ArgumentHelp("The bundle folder to serve.", valueName: "folder"))
    var folder: String?

    @Option(help: ArgumentHelp("Address to listen on: 127.0.0.1:PORT (PORT 0: a free one).", valueName: "addr"))
    var addr = "127.0.0.1:0"

    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        let request = ServeRequest(folder: folder, address: addr)
        try await CommandRuntime.run("serve", reporting: reporting) { context in
            try await ServeSession(context: context).run(request)
        }
    }
}
