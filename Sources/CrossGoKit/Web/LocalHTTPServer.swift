// LocalHTTPServer: crossgo's one HTTP server, on 127.0.0.1 at a given or ephemeral port, for the browser runner's
// page and for `crossgo serve`. It runs on SwiftNIO's HTTP/1.1 codec, the stack the HTTP client already links
// (FlyingFox, the server it replaced, brings Foundation's URLSession and with it libcurl into every start).
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

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

/// A request as the handlers see it: the method, the request target as sent (path and query, not decoded), the
/// headers with lower-case names, and the body.
public struct LocalRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: Data
}

/// An HTTP/1.1 server on 127.0.0.1 that runs until `stop()`. Keep-alive and pipelined requests are answered in order
/// (NIO's pipelining assistance); a HEAD request gets the handler's headers and Content-Length without the body
/// (NIO's encoder drops it), so handlers answer HEAD as GET.
public final class LocalHTTPServer: Sendable {
    public typealias Handler = @Sendable (LocalRequest) async -> LocalResponse
    let channel: any Channel
    let connections: Connections
    public let port: UInt16

    public var url: String { "http://127.0.0.1:\(port)/" }

    init(channel: any Channel, connections: Connections, port: UInt16) {
        self.channel = channel
        self.connections = connections
        self.port = port
    }

    /// Starts serving: every request goes to `handler`. Port 0 picks a free one.
    public static func start(port: UInt16 = 0, handler: @escaping Handler) async throws -> LocalHTTPServer {
        let connections = Connections()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: Int(port)).get()
        } catch {
            throw EnvironmentError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        guard let bound = channel.localAddress?.port, let boundPort = UInt16(exactly: bound) else {
            try? await channel.close()
            throw EnvironmentError("cannot learn the port the HTTP server listens on")
        }
        return LocalHTTPServer(channel: channel, connections: connections, port: boundPort)
    }

    /// Stops listening and closes the open connections.
    public func stop() async {
        try? await channel.close()
        for connection in connections.all { try? await connection.close() }
    }

    /// Waits until the server stops (for `crossgo serve`, until interrupted).
    public func wait() async {
        try? await channel.closeFuture.get()
    }

    static let phrases = [200: "OK", 204: "No Content", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found",
                          405: "Method Not Allowed", 500: "Internal Server Error"]
}

/// The accepted connections still open, so that `stop()` closes them too.
final class Connections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    func add(_ channel: any Channel) { open.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
    var all: [any Channel] { open.withLock { Array($0.values) } }
}

/// Collects one request (head, body, end), asks the handler, and writes its answer with a Content-Length.
final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: LocalHTTPServer.Handler
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(handler: @escaping LocalHTTPServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            var headers: [String: String] = [:]
            for (name, value) in head.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { $0 + ", " + value } ?? value
            }
            let request = LocalRequest(method: head.method.rawValue, path: head.uri, headers: headers,
                                       body: Data(body.readableBytesView))
            let handler = handler
            let promise = context.eventLoop.makePromise(of: LocalResponse.self)
            promise.completeWithTask { await handler(request) }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { answer in
                let (this, context) = bound.value
                this.respond(answer, to: head, context: context)
            }
        }
    }

    func respond(_ answer: LocalResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let status = HTTPResponseStatus(statusCode: answer.status, reasonPhrase: LocalHTTPServer.phrases[answer.status] ?? "Status")
        var headers = HTTPHeaders()
        for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        let mayHaveBody = answer.status >= 200 && answer.status != 204 && answer.status != 304
        if mayHaveBody && !headers.contains(name: "Content-Length") {
            headers.add(name: "Content-Length", value: String(answer.body.count))
        }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        // For HEAD, NIO's response encoder sends the head only: the GET's headers and Content-Length, no body.
        if mayHaveBody && !answer.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
