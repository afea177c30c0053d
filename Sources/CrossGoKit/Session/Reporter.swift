// The reporter family: every session's events become plain lines, a live terminal display, or JSON Lines.
// Library code never prints; reporters write to the streams the CLI hands them.
import Foundation
import Synchronization

/// Receives a session's events. Called from concurrent jobs: implementations are thread-safe.
public protocol Reporter: Sendable {
    func report(_ event: SessionEvent)
}

/// Where text goes: results to `out` (stdout), progress and messages to `err` (stderr).
public protocol OutputStreams: Sendable {
    func out(_ text: String)
    func err(_ text: String)
    /// Writes to stderr without a newline (the live display's control sequences).
    func rawErr(_ text: String)
}

/// The process's stdout and stderr, written line by line.
public struct StandardStreams: OutputStreams {
    public init() {}
    public func out(_ text: String) { Self.write(1, text + "\n") }
    public func err(_ text: String) { Self.write(2, text + "\n") }
    /// Writes without a newline (the live display's control sequences).
    public func rawErr(_ text: String) { Self.write(2, text) }

    /// `text` to `fd` with write(2) (`writeAll`): no FileHandle or Data, whose first use is ~10% of a `crossgo targets`.
    static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}

/// When to colour: `--color auto|always|never`.
public enum ColorMode: String, Sendable, CaseIterable {
    case auto, always, never

    /// Whether to colour output going to a stream. NO_COLOR (any non-empty value) always wins
    /// (https://no-color.org); `auto` colours only a terminal.
    public func enabled(isTerminal: Bool, environment: [String: String]) -> Bool {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        switch self {
        case .always: return true
        case .never: return false
        case .auto: return isTerminal && environment["TERM"] != "dumb"
        }
    }
}

/// The one place that knows terminal escape sequences: colours, and the live display's cursor moves.
public struct Painter: Sendable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
    public static let plain = Painter(enabled: false)

    func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func green(_ text: String) -> String { paint(text, "32") }
    public func red(_ text: String) -> String { paint(text, "31") }
    public func yellow(_ text: String) -> String { paint(text, "33") }
    public func cyan(_ text: String) -> String { paint(text, "36") }
    public func dim(_ text: String) -> String { paint(text, "2") }
    public func bold(_ text: String) -> String { paint(text, "1") }

    /// Colour by job status.
    public func status(_ status: JobStatus, _ text: String) -> String {
        switch status {
        case .passed: return green(text)
        case .failed: return red(text)
        case .notRun: return yellow(text)
        case .skipped, .cached, .compileOnly: return dim(text)
        }
    }

    /// Cursor up `n` lines and clear each line drawn (always sent: only the live display on a terminal uses them).
    static func cursorUp(_ n: Int) -> String { n > 0 ? "\u{1B}[\(n)A" : "" }
    static let clearLine = "\u{1B}[2K"
}

/// Keeps what reporters write (tests).
public final class CapturingStreams: OutputStreams {
    private let text = Mutex((out: "", err: ""))
    public init() {}
    public func out(_ line: String) { text.withLock { $0.out += line + "\n" } }
    public func err(_ line: String) { text.withLock { $0.err += line + "\n" } }
    public func rawErr(_ raw: String) { text.withLock { $0.err += raw } }
    public var stdout: String { text.withLock { $0.out } }
    public var stderr: String { text.withLock { $0.err } }
}

/// Collects every event (tests, and sessions run inside other sessions).
public final class CapturingReporter: Reporter {
    private let events = Mutex<[SessionEvent]>([])
    public init() {}
    public func report(_ event: SessionEvent) { events.withLock { $0.append(event) } }
    public var captured: [SessionEvent] { events.withLock { $0 } }
}

/// JSON Lines on stdout: one object per event (see EventJSON).
public final class JSONLinesReporter: Reporter {
    private let streams: any OutputStreams
    private let start = DispatchTime.now().uptimeNanoseconds
    private let command = Mutex("")

    public init(streams: any OutputStreams, command: String) {
        self.streams = streams
        self.command.withLock { $0 = command }
    }

    public func report(_ event: SessionEvent) {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let name = command.withLock { $0 }
        let line = EventJSON.line(event, command: name, time: elapsed)
        // One writer at a time, so that lines from concurrent jobs never interleave.
        command.withLock { _ in streams.out(line) }
    }
}

/// Plain lines on stderr for CI logs and pipes; the outcome's results on stdout.
public final class PlainReporter: Reporter {
    private let streams: any OutputStreams
    private let painter: Painter
    private let base: String
    private let progress = Mutex((done: 0, total: 0))

    public init(streams: any OutputStreams, painter: Painter, relativeTo base: String) {
        self.streams = streams
        self.painter = painter
        self.base = base
    }

