// SIGINT and SIGTERM become task cancellation, for every command: sessions then stop starting work, their
// child processes get SIGINT, temporary folders are removed by the code that made them, and crossgo
// exits 130. A second signal ends crossgo at once.
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
                if flag.raise() {
                    task.cancel()
                } else {
                    ScratchFolder.removeAll()
                    exit(ExitStatus.interrupted.rawValue)  // a second signal: stop waiting for clean-up
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
    private let raised = Mutex(false)

    /// Raises the flag; true for the first signal, false for any later one.
    func raise() -> Bool { raised.withLock { was in defer { was = true }; return !was } }

    var isRaised: Bool { raised.withLock { $0 } }
}
