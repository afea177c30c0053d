// Options every command shares, and the one place a session is run: context, reporter, interrupts, exit status.
import ArgumentParser
import CrossGoKit
import Foundation

/// Which Go toolchain to drive.
struct ToolchainOptions: ParsableArguments {
    @Option(name: .customLong("go"), help: ArgumentHelp("The go executable to use (default: CROSSGO_GO, then PATH, then the repository's .tools/bin).", valueName: "path"))
    var goPath: String?
}

extension ColorMode: ExpressibleByArgument {}

/// The go flags after `--` (each command declares its packages argument, with its own help).
///
/// ArgumentParser 1.8 refuses a `.postTerminator` array after another positional array (its
/// PositionalArgumentsValidator), so the words after `--` travel as a hidden repeatable `--go-flag=WORD`
/// option: `CrossGo.start` rewrites `build PKG -- -v -x` to `build PKG --go-flag=-v --go-flag=-x` before
/// parsing (`passTerminatorWords`), and the command reads them parsed, never from CommandLine.
struct PackageArguments: ParsableArguments {
    @Option(name: .customLong("go-flag"), help: .hidden)
    var passthrough: [String] = []

    /// The option that carries a word from after `--`.
    static let carrier = "--go-flag="

    /// `args` with every word after the first `--` turned into `--go-flag=WORD` (for subcommands that pass them on).
    /// Also: an option given an empty attached value (`--ldflags=`) becomes `--ldflags ""`, because
    /// ArgumentParser's unconditional options otherwise ignore the empty value and take the next word; and an
    /// option followed by a negative number (`--jobs -1`) gets it attached (`--jobs=-1`), because ArgumentParser
    /// takes `-1` for a flag and says the value is missing, where the command's own check names what is wrong.
    static func passTerminatorWords(_ args: [String], subcommands: Set<String>) -> [String] {
        let dash = args.firstIndex(of: "--") ?? args.endIndex
        var head: [String] = []
        for word in args[..<dash] {
            if word.hasPrefix("--"), word.hasSuffix("="), word.count > 3, !word.dropLast().contains("=") {
                head += [String(word.dropLast()), ""]
            } else if word.count > 1, word.hasPrefix("-"), word.dropFirst().allSatisfy(\.isNumber),
                      let option = head.last, option.hasPrefix("--"), option.count > 2, !option.contains("=") {
                head[head.count - 1] = option + "=" + word
            } else {
                head.append(word)
            }
        }
        guard let first = args.first, subcommands.contains(first), dash < args.endIndex else { return head + args[dash...] }
        return head + args[(dash + 1)...].map { carrier + $0 }
    }
}

/// The flags `build` and `release` share: which targets, where, and how go builds.
struct BuildFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Targets: pairs, sets, globs or triples, comma-separated (repeatable).", valueName: "spec"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output folder (default: dist next to go.mod).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: "Targets built at the same time (default: chosen for this machine).")
    var jobs: Int?

    @Option(name: .long, parsing: .unconditional, help: "Linker flags for go build -ldflags ({{.Version}} {{.Commit}} {{.ShortCommit}} {{.CommitDate}} {{.Date}} are filled in; --ldflags= means none).")
    var ldflags: String?

    @Option(name: .long, help: "Build tags, comma-separated.")
    var tags: String?

    @Option(name: .long, help: ArgumentHelp("Artifact name template: {binary} {os} {arch} {variant} {ext}.", valueName: "template"))
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Build with -trimpath (default: on).")
    var trimpath: Bool?

    @Flag(help: "Remove the artifacts listed in the previous manifest first.")
    var clean = false

    @Option(help: ArgumentHelp("Build only shard K of N of the (program x target) jobs, into <out>/shard-K-of-N; join with crossgo merge.", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("shard-durations"), help: ArgumentHelp("An earlier run's manifest.json: its durations balance the shards (every shard must get the same file).", valueName: "file"))
    var shardDurations: String?

    @Option(name: .customLong("remote-cache"), help: ArgumentHelp("Share the Go build cache through this HTTP cache (GOCACHEPROG=crossgo cacheprog).", valueName: "url"))
    var remoteCache: String?

    @OptionGroup var cgoOptions: CgoOptions

    func validate() throws {
        try validateRunFlags(jobs: jobs, shard: shard)
    }

    /// These flags, with the packages and the go flags after `--`, as a build request.
    func request(packages: [String], _ arguments: PackageArguments, goPath: String?) throws -> BuildRequest {
        var request = BuildRequest()
        request.shard = try shard.map { try Shard(parsing: $0) }
        request.shardDurations = shardDurations
        request.goPath = goPath
        request.packages = packages
        request.passthrough = arguments.passthrough
        request.targets = target
        request.out = out
        request.jobs = jobs
        request.ldflags = ldflags
        request.tags = tags.map { $0.split(separator: ",").map(String.init) }
        request.outputTemplate = output
        request.trimpath = trimpath
        request.clean = clean
        request.cgo = cgoOptions.cgo ? true : nil
        request.sdk = cgoOptions.sdk
        request.minGlibc = cgoOptions.minGlibc
        return request
    }
}

