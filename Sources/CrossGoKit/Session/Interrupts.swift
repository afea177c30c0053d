// SIGINT and SIGTERM become task cancellation, for every command: sessions then stop starting work, their
// child processes get SIGINT, temporary folders are removed by the code that made them, and crossgo
// exits 130. A second signal ends crossgo at once — unless it comes within a second of the first: `timeout -s INT`
// and CI runners signal the process and then its whole group, so one interrupt often arrives twice.
import Foundation
import Synchronization

public enum Interrupts {
    /// Runs `operation` in a task that SIGINT or SIGTERM cancels. Returns its value and whether a signal came.
    public static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> (T, interrupted: Bool) {
        // The signal sources are in place before the operation starts: a fast one (serve says where it listens at
        // once) must not be interrupted while SIGINT is still ignored and not yet handled, and so lost.
        let flag = InterruptFlag()
        let cancel = CancelAction()
        let onSignal: @Sendable () -> Void = {
            switch flag.raise(now: Date()) {
            case .first: cancel.run()
            case .echo: break  // the same interrupt, delivered to the process and to its group
            case .again:  // a second signal: stop waiting for clean-up, but leave no scratch folder behind
                ScratchFolder.removeAll()
                exit(ExitStatus.interrupted.rawValue)
            }
        }
        // On the main thread's executor (the quick commands) its loop watches the signals; elsewhere Dispatch does.
        let executor = MainThreadExecutor.current
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            if let executor {
                executor.watch(sig, onSignal)
            } else {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler(handler: onSignal)
                source.resume()
                sources.append(source)
            }
        }
        defer {
            for source in sources { source.cancel() }
            executor?.unwatch()
        }
        let task = Task(executorPreference: executor) { try await operation() }
        cancel.set { task.cancel() }
        if flag.isRaised { task.cancel() }
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

/// What the first signal does, set once the operation's task exists.
final class CancelAction: Sendable {
    private let action = Mutex<(@Sendable () -> Void)?>(nil)
    func set(_ body: @escaping @Sendable () -> Void) { action.withLock { $0 = body } }
    func run() { action.withLock { $0 }?() }
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
