// LocalHTTPServer: crossgo's one HTTP server (FlyingFox: small, no NIO, builds fast), on 127.0.0.1 at a given or
// ephemeral port, for the browser runner's page and for `crossgo serve`.
import FlyingFox
import Foundation

/// A route's answer.
public struct LocalResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public init(status: Int = 200, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request as the handlers see it.
public struct LocalRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: Data
}

/// An HTTP server on 127.0.0.1 that runs until `stop()`.
public final class LocalHTTPServer: Sendable {
    public typealias Handler = @Sendable (LocalRequest) async -> LocalResponse
    let server: HTTPServer
    let task: Task<Void, any Error>
    public let port: UInt16

    public var url: String { "http://127.0.0.1:\(port)/" }

    static let phrases = [200: "OK", 204: "No Content", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found",
                          405: "Method Not Allowed"]

    init(server: HTTPServer, task: Task<Void, any Error>, port: UInt16) {
        self.server = server
        self.task = task
        self.port = port
    }

    /// Starts serving: every request goes to `handler`. Port 0 picks a free one.
    public static func start(port: UInt16 = 0, handler: @escaping Handler) async throws -> LocalHTTPServer {
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: port)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled)
        await server.appendRoute("*") { request in
            var headers: [String: String] = [:]
            for (k, v) in request.headers { headers[k.rawValue.lowercased()] = v }
            let body = (try? await request.bodyData) ?? Data()
            let answer = await handler(LocalRequest(method: request.method.rawValue, path: request.path, headers: headers, body: body))
            var out = HTTPHeaders()
            for (k, v) in answer.headers { out[HTTPHeader(k)] = v }
            return HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: Self.phrases[answer.status] ?? "Status"), headers: out, body: answer.body)
        }
        let task = Task { try await server.run() }
        do {
            try await server.waitUntilListening(timeout: 10)
        } catch {
            task.cancel()
            throw EnvironmentError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        guard case .ip4(_, let bound)? = await server.listeningAddress else {
            task.cancel()
            throw EnvironmentError("cannot learn the port the HTTP server listens on")
        }
        return LocalHTTPServer(server: server, task: task, port: bound)
    }

    public func stop() async {
        await server.stop(timeout: 1)
        task.cancel()
    }

    /// Waits until the server stops (for `crossgo serve`, until interrupted).
    public func wait() async {
        _ = try? await task.value
    }
}