/// `--cgo` and `--sdk`: build and test, and release through BuildFlags.
struct CgoOptions: ParsableArguments {
    @Flag(help: "Build with cgo for every target: zig compiles the C code of foreign targets (also `cgo: true` in crossgo.yaml).")
    var cgo = false

    @Option(help: ArgumentHelp("A macOS SDK folder (MacOSX.sdk) for darwin targets with cgo (default: SDKROOT).", valueName: "dir"))
    var sdk: String?

    @Option(name: .customLong("min-glibc"), help: ArgumentHelp(
        "The oldest glibc linux cgo targets promise to run on: zig links against it (libc gnu), and an artifact that needs a newer GLIBC_ version fails (also `libc: gnu.2.17` in crossgo.yaml).",
        valueName: "x.y"))
    var minGlibc: String?

    func validate() throws {
        if let minGlibc, !GlibcVersion.isValid(minGlibc) {
            throw ValidationError("--min-glibc expects a glibc version such as 2.17, not '\(minGlibc)'")
        }
    }
}

/// `--count`, `--jobs` and `--shard`, checked alike by build, release, test and bench: a count must be positive and a
/// shard K/N with 1 <= K <= N <= 256; one line naming the flag and the value given.
func validateRunFlags(jobs: Int?, count: Int? = nil, shard: String?) throws {
    for (flag, value) in [("--count", count), ("--jobs", jobs)] {
        if let value, value < 1 { throw ValidationError("\(flag) must be a positive whole number (1 or more), not \(value)") }
    }
    if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") } }
}

/// `--json`, `--color`, `--no-progress`: the same on every reporting command.
struct ReportingOptions: ParsableArguments {
    @Flag(help: "Print JSON Lines on stdout: one event per line, the last a summary holding the outcome or an error (see the README's event schema).")
    var json = false

    @Option(help: "Colour: auto colours only on a terminal and never with NO_COLOR.")
    var color: ColorMode = .auto

    @Flag(name: .customLong("no-progress"), help: "Plain progress lines even on a terminal.")
    var noProgress = false

    /// What these flags ask for, as a plain value (also made by `QuickLine` without ArgumentParser).
    var settings: ReportingSettings { ReportingSettings(json: json, color: color, noProgress: noProgress) }
}

/// What `--json`, `--color` and `--no-progress` ask for.
struct ReportingSettings: Equatable, Sendable {
    var json = false
    var color: ColorMode = .auto
    var noProgress = false

    /// Whether to colour what goes to `fd`.
    func painter(fd: Int32, system: any HostSystem) -> Painter {
        Painter(enabled: color.enabled(isTerminal: system.isTerminal(fd), environment: system.environment))
    }

