// `crossgo build --remote-cache` with a real nginx (WebDAV) on 127.0.0.1 and the real go: machine A builds
// cold and fills the remote; machine B (empty caches) builds the same from it; a corrupted object is refused and
// rebuilt; a stopped server costs one warning and nothing else. One nginx and one cold build serve the suite.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// One "machine": its own Go build cache, crossgo cache (the cacheprog folder) and stats file.
struct CacheMachine {
    let home: TempFolder
    init(_ name: String) throws { home = try TempFolder("machine-" + name) }

    var environment: EnvironmentChanges {
        ["GOCACHE": home.path + "/gocache", "CROSSGO_CACHE": home.path + "/crossgo", "CROSSGO_CACHEPROG_STATS": home.path + "/stats.jsonl"]
    }
    var localCache: String { home.path + "/crossgo/gocacheprog" }
    var dist: String { home.path + "/dist" }
    var stats: CacheStats? { CacheStats.total(ofFile: home.path + "/stats.jsonl") }

    static let targets = "linux/riscv64,js/wasm"

    /// `crossgo build` of the module for the two targets into this machine's dist, through `url`.
    func build(_ module: String, url: String) async throws -> ProgramResult {
        try await runCrossgo(["build", "--no-progress", "--target", Self.targets, "--out", dist, "--remote-cache", url], in: module, environment: environment)
    }

    /// Artifact path -> SHA-256, from the manifest.
    func digests() throws -> [String: String] {
        let manifest = try JSONDecoder().decode(BuildManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/manifest.json")))
        return Dictionary(uniqueKeysWithValues: manifest.artifacts.map { ($0.path, $0.sha256) })
    }
}

/// The shared nginx and the builds every test starts from (made once, on first use).
actor RemoteCacheFixture {
    static let shared = RemoteCacheFixture()

    struct Cold: Sendable {
        let server: NginxServer
        let module: TempFolder
        let machineA: CacheMachine
        let result: ProgramResult
        let digests: [String: String]
    }

    private var cold: Task<Cold, any Error>?
    private var warm: Task<(CacheMachine, ProgramResult), any Error>?
    private var users = 5

    /// nginx started, machine A's cold build done.
    func coldBuild() async throws -> Cold {
        if cold == nil {
            cold = Task {
                let server = try await NginxServer()
                let module = try copyExample("hello")
                let a = try CacheMachine("a")
                let result = try await a.build(module.path, url: server.url)
                return Cold(server: server, module: module, machineA: a, result: result, digests: (try? a.digests()) ?? [:])
            }
        }
        return try await cold!.value
    }

    /// Machine B: empty caches, same remote, after A.
    func warmBuild() async throws -> (CacheMachine, ProgramResult) {
        let c = try await coldBuild()
        if warm == nil {
            warm = Task {
                let b = try CacheMachine("b")
                return (b, try await b.build(c.module.path, url: c.server.url))
            }
        }
        return try await warm!.value
    }

    /// Each test says when it is done; the last one stops nginx and removes the folders.
    func done() async {
        users -= 1
        guard users == 0 else { return }
        if let c = try? await cold?.value {
            c.server.stop()
            c.module.cleanup()
            c.machineA.home.cleanup()
        }
        if let (b, _) = try? await warm?.value { b.home.cleanup() }
    }
}

/// Runs a test's body on the shared fixture, then counts the test done (thrown or not).
func usingRemoteCache(_ body: (RemoteCacheFixture.Cold, CacheMachine) async throws -> Void) async throws {
    do {
        let cold = try await RemoteCacheFixture.shared.coldBuild()
        let (b, _) = try await RemoteCacheFixture.shared.warmBuild()
        try await body(cold, b)
    } catch {
        await RemoteCacheFixture.shared.done()
        throw error
    }
    await RemoteCacheFixture.shared.done()
}


/// A proxy in front of the shared nginx that drops connections without an answer (a dropped connection, as a
/// load balancer or a restarting server gives): `first` drops the first attempt at every third path it sees,
/// `all` every request but the first. Each request gets its own upstream connection; drops are counted in a file.
struct DroppingProxy {
    static let script = #"""
import socket, sys, threading
listen, upstream, policy, counter = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
seen, dropped, number = {}, 0, 0
def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk: return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length": length = int(v.strip())
    while len(body) < length:
        chunk = c.recv(65536)
        if not chunk: return None
        body += chunk
    kept = [l for l in lines[1:] if l.split(b":")[0].strip().lower() != b"connection"]
    return lines[0], b"\r\n".join([lines[0]] + kept + [b"Connection: close"]) + b"\r\n\r\n" + body
def serve(c):
    global dropped, number
    with c:
        while True:
            got = read_request(c)
            if got is None: return
            line, request = got
            with lock:
                number += 1
                key = line.split(b" ")[1]
                count = seen.get(key, 0)
                seen[key] = count + 1
                drop = (policy == "all" and number > 1) or (policy == "first" and count == 0 and len(seen) % 3 == 0)
                if drop:
                    dropped += 1
                    open(counter, "w").write(str(dropped))
            if drop:
                c.shutdown(socket.SHUT_RDWR)
                return
            u = socket.create_connection(("127.0.0.1", upstream))
            u.sendall(request)
            response = b""
            while True:
                chunk = u.recv(65536)
                if not chunk: break
                response += chunk
            u.close()
            c.sendall(response)
            c.shutdown(socket.SHUT_RDWR)
            return
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", listen))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""#

