// The two stores behind `crossgo cacheprog`: a local folder (what go reads, through DiskPath) and an HTTP
// store speaking bazel-remote's HTTP cache paths: /ac/<action ID hex> holds a small JSON record (output ID,
// size, time), /cas/<SHA-256 hex of the contents> holds the output itself. Every remote object is checked
// against its key before it is used.
import Crypto
import Foundation

/// What an action ID leads to: the output's ID (the SHA-256 of its contents), its size and when it was put.
public struct CacheRecord: Sendable, Codable, Equatable {
    public var outputID: String
    public var size: Int64
    public var time: Date

    enum CodingKeys: String, CodingKey { case outputID, size, time }

    public init(outputID: String, size: Int64, time: Date) {
        self.outputID = outputID
        self.size = size
        self.time = time
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        outputID = try c.decode(String.self, forKey: .outputID)
        size = try c.decode(Int64.self, forKey: .size)
        guard let t = CacheTime.parse(try c.decode(String.self, forKey: .time)) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "not an RFC 3339 time")
        }
        time = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(outputID, forKey: .outputID)
        try c.encode(size, forKey: .size)
        try c.encode(CacheTime.format(time), forKey: .time)
    }

    var data: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// A record read from a store, or nil when it is not one (a valid output ID is 64 lowercase hex digits).
    static func parse(_ data: Data) -> CacheRecord? {
        guard let r = try? JSONDecoder().decode(CacheRecord.self, from: data), isHexKey(r.outputID), r.size >= 0 else { return nil }
        return r
    }
}

func isHexKey(_ text: String) -> Bool {
    text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
}

/// The local folder: `ac/<action hex>` records and `cas/<output hex>` contents; DiskPath is the cas file.
/// Files are written under a temp name and renamed, so a reader never sees half a file.
public struct LocalCacheStore: Sendable {
    public var directory: String
    /// Where the folder's files are read and written.
    public var system: any HostSystem

    public init(directory: String, system: any HostSystem = liveSystem()) throws {
        self.directory = directory
        self.system = system
        for sub in ["ac", "cas", "tmp"] {
            try system.createDirectory(directory + "/" + sub)
        }
    }

    public func contentPath(_ outputHex: String) -> String { directory + "/cas/" + outputHex }
    func recordPath(_ actionHex: String) -> String { directory + "/ac/" + actionHex }

    /// The record for an action, when it and its contents (of the recorded size) are here.
    func lookup(_ actionHex: String) -> CacheRecord? {
        guard let data = system.readData(recordPath(actionHex)), let record = CacheRecord.parse(data),
              hasContent(record.outputID, size: record.size) else { return nil }
        return record
    }

    func hasContent(_ outputHex: String, size: Int64) -> Bool {
        guard let attributes = system.itemAttributes(contentPath(outputHex)) else { return false }
        return Int64(attributes.size) == size
    }

    func storeContent(_ outputHex: String, _ data: Data) throws {
        if hasContent(outputHex, size: Int64(data.count)) { return }
        try writeAtomically(data, to: contentPath(outputHex))
    }

    func storeRecord(_ actionHex: String, _ record: CacheRecord) throws {
        try writeAtomically(record.data, to: recordPath(actionHex))
    }

    /// Written under a name of its own in tmp/ (two cacheprog processes may put the same output at once), then renamed.
    private func writeAtomically(_ data: Data, to path: String) throws {
        let temp = directory + "/tmp/" + UUID().uuidString
        do {
            try system.writeData(data, to: temp)
            try system.moveItem(temp, to: path)
        } catch {
            try? system.removeItem(temp)
            throw error
        }
    }
}

/// Counts of what one cacheprog process did; printed with --stats, appended as a JSON line to
/// CROSSGO_CACHEPROG_STATS.
public struct CacheStats: Sendable, Codable, Equatable {
    public var gets = 0
    public var hits = 0
    public var localHits = 0
    public var remoteHits = 0
    public var misses = 0
    public var puts = 0
    public var uploads = 0
    public var uploadsSkipped = 0
    public var corrupt = 0
    public var remoteErrors = 0

