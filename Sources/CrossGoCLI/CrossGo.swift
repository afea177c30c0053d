// The root command: subcommands, version, help, and the mapping of every way a command can end to the exit table.
import ArgumentParser
import CrossGoKit
import Foundation

/// `crossgo`: build, verify, test and inspect Go programs for every target; diagnose Go installations.
public struct CrossGo: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crossgo",
        abstract: "Build, verify, test and inspect Go programs for every target, and diagnose Go installations.",
        discussion: """
            Targets are GOOS/GOARCH pairs (linux/riscv64, linux/arm/7, linux/amd64/v3), globs (linux/arm*), named sets \
            (default, release, first-class, all, host) or LLVM/Rust triples (aarch64-apple-darwin, wasm32-wasip1).
            Exit status: 0 success, 1 something failed, 2 usage or input error, 3 environment error, 130 interrupted \
            (the doctor: 1 warnings, 2 errors).
            """,
        version: CrossGoVersion.full,
        subcommands: [Build.self, TestCommand.self, BenchCommand.self, ReportCommand.self, Release.self, Verify.self, Merge.self, Serve.self, Inspect.self, AuditCommand.self, DoctorCommand.self, Targets.self, CacheProgCommand.self, CI.self]
    )

    public init() {}

    /// Answers what needs no thread but this one: `--version`, and the everyday lines of targets, doctor and inspect
    /// (QuickLine.swift), read without ArgumentParser and run on this thread (MainThreadExecutor: the global pool's
    /// threads cost about as much as a cached `targets` does). True when it did; otherwise `start` runs the line.
    public static func startHere() -> Bool {
        let arguments = processArguments()
        Trace.mark("start")
        // `crossgo --version` answers before ArgumentParser reflects over the command tree (most of a start).
        if arguments == ["--version"] {
            StandardStreams().out(CrossGoVersion.full)
            return true
        }
        guard let quick = QuickLine.invocation(arguments) else { return false }
        Trace.mark("arguments read (quick)")
        MainThreadExecutor.run {
            do {
                try await quick.run()
                await HTTP.shutdown()
            } catch {
                await HTTP.shutdown()
                Foundation.exit(status(for: error, json: jsonCommand(arguments)))
            }
        }
        return true
    }

    /// Runs crossgo with the process's arguments (after `startHere`) and exits with the exit table's status.
    public static func start() async {
        let arguments = processArguments()
        do {
            try rejectUnknownHelpTopic(arguments)
            var command = try parseAsRoot(PackageArguments.passTerminatorWords(arguments, subcommands: ["build", "test", "release"]))
            Trace.mark("arguments parsed")
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await HTTP.shutdown()
        } catch {
            await HTTP.shutdown()
            Foundation.exit(status(for: error, json: jsonCommand(arguments)))
        }
    }

    /// The process's arguments after the program's name, read from argv as CommandLine.arguments reads them (whose
    /// first use builds its array with a generic map: ~4% of a quick command).
    static func processArguments() -> [String] {
        var arguments: [String] = []
        let count = Int(CommandLine.argc)
        guard count > 1 else { return arguments }
        arguments.reserveCapacity(count - 1)
        for index in 1..<count {
            guard let word = CommandLine.unsafeArgv[index] else { break }
            arguments.append(String(cString: word))
        }
        return arguments
    }

    /// The command's name when `--json` is among its flags (before `--`): its errors are then JSON events too.
    static func jsonCommand(_ arguments: [String]) -> String? {
        let flags = arguments.prefix { $0 != "--" }
        guard flags.contains("--json") else { return nil }
        return flags.first { !$0.hasPrefix("-") } ?? "crossgo"
    }

    /// Prints what ArgumentParser would for `error` (help, version, a usage message) and returns the status
    /// from the exit table: ArgumentParser's 64 for a usage error becomes 2.
    /// With `json` (the command's name, under --json), an error before the session (a bad flag value, a bad
    /// `--shard` or `--remote-cache`) is the same one-line error event a session's error is, on stdout.
    static func status(for error: any Error, json: String? = nil) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        if let classified = error as? any ClassifiedError {
            if let json {
                JSONLinesReporter(streams: StandardStreams(), command: json).report(.error("\(classified)", status: classified.exitStatus))
            } else {
                StandardStreams().err("crossgo: error: \(classified)")
            }
            return classified.exitStatus.rawValue
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if let json, code != .success {
            let line = message.split(separator: "\n").first.map { String($0) } ?? "\(error)"
            let text = line.hasPrefix("Error: ") ? String(line.dropFirst("Error: ".count)) : line
            let status = code == .validationFailure ? ExitStatus.usage : ExitStatus(rawValue: code.rawValue) ?? .usage
            JSONLinesReporter(streams: StandardStreams(), command: json).report(.error(text, status: status))
            return status.rawValue
        }
        if code == .success {
            if !message.isEmpty { StandardStreams().out(HelpPage.adjust(message)) }
            return 0
        }
        if !message.isEmpty { StandardStreams().err(message) }
        return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
    }

    /// `crossgo help nosuch` is a usage error, not the root help.
    static func rejectUnknownHelpTopic(_ arguments: [String]) throws {
        guard arguments.first == "help", arguments.count > 1 else { return }
        let known = configuration.subcommands.map { $0.configuration.commandName ?? "" } + ["help"]
        if let topic = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }), !known.contains(topic) {
            throw UsageError("no help topic '\(topic)': the commands are \(known.filter { $0 != "help" }.joined(separator: ", "))")
        }
    }
}

/// The two changes crossgo makes to ArgumentParser's help pages.
enum HelpPage {
    /// `crossgo release --help` shows what `release` (= `release run`) takes, then its subcommands; a page
    /// with an option of its own named `--version` (release) does not also list the built-in one.
    static func adjust(_ message: String) -> String {
        var page = message
        if page.contains("USAGE: crossgo release <subcommand>") { page = release(page) }
        let builtIn = "\n  --version               Show the version."
        if page.contains("\n  --version <"), let range = page.range(of: builtIn) { page.removeSubrange(range) }
        return page
    }

    /// The page of `release run` under the overview of `release`, with `run` optional in the usage, then the
    /// subcommands from the page of `release`.
    static func release(_ releasePage: String) -> String {
        var page = CrossGo.helpMessage(for: Release.Run.self)
        if let runOverview = page.range(of: "\n\n"), let overview = releasePage.range(of: "\n\n") {
            page = String(releasePage[..<overview.lowerBound]) + page[runOverview.lowerBound...]
        }
        page = page.replacingOccurrences(of: "USAGE: crossgo release run ", with: "USAGE: crossgo release [run] ")
        if let subcommands = releasePage.range(of: "SUBCOMMANDS:") {
            page = page.trimmingCharacters(in: .newlines) + "\n\n" + releasePage[subcommands.lowerBound...]
        }
        return page
    }
}