    public func report(_ event: SessionEvent) {
        switch event {
        case .planned(_, let jobs, let message):
            progress.withLock { $0 = (done: 0, total: jobs.count) }
            streams.err("crossgo: \(message)")
        case .jobStarted(let job, let phase):
            streams.err("\(phase.padded(to: 12)) \(job)")
        case .jobPhase, .test:
            return
        case .jobFinished(let job, let end):
            let (done, total) = progress.withLock { p -> (Int, Int) in p.done += 1; return (p.done, p.total) }
            let word = painter.status(end.status, end.status.rawValue.padded(to: 12))
            let detail = end.summary.isEmpty ? "" : "  \(end.summary)"
            streams.err("\(word) \(job)\(detail)  [\(done)/\(total)]")
        case .notice(let text, let level):
            streams.err("crossgo: \(level == "warning" ? painter.yellow("warning: ") : "")\(text)")
        case .finished(let outcome):
            let rendered = outcome.render(painter, relativeTo: base)
            for line in rendered.results { streams.out(line) }
            for line in rendered.messages { streams.err(line) }
        case .error(let message, _):
            streams.err("crossgo: error: \(message)")
        }
    }
}

/// A live block on a terminal: one line per running job, redrawn in place, with finished jobs printed
/// above it once. When there are more jobs than the terminal has rows, only running jobs are drawn and
/// the rest are folded into one count line, so the block never scrolls out of reach.
public final class LiveReporter: Reporter {
    struct State {
        var running: [JobID: (phase: String, started: Date)] = [:]
        var order: [JobID] = []
        var total = 0
        var done = 0
        var drawn = 0
    }

    private let streams: any OutputStreams
    private let painter: Painter
    private let rows: Int
    private let base: String
    private let state = Mutex(State())

    /// `rows`: the terminal's height (`TerminalSize.rows`).
    public init(streams: any OutputStreams = StandardStreams(), painter: Painter, rows: Int, relativeTo base: String) {
        self.streams = streams
        self.painter = painter
        self.rows = max(rows, 4)
        self.base = base
    }

    public func report(_ event: SessionEvent) {
        state.withLock { s in
            var above: [String] = []
            var results: [String] = []
            switch event {
            case .planned(_, let jobs, let message):
                s.total = jobs.count
                s.done = 0
                above.append("crossgo: \(message)")
            case .jobStarted(let job, let phase):
                s.running[job] = (phase, Date())
                s.order.append(job)
            case .jobPhase(let job, let phase):
                if let started = s.running[job]?.started { s.running[job] = (phase, started) }
            case .jobFinished(let job, let end):
                s.running[job] = nil
                s.order.removeAll { $0 == job }
                s.done += 1
                let mark = end.status == .failed ? "✗" : (end.status == .passed ? "✓" : "-")
                above.append(painter.status(end.status, "\(mark) \(end.status.rawValue)") + "  \(job)" + (end.summary.isEmpty ? "" : "  \(end.summary)"))
            case .test:
                return
            case .notice(let text, let level):
                above.append("crossgo: \(level == "warning" ? painter.yellow("warning: ") : "")\(text)")
            case .finished(let outcome):
                let rendered = outcome.render(painter, relativeTo: base)
                results = rendered.results
                above = rendered.messages
                s.order.removeAll()
                s.running.removeAll()
            case .error(let message, _):
                above.append("crossgo: error: \(message)")
                s.order.removeAll()
                s.running.removeAll()
            }
            let final: Bool
            switch event {
            case .finished, .error: final = true
            default: final = false
            }
            redraw(&s, above: above, final: final)
            for line in results { streams.out(line) }
        }
    }

    private func redraw(_ s: inout State, above: [String], final: Bool) {
        var text = ""
        if s.drawn > 0 { text += Painter.cursorUp(s.drawn) }
        for line in above { text += Painter.clearLine + line + "\n" }
        var block: [String] = []
        if !final {
            let room = rows - 2
            let shown = s.order.prefix(room)
            let width = shown.map(\.description.count).max() ?? 0
            for job in shown {
                guard let r = s.running[job] else { continue }
                let seconds = String(format: "%.0fs", Date().timeIntervalSince(r.started))
                block.append("  " + job.description.padded(to: width) + "  " + painter.cyan(r.phase + "…") + " " + painter.dim(seconds))
            }
            let hidden = s.order.count - shown.count
            let queued = s.total - s.done - s.order.count
            block.append(painter.dim("  [\(s.done)/\(s.total) done, \(s.order.count) running\(hidden > 0 ? " (\(hidden) not shown)" : ""), \(max(queued, 0)) queued]"))
        }
        for line in block { text += Painter.clearLine + line + "\n" }
        // Clear what the previous, taller block left below.
        let leftover = s.drawn - above.count - block.count
        if leftover > 0 {
            for _ in 0..<leftover { text += Painter.clearLine + "\n" }
            text += Painter.cursorUp(leftover)
        }
        s.drawn = block.count
        streams.rawErr(text)
    }
}

