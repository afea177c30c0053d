// The GOCACHEPROG protocol in-process, from a scripted stdin: capabilities first, put bodies, unknown
// commands, out-of-order answers, close; and a remote that accepts connections but never answers.
import CrossGoKit
import Crypto
import Foundation
import TestSupport
import Testing

@Suite struct CacheProgramTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    /// Runs one cacheprog session over `script` (the bytes go would write) and returns what it answered.
    static func serve(_ script: String, options: CacheProgramOptions, folder: TempFolder) async throws -> ([CacheResponse], [String], CacheStats) {
        let path = try folder.write("script-\(UUID().uuidString.prefix(6))", script)
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let warnings = Lines()
        let program = try CacheProgram(options: options) { warnings.add($0) }
        let sink = CapturingResponseSink()
        await program.serve(input: FileLineSource(fd: fd), output: sink)
        return (sink.responses, warnings.all, program.stats)
    }

    static func id(_ text: String) -> Data { Data(SHA256.hash(data: Data(text.utf8))) }

    @Test func putsGetsUnknownCommandsAndClose() async throws {
        let folder = try TempFolder("cacheprog-unit")
        defer { folder.cleanup() }
        let options = CacheProgramOptions(directory: folder.path + "/local")
        let body = Data((0..<5000).map { UInt8($0 % 251) })
        let outputID = Data(SHA256.hash(data: body))
        let empty = Data(SHA256.hash(data: Data()))
        let put = CacheRequest(id: 1, command: "put", actionID: Self.id("action-a"), outputID: outputID, body: body).wireLines
            + CacheRequest(id: 2, command: "put", actionID: Self.id("action-empty"), outputID: empty, body: Data()).wireLines
            + CacheRequest(id: 3, command: "frobnicate").wireLines
            + CacheRequest(id: 4, command: "close").wireLines
        let (first, warnings, stats) = try await Self.serve(put, options: options, folder: folder)
        #expect(first.first?.id == 0 && first.first?.knownCommands == ["get", "put", "close"])
        #expect(first.last?.id == 4 && first.last?.err == nil, "close is answered last")
        let byID = Dictionary(first.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let putPath = try #require(byID[1]?.diskPath)
        #expect(byID[1]?.err == nil && FileManager.default.contents(atPath: putPath) == body)
        #expect(byID[2]?.err == nil && FileManager.default.contents(atPath: byID[2]?.diskPath ?? "/nonexistent") == Data())
        #expect(byID[3]?.err?.contains("unknown command \"frobnicate\"") == true)
        #expect(warnings.isEmpty && stats.puts == 2)

        // A second process reads what the first stored; an action never put is a miss.
        let get = CacheRequest(id: 7, command: "get", actionID: Self.id("action-a")).wireLines
            + CacheRequest(id: 8, command: "get", actionID: Self.id("never-put")).wireLines
            + CacheRequest(id: 9, command: "get", actionID: Self.id("action-empty")).wireLines
            + CacheRequest(id: 10, command: "close").wireLines
        let (second, _, getStats) = try await Self.serve(get, options: options, folder: folder)
        let answers = Dictionary(second.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(answers[7]?.miss == false && answers[7]?.outputID == outputID && answers[7]?.size == 5000 && answers[7]?.time != nil)
        #expect(FileManager.default.contents(atPath: answers[7]?.diskPath ?? "/nonexistent") == body)
        #expect(answers[8]?.miss == true && answers[8]?.diskPath == nil)
        #expect(answers[9]?.miss == false && answers[9]?.outputID == empty && answers[9]?.size == 0)
        #expect(getStats.gets == 3 && getStats.hits == 2 && getStats.misses == 1)

        // The wire form: one line per answer, Go's field names, omitted empty fields, standard base64 IDs.
        let line = String(decoding: answers[7]!.line(), as: UTF8.self)
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        #expect(line.contains("\"OutputID\":\"\(outputID.base64EncodedString())\"") && !line.contains("\"Miss\""))
    }

    @Test func answersOutOfOrderAndSurvivesAServerThatNeverAnswers() async throws {
        let folder = try TempFolder("cacheprog-unit")
        defer { folder.cleanup() }
        let silent = try SilentServer()
        defer { silent.stop() }
        var options = CacheProgramOptions(directory: folder.path + "/local")
        let body = Data("object".utf8)
        let store = CacheRequest(id: 1, command: "put", actionID: Self.id("local"), outputID: Data(SHA256.hash(data: body)), body: body).wireLines
            + CacheRequest(id: 2, command: "close").wireLines
        _ = try await Self.serve(store, options: options, folder: folder)

        var remote = RemoteCacheSettings(url: URL(string: silent.url)!, token: "s3cret-token")
        remote.connectTimeout = 1
        remote.requestTimeout = 1
        options.remote = remote
        // Request 5 needs the (hung) remote; request 6 is in the local folder: 6 is answered first.
        let script = CacheRequest(id: 5, command: "get", actionID: Self.id("remote-only")).wireLines
            + CacheRequest(id: 6, command: "get", actionID: Self.id("local")).wireLines
            + CacheRequest(id: 11, command: "get", actionID: Self.id("also-remote")).wireLines
            + CacheRequest(id: 12, command: "close").wireLines
        let (responses, warnings, stats) = try await Self.serve(script, options: options, folder: folder)
        #expect(responses.map(\.id) == [0, 6, 5, 11, 12] || responses.map(\.id) == [0, 6, 11, 5, 12], "\(responses.map(\.id))")
        #expect(responses.first { $0.id == 6 }?.miss == false)
        #expect(responses.first { $0.id == 5 }?.miss == true && responses.first { $0.id == 11 }?.miss == true)
        #expect(warnings.count == 1 && warnings[0].contains(silent.url) && warnings[0].contains("did not answer"), "\(warnings)")
        #expect(!warnings.joined().contains("s3cret"))
        #expect(stats.remoteErrors >= 1 && stats.localHits == 1)
    }

    @Test func bodyLinesAndRecords() throws {
        let request = CacheRequest(id: 3, command: "put", actionID: Data([1, 2]), outputID: Data([3]), body: Data("hi".utf8))
        let lines = request.wireLines.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[1].isEmpty && lines[2] == "\"aGk=\"")
        let decoded = try JSONDecoder().decode(CacheRequest.self, from: Data(lines[0].utf8))
        #expect(decoded.id == 3 && decoded.actionID == Data([1, 2]) && decoded.bodySize == 2 && decoded.command == "put")
        #expect(RemoteCacheLaunch.parseURL("ftp://cache.example") == nil && RemoteCacheLaunch.parseURL("https://cache.example/prefix") != nil)
        #expect(RemoteCacheLaunch.parseURL("not a url") == nil)
        let launch = try RemoteCacheLaunch(url: "http://127.0.0.1:9/c", executable: "/opt/my tools/crossgo")
        defer { launch.cleanup() }
        #expect(launch.environment["GOCACHEPROG"] == "'/opt/my tools/crossgo' cacheprog --url http://127.0.0.1:9/c")
        #expect(FileManager.default.fileExists(atPath: launch.environment["CROSSGO_CACHEPROG_RUN"] ?? "/nonexistent"))
    }

    @Test(.requires("nginx")) func sendsTheBearerTokenAndNeverPrintsIt() async throws {
        let folder = try TempFolder("cacheprog-unit")
        defer { folder.cleanup() }
        let server = try await NginxServer(locationRules: "if ($http_authorization != \"Bearer right-token\") { return 401; }")
        defer { server.stop() }
        let body = Data("shared object".utf8)
        let outputID = Data(SHA256.hash(data: body))
        let put = CacheRequest(id: 1, command: "put", actionID: Self.id("shared"), outputID: outputID, body: body).wireLines
            + CacheRequest(id: 2, command: "close").wireLines
        let get = CacheRequest(id: 1, command: "get", actionID: Self.id("shared")).wireLines + CacheRequest(id: 2, command: "close").wireLines
        func options(_ name: String, token: String) -> CacheProgramOptions {
            var o = CacheProgramOptions(directory: folder.path + "/" + name)
            o.remote = RemoteCacheSettings(url: URL(string: server.url)!, token: token)
            return o
        }

        // A wrong token: the upload is refused (one warning naming the status, not the token), the put still works locally.
        let (_, refused, refusedStats) = try await Self.serve(put, options: options("wrong", token: "wrong-token"), folder: folder)
        #expect(refused.count == 1 && refused[0].contains("answered HTTP 401 to PUT") && !refused[0].contains("wrong-token"), "\(refused)")
        #expect(refusedStats.uploads == 0 && refusedStats.puts == 1 && filesUnder(server.root).isEmpty)

        // The right token: uploaded; another machine gets it from the server.
        let (_, quiet, stored) = try await Self.serve(put, options: options("writer", token: "right-token"), folder: folder)
        #expect(quiet.isEmpty && stored.uploads == 1, "\(quiet) \(stored.summary)")
        #expect(FileManager.default.contents(atPath: server.root + "/cas/" + outputID.map { String(format: "%02x", $0) }.joined()) == body)
        let (answers, _, readStats) = try await Self.serve(get, options: options("reader", token: "right-token"), folder: folder)
        let hit = try #require(answers.first { $0.id == 1 })
        #expect(hit.miss == false && hit.outputID == outputID && readStats.remoteHits == 1)
        #expect(FileManager.default.contents(atPath: hit.diskPath ?? "/nonexistent") == body)
    }
}
