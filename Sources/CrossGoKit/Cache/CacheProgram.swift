// `crossgo cacheprog`: serves the go command's GOCACHEPROG requests from a local folder backed by an HTTP
// store. Requests are handled concurrently and answered as they finish. A get tries the local folder, then the
// remote (checking the object against its key); a put writes the local folder, answers, and uploads in the
// background. A remote that is down, slow or refusing is dropped for the rest of the run with one warning:
// the build never fails because of it. `close` waits (bounded) for pending uploads, answers, and ends.
import Foundation

/// How `crossgo cacheprog` was started.
public struct CacheProgramOptions: Sendable {
    /// The local folder (default: crossgo's cache folder, `gocacheprog`).
    public var directory: String
    /// The HTTP store; nil: the local folder only.
    public var remote: RemoteCacheSettings?
    /// Shared by the cacheprog processes of one crossgo run (one warning per run): CROSSGO_CACHEPROG_RUN.
    public var runDirectory: String?
    /// How long `close` (or the end of input) waits for pending uploads.
    public var closeTimeout: TimeInterval = 30
    /// Print the counts on stderr at the end.
    public var printStats = false
    /// Append the counts as one JSON line to this file at the end (CROSSGO_CACHEPROG_STATS).
    public var statsFile: String?

    public init(directory: String) {
        self.directory = directory
    }

    /// The default local folder for an environment: CROSSGO_CACHE's `gocacheprog`, else the user's cache folder.
    public static func defaultDirectory(environment: [String: String]) -> String {
        if CacheFolder.isOff(environment: environment) {
            return NSTemporaryDirectory() + "crossgo-gocacheprog-\(getuid())"
        }
        return CacheFolder.path("gocacheprog", environment: environment)
    }
}

/// The cache program. `serve` reads requests until `close` or the end of input.
public final class CacheProgram: @unchecked Sendable {
    public static let knownCommands = ["get", "put", "close"]

    let options: CacheProgramOptions
    let local: LocalCacheStore
    let remote: RemoteCacheStore?
    let warnings: CacheWarnings
    private let lock = NSLock()
    private var counts = CacheStats()
    private var remoteDown = false
    private var uploadsRefused = false
    private var uploads: [UUID: Task<Void, Never>] = [:]

    /// A cache program whose local folder and run folder are reached through `system`.
    public init(options: CacheProgramOptions, system: any HostSystem = liveSystem(), warn: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        self.local = try LocalCacheStore(directory: options.directory, system: system)
        self.remote = options.remote.map { RemoteCacheStore(settings: $0) }
        self.warnings = CacheWarnings(runDirectory: options.runDirectory, system: system, printer: warn)
    }

    public var stats: CacheStats { lock.withLock { counts } }

    private func count(_ change: (inout CacheStats) -> Void) { lock.withLock { change(&counts) } }

    /// Announces the known commands, then answers requests until `close` or the end of input.
    public func serve(input: some CacheLineSource, output: some CacheResponseSink) async {
        var hello = CacheResponse(id: 0)
        hello.knownCommands = Self.knownCommands
        output.send(hello)
        var closeID: Int64?
        await withDiscardingTaskGroup { group in
            while let line = await input.nextLine() {
                if isBlank(line) { continue }
                guard var request = try? JSONDecoder().decode(CacheRequest.self, from: line) else {
                    warnings.warn("bad-request", "crossgo cacheprog: warning: ignoring a line that is not a request: \(String(decoding: line.prefix(80), as: UTF8.self))")
                    continue
                }
                if request.bodySize > 0 {
                    // go ends the request with the encoder's newline and one more: skip blank lines up to the body.
                    var next = await input.nextLine()
                    while let blank = next, isBlank(blank) { next = await input.nextLine() }
                    guard let bodyLine = next else {
                        var r = CacheResponse(id: request.id)
                        r.err = "the body of put request \(request.id) is missing (input ended)"
                        output.send(r)
                        break
                    }
                    request.body = decodeBodyLine(bodyLine)
                }
                if request.command == "close" {
                    closeID = request.id
                    break
                }
                let r = request
                group.addTask { output.send(await self.handle(r)) }
            }
        }
        await finishUploads()
        if let closeID { output.send(CacheResponse(id: closeID)) }
        remote?.invalidate()
        finish()
    }

