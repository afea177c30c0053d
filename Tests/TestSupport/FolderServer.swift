// An HTTP server on 127.0.0.1 (FlyingFox, in-process) that serves a folder's files and counts requests.
import FlyingFox
import Foundation
import Synchronization

public final class FolderServer: Sendable {
    public let root: String
    private let server: HTTPServer
    private let counter = RequestCounter()
    private let task = Mutex<Task<Void, any Error>?>(nil)

    /// Starts serving `root` on a free port of 127.0.0.1.
    public init(root: String) async throws {
        self.root = root
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        let root = root
        let counter = counter
        await server.appendRoute("GET *") { request in
            let path = request.path.hasPrefix("/") ? String(request.path.dropFirst()) : request.path
            counter.add(path)
            guard !path.contains(".."), let data = FileManager.default.contents(atPath: root + "/" + path) else {
                return HTTPResponse(statusCode: .notFound)
            }
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: data)
        }
        let server = self.server
        task.withLock { $0 = Task { try await server.run() } }
        try await server.waitUntilListening()
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String {
        get async {
            if case .ip4(_, let port) = await server.listeningAddress { return "http://127.0.0.1:\(port)" }
            return "http://127.0.0.1:0"
        }
    }

    /// How many GET requests each path (without the leading /) received.
    public func requests(_ path: String) -> Int { counter.count(path) }

    public func stop() async {
        await server.stop()
        task.withLock { $0?.cancel() }
    }
}

final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func add(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
    func count(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
}
