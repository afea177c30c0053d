// An HTTP server on 127.0.0.1 (crossgo's own LocalHTTPServer, in-process) that serves a folder's files and counts
// requests.
import CrossGoKit
import Foundation
import Synchronization

public final class FolderServer: Sendable {
    public let root: String
    private let server: LocalHTTPServer
    private let counter: RequestCounter

    /// Starts serving `root` on a free port of 127.0.0.1.
    public init(root: String) async throws {
        self.root = root
        let counter = RequestCounter()
        self.counter = counter
        server = try await LocalHTTPServer.start { request in
            guard request.method == "GET" else { return LocalResponse(status: 405) }
            let target = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : target
            counter.add(path)
            guard !path.contains(".."), let data = FileManager.default.contents(atPath: root + "/" + path) else {
                return LocalResponse(status: 404)
            }
            return LocalResponse(headers: ["Content-Type": "application/json"], body: data)
        }
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String {
        get async { "http://127.0.0.1:\(server.port)" }
    }

    /// How many GET requests each path (without the leading /) received.
    public func requests(_ path: String) -> Int { counter.count(path) }

    public func stop() async {
        await server.stop()
    }
}

final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func add(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
    func count(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
}
