// What every session starts from: the host, the folder it works in, the caches, the reporter and the clock.
// Passed in, never global: tests make one with a described system or a capturing reporter.
import Foundation

/// crossgo's own version, and the git revision it was built from (`make install` stamps it).
public enum CrossGoVersion {
    public static let current = "0.2.0"

    /// "0.2.0 (git 1a2b3c4)" when the build was stamped with a revision, else "0.2.0".
    public static var full: String {
        let revision = BuildStamp.revision
        return revision.isEmpty ? current : "\(current) (git \(revision))"
    }
}

/// The host, and how to find the Go toolchain and the repository's tool folder on it.
public struct CrossGoContext: Sendable {
    public var system: any HostSystem
    /// Folders above which a `.tools/bin` may live: the current folder and crossgo's own executable folder. The
    /// executable's folder is looked up on first use (once per process): inspect and serve never need it.
    public var anchors: [String] {
        get { givenAnchors ?? [startDirectory] + (Self.ownFolder.map { [$0] } ?? []) }
        set { givenAnchors = newValue }
    }
    private var givenAnchors: [String]?
    private let startDirectory: String
    private static let ownFolder = executablePath().map(parentFolder)
    /// The folder the command runs in (relative paths and `./...` are read from here).
    public var workingDirectory: String
    /// Where go queries are remembered; nil with CROSSGO_CACHE=off.
    public var goCache: GoQueryCache?
    /// Where every session's events go.
    public var reporter: any Reporter
    /// The time, for durations and records.
    public var clock: @Sendable () -> Date

    public init(system: any HostSystem = liveSystem(), anchors: [String]? = nil, workingDirectory: String? = nil,
                reporter: any Reporter = CapturingReporter(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.system = system
        let cwd = workingDirectory ?? system.currentDirectory
        self.workingDirectory = cwd
        self.startDirectory = cwd
        self.givenAnchors = anchors
        self.goCache = GoQueryCache.standard(environment: system.environment)
        self.reporter = reporter
        self.clock = clock
    }

    public var locator: ToolchainLocator { ToolchainLocator(system: system, anchors: anchors) }

    /// Extra folders searched after PATH for tools (the repository's `.tools/bin`).
    public var extraToolDirectories: [String] { locator.toolFolder().map { [$0] } ?? [] }

    /// `path` as given on the command line, made absolute against the working folder ("." and ".." removed).
    public func absolute(_ path: String) -> String {
        absolutePath(path, against: workingDirectory)
    }

    /// Finds and loads the Go toolchain (`go env -json`, `go tool dist list -json`).
    public func toolchain(explicitGo: String?) async throws -> GoToolchain {
        let go = try locator.locate(explicit: explicitGo)
        return try await GoToolchain.load(goPath: go, workingDirectory: workingDirectory, system: system, cache: goCache)
    }

    /// Probes how each target can run on this host.
    public func runners(for toolchain: GoToolchain) async -> RunnerDetector {
        await RunnerDetector.probe(system: system, toolchain: toolchain, extraDirectories: extraToolDirectories, cache: goCache)
    }

    /// The C cross-compilers for cgo: zig located (PATH, .tools/bin, `python3 -m ziglang`), wrappers and zig's caches in
    /// crossgo's cache folder, the macOS SDK from `sdk` or SDKROOT.
    public func cgoToolchain(toolchain: GoToolchain, sdk: String?) async -> CgoToolchain {
        let zig = await ZigCommand.locate(system: system, extraDirectories: extraToolDirectories)
        let sdkPath = (sdk ?? system.environment["SDKROOT"]).flatMap { $0.isEmpty ? nil : absolute($0) }
        var cgo = CgoToolchain(zig: zig, host: toolchain.host, folder: CgoToolchain.folder(environment: system.environment), sdk: sdkPath, system: system)
        cgo.withoutCgo = Set(toolchain.distTargets.filter { !$0.cgoSupported }.map { "\($0.goos)/\($0.goarch)" })
        return cgo
    }

    /// crossgo's own executable, symlinks resolved.
    static func executablePath() -> String? { liveSystem().executablePath }
}
