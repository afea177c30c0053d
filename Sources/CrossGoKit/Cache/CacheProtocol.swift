// The GOCACHEPROG wire protocol (Go's cmd/go/internal/cacheprog): one JSON object per line each way. The
// program first writes its capabilities (ID 0, KnownCommands); then go sends requests and the program answers
// each one, in any order, echoing its ID. A "put" with BodySize > 0 is followed by a line holding the body as
// a JSON string of standard base64. []byte fields are standard base64 in JSON; times are RFC 3339.
import Foundation

/// A request from the go command.
public struct CacheRequest: Sendable, Equatable, Decodable {
    public var id: Int64
    public var command: String
    public var actionID: Data?
    public var outputID: Data?
    public var bodySize: Int64
    /// The body of a "put" (read from the line after the request).
    public var body: Data?

    enum CodingKeys: String, CodingKey {
        case id = "ID", command = "Command", actionID = "ActionID", outputID = "OutputID", bodySize = "BodySize"
    }

    public init(id: Int64, command: String, actionID: Data? = nil, outputID: Data? = nil, body: Data? = nil) {
        self.id = id
        self.command = command
        self.actionID = actionID
        self.outputID = outputID
        self.bodySize = Int64(body?.count ?? 0)
        self.body = body
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id) ?? 0
        command = try c.decodeIfPresent(String.self, forKey: .command) ?? ""
        actionID = try c.decodeIfPresent(Data.self, forKey: .actionID)
        outputID = try c.decodeIfPresent(Data.self, forKey: .outputID)
        bodySize = try c.decodeIfPresent(Int64.self, forKey: .bodySize) ?? 0
    }

    /// The request as go writes it: the JSON line and a blank line, then the body line when there is a body.
    public var wireLines: String {
        var fields = ["\"ID\":\(id)", "\"Command\":\"\(command)\""]
        if let actionID { fields.append("\"ActionID\":\"\(actionID.base64EncodedString())\"") }
        if let outputID { fields.append("\"OutputID\":\"\(outputID.base64EncodedString())\"") }
        if bodySize > 0 { fields.append("\"BodySize\":\(bodySize)") }
        // go's JSON encoder ends the object with a newline and go writes one more.
        var text = "{" + fields.joined(separator: ",") + "}\n\n"
        if let body, bodySize > 0 { text += "\"" + body.base64EncodedString() + "\"\n" }
        return text
    }
}

/// An answer to the go command. Empty fields are left out, as Go's `omitempty` does.
public struct CacheResponse: Sendable, Equatable, Codable {
    public var id: Int64
    public var err: String?
    public var knownCommands: [String]?
    public var miss = false
    public var outputID: Data?
    public var size: Int64 = 0
    public var time: Date?
    public var diskPath: String?

    enum CodingKeys: String, CodingKey {
        case id = "ID", err = "Err", knownCommands = "KnownCommands", miss = "Miss", outputID = "OutputID", size = "Size"
        case time = "Time", diskPath = "DiskPath"
    }

    public init(id: Int64) { self.id = id }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        err = try c.decodeIfPresent(String.self, forKey: .err)
        knownCommands = try c.decodeIfPresent([String].self, forKey: .knownCommands)
        miss = try c.decodeIfPresent(Bool.self, forKey: .miss) ?? false
        outputID = try c.decodeIfPresent(Data.self, forKey: .outputID)
        size = try c.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        time = try c.decodeIfPresent(String.self, forKey: .time).flatMap(CacheTime.parse)
        diskPath = try c.decodeIfPresent(String.self, forKey: .diskPath)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        if let err, !err.isEmpty { try c.encode(err, forKey: .err) }
        if let knownCommands, !knownCommands.isEmpty { try c.encode(knownCommands, forKey: .knownCommands) }
        if miss { try c.encode(true, forKey: .miss) }
        if let outputID, !outputID.isEmpty { try c.encode(outputID, forKey: .outputID) }
        if size != 0 { try c.encode(size, forKey: .size) }
        if let time { try c.encode(CacheTime.format(time), forKey: .time) }
        if let diskPath, !diskPath.isEmpty { try c.encode(diskPath, forKey: .diskPath) }
    }

    /// The response as one line (no newline inside), ending in a newline.
    public func line() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dataEncodingStrategy = .base64
        var data = (try? encoder.encode(self)) ?? Data("{\"ID\":\(id),\"Err\":\"cannot encode the response\"}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// RFC 3339 times with fractional seconds, as Go's time.Time marshals and parses them.
enum CacheTime {
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    static func parse(_ text: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return d }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

/// Where requests come from: one line at a time, nil at the end of input.
public protocol CacheLineSource: Sendable {
    func nextLine() async -> Data?
}

/// Reads lines from a file descriptor (stdin) on its own dispatch queue, so a blocking read never holds a
/// thread of Swift's cooperative pool. Lines can be long: a put body is the whole output, base64-encoded.
public final class FileLineSource: CacheLineSource, @unchecked Sendable {
    private let fd: Int32
    private let queue = DispatchQueue(label: "crossgo.cacheprog.stdin")
    private var buffer = Data()
    /// Where the unread bytes of `buffer` begin, and how far past that no newline was found.
    private var start = 0
    private var scanned = 0
    private var ended = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)

    public init(fd: Int32) { self.fd = fd }

    public func nextLine() async -> Data? {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.readLine()) }
        }
    }

    /// Runs on `queue` only.
    private func readLine() -> Data? {
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer.subdata(in: start..<newline)
                start = newline + 1
                scanned = 0
                // Drop what was read once it is most of the buffer (not at every line: lines come in bursts).
                if start >= 1 << 16 && start * 2 >= buffer.count {
                    buffer = buffer.subdata(in: start..<buffer.count)
                    start = 0
                }
                return line
            }
            scanned = buffer.count - start
            if ended {
                guard buffer.count > start else { return nil }
                let rest = buffer.subdata(in: start..<buffer.count)
                buffer = Data()
                start = 0
                scanned = 0
                return rest
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                chunk.withUnsafeBytes { buffer.append($0.bindMemory(to: UInt8.self).baseAddress!, count: n) }
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                ended = true
            }
        }
    }
}

/// Where responses go: whole lines, never interleaved.
public protocol CacheResponseSink: Sendable {
    func send(_ response: CacheResponse)
}

/// Writes response lines to a file descriptor (stdout), one writer at a time.
public final class FileResponseSink: CacheResponseSink, @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()

    public init(fd: Int32) { self.fd = fd }

    public func send(_ response: CacheResponse) {
        let data = response.line()
        lock.lock()
        defer { lock.unlock() }
        data.withUnsafeBytes { writeAll(fd, $0) }
    }
}

/// Keeps the responses in memory, in the order they were sent (tests).
public final class CapturingResponseSink: CacheResponseSink, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [CacheResponse] = []

    public init() {}

    public var responses: [CacheResponse] { lock.withLock { sent } }

    public func send(_ response: CacheResponse) {
        lock.withLock { sent.append(response) }
    }
}

/// Reads the body line of a put: a JSON string of standard base64 (go writes it without escapes).
func decodeBodyLine(_ line: Data) -> Data? {
    var bytes = line[...]
    while let last = bytes.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
    guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else { return nil }
    let inner = bytes.dropFirst().dropLast()
    if !inner.contains(UInt8(ascii: "\\")) {
        return Data(base64Encoded: Data(inner))
    }
    guard let text = try? JSONDecoder().decode(String.self, from: Data(bytes)) else { return nil }
    return Data(base64Encoded: text)
}
