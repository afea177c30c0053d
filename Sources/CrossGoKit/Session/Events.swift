// The one event vocabulary every session reports through, and its JSON Lines form (documented in the README).
import Foundation

/// One (item x target) job of a matrix: "hello" on "linux/riscv64", "./pkg" on "js/wasm".
public struct JobID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The program (build), package (test), ... the job is about.
    public var item: String
    /// The target, as crossgo names it ("linux/arm/7").
    public var target: String

    public init(item: String, target: String) {
        self.item = item
        self.target = target
    }

    public var description: String { "\(item) \(target)" }
}

/// How a job ended.
public enum JobStatus: String, Sendable, Codable {
    /// Done as asked (built and verified; tests passed; program ran).
    case passed
    case failed
    /// Nothing to do (no tests; a program that does not exist for this target).
    case skipped
    /// Reused from a previous run.
    case cached
    /// Could not be done on this host (no runner); counted by the exit rule.
    case notRun = "not-run"
    /// Only compiled, because no machine like the target can exist here (darwin on Linux).
    case compileOnly = "compile-only"
}

/// The end of a job: status, time, one line for humans, and the command's own record.
public struct JobEnd: Sendable {
    public var status: JobStatus
    public var elapsed: Double
    /// A short line for text reporters ("1.2 MiB", "ok 3", "exit 1").
    public var summary: String
    /// The command's record of the job, encoded under `record` in JSON.
    public var record: (any Encodable & Sendable)?

    public init(status: JobStatus, elapsed: Double = 0, summary: String = "", record: (any Encodable & Sendable)? = nil) {
        self.status = status
        self.elapsed = elapsed
        self.summary = summary
        self.record = record
    }
}

/// What a session reports while it runs. Reporters turn these into lines; nothing else prints.
public enum SessionEvent: Sendable {
    /// The session has its plan: the jobs it will run, and a line saying what it is about to do.
    case planned(command: String, jobs: [JobID], message: String)
    /// A job began (phase "build", "test", "run", ...).
    case jobStarted(JobID, phase: String)
    /// A running job moved to another phase ("verify").
    case jobPhase(JobID, phase: String)
    /// A job ended.
    case jobFinished(JobID, JobEnd)
    /// One test2json event of a test job, fields unchanged.
    case test(JobID, TestEvent)
    /// A message for the user (a missing runner, a removed file). `level` is "info" or "warning".
    case notice(String, level: String)
    /// The session ended: its outcome, rendered by text reporters and encoded by the JSON reporter.
    case finished(any SessionOutcome)
    /// The session could not run (bad input, no toolchain, ...): one line, and the exit table's status.
    case error(String, status: ExitStatus)
}

/// What a finished session hands back: its exit status, a rendering for people, an encoding for machines.
public protocol SessionOutcome: Sendable, Encodable {
    /// "build", "test", ...
    var command: String { get }
    /// The row of the exit table this outcome belongs to.
    var exitStatus: ExitStatus { get }
    /// Counts for the summary line and JSON ("built": 4, "failed": 1, ...), in display order.
    var counts: [(String, Int)] { get }
    /// Results for stdout (tables, failures with their output) and the final status line for stderr.
    func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome
    /// The summary's `status` word (the exit status's name; the doctor says ok, warnings or errors).
    var statusName: String { get }
}

extension SessionOutcome {
    public var statusName: String { exitStatus.name }
}

/// An outcome as text: results (stdout) and messages (stderr).
public struct RenderedOutcome: Sendable, Equatable {
    public var results: [String]
    public var messages: [String]
    public init(results: [String] = [], messages: [String] = []) {
        self.results = results
        self.messages = messages
    }
}

