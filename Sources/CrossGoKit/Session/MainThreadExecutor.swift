// The quick commands (targets, doctor, inspect) run on the process's main thread, without Swift's global pool.
//
// A command that hops to the global pool starts its threads (four here: workers and Dispatch's manager), and once
// a process has threads on two cores every copy-on-write fault of a page also flushes the other core's TLB: about
// 0.4 ms of a 4 ms `crossgo targets`, as much as everything `targets` itself does. Here a task's jobs run on the
// thread that calls `run`, child tasks (async let, task groups) with them; a job resumed from another thread (a
// process monitor, a file read on the pool) is handed over through a pipe that the loop waits on, and so are
// SIGINT and SIGTERM when `Interrupts` asks for them (a signal handler may only write to a pipe). Work that wants
// every core asks for the global pool itself (`withTaskExecutorPreference(globalConcurrentExecutor)`).
import CSystemShims
import Foundation
import Synchronization

public final class MainThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor running the current task (and its children), if any: tasks `Interrupts` starts keep to it.
    @TaskLocal public static var current: MainThreadExecutor?

    private struct State {
        var jobs: [UnownedJob] = []
        /// The loop is (about to be) waiting in poll(2): a job from another thread must write to the pipe.
        var waiting = false
        var finished = false
    }
    private let state = Mutex(State())
    /// The wake-up pipe: [read end, write end], both non-blocking and closed on exec.
    private let pipe: [Int32]

    private init?() {
        var fds: [Int32] = [-1, -1]
        guard crossgo_pipe_cloexec(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        pipe = fds
    }

    deinit {
        for fd in pipe { close(fd) }
    }

    /// Runs `operation` on the calling thread, and returns when it has ended. Without a pipe (no file descriptors
    /// left), it runs on the global pool and this thread waits.
    public static func run(_ operation: @escaping @Sendable () async -> Void) {
        guard let executor = MainThreadExecutor() else {
            let done = DispatchSemaphore(value: 0)
            Task { await operation(); done.signal() }
            done.wait()
            return
        }
        Task(executorPreference: executor) {
            await $current.withValue(executor) { await operation() }
            executor.state.withLock { $0.finished = true }
        }
        executor.loop()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = state.withLock { state in
            state.jobs.append(job)
            return state.waiting
        }
        if wake { poke() }
    }

    /// Wakes the loop (from any thread, and from a signal handler: write(2) only).
    private func poke() {
        var byte: UInt8 = 1
        _ = write(pipe[1], &byte, 1)
    }

    private func loop() {
        while true {
            let (jobs, finished) = state.withLock { state -> ([UnownedJob], Bool) in
                let jobs = state.jobs
                state.jobs.removeAll(keepingCapacity: true)
                state.waiting = jobs.isEmpty && !state.finished
                return (jobs, state.finished)
            }
            if jobs.isEmpty {
                if finished { return }
                var wait = pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)
                _ = poll(&wait, 1, -1)
                var buffer = [UInt8](repeating: 0, count: 64)
                while read(pipe[0], &buffer, buffer.count) > 0 {}
                state.withLock { $0.waiting = false }
                runSignalActions()
                continue
            }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
            runSignalActions()
        }
    }

    // MARK: Signals

    /// What `watch(_:)` was asked to do for each signal, run by the loop (not in the handler).
    private let signalActions = Mutex<[(signal: Int32, action: @Sendable () -> Void)]>([])

    /// Runs `action` on this executor's thread whenever `signal` arrives, until `unwatch()`. The signal's own
    /// handling is replaced meanwhile (as a Dispatch signal source replaces it).
    public func watch(_ signal: Int32, _ action: @escaping @Sendable () -> Void) {
        signalActions.withLock { $0.append((signal, action)) }
        // Both atomics made before the handler can run (a first use of a global initialises it: not for a handler).
        _ = SignalPipe.pending.load(ordering: .sequentiallyConsistent)
        SignalPipe.writeEnd.store(pipe[1], ordering: .sequentiallyConsistent)
        Foundation.signal(signal) { signal in
            SignalPipe.pending.bitwiseOr(1 << UInt64(signal), ordering: .sequentiallyConsistent)
            var byte: UInt8 = 2
            _ = write(SignalPipe.writeEnd.load(ordering: .sequentiallyConsistent), &byte, 1)
        }
    }

    /// Stops watching: the signals watched are ignored again (as `Interrupts` leaves them after its sources).
    public func unwatch() {
        let signals = signalActions.withLock { actions in
            defer { actions.removeAll() }
            return actions.map(\.signal)
        }
        for watched in signals { Foundation.signal(watched, SIG_IGN) }
    }

    private func runSignalActions() {
        let arrived = SignalPipe.pending.exchange(0, ordering: .sequentiallyConsistent)
        guard arrived != 0 else { return }
        for (signal, action) in signalActions.withLock({ $0 }) where arrived & (1 << UInt64(signal)) != 0 {
            action()
        }
    }
}

/// What the signal handler may touch: atomics only.
enum SignalPipe {
    static let writeEnd = Atomic<Int32>(-1)
    /// One bit per signal number that arrived since the loop last looked.
    static let pending = Atomic<UInt64>(0)
}
