// Progress displays for `crossgo build`: live lines on a terminal, plain lines otherwise, JSON events with --json.
import CrossGoKit
import Foundation
import Synchronization

/// Receives build events from concurrent builds.
protocol BuildProgress: Sendable {
    func handle(_ event: BuildEvent)
    func finish()
}

/// One event as a JSON line on stdout.
struct JSONBuildProgress: BuildProgress {
    struct Line: Encodable {
        var event: String
        var target: String
        var binary: String
        var path: String
        var artifact: Artifact?
        var failure: BuildFailure?
    }

    func handle(_ event: BuildEvent) {
        let line: Line
        switch event {
        case .queued(let j): line = Line(event: "queued", target: j.target.description, binary: j.binary, path: j.relativePath)
        case .building(let j): line = Line(event: "building", target: j.target.description, binary: j.binary, path: j.relativePath)
        case .verifying(let j): line = Line(event: "verifying", target: j.target.description, binary: j.binary, path: j.relativePath)
        case .done(let j, let a): line = Line(event: "done", target: j.target.description, binary: j.binary, path: j.relativePath, artifact: a)
        case .failed(let j, let f): line = Line(event: "failed", target: j.target.description, binary: j.binary, path: j.relativePath, failure: f)
        }
        if let text = try? Console.jsonLine(line) { Console.out(text) }
    }

    func finish() {}
}

/// One stderr line per state change, for CI logs and pipes.
final class PlainBuildProgress: BuildProgress {
    private let finished = Mutex(0)
    private let total: Int

    init(total: Int) { self.total = total }

    func handle(_ event: BuildEvent) {
        switch event {
        case .queued, .verifying: return
        case .building(let j): Console.err("building  \(j.label)")
        case .done(let j, let a):
            let n = finished.withLock { $0 += 1; return $0 }
            Console.err("done      \(j.label)  \(formatSize(a.size))  \(String(format: "%.1fs", a.duration))  [\(n)/\(total)]")
        case .failed(let j, let f):
            let n = finished.withLock { $0 += 1; return $0 }
            Console.err("FAILED    \(j.label)  (\(f.stage.rawValue)) [\(n)/\(total)]")
        }
    }

    func finish() {}
}

/// A live block of lines on a terminal, one per target, redrawn in place.
final class LiveBuildProgress: BuildProgress {
    private struct State {
        var lines: [String]
        var started: [Date?]
        var drawn = false
    }

    private let jobs: [BuildJob]
    private let color: Bool
    private let state: Mutex<State>

    init(jobs: [BuildJob], color: Bool) {
        self.jobs = jobs
        self.color = color
        state = Mutex(State(lines: jobs.map { _ in "queued" }, started: jobs.map { _ in nil }))
    }

    private func index(_ job: BuildJob) -> Int? { jobs.firstIndex(of: job) }

    private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func handle(_ event: BuildEvent) {
        state.withLock { s in
            switch event {
            case .queued: break
            case .building(let j):
                if let i = index(j) { s.lines[i] = paint("building…", "33"); s.started[i] = Date() }
            case .verifying(let j):
                if let i = index(j) { s.lines[i] = paint("verifying…", "36") }
            case .done(let j, let a):
                if let i = index(j) { s.lines[i] = paint("✓ done", "32") + "  \(formatSize(a.size))  \(String(format: "%.1fs", a.duration))" }
            case .failed(let j, let f):
                if let i = index(j) { s.lines[i] = paint("✗ failed", "31") + " (\(f.stage.rawValue)): " + (f.message.split(separator: "\n").first.map(String.init) ?? "") }
            }
            redraw(&s)
        }
    }

    private func redraw(_ s: inout State) {
        let width = jobs.map(\.label.count).max() ?? 0
        var out = s.drawn ? "\u{1B}[\(jobs.count)A" : ""
        for (i, job) in jobs.enumerated() {
            out += "\u{1B}[2K  " + job.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + s.lines[i] + "\n"
        }
        s.drawn = true
        FileHandle.standardError.write(Data(out.utf8))
    }

    func finish() {}
}
