// `crossgo targets` as a session: every target of the active toolchain (or those asked for), with how this host runs it.
import Foundation

/// What `crossgo targets` was asked.
public struct TargetsRequest: Equatable, Sendable {
    /// Target specs; none means every target of `go tool dist list`.
    public var targets: [String]
    public var goPath: String?
    public init(targets: [String] = [], goPath: String? = nil) {
        self.targets = targets
        self.goPath = goPath
    }
}

/// Lists targets: the toolchain's dist list (or the specs resolved), each with its runner on this host.
public struct TargetsSession: Sendable {
    public let context: CrossGoContext
    public init(context: CrossGoContext) { self.context = context }

    public func run(_ request: TargetsRequest) async throws -> TargetListing {
        let toolchain = try await context.toolchain(explicitGo: request.goPath)
        let resolver = TargetResolver(toolchain: toolchain)
        let targets = request.targets.isEmpty ? toolchain.distTargets.map { Target(goos: $0.goos, goarch: $0.goarch) } : try resolver.resolve(request.targets)
        let runners = await context.runners(for: toolchain)
        return TargetListing(go: toolchain.goPath, goVersion: toolchain.version, goroot: toolchain.goroot, host: toolchain.host.description,
                             targets: targets.map { t in
                                 let dist = toolchain.dist(t.goos, t.goarch)
                                 return TargetListing.Row(target: t.description, goos: t.goos, goarch: t.goarch, variant: t.variant,
                                                          firstClass: dist?.firstClass ?? false, cgo: dist?.cgoSupported ?? false,
                                                          externalLinking: t.requiresExternalLinking,
                                                          extension: t.executableExtension, runner: runners.runner(for: t))
                             })
    }
}

/// The targets listing, as an outcome: a table for people, the rows for machines.
public struct TargetListing: SessionOutcome {
    public struct Row: Encodable, Sendable {
        public var target: String
        public var goos: String
        public var goarch: String
        public var variant: String?
        public var firstClass: Bool
        public var cgo: Bool
        /// Executables link only externally, so only with cgo (CGO column "required").
        public var externalLinking: Bool
        public var `extension`: String
        public var runner: Runner
    }

    public var go: String
    public var goVersion: String
    public var goroot: String
    public var host: String
    public var targets: [Row]

    public var command: String { "targets" }
    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] { [("targets", targets.count), ("runnable", targets.filter(\.runner.canRun).count)] }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(
            results: [renderTable(["TARGET", "FIRST-CLASS", "CGO", "EXT", "RUNS HERE"], targets.map { r in
                [r.target, r.firstClass ? "yes" : "-", r.externalLinking ? "required" : r.cgo ? "yes" : "-", r.extension.isEmpty ? "-" : r.extension,
                 r.runner.canRun ? r.runner.summary : painter.dim(r.runner.summary)]
            })],
            messages: ["\(goVersion) at \(go), host \(host)"])
    }
}
