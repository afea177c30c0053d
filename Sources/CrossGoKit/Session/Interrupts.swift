// SIGINT and SIGTERM become task cancellation, for every command: sessions then stop starting work, their
// child processes get SIGINT, temporary folders are removed by the code that made them, and crossgo
// exits 130. A second signal ends crossgo at once — unless it comes within a second of the first: `timeout -s INT`
// and CI runners signal the process and then its whole group, so one interrupt often arrives twice.
import Foundation
import Synchronization

public enum Interrupts {
    /// Runs `operation` in a task that SIGINT or SIGTERM cancels. Returns its value and whether a signal came.
    public static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> (T, interrupted: Bool) {
        let task = Task { try await operation() }
        let flag = InterruptFlag()
        let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                switch flag.raise(now: Date()) {
                case .first: task.cancel()
                case .echo: break  // the same interrupt, delivered to the process and to its group
                case .again:  // a second signal: stop waiting for clean-up, but leave no scratch folder behind
                    ScratchFolder.removeAll()
                    exit(ExitStatus.interrupted.rawValue)
                }
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
        }
        do {
            let value = try await task.value
            return (value, flag.isRaised)
        } catch {
            // Whatever a cancelled operation threw (a stopped go, a cancelled wait), the cause was the signal.
            if flag.isRaised { throw InterruptedError() }
            throw error
        }
    }
}

/// The operation stopped because SIGINT or SIGTERM arrived.
public struct InterruptedError: ClassifiedError {
    public var exitStatus: ExitStatus { .interrupted }
    public var description: String { "interrupted" }
}

/// Set once by the first signal.
final class InterruptFlag: Sendable {
    enum Raise: Equatable {
        case first
        /// Within `echoWindow` of the first: the same interrupt delivered twice (to the process, then to its group).
        case echo
        /// A later signal: the user insists.
        case again
    }

    /// How long after the first signal another one counts as the same interrupt.
    static let echoWindow: TimeInterval = 1
    private let raised = Mutex<Date?>(nil)

    /// Raises the flag and says which signal this was.
    func raise(now: Date) -> Raise {
        raised.withLock { first in
            guard let at = first else { first = now; return .first }
            return now.timeIntervalSince(at) < Self.echoWindow ? .echo : .again
        }
    }

    var isRaised: Bool { raised.withLock { $0 != nil } }
}
