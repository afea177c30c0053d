// How many things crossgo does at a time when the user does not say (`--jobs`), decided in one place.
import Foundation

public enum Concurrency {
    /// The cores this process may use (at least 1), asked once: Foundation reads the cgroup's CPU quota files for it
    /// (~0.1 ms, 3% of an `inspect` of a few files).
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `go build`s at a time: see `Builder.defaultJobs` for the measurements behind it.
    public static var builds: Int { Builder.defaultJobs(cores: cores) }

    /// Test and bench binaries run (natively or under an emulator) at a time: one per core.
    public static var runners: Int { cores }

    /// Release stages' jobs (archives, SBOMs, packages, images) at a time: compression and file writing, at most 4
    /// (more only competes for the disk).
    public static var releaseStages: Int { min(4, cores) }

    /// Requests to a vulnerability database in flight at a time (network round trips, not cores).
    public static let databaseRequests = 8
}

extension Concurrency {
    /// The one bounded loop: runs `work` for every item, at most `limit` at a time, starting them in order, and returns
    /// the outputs in item order. An item is never started once the calling task is cancelled or `stop` said so of an
    /// output already in; its output is nil (as is the output of a `work` that returns nil). The matrix runner runs
    /// its jobs on it; audit its database requests.
    public static func bounded<Item: Sendable, Output: Sendable>(
        _ items: [Item], limit: Int, stop: @escaping @Sendable (Output) -> Bool = { _ in false },
        _ work: @escaping @Sendable (Item) async -> Output?
    ) async -> [Output?] {
        var outputs = [Output?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, Output?).self) { group in
            var next = 0
            var stopped = false
            func startNext() {
                guard next < items.count, !stopped, !Task.isCancelled else { return }
                let index = next
                let item = items[index]
                next += 1
                group.addTask { Task.isCancelled ? (index, nil) : (index, await work(item)) }
            }
            for _ in 0..<min(max(1, limit), items.count) { startNext() }
            while let (index, output) = await group.next() {
                outputs[index] = output
                if let output, stop(output) { stopped = true }
                startNext()
            }
        }
        return outputs
    }
}
