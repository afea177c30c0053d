// crossgo's one HTTP client (the vulnerability database, the remote build cache): async-http-client on SwiftNIO,
// TLS through swift-nio-ssl (BoringSSL, linked in), so the binary needs no libcurl. The client and its event
// loops are made on the first request, never at start-up; connections are kept open in a bounded pool per host,
// redirects are followed.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a server answered: its status, its headers (names in lower case) and the whole body.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
}

/// Why a request got no answer.
enum HTTPFailure: Error, Equatable, CustomStringConvertible {
    /// No answer, or no progress, within the time allowed.
    case timedOut
    case refused
    /// The host name cannot be resolved.
    case unknownHost
    /// The connection was closed or reset before the answer was complete.
    case dropped
    case other(String)

    var description: String {
        switch self {
        case .timedOut: return "timed out"
        case .refused: return "connection refused"
        case .unknownHost: return "host not found"
        case .dropped: return "connection dropped"
        case .other(let text): return text
        }
    }
}

/// Sends HTTP requests through a shared client (one per stall timeout; a run normally uses one).
public enum HTTP {
    /// Open connections to one host at most (HTTP/1.1; more requests wait for a free one).
    static let connectionsPerHost = 8
    /// Redirects followed at most.
    static let maxRedirects = 5

    /// Sends one request and reads the whole answer. `stallTimeout` bounds connecting and each wait for
    /// bytes; `deadline` bounds the whole request. Throws `HTTPFailure` only.
    static func send(_ method: String, _ url: URL, headers: [(String, String)] = [], body: Data? = nil,
                     stallTimeout: TimeInterval, deadline: TimeInterval, maxBytes: Int = .max) async throws -> HTTPReply {
        var target = url
        var request = HTTPClientRequest(url: "")
        // Credentials in the URL become basic authentication; they are never part of the request line.
        if var parts = URLComponents(url: url, resolvingAgainstBaseURL: false), let user = parts.user {
            request.setBasicAuth(username: user.removingPercentEncoding ?? user,
                                 password: parts.password.map { $0.removingPercentEncoding ?? $0 } ?? "")
            parts.user = nil
            parts.password = nil
            target = parts.url ?? url
        }
        request.url = target.absoluteString
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let client = Clients.shared.client(stallTimeout: stallTimeout)
            let response = try await client.execute(request, deadline: .now() + amount(deadline))
            let bytes = try await response.body.collect(upTo: maxBytes)
            var fields: [String: String] = [:]
            for (name, value) in response.headers { fields[name.lowercased()] = value }
            return HTTPReply(status: Int(response.status.code), headers: fields, body: Data(bytes.readableBytesView))
        } catch {
            throw failure(error)
        }
    }

    /// Closes the kept-open connections and stops the event loops' use by the clients; a no-op when no
    /// request was made. For the end of the process: requests still running then fail.
    public static func shutdown() async {
        for client in Clients.shared.removeAll() { try? await client.shutdown() }
    }

    /// An error from the client, NIO or the system, as one of the failures.
    static func failure(_ error: any Error) -> HTTPFailure {
        if let failure = error as? HTTPFailure { return failure }
        if let e = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout].contains(e) { return .timedOut }
            if e == .remoteConnectionClosed { return .dropped }
            if e == .cancelled { return .other("cancelled") }
            return .other(e.shortDescription)
        }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.isEmpty, e.dnsAError != nil || e.dnsAAAAError != nil { return .unknownHost }
            let each = e.connectionErrors.map { failure($0.error) }
            return each.first { $0 == .refused } ?? each.first ?? .other("\(e)")
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return .refused
            case ECONNRESET, EPIPE: return .dropped
            case ETIMEDOUT: return .timedOut
            default: return .other(e.description)
            }
        }
        if let e = error as? ChannelError {
            if case .connectTimeout = e { return .timedOut }
            if e == .eof || e == .ioOnClosedChannel || e == .alreadyClosed { return .dropped }
        }
        if error is CancellationError { return .other("cancelled") }
        if error is NIOTooManyBytesError { return .other("the answer is too large") }
        return .other("\(error)")
    }

    static func amount(_ seconds: TimeInterval) -> TimeAmount { .milliseconds(Int64((seconds * 1000).rounded(.up))) }

    /// The clients made so far, by stall timeout in milliseconds.
    private final class Clients: @unchecked Sendable {
        static let shared = Clients()
        private let lock = NSLock()
        private var clients: [Int64: HTTPClient] = [:]

        func client(stallTimeout: TimeInterval) -> HTTPClient {
            let stall = HTTP.amount(stallTimeout)
            return lock.withLock {
                if let client = clients[stall.nanoseconds] { return client }
                var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60),
                                                                   concurrentHTTP1ConnectionsPerHostSoftLimit: HTTP.connectionsPerHost)
                // A refused connection fails its requests now, not at their deadline (callers decide what next).
                pool.retryConnectionEstablishment = false
                var configuration = HTTPClient.Configuration()
                configuration.redirectConfiguration = .follow(max: HTTP.maxRedirects, allowCycles: false)
                configuration.timeout = .init(connect: stall, read: stall, write: stall)
                configuration.connectionPool = pool
                configuration.decompression = .disabled
                let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
                clients[stall.nanoseconds] = client
                return client
            }
        }

        func removeAll() -> [HTTPClient] {
            lock.withLock {
                defer { clients = [:] }
                return Array(clients.values)
            }
        }
    }
}
