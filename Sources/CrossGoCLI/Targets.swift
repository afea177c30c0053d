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

    @Option(name: .long, help: ArgumentHelp("Targets to show: pairs, sets or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var output: OutputOptions

    struct Row: Encodable {
        var target: String
        var goos: String
        var goarch: String
        var variant: String?
        var firstClass: Bool
        var cgo: Bool
        var `extension`: String
        var runner: Runner
    }

    struct Report: Encodable {
        var go: String
        var goVersion: String
        var goroot: String
        var host: String
        var targets: [Row]
    }

    func run() async throws {
        let context = CrossGoContext.live
        do {
            let toolchain = try await context.toolchain(explicitGo: toolchainOptions.goPath)
            let resolver = TargetResolver(toolchain: toolchain)
            let targets = target.isEmpty
                ? toolchain.distTargets.map { Target(goos: $0.goos, goarch: $0.goarch) }
                : try resolver.resolve(target)
            let runners = await context.runners(for: toolchain)
            let rows = targets.map { t -> Row in
                let dist = toolchain.dist(t.goos, t.goarch)
                return Row(target: t.description, goos: t.goos, goarch: t.goarch, variant: t.variant,
                           firstClass: dist?.firstClass ?? false, cgo: dist?.cgoSupported ?? false,
                           extension: t.executableExtension, runner: runners.runner(for: t))
            }
            if output.json {
                Console.out(try Console.json(Report(go: toolchain.goPath, goVersion: toolchain.version, goroot: toolchain.goroot,
                                                    host: toolchain.host.description, targets: rows)))
                return
            }
            let color = output.useColor()
            Console.err("\(toolchain.version) at \(toolchain.goPath), host \(toolchain.host)")
            Console.out(renderTable(
                ["TARGET", "FIRST-CLASS", "CGO", "EXT", "RUNS HERE"],
                rows.map { r in
                    let runs = r.runner.canRun ? r.runner.summary : (color ? "\u{1B}[2m\(r.runner.summary)\u{1B}[0m" : r.runner.summary)
                    return [r.target, r.firstClass ? "yes" : "-", r.cgo ? "yes" : "-", r.extension.isEmpty ? "-" : r.extension, runs]
                }))
        } catch {
            throw fail(error)
        }
    }
}
