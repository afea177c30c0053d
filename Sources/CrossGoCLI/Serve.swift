// `crossgo serve`: serve a web bundle (dist/web/<binary>) on 127.0.0.1 with LocalHTTPServer until interrupted.
import ArgumentParser
import CrossGoKit
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a web bundle (crossgo build --web) on 127.0.0.1.",
        discussion: """
            Serves FOLDER (default: the only bundle under dist/web, else dist/web) on 127.0.0.1 at --addr's port, or a \
            free one; the URL is printed on stderr. .wasm files go out as application/wasm, the precompressed .wasm.gz \
            when the browser accepts gzip (Content-Encoding: gzip), with an ETag and Cache-Control: no-cache. \
            Runs until interrupted.
            """
    )

    @Argument(help: ArgumentHelp("The bundle folder to serve.", valueName: "folder"))
    var folder: String?

    @Option(help: ArgumentHelp("Address to listen on: 127.0.0.1:PORT (PORT 0: a free one).", valueName: "addr"))
    var addr = "127.0.0.1:0"

    func run() async throws {
        let port: UInt16
        let parts = addr.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "127.0.0.1" || parts[0] == "localhost", let p = UInt16(parts[1]) else {
            throw UsageError("--addr '\(addr)': crossgo serves on 127.0.0.1 only: give 127.0.0.1:PORT")
        }
        port = p
        let cwd = FileManager.default.currentDirectoryPath
        var root = folder.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd + "/dist/web"
        try FolderArgument.require(folder ?? "dist/web", at: root, hint: folder == nil ? "run crossgo build --web first" : nil)
        if folder == nil {
            let bundles = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
                FileManager.default.fileExists(atPath: root + "/" + $0 + "/index.html")
            }
            if bundles.count == 1 { root += "/" + bundles[0] }
        }
        let served = root
        let server = try await LocalHTTPServer.start(port: port) { WebBundle.serve($0, root: served) }
        FileHandle.standardError.write(Data("crossgo: serving \(served) at \(server.url)\n".utf8))
        await server.wait()
    }
}
