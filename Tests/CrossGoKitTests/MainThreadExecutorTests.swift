// The executor the quick commands run on: their task and its children on the thread that calls `run`, jobs resumed
// from other threads handed over, work that asks for the global pool sent there, signals turned into actions on it.
import CrossGoKit
import Foundation
import Synchronization
import Testing

/// The thread this runs on (Thread.current is not for async code; this sync function is).
private func threadID() -> ObjectIdentifier { ObjectIdentifier(Thread.current) }

@Suite struct MainThreadExecutorTests {
    /// Runs `operation` with `MainThreadExecutor.run` on a thread of its own (not one of the test pool's threads, which
    /// its loop would hold), and returns that thread.
    static func runOnOwnThread(_ operation: @escaping @Sendable () async -> Void) async -> ObjectIdentifier {
        await withCheckedContinuation { done in
            Thread {
                let loop = threadID()
                MainThreadExecutor.run(operation)
                done.resume(returning: loop)
            }.start()
        }
    }

    @Test func runsTheTaskAndItsChildrenOnTheCallingThread() async {
        let seen = Mutex<[String: ObjectIdentifier]>([:])
        let loop = await Self.runOnOwnThread {
            func note(_ what: String) { let id = threadID(); seen.withLock { $0[what] = id } }
            note("task")
            #expect(MainThreadExecutor.current != nil)
            async let child: ObjectIdentifier = threadID()
            let fromChild = await child
            seen.withLock { $0["async let"] = fromChild }
            await withTaskGroup(of: ObjectIdentifier.self) { group in
                group.addTask { threadID() }
                for await id in group { seen.withLock { $0["task group"] = id } }
            }
            // A value made on the global pool, after a sleep: the task resumes from another thread and is handed back.
            let pool = await Task.detached { () -> ObjectIdentifier in
                try? await Task.sleep(for: .milliseconds(20))
                return threadID()
            }.value
            seen.withLock { $0["detached"] = pool }
            note("after the pool")
            // Work that asks for the global pool gets it.
            let global = await withTaskExecutorPreference(globalConcurrentExecutor) {
                await withTaskGroup(of: ObjectIdentifier.self) { group in
                    group.addTask { threadID() }
                    return await group.next()!
                }
            }
            seen.withLock { $0["preferring the pool"] = global }
        }
        let threads = seen.withLock { $0 }
        for part in ["task", "async let", "task group", "after the pool"] {
            #expect(threads[part] == loop, "\(part) ran on another thread")
        }
        #expect(threads["detached"] != nil && threads["detached"] != loop)
        #expect(threads["preferring the pool"] != nil && threads["preferring the pool"] != loop)
        #expect(MainThreadExecutor.current == nil, "only the run's tasks see it")
    }

    @Test func runsAWatchedSignalsActionOnItsThread() async {
        let ran = Mutex<ObjectIdentifier?>(nil)
        let loop = await Self.runOnOwnThread {
            guard let executor = MainThreadExecutor.current else { return }
            let (signals, arrived) = AsyncStream<Void>.makeStream()
            executor.watch(SIGUSR1) {
                let id = threadID()
                ran.withLock { $0 = id }
                arrived.yield()
            }
            // Sent from another thread to the process: the handler may run on any thread, the action only on the loop.
            Thread {
                usleep(20_000)
                kill(getpid(), SIGUSR1)
            }.start()
            for await _ in signals { break }
            executor.unwatch()
        }
        #expect(ran.withLock { $0 } == loop)
    }
}