    let folder: TempFolder
    let port: Int
    let process: Process
    var url: String { "http://127.0.0.1:\(port)" }
    var drops: Int { Int((try? String(contentsOfFile: folder.path + "/drops", encoding: .utf8)) ?? "") ?? 0 }

    init(upstream: Int, policy: String) async throws {
        folder = try TempFolder("crossgo-proxy")
        let script = try folder.write("proxy.py", Self.script)
        port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), String(upstream), policy, folder.path + "/drops"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where !canConnect(port: port) { try await Task.sleep(for: .milliseconds(50)) }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        folder.cleanup()
    }
}

@Suite(.serialized, .requires("nginx")) struct RemoteCacheTests {
    @Test(.requires("python3")) func aDroppedConnectionIsRetriedAndAPersistentOneIsNamed() async throws {
        try await usingRemoteCache { cold, _ in
            // Machine F, empty caches, behind a proxy that drops the first attempt at every third object.
            let flaky = try await DroppingProxy(upstream: cold.server.port, policy: "first")
            defer { flaky.stop() }
            let f = try CacheMachine("f")
            defer { f.home.cleanup() }
            let result = try await f.build(cold.module.path, url: flaky.url)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(flaky.drops > 0)
            #expect(!result.stderr.contains("warning"), "one dropped connection does not turn the remote off: \(result.stderr)")
            #expect(try f.digests() == cold.digests)
            let s = try #require(f.stats)
            #expect(s.remoteErrors == 0 && s.remoteHits > 0, "\(s.summary)")

            // Every request after the first dropped: one warning naming the request that failed and the attempts.
            let dead = try await DroppingProxy(upstream: cold.server.port, policy: "all")
            defer { dead.stop() }
            let g = try CacheMachine("g")
            defer { g.home.cleanup() }
            let down = try await g.build(cold.module.path, url: dead.url)
            #expect(down.exitCode == 0, "\(down.stderr)")
            let warnings = down.stderr.split(separator: "\n").filter { $0.contains("warning") }
            #expect(warnings.count == 1, "\(down.stderr)")
            let warning = String(warnings.first ?? "")
            #expect(warning.contains("the remote cache \(dead.url) dropped the connection"), "\(warning)")
            #expect(warning.contains("GET /ac/") && warning.contains("3 attempts"), "\(warning)")
            #expect(!warning.contains("URLError"), "\(warning)")
            #expect(try g.digests() == cold.digests)
        }
    }


    @Test func aFreshMachineBuildsFromTheRemoteWithIdenticalArtifacts() async throws {
        try await usingRemoteCache { cold, b in
            let warm = try await RemoteCacheFixture.shared.warmBuild().1
            #expect(cold.result.exitCode == 0, "\(cold.result.stderr)")
            #expect(cold.digests.count == 2, "\(cold.digests)")
            let a = try #require(cold.machineA.stats)
            // A builds cold (its two go commands may share an object or two through the remote as they run).
            #expect(a.misses > 100 && a.puts > 100 && a.uploads > 100 && a.corrupt == 0 && a.remoteErrors == 0, "\(a.summary)")
            // The remote holds bazel-remote's layout: /ac/<64 hex>, /cas/<SHA-256 of the file>.
            let cas = filesUnder(cold.server.root + "/cas")
            let ac = filesUnder(cold.server.root + "/ac").count
            #expect(cas.count > 100 && ac > 100 && ac <= a.uploads, "\(cas.count) cas, \(ac) ac")
            for name in cas.prefix(20) {
                #expect(try Builder.sha256(path: cold.server.root + "/cas/" + name).1 == name)
            }

            #expect(warm.exitCode == 0, "\(warm.stderr)")
            #expect(try b.digests() == cold.digests)
            let s = try #require(b.stats)
            #expect(s.gets > 100 && Double(s.hits) >= 0.95 * Double(s.gets), "\(s.summary)")
            #expect(s.remoteHits >= s.hits - s.localHits && s.remoteHits > 100 && s.corrupt == 0 && s.remoteErrors == 0, "\(s.summary)")
            #expect(!warm.stderr.contains("warning"), "\(warm.stderr)")
        }
    }

    @Test func aCorruptedObjectIsRefusedAndRebuilt() async throws {
        try await usingRemoteCache { cold, b in
            // An object a fresh machine certainly fetches (B fetched it): the smallest non-empty one B holds.
            let fetched = Set(filesUnder(b.localCache + "/cas"))
            var sizes: [(name: String, size: Int)] = []
            for name in filesUnder(cold.server.root + "/cas") where fetched.contains(name) {
                let attributes = try FileManager.default.attributesOfItem(atPath: cold.server.root + "/cas/" + name)
                let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
                if size > 0 { sizes.append((name, size)) }
            }
            let victim = try #require(sizes.min { $0.size < $1.size }?.name)
            let path = cold.server.root + "/cas/" + victim
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            try Data(repeating: 0x5a, count: original.count).write(to: URL(fileURLWithPath: path))

            let c = try CacheMachine("c")
            defer { c.home.cleanup() }
            let result = try await c.build(cold.module.path, url: cold.server.url)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(try c.digests() == cold.digests)
            let s = try #require(c.stats)
            #expect(s.corrupt >= 1 && s.remoteHits > 100, "\(s.summary)")
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning") }
            #expect(warnings.count == 1 && warnings[0].contains("/cas/\(victim) does not match its SHA-256"), "\(result.stderr)")
            // go rebuilt it and the upload put the right contents back.
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        }
    }

    @Test func aStoppedServerCostsOneWarningAndNothingElse() async throws {
        try await usingRemoteCache { cold, b in
            // A second nginx, killed: nothing listens on its port any more.
            let stopped = try await NginxServer()
            stopped.stop()
            // Machine D holds B's local cache minus some records, so go asks the (dead) remote for those.
            let d = try CacheMachine("d")
            defer { d.home.cleanup() }
            try FileManager.default.createDirectory(atPath: d.home.path + "/crossgo", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: b.localCache, toPath: d.localCache)
            for name in filesUnder(d.localCache + "/ac").prefix(15) { try FileManager.default.removeItem(atPath: d.localCache + "/ac/" + name) }

            let result = try await d.build(cold.module.path, url: stopped.url)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(try d.digests() == cold.digests)
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning") }
            #expect(warnings.count == 1, "\(result.stderr)")
            #expect(warnings.first?.contains("the remote cache \(stopped.url) refused the connection (GET /") == true
                && warnings.first?.hasSuffix("); using the local cache only for this run") == true, "\(result.stderr)")
            let s = try #require(d.stats)
            #expect(s.remoteErrors >= 1 && s.misses >= 1 && s.remoteHits == 0, "\(s.summary)")
        }
    }

    @Test(.requires("node")) func crossgoTestBuildsThroughTheRemoteCacheToo() async throws {
        try await usingRemoteCache { cold, b in
            // Machine E starts from B's cacheprog folder (js/wasm's standard library is there); go test -c and
            // go list -export go through cacheprog and what they add reaches the remote.
            let module = try copyFixture("testmatrix")
            defer { module.cleanup() }
            let e = try CacheMachine("e")
            defer { e.home.cleanup() }
            try FileManager.default.createDirectory(atPath: e.home.path + "/crossgo", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: b.localCache, toPath: e.localCache)
            let before = filesUnder(cold.server.root + "/ac").count
            let result = try await runCrossgo(["test", "./calc", "--no-progress", "--target", "js/wasm", "--remote-cache", cold.server.url],
                                              in: module.path, environment: e.environment)
            #expect(result.exitCode == 0, "\(result.stderr)")
            let s = try #require(e.stats)
            #expect(s.gets > 50 && s.localHits > 50 && s.puts > 0 && s.uploads > 0 && s.remoteErrors == 0, "\(s.summary)")
            #expect(filesUnder(cold.server.root + "/ac").count > before)
        }
    }

    @Test func aRemoteCacheThatIsNotHTTPIsAUsageError() async throws {
        for command in ["build", "test"] {
            let result = try await runCrossgo([command, "--remote-cache", "ftp://cache.example/x"], in: repositoryRoot + "/Examples/hello")
            #expect(result.exitCode == 2, "\(result.stderr)")
            #expect(result.stderr == "crossgo: error: --remote-cache 'ftp://cache.example/x' is not an http:// or https:// URL\n", "\(result.stderr)")
        }
        // Under --json, an error found before the session starts (a bad --remote-cache, a bad --shard, a bad flag value)
        // is the same one error event as a session's, on stdout, with the exit table's status.
        for (arguments, message) in [(["build", "--remote-cache", "ftp://cache.example/x"], "--remote-cache 'ftp://cache.example/x' is not an http:// or https:// URL"),
                                     (["release", "--remote-cache", "ftp://cache.example/x"], "--remote-cache 'ftp://cache.example/x' is not an http:// or https:// URL"),
                                     (["test", "--shard", "3/2"], "--shard '3/2': expected K/N with 1 <= K <= N <= 256, e.g. --shard 2/3"),
                                     (["build", "--jobs", "0"], "--jobs must be a positive whole number (1 or more), not 0")] {
            let result = try await runCrossgo(arguments + ["--json"], in: repositoryRoot + "/Examples/hello")
            #expect(result.exitCode == 2, "\(arguments): \(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            let event = try #require(lines.count == 1 ? try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any] : nil, "\(arguments): \(result.stdout)")
            #expect(event["event"] as? String == "error" && event["command"] as? String == arguments[0] && event["exitCode"] as? Int == 2 && event["status"] as? String == "usage-error"
                    && (event["message"] as? String)?.contains(message) == true, "\(event)")
        }
    }
}
