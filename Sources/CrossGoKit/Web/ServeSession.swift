// `crossgo serve` as a session: the bundle folder resolved, served on 127.0.0.1 until the session is interrupted,
// then the server stopped (its listening socket and open connections closed) before crossgo exits 130.
import Foundation

/// What `crossgo serve` was asked.
public struct ServeRequest: Sendable {
    /// The bundle folder as given; nil: the only bundle under dist/web, else dist/web.
    public var folder: String?
    /// `127.0.0.1:PORT` or `localhost:PORT` (PORT 0: a free one).
    public var address: String

    public init(folder: String? = nil, address: String = "127.0.0.1:0") {
        self.folder = folder
        self.address = address
    }

    /// The port of `address`; a usage error naming --addr for anything but 127.0.0.1 or localhost and a port.
    public func port() throws -> UInt16 {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "127.0.0.1" || parts[0] == "localhost", let port = UInt16(parts[1]) else {
            throw UsageError("--addr '\(address)': crossgo serves on 127.0.0.1 only: give 127.0.0.1:PORT")
        }
        return port
    }
}

/// What was served, and where.
public struct ServeOutcome: SessionOutcome {
    public var folder: String
    public var url: String
    public var command: String { "serve" }
    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] { [] }
    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(messages: ["crossgo: stopped serving \(folder)"])
    }
}

/// Serves a web bundle until the task running it is cancelled (SIGINT, SIGTERM).
public struct ServeSession: Sendable {
    public let context: CrossGoContext
    public init(context: CrossGoContext) { self.context = context }

    /// The folder to serve: the one named, or the only bundle (a folder with index.html) under dist/web, else dist/web.
    public func bundleFolder(_ request: ServeRequest) throws -> String {
        var root = context.absolute(request.folder ?? "dist/web")
        try FolderArgument.require(request.folder ?? "dist/web", at: root, hint: request.folder == nil ? "run crossgo build --web first" : nil,
                                  system: context.system)
        if request.folder == nil {
            let bundles = context.system.listDirectory(root).filter {
                context.system.fileExists(root + "/" + $0 + "/index.html")
            }
            if bundles.count == 1 { root += "/" + bundles[0] }
        }
        return root
    }

    /// Starts the server, says where (a notice), and serves until cancelled.
    public func run(_ request: ServeRequest) async throws -> ServeOutcome {
        let port = try request.port()
        let root = try bundleFolder(request)
        let server: LocalHTTPServer
        do {
            server = try await LocalHTTPServer.start(port: port) { [system = context.system] in WebBundle.serve($0, root: root, system: system) }
        } catch {
            // A port in use (or not ours to take) is the machine's answer (3), said naming the flag.
            throw EnvironmentError("--addr \(request.address): \(error)")
        }
        context.reporter.report(.notice("serving \(root) at \(server.url)", level: "info"))
        await withTaskCancellationHandler {
            await server.wait()
        } onCancel: {
            Task { await server.stop() }
        }
        await server.stop()
        return ServeOutcome(folder: root, url: server.url)
    }
}