    public init() {}

    public static func + (a: CacheStats, b: CacheStats) -> CacheStats {
        var s = a
        s.gets += b.gets; s.hits += b.hits; s.localHits += b.localHits; s.remoteHits += b.remoteHits; s.misses += b.misses
        s.puts += b.puts; s.uploads += b.uploads; s.uploadsSkipped += b.uploadsSkipped; s.corrupt += b.corrupt
        s.remoteErrors += b.remoteErrors
        return s
    }

    /// Reads a CROSSGO_CACHEPROG_STATS file (one JSON object per cacheprog process) and adds the lines up.
    public static func total(ofFile path: String) -> CacheStats? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(CacheStats.self, from: Data($0.utf8)) }
        return lines.isEmpty ? nil : lines.reduce(CacheStats(), +)
    }

    public var summary: String {
        "gets \(gets), hits \(hits) (local \(localHits), remote \(remoteHits)), misses \(misses), puts \(puts), "
            + "uploads \(uploads) (skipped \(uploadsSkipped)), corrupt \(corrupt), remote errors \(remoteErrors)"
    }
}

/// Warnings printed once: once per process, and once per crossgo run when the processes share a run folder
/// (crossgo build/test give every go command they start the same one through CROSSGO_CACHEPROG_RUN).
public final class CacheWarnings: @unchecked Sendable {
    private let lock = NSLock()
    private var said: Set<String> = []
    private let runDirectory: String?
    private let system: any HostSystem
    private let printer: @Sendable (String) -> Void

    public init(runDirectory: String?, system: any HostSystem = liveSystem(), printer: @escaping @Sendable (String) -> Void) {
        self.runDirectory = runDirectory
        self.system = system
        self.printer = printer
    }

    /// Prints `message` unless a warning of this kind was printed already in this process or run.
    func warn(_ kind: String, _ message: String) {
        guard lock.withLock({ said.insert(kind).inserted }) else { return }
        if let runDirectory {
            let fd = open(runDirectory + "/warned-" + kind, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            guard fd >= 0 else { return }
            close(fd)
            // crossgo reports the run's warnings itself (go's stderr is only shown when a build fails).
            if appendLine(message, to: runDirectory + "/" + RemoteCacheLaunch.warningsFile) { return }
        }
        printer(message)
    }

    /// Prints a message that is not a warning (the --stats summary).
    func say(_ message: String) { printer(message) }

    /// Whether another process of this run found the remote down (then this one does not try it).
    var remoteKnownDown: Bool {
        guard let runDirectory else { return false }
        return system.fileExists(runDirectory + "/warned-down")
    }
}

/// Appends one line to a file (O_APPEND: lines from several processes do not mix); false when it cannot.
func appendLine(_ line: String, to path: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let data = Data((line + "\n").utf8)
    return data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == data.count
}

/// Limits and credentials for the HTTP store.
public struct RemoteCacheSettings: Sendable {
    public var url: URL
    /// Sent as `Authorization: Bearer <token>`; never printed.
    public var token: String?
    /// Bound on the first contact with the server (a server that does not answer in time counts as down).
    public var connectTimeout: TimeInterval = 2
    /// Bound on each request without progress.
    public var requestTimeout: TimeInterval = 10
    /// Bound on a whole upload or download.
    public var transferTimeout: TimeInterval = 60
    /// Objects larger than this are not uploaded.
    public var maxUploadBytes: Int64 = 100 << 20

    public init(url: URL, token: String? = nil) {
        self.url = url
        self.token = token
    }

    /// The URL for messages: no user or password.
    public var displayURL: String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        c.user = nil
        c.password = nil
        return c.string ?? url.absoluteString
    }
}

/// What a remote request came to.
enum RemoteResult: Sendable {
    case found(Data)
    case missing
    /// The server could not be used (down, slow, refused): the message says why, without credentials.
    case failed(String)
}

/// The HTTP store (bazel-remote's HTTP cache paths; nginx WebDAV with PUT works too).
final class RemoteCacheStore: @unchecked Sendable {
    let settings: RemoteCacheSettings
    private let lock = NSLock()
    private var probe: Task<String?, Never>?

