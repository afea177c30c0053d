// The root command: subcommands, version, help.
import ArgumentParser
import CrossGoKit
import Foundation

/// `crossgo`: build, verify, test and inspect Go programs for every target; diagnose Go installations.
public struct CrossGo: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crossgo",
        abstract: "Build, verify, test and inspect Go programs for every target, and diagnose Go installations.",
        discussion: """
            Targets are GOOS/GOARCH pairs (linux/riscv64, linux/arm/7, linux/amd64/v3), named sets \
            (default, release, first-class, all, host) or LLVM/Rust triples (aarch64-apple-darwin, wasm32-wasip1).
            """,
        version: CrossGoVersion.current,
        subcommands: [Build.self, TestCommand.self, Inspect.self, DoctorCommand.self, Targets.self]
    )

    public init() {}

    /// Runs crossgo with the process's arguments: prefetches what the subcommand will need, parses, runs,
    /// and ends prefetched runs nobody used before exiting.
    public static func start() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        prefetch(arguments)
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await Prefetch.finish()
        } catch {
            await Prefetch.finish()
            exit(withError: error)
        }
    }

    /// Starts the `go` runs the chosen subcommand is certain to make, before the arguments are parsed, so
    /// that parsing and set-up overlap them (see Prefetch). With `--go`, or for help, nothing is started.
    public static func prefetch(_ arguments: [String]) {
        guard let subcommand = arguments.first,
              !arguments.contains(where: { ["-h", "--help", "--version", "--go"].contains($0) || $0.hasPrefix("--go=") })
        else { return }
        let context = CrossGoContext.live
        let system = context.system
        switch subcommand {
        case "doctor":
            guard let go = system.allOnPath("go").first else { return }
            let cache = arguments.contains("--no-cache") ? nil : context.goCache
            Prefetch.start(go, GoToolchain.envArguments, workingDirectory: DoctorFacts.goEnvDirectory) {
                try await GoQuery.fetch(go, GoToolchain.envArguments, workingDirectory: DoctorFacts.goEnvDirectory, timeout: DoctorFacts.goEnvTimeout,
                                        system: system, cache: cache)
            }
        case "build", "test", "targets":
            guard let go = try? context.locator.locate(explicit: nil) else { return }
            let cwd = FileManager.default.currentDirectoryPath
            for query in [GoToolchain.envArguments, GoToolchain.distListArguments] {
                Prefetch.start(go, query, workingDirectory: cwd) {
                    try await GoQuery.fetch(go, query, workingDirectory: cwd, timeout: GoToolchain.queryTimeout, system: system, cache: context.goCache)
                }
            }
            if subcommand == "build" {
                // Most builds name no packages; if this one does, the listing is stopped once flags are parsed.
                Prefetch.start(go, BuildPlanner.listArguments([]), workingDirectory: cwd) {
                    try await BuildPlanner.listPackages(goPath: go, [], workingDirectory: cwd, system: system, cache: context.goCache, usePrefetched: false)
                }
            }
        default:
            return
        }
    }
}