    /// Writes the counts where they were asked for.
    private func finish() {
        let s = stats
        if options.printStats { warnings.say("crossgo cacheprog: \(s.summary)") }
        if let file = options.statsFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(s) else { return }
            _ = appendLine(String(decoding: data, as: UTF8.self), to: file)
        }
    }

    /// Answers one get or put (or says the command is unknown).
    func handle(_ request: CacheRequest) async -> CacheResponse {
        var response = CacheResponse(id: request.id)
        switch request.command {
        case "get":
            guard let action = request.actionID, !action.isEmpty else {
                response.err = "get request \(request.id) has no ActionID"
                return response
            }
            count { $0.gets += 1 }
            if let record = await lookup(hexString(action)), let outputID = hexBytes(record.outputID) {
                response.outputID = outputID
                response.size = record.size
                response.time = record.time
                response.diskPath = local.contentPath(record.outputID)
                count { $0.hits += 1 }
            } else {
                response.miss = true
                count { $0.misses += 1 }
            }
        case "put":
            guard let action = request.actionID, !action.isEmpty, let output = request.outputID, !output.isEmpty else {
                response.err = "put request \(request.id) needs an ActionID and an OutputID"
                return response
            }
            let body = request.body ?? Data()
            guard Int64(body.count) == request.bodySize else {
                response.err = "put request \(request.id): the body holds \(body.count) bytes, BodySize says \(request.bodySize)"
                return response
            }
            count { $0.puts += 1 }
            let outputHex = hexString(output)
            let record = CacheRecord(outputID: outputHex, size: Int64(body.count), time: Date())
            do {
                try local.storeContent(outputHex, body)
                try local.storeRecord(hexString(action), record)
            } catch {
                response.err = "cannot write to the local cache folder \(local.directory): \(error.localizedDescription)"
                return response
            }
            response.diskPath = local.contentPath(outputHex)
            // Only content-addressed objects go to the shared store: a body that is not what its ID says stays local.
            if sha256Hex(body) == outputHex { upload(actionHex: hexString(action), record: record, body: body) }
        default:
            response.err = "unknown command \"\(request.command)\" (known: \(Self.knownCommands.joined(separator: ", ")))"
        }
        return response
    }

    /// The local record, else the remote's (checked, then kept locally).
    private func lookup(_ actionHex: String) async -> CacheRecord? {
        if let record = local.lookup(actionHex) {
            count { $0.localHits += 1 }
            return record
        }
        guard let remote = await usableRemote() else { return nil }
        let recordData: Data
        switch await remote.get("ac/" + actionHex) {
        case .missing: return nil
        case .failed(let why): dropRemote(why); return nil
        case .found(let data): recordData = data
        }
        guard let record = CacheRecord.parse(recordData) else {
            refuse("/ac/\(actionHex) is not a cache record")
            return nil
        }
        if !local.hasContent(record.outputID, size: record.size) {
            let content: Data
            switch await remote.get("cas/" + record.outputID) {
            case .missing: return nil
            case .failed(let why): dropRemote(why); return nil
            case .found(let data): content = data
            }
            guard sha256Hex(content) == record.outputID, Int64(content.count) == record.size else {
                refuse("/cas/\(record.outputID) does not match its SHA-256")
                return nil
            }
            guard (try? local.storeContent(record.outputID, content)) != nil else { return nil }
        }
        guard (try? local.storeRecord(actionHex, record)) != nil else { return nil }
        count { $0.remoteHits += 1 }
        return record
    }

    /// The remote, when there is one and it has not been dropped; the first use checks that it answers.
    private func usableRemote() async -> RemoteCacheStore? {
        guard let remote, !lock.withLock({ remoteDown }) else { return nil }
        if warnings.remoteKnownDown {
            lock.withLock { remoteDown = true }
            return nil
        }
        if let why = await remote.reachability() {
            dropRemote(why)
            return nil
        }
        return remote
    }

    /// Stops using the remote for the rest of the process (and of the run), with one warning.
    private func dropRemote(_ why: String) {
        let first: Bool = lock.withLock {
            counts.remoteErrors += 1
            defer { remoteDown = true }
            return !remoteDown
        }
        guard first, let remote else { return }
        warnings.warn("down", "crossgo cacheprog: warning: the remote cache \(remote.settings.displayURL) \(why); using the local cache only for this run")
    }

    /// An object whose contents do not match its key: never used (go rebuilds it), counted, one warning.
    private func refuse(_ what: String) {
        count { $0.corrupt += 1 }
        warnings.warn("corrupt", "crossgo cacheprog: warning: the remote cache object \(what); ignored, go rebuilds it")
    }

    /// Uploads the contents, then the record (so a reader never finds a record without its contents).
    private func upload(actionHex: String, record: CacheRecord, body: Data) {
        guard let remote else { return }
        if record.size > remote.settings.maxUploadBytes {
            count { $0.uploadsSkipped += 1 }
            return
        }
        let id = UUID()
        // Registered under the lock the task's own removal takes, so a task that ends at once is not left behind.
        lock.lock()
        defer { lock.unlock() }
        uploads[id] = Task {
            defer { _ = self.lock.withLock { self.uploads.removeValue(forKey: id) } }
            guard !self.lock.withLock({ self.uploadsRefused }), let remote = await self.usableRemote() else {
                self.count { $0.uploadsSkipped += 1 }
                return
            }
            var why = await remote.put("cas/" + record.outputID, body)
            if why == nil { why = await remote.put("ac/" + actionHex, record.data) }
            if let why {
                self.uploadFailed(why)
            } else {
                self.count { $0.uploads += 1 }
            }
        }
    }

    /// A refused upload stops uploads (a read-only token is a normal setup); a transport error drops the remote.
    private func uploadFailed(_ why: String) {
        if why.hasPrefix("answered HTTP") {
            let first: Bool = lock.withLock {
                counts.remoteErrors += 1
                defer { uploadsRefused = true }
                return !uploadsRefused
            }
            if first, let remote {
                warnings.warn("refused", "crossgo cacheprog: warning: the remote cache \(remote.settings.displayURL) \(why); not uploading for this run")
            }
        } else {
            dropRemote(why)
        }
    }

    /// Waits for pending uploads, at most `closeTimeout`; uploads still running then are abandoned.
    private func finishUploads() async {
        let deadline = Date().addingTimeInterval(options.closeTimeout)
        while true {
            let pending = lock.withLock { Array(uploads.values) }
            if pending.isEmpty { return }
            if Date() >= deadline {
                for task in pending { task.cancel() }
                warnings.warn("slow-upload", "crossgo cacheprog: warning: \(pending.count) upload(s) to the remote cache did not finish within \(Int(options.closeTimeout)) s; abandoned")
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

func isBlank(_ line: Data) -> Bool {
    line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
}

func hexBytes(_ hex: String) -> Data? {
    guard hex.utf8.count % 2 == 0 else { return nil }
    var out = Data(capacity: hex.utf8.count / 2)
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
        out.append(byte)
        index = next
    }
    return out
}
