// One way to ask `go` something (go env, go tool dist list, go list): from the cache when there is one
// and the answer can be remembered, else a run through the HostSystem.
import Foundation

public enum GoQuery {
    /// The answer to `go arguments` in `workingDirectory`. `extraInputs` are what the answer depends on
    /// besides the go binary, the environment and the env files (see GoQueryCache); nil means it cannot be
    /// cached. `environment` changes the child's environment (GOOS, GOARCH, GOFLAGS) and is part of the key.
    public static func run(_ go: String, _ arguments: [String], environment: EnvironmentChanges = [:], workingDirectory: String,
                           timeout: Double, system: any HostSystem, cache: GoQueryCache?, extraInputs: [String]? = []) async throws -> GoQueryResult {
        if let cache, let extraInputs {
            return try await cache.run(go, arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout,
                                       system: system, extraInputs: extraInputs)
        }
        let result = try await system.run(go, arguments, environment: environment, timeout: timeout, workingDirectory: workingDirectory)
        return GoQueryResult(result: result, cachedAt: nil)
    }
}
