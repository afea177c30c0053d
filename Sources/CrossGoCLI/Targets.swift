// `crossgo targets`: every target of the active toolchain, with how this host can run it.
import ArgumentParser
import CrossGoKit
import Foundation

struct Targets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List Go targets: first-class, cgo, executable extension, and how this host runs them.",
        discussion: "Without --target, lists every target of `go tool dist list`."
    )

    @Option(name: .long, help: ArgumentHelp("Targets to show: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        let goPath = toolchainOptions.goPath
        let specs = target
        try await CommandRuntime.run("targets", reporting: reporting) { context in
            let toolchain = try await context.toolchain(explicitGo: goPath)
            let resolver = TargetResolver(toolchain: toolchain)
            let targets = specs.isEmpty ? toolchain.distTargets.map { Target(goos: $0.goos, goarch: $0.goarch) } : try resolver.resolve(specs)
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
}

/// The targets listing, as an outcome: a table for people, the rows for machines.
struct TargetListing: SessionOutcome {
    struct Row: Encodable {
        var target: String
        var goos: String
        var goarch: String
        var variant: String?
        var firstClass: Bool
        var cgo: Bool
        /// Executables link only externally, so only with cgo (CGO column "required").
        var externalLinking: Bool
        var `extension`: String
        var runner: Runner
    }

    var go: String
    var goVersion: String
    var goroot: String
    var host: String
    var targets: [Row]

    var command: String { "targets" }
    var exitStatus: ExitStatus { .ok }
    var counts: [(String, Int)] { [("targets", targets.count), ("runnable", targets.filter(\.runner.canRun).count)] }

    func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(
            results: [renderTable(["TARGET", "FIRST-CLASS", "CGO", "EXT", "RUNS HERE"], targets.map { r in
                [r.target, r.firstClass ? "yes" : "-", r.externalLinking ? "required" : r.cgo ? "yes" : "-", r.extension.isEmpty ? "-" : r.extension,
                 r.runner.canRun ? r.runner.summary : painter.dim(r.runner.summary)]
            })],
            messages: ["\(goVersion) at \(go), host \(host)"])
    }
}