/// The JSON form of events: one object per line with an `event` field. Documented in the README
/// ("JSON events"); `EventLine` decodes every line any command writes.
public enum EventJSON {
    public static let schemaVersion = 1

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The line for an event; `command` is the session's name, `time` seconds since the session began.
    public static func line(_ event: SessionEvent, command: String, time: Double) -> String {
        var object: [String: JSONValue] = ["command": .string(command), "time": .number((time * 1000).rounded() / 1000)]
        switch event {
        case .planned(_, let jobs, let message):
            object["event"] = "planned"
            object["jobs"] = .array(jobs.map(\.json))
            object["message"] = .string(message)
            object["schema"] = .number(Double(schemaVersion))
        case .jobStarted(let job, let phase):
            object["event"] = "job-started"
            object["job"] = job.json
            object["phase"] = .string(phase)
        case .jobPhase(let job, let phase):
            object["event"] = "job-phase"
            object["job"] = job.json
            object["phase"] = .string(phase)
        case .jobFinished(let job, let end):
            object["event"] = "job-finished"
            object["job"] = job.json
            object["status"] = .string(end.status.rawValue)
            object["elapsed"] = .number((end.elapsed * 1000).rounded() / 1000)
            object["summary"] = .string(end.summary)
            if let record = end.record { object["record"] = JSONValue(encoding: record) }
        case .test(let job, let test):
            object["event"] = "test"
            object["job"] = job.json
            object["test2json"] = JSONValue(encoding: test)
        case .notice(let message, let level):
            object["event"] = "notice"
            object["level"] = .string(level)
            object["message"] = .string(message)
        case .finished(let outcome):
            object["event"] = "summary"
            object["status"] = .string(outcome.statusName)
            object["exitCode"] = .number(Double(outcome.exitStatus.rawValue))
            object["counts"] = .object(Dictionary(outcome.counts.map { ($0.0, JSONValue.number(Double($0.1))) }, uniquingKeysWith: { a, _ in a }))
            object["outcome"] = JSONValue(encoding: outcome)
        case .error(let message, let status):
            object["event"] = "error"
            object["message"] = .string(message)
            object["status"] = .string(status.name)
            object["exitCode"] = .number(Double(status.rawValue))
        }
        return JSONValue.object(object).encoded()
    }
}

extension JobID {
    var json: JSONValue { .object(["item": .string(item), "target": .string(target)]) }
}

/// One line of crossgo's JSON event stream, as a reader decodes it (the documented schema).
public struct EventLine: Decodable, Sendable {
    public var event: String
    public var command: String
    public var time: Double
    public var schema: Int?
    public var jobs: [JobID]?
    public var message: String?
    public var job: JobID?
    public var phase: String?
    public var status: String?
    public var elapsed: Double?
    public var summary: String?
    public var level: String?
    public var exitCode: Int?
    public var counts: [String: Int]?
    public var test2json: TestEvent?

    /// The event kinds and the fields each must carry.
    public static let requiredFields: [String: [String]] = [
        "planned": ["jobs", "message", "schema"],
        "job-started": ["job", "phase"],
        "job-phase": ["job", "phase"],
        "job-finished": ["job", "status", "elapsed", "summary"],
        "test": ["job", "test2json"],
        "notice": ["level", "message"],
        "summary": ["status", "exitCode", "counts", "outcome"],
        "error": ["message", "status", "exitCode"],
    ]
}

/// A small JSON tree, so that events can mix fixed fields with each command's own records.
indirect enum JSONValue: Sendable, ExpressibleByStringLiteral {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])
    /// Already-encoded JSON, inserted as it is.
    case raw(String)

    init(stringLiteral value: String) { self = .string(value) }

    /// The JSON of any Encodable value (null when it cannot be encoded).
    init(encoding value: any Encodable) {
        guard let data = try? EventJSON.encoder().encode(value) else { self = .null; return }
        self = .raw(String(decoding: data, as: UTF8.self))
    }

    func encoded() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .string(let s): return Self.quote(s)
        case .array(let items): return "[" + items.map { $0.encoded() }.joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { Self.quote($0.key) + ":" + $0.value.encoded() }.joined(separator: ",") + "}"
        case .raw(let text): return text
        }
    }

    static func quote(_ s: String) -> String {
        guard let data = try? EventJSON.encoder().encode(s) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }
}
