// The everyday lines of the quick commands (targets, doctor, inspect), read without ArgumentParser.
//
// ArgumentParser reads a command by reflecting over its properties (Mirror) and instantiating its generic property
// wrappers by mangled name; in crossgo's statically linked binary every first protocol lookup walks all ~10,600
// conformance records, and one parse costs about 4 ms, as long as the whole of `go tool dist list`. These are the
// commands people run again and again (in scripts, prompts and editors), so a line made only of their own flags is
// read here: every word is one of the command's flags or options (or, for inspect, a path), each at most once
// (repeatable options excepted), every value well-formed. Anything else (help, an unknown or repeated flag, a bad
// or missing value, `--`, a word starting with "-" that is not a flag) gives nil and ArgumentParser reads the line,
// so help pages and every usage error stay ArgumentParser's. QuickLineTests checks that ArgumentParser reads each
// line this accepts to the same invocation, and that the flags here are the commands' declared ones.
import CrossGoKit

/// What a quick command was asked, ready to run: the same value whether ArgumentParser or `QuickLine` read the line.
enum Invocation: Equatable, Sendable {
    case targets(TargetsRequest, ReportingSettings)
    case doctor(DoctorRequest, ReportingSettings)
    case inspect(InspectRequest, color: ColorMode)

    func run() async throws {
        switch self {
        case .targets(let request, let reporting):
            try await CommandRuntime.run("targets", reporting: reporting) { context in
                try await TargetsSession(context: context).run(request)
            }
        case .doctor(let request, let reporting):
            try await CommandRuntime.run("doctor", reporting: reporting) { context in
                await DoctorSession(context: context).run(request)
            }
        case .inspect(let request, let color):
            // The per-file text or JSON objects are the results (stdout); errors and skipped files the messages (stderr).
            try await CommandRuntime.run("inspect", reporter: .plain(color: color)) { context in
                try await InspectSession(context: context).run(request)
            }
        }
    }
}

/// A command ArgumentParser parsed that `QuickLine` can also read: both give its `invocation`.
protocol QuickCommand {
    var invocation: Invocation { get }
}

enum QuickLine {
    /// The words one command takes on its quick path. (Arrays, not sets: this runs before anything else, and a first
    /// Set or Dictionary of a type costs a lookup of its conformances over the whole binary.)
    struct Grammar {
        /// Flags without a value (`--json`, `-v`).
        var flags: [String]
        /// Options with a value (`--go PATH` or `--go=PATH`), each allowed once unless repeatable.
        var options: [String]
        var repeatable: [String] = []
        /// Whether words not starting with "-" are taken as positional arguments.
        var positionals = false
    }

    /// A line split by a grammar: flags seen, option values in order, positional words.
    struct Words {
        var flags: [String] = []
        var values: [(name: String, value: String)] = []
        var positionals: [String] = []
        func values(_ name: String) -> [String] { values.filter { $0.name == name }.map(\.value) }
        func value(_ name: String) -> String? { values(name).last }
    }

    static let reportingFlags = ["--json", "--no-progress"]
    static let reportingOptions = ["--color"]

    /// The grammar of a quick command (QuickLineTests compares each with the command's declared flags).
    static func grammar(_ command: String) -> Grammar? {
        switch command {
        case "targets": Grammar(flags: reportingFlags, options: reportingOptions + ["--target", "--go"], repeatable: ["--target"])
        case "doctor": Grammar(flags: reportingFlags + ["--no-cache"], options: reportingOptions + ["--fix-shell"])
        case "inspect": Grammar(flags: reportingFlags + ["--verbose", "-v"], options: reportingOptions, positionals: true)
        default: nil
        }
    }

    /// The invocation `arguments` (without the program name) asks for, or nil when ArgumentParser must read them.
    static func invocation(_ arguments: [String]) -> Invocation? {
        guard let command = arguments.first, let grammar = grammar(command),
              let words = split(arguments.dropFirst(), grammar) else { return nil }
        var color = ColorMode.auto
        if let value = words.value("--color") {
            guard let mode = ColorMode(rawValue: value) else { return nil }
            color = mode
        }
        let reporting = ReportingSettings(json: words.flags.contains("--json"), color: color, noProgress: words.flags.contains("--no-progress"))
        switch command {
        case "targets":
            return .targets(TargetsRequest(targets: words.values("--target"), goPath: words.value("--go")), reporting)
        case "doctor":
            let shell = words.value("--fix-shell")
            if let shell, ShellName(rawValue: shell) == nil { return nil }
            return .doctor(DoctorRequest(fixShell: shell, noCache: words.flags.contains("--no-cache")), reporting)
        case "inspect":
            guard !words.positionals.isEmpty else { return nil }
            return .inspect(InspectRequest(paths: words.positionals, json: reporting.json, verbose: words.flags.contains("--verbose")), color: color)
        default:
            return nil
        }
    }

    /// The words split by `grammar`; nil at the first word it does not take.
    static func split(_ arguments: ArraySlice<String>, _ grammar: Grammar) -> Words? {
        var words = Words()
        var rest = arguments[...]
        while let word = rest.popFirst() {
            guard word.hasPrefix("-") else {
                guard grammar.positionals, !word.isEmpty else { return nil }
                words.positionals.append(word)
                continue
            }
            let name: String
            var value: String?
            if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                name = String(word[..<equals])
                value = String(word[word.index(after: equals)...])
            } else {
                name = word
            }
            if grammar.flags.contains(name) {
                // -v and --verbose are one flag: either twice is a repeat.
                let flag = name == "-v" ? "--verbose" : name
                guard value == nil, !words.flags.contains(flag) else { return nil }
                words.flags.append(flag)
            } else if grammar.options.contains(name) {
                if value == nil { value = rest.popFirst() }
                guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
                guard grammar.repeatable.contains(name) || !words.values.contains(where: { $0.name == name }) else { return nil }
                words.values.append((name, value))
            } else {
                return nil
            }
        }
        return words
    }
}