    /// The reporter these settings ask for: JSON Lines, a live display on a terminal, or plain lines.
    func reporter(command: String, system: any HostSystem, workingDirectory: String) -> any Reporter {
        if json { return JSONLinesReporter(streams: StandardStreams(), command: command) }
        let painter = painter(fd: 2, system: system)
        if !noProgress, let rows = system.terminalRows(2) {
            return LiveReporter(painter: painter, rows: rows, relativeTo: workingDirectory)
        }
        return PlainReporter(streams: StandardStreams(), painter: painter, relativeTo: workingDirectory)
    }
}

/// Which reporter a command's session reports through.
enum ReporterChoice {
    /// What `--json`, `--color` and `--no-progress` ask for.
    case standard(ReportingSettings)
    /// Plain lines: the outcome's results on stdout, its messages on stderr (inspect's per-file output, cacheprog,
    /// whose stdout is go's protocol stream and so carries no results).
    case plain(color: ColorMode)

    func reporter(command: String, system: any HostSystem, workingDirectory: String) -> any Reporter {
        switch self {
        case .standard(let options):
            return options.reporter(command: command, system: system, workingDirectory: workingDirectory)
        case .plain(let color):
            let painter = Painter(enabled: color.enabled(isTerminal: system.isTerminal(1), environment: system.environment))
            return PlainReporter(streams: StandardStreams(), painter: painter, relativeTo: workingDirectory)
        }
    }
}

/// Runs a session for a command: makes the context with the chosen reporter, traps SIGINT/SIGTERM, reports
/// the outcome, and ends with the exit table's status. Errors are reported once, with their status.
enum CommandRuntime {
    static func run<Outcome: SessionOutcome>(_ command: String, reporting: ReportingOptions,
                                             _ body: @escaping @Sendable (CrossGoContext) async throws -> Outcome) async throws {
        try await run(command, reporter: .standard(reporting.settings), body)
    }

    static func run<Outcome: SessionOutcome>(_ command: String, reporting: ReportingSettings,
                                             _ body: @escaping @Sendable (CrossGoContext) async throws -> Outcome) async throws {
        try await run(command, reporter: .standard(reporting), body)
    }

    /// `trapInterrupts: false` leaves SIGINT and SIGTERM as they are (cacheprog: go, which started it, ends it).
    static func run<Outcome: SessionOutcome>(_ command: String, reporter choice: ReporterChoice, trapInterrupts: Bool = true,
                                             _ body: @escaping @Sendable (CrossGoContext) async throws -> Outcome) async throws {
        let system = liveSystem()
        let cwd = system.currentDirectory
        let reporter = choice.reporter(command: command, system: system, workingDirectory: cwd)
        let context = CrossGoContext(system: system, workingDirectory: cwd, reporter: reporter)
        Trace.mark("\(command): context ready")
        let outcome: Outcome
        let interrupted: Bool
        do {
            if trapInterrupts {
                (outcome, interrupted) = try await Interrupts.run { try await body(context) }
            } else {
                (outcome, interrupted) = (try await body(context), false)
            }
        } catch {
            let status = ExitStatus.of(error)
            reporter.report(.error("\(error)", status: status))
            try end(status)
            return
        }
        reporter.report(.finished(outcome))
        try end(interrupted ? ExitStatus.interrupted : outcome.exitStatus)
    }

    /// The one place a command's status becomes the process's: the exit table's row, as ArgumentParser's ExitCode.
    static func end(_ status: ExitStatus) throws {
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}

extension CommandRuntime {
    /// Runs a session with `--remote-cache URL`: the GOCACHEPROG setup is made first (a bad URL is one usage line,
    /// exit 2, a JSON error event under --json), its environment handed to the body, its warnings reported once the
    /// session ends, its files removed on every path.
    static func run<Outcome: SessionOutcome>(_ command: String, reporting: ReportingOptions, remoteCache url: String?,
                                             _ body: @escaping @Sendable (CrossGoContext, [String: String]) async throws -> Outcome) async throws {
        let launch = try url.map { try RemoteCacheLaunch(url: $0) }
        defer { launch?.cleanup() }
        try await run(command, reporting: reporting) { context in
            let outcome = try await body(context, launch?.environment ?? [:])
            launch?.reportWarnings(to: context.reporter)
            return outcome
        }
    }
}