    init(settings: RemoteCacheSettings) {
        self.settings = settings
    }

    /// Nothing to release: every request ends by its deadline, and the shared client (HTTP) keeps its
    /// connections open for the rest of the process.
    func invalidate() {}

    /// One request through the shared client (kept-open connections, at most HTTP.connectionsPerHost):
    /// `timeout` bounds the whole request, the request timeout each wait for bytes.
    private func send(_ path: String, method: String, body: Data? = nil, timeout: TimeInterval) async throws -> HTTPReply {
        var headers: [(String, String)] = []
        if let token = settings.token, !token.isEmpty { headers.append(("Authorization", "Bearer " + token)) }
        if body != nil { headers.append(("Content-Type", "application/octet-stream")) }
        return try await HTTP.send(method, settings.url.appendingPathComponent(path), headers: headers, body: body,
                                   stallTimeout: settings.requestTimeout, deadline: timeout)
    }

    /// The first contact, once per process, bounded by the connect timeout: nil when the server answered
    /// (any HTTP status), else why it could not be reached.
    func reachability() async -> String? {
        let task: Task<String?, Never> = lock.withLock {
            if let probe { return probe }
            let t = Task { () -> String? in
                let path = "ac/" + String(repeating: "0", count: 64)
                switch await self.attempt("GET", path, timeout: self.settings.connectTimeout, {
                    try await self.send(path, method: "GET", timeout: self.settings.connectTimeout)
                }) {
                case .success: return nil
                case .failure(let why): return why.message
                }
            }
            probe = t
            return t
        }
        return await task.value
    }

    func get(_ path: String) async -> RemoteResult {
        switch await attempt("GET", path, timeout: settings.requestTimeout, { try await self.send(path, method: "GET", timeout: self.settings.transferTimeout) }) {
        case .failure(let why): return .failed(why.message)
        case .success(let reply):
            switch reply.status {
            case 200: return .found(reply.body)
            case 404: return .missing
            default: return .failed("answered HTTP \(reply.status) to GET /\(path)")
            }
        }
    }

    /// Stores `data` at `path`; nil when the server took it, else why not.
    func put(_ path: String, _ data: Data) async -> String? {
        switch await attempt("PUT", path, timeout: settings.requestTimeout, { try await self.send(path, method: "PUT", body: data, timeout: self.settings.transferTimeout) }) {
        case .failure(let why): return why.message
        case .success(let reply):
            return (200..<300).contains(reply.status) ? nil : "answered HTTP \(reply.status) to PUT /\(path)"
        }
    }

    /// Attempts at one request: a dropped connection or a 502/503/504 is tried again (a connection a server or
    /// proxy closed, a restart), up to `attempts` times in all; other errors are final at once.
    static let attempts = 3

    struct RequestFailure: Error { var message: String }

    /// Runs `send` (one request) with the retries above; the failure names the request and the attempts made.
    func attempt(_ method: String, _ path: String, timeout: TimeInterval,
                 _ send: @Sendable () async throws -> HTTPReply) async -> Result<HTTPReply, RequestFailure> {
        var made = 0
        while true {
            made += 1
            do {
                let reply = try await send()
                guard [502, 503, 504].contains(reply.status), made < Self.attempts else { return .success(reply) }
            } catch {
                guard HTTP.failure(error) == .dropped, made < Self.attempts, !Task.isCancelled else {
                    let request = "\(method) /\(path)"
                    return .failure(RequestFailure(message: Self.describe(error, timeout: timeout)
                        + (made > 1 ? " (\(request), \(made) attempts)" : " (\(request))")))
                }
            }
            try? await Task.sleep(for: .milliseconds(100 * made))
        }
    }

    static func describe(_ error: any Error, timeout: TimeInterval) -> String {
        switch HTTP.failure(error) {
        case .timedOut: return "did not answer within \(Int(timeout)) s"
        case .refused: return "refused the connection"
        case .unknownHost: return "cannot be found"
        case .dropped: return "dropped the connection"
        case .other(let why): return "cannot be reached (\(why))"
        }
    }
}
