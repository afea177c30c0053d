// Starts the `go` runs a command is sure to need before crossgo has parsed its own flags, so that
// parsing and set-up overlap them. A prefetched run is used only by a later request for exactly the
// same program, arguments and working directory; anything else runs afresh.
import Foundation
import Synchronization

public enum Prefetch {
    struct Key: Hashable {
        var program: String
        var arguments: [String]
        var workingDirectory: String
    }

    static let started = Mutex<[Key: Task<GoQueryResult, any Error>]>([:])

    /// Starts `operation`, which answers `go arguments` in `workingDirectory` (GoQuery.fetch, never GoQuery.run:
    /// that would find this very task and wait for itself).
    public static func start(_ go: String, _ arguments: [String], workingDirectory: String,
                             operation: @escaping @Sendable () async throws -> GoQueryResult) {
        let key = Key(program: go, arguments: arguments, workingDirectory: workingDirectory)
        let task = Task {
            Trace.mark("prefetch: \(arguments.prefix(3).joined(separator: " ")) starting")
            defer { Trace.mark("prefetch: \(arguments.prefix(3).joined(separator: " ")) finished") }
            return try await operation()
        }
        started.withLock { $0[key] = task }
    }

    /// The prefetched result of exactly this run if one was started, else `fresh()`.
    public static func result(_ program: String, _ arguments: [String], workingDirectory: String,
                              else fresh: () async throws -> GoQueryResult) async throws -> GoQueryResult {
        let key = Key(program: program, arguments: arguments, workingDirectory: workingDirectory)
        if let task = started.withLock({ $0.removeValue(forKey: key) }) {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        }
        return try await fresh()
    }

    /// Stops prefetched runs nobody asked for (the command turned out to need something else).
    public static func discardUnused() {
        for task in takeAll() { task.cancel() }
    }

    /// Stops what nobody asked for and waits until it has ended: called before crossgo exits, so that no
    /// `go` is left running and no run is cut off half-way.
    public static func finish() async {
        for task in takeAll() {
            task.cancel()
            _ = try? await task.value
        }
    }

    static func takeAll() -> [Task<GoQueryResult, any Error>] {
        started.withLock { dict in
            defer { dict.removeAll() }
            return Array(dict.values)
        }
    }
}

/// One way to ask `go` something: prefetched if it was, else from the cache if there is one, else a run.
public enum GoQuery {
    public static func run(_ go: String, _ arguments: [String], workingDirectory: String, timeout: Double,
                           system: any HostSystem, cache: GoQueryCache?, extraInputs: [String]? = []) async throws -> GoQueryResult {
        try await Prefetch.result(go, arguments, workingDirectory: workingDirectory) {
            try await fetch(go, arguments, workingDirectory: workingDirectory, timeout: timeout, system: system, cache: cache,
                            extraInputs: extraInputs)
        }
    }

    /// The answer from the cache, or a run. `extraInputs` are what the answer depends on besides the go
    /// binary, the environment and the env files (see GoQueryCache); nil means it cannot be cached.
    public static func fetch(_ go: String, _ arguments: [String], workingDirectory: String, timeout: Double,
                             system: any HostSystem, cache: GoQueryCache?, extraInputs: [String]? = []) async throws -> GoQueryResult {
        if let cache, let extraInputs {
            return try await cache.run(go, arguments, workingDirectory: workingDirectory, timeout: timeout, system: system,
                                       extraInputs: extraInputs)
        }
        let result = try await system.run(go, arguments, environment: [:], timeout: timeout, workingDirectory: workingDirectory)
        return GoQueryResult(result: result, cachedAt: nil)
    }
}
