// What every command starts from: the host system and the Go toolchain it should drive.
import Foundation

/// crossgo's own version.
public enum CrossGoVersion {
    public static let current = "0.1.0"
}

/// The host, and how to find the Go toolchain and the repository's tool folder on it.
public struct CrossGoContext: Sendable {
    public var system: any HostSystem
    /// Folders above which a `.tools/bin` may live: the current folder and crossgo's own executable folder.
    public var anchors: [String]
    /// Where `go env -json` and `go tool dist list -json` outputs are remembered; nil with CROSSGO_CACHE=off.
    public var goCache: GoQueryCache?

    /// This machine, as the crossgo process sees it (made once: the commands and their prefetch share it).
    public static let live = CrossGoContext()

    public init(system: any HostSystem = liveSystem(), anchors: [String]? = nil) {
        self.system = system
        self.anchors = anchors ?? [FileManager.default.currentDirectoryPath, Self.executableDirectory()].compactMap { $0 }
        self.goCache = GoQueryCache.standard(environment: system.environment)
    }

    public var locator: ToolchainLocator { ToolchainLocator(system: system, anchors: anchors) }

    /// Extra folders searched after PATH for tools (the repository's `.tools/bin`).
    public var extraToolDirectories: [String] { locator.toolFolder().map { [$0] } ?? [] }

    /// Finds and loads the Go toolchain (`go env -json`, `go tool dist list -json`).
    public func toolchain(explicitGo: String?) async throws -> GoToolchain {
        let go = try locator.locate(explicit: explicitGo)
        return try await GoToolchain.load(goPath: go, system: system, cache: goCache)
    }

    /// Probes how each target can run on this host.
    public func runners(for toolchain: GoToolchain) async -> RunnerDetector {
        await RunnerDetector.probe(system: system, toolchain: toolchain, extraDirectories: extraToolDirectories)
    }

    static func executableDirectory() -> String? {
        guard let path = Bundle.main.executableURL?.resolvingSymlinksInPath().path else { return nil }
        return (path as NSString).deletingLastPathComponent
    }
}
