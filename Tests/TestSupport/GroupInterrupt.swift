// Interrupting crossgo as `timeout -s INT` and CI runners do: SIGINT to the process, then to its whole process group.
import Foundation
import Synchronization

/// The built crossgo, started in a process group of its own (Foundation's Process makes the child a group leader)
/// with its output collected.
public final class GroupInterrupt {
    let process: Process
    let collected = OutputBuffer()

    public init(arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: crossgoExecutable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        let collected = self.collected
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { collected.data.withLock { $0.append(data) } }
        }
        try process.run()
        guard getpgid(process.processIdentifier) == process.processIdentifier else {
            process.terminate()
            throw InterruptTestError(description: "crossgo was not started in a process group of its own")
        }
    }

    /// crossgo's process id.
    public var pid: Int32 { process.processIdentifier }

    /// The processes crossgo started that are still running (Linux: /proc/PID/task/*/children; empty elsewhere).
    public var children: [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ").compactMap { Int32($0) }
        }
    }

    /// Everything crossgo wrote so far (stdout and stderr).
    public var output: String { collected.data.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until the output contains `marker` (at most `timeout` seconds), then sends SIGINT to crossgo and to its
    /// group; returns the exit status and the seconds from the signal to the exit.
    public func interrupt(when marker: String, timeout: TimeInterval = 600) throws -> (Int32, Double) {
        try interrupt(until: { self.output.contains(marker) }, describing: "'\(marker)' in the output", timeout: timeout)
    }

    /// Waits until `ready()` holds (at most `timeout` seconds), then interrupts as above.
    public func interrupt(until ready: () -> Bool, describing what: String, timeout: TimeInterval = 600) throws -> (Int32, Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while !ready() {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw InterruptTestError(description: "never saw \(what) before the run ended: \(output.suffix(2000))")
            }
            usleep(20_000)
        }
        let pid = process.processIdentifier
        let sent = Date()
        kill(pid, SIGINT)
        kill(-pid, SIGINT)
        // Not a timing assertion: 30 s only tells a hang (then killed, and said) from a slow machine.
        while process.isRunning, Date().timeIntervalSince(sent) < 30 { usleep(20_000) }
        if process.isRunning {
            kill(-pid, SIGKILL)
            process.waitUntilExit()
            throw InterruptTestError(description: "crossgo still running 30 s after SIGINT: \(output.suffix(2000))")
        }
        return (process.terminationStatus, Date().timeIntervalSince(sent))
    }
}

final class OutputBuffer: Sendable {
    let data = Mutex(Data())
}

struct InterruptTestError: Error, CustomStringConvertible {
    var description: String
}
