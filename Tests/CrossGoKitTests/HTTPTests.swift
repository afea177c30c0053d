// The HTTP seam (async-http-client) against a real nginx: kept-open connections, a bounded pool, redirects,
// and the failures callers turn into messages.
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct HTTPTests {
    /// nginx names the connection each answer came on (`$connection`: its serial number).
    static let rules = "add_header X-Connection $connection always; rewrite ^/moved/(.*)$ /$1 permanent;"

    @Test(.requires("nginx")) func keepsConnectionsOpenInABoundedPoolAndFollowsRedirects() async throws {
        let server = try await NginxServer(locationRules: Self.rules)
        defer { server.stop() }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: server.root + "/object"))
        let url = URL(string: server.url + "/object")!
        func connection(_ reply: HTTPReply) -> String { reply.headers["x-connection"] ?? "none" }

        // One after another: every request on the first connection.
        var sequential: Set<String> = []
        for _ in 0..<20 {
            let reply = try await HTTP.send("GET", url, stallTimeout: 10, deadline: 30)
            #expect(reply.status == 200 && reply.body == Data("hello".utf8))
            sequential.insert(connection(reply))
        }
        #expect(sequential.count == 1 && !sequential.contains("none"), "\(sequential)")

        // Many at once: never more connections than the pool's bound.
        let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { connection(try await HTTP.send("GET", url, stallTimeout: 10, deadline: 30)) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(!concurrent.isEmpty && concurrent.count <= HTTP.connectionsPerHost + sequential.count, "\(concurrent)")

        // A permanent redirect is followed; a missing file is an answer (404), not a failure.
        let moved = try await HTTP.send("GET", URL(string: server.url + "/moved/object")!, stallTimeout: 10, deadline: 30)
        #expect(moved.status == 200 && moved.body == Data("hello".utf8))
        let missing = try await HTTP.send("GET", URL(string: server.url + "/nothing")!, stallTimeout: 10, deadline: 30)
        #expect(missing.status == 404)

        // PUT with a body, read back.
        let put = try await HTTP.send("PUT", URL(string: server.url + "/dir/put")!, body: Data("stored".utf8), stallTimeout: 10, deadline: 30)
        #expect((200..<300).contains(put.status))
        #expect(FileManager.default.contents(atPath: server.root + "/dir/put") == Data("stored".utf8))

        // Nothing listens: a refused connection, said so at once.
        do {
            _ = try await HTTP.send("GET", URL(string: "http://127.0.0.1:\(try freePort())/object")!, stallTimeout: 10, deadline: 30)
            Issue.record("a stopped server answered")
        } catch {
            #expect(error as? HTTPFailure == .refused, "\(error)")
        }
    }
}
