// `crossgo doctor`: every check with its status, evidence and fix; --json; --fix-shell prints (never applies) a repair.
import ArgumentParser
import CrossGoKit
import Foundation

enum ShellName: String, ExpressibleByArgument, CaseIterable {
    case zsh, bash, fish
}

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain, check by check, why this Go installation does not do what you told it to.",
        discussion: """
            Exit status: 0 all ok, 1 warnings only, 2 any error (the same with --json and --fix-shell).

            --fix-shell prints a snippet and edits nothing. With --json as well, it prints one JSON object:
            {"shell": "zsh", "snippet": "...", "edits": [...], "findings": [...]}, where snippet is the text
            --fix-shell alone prints and edits and each finding's shellFix hold shell edits shaped
            {"action": "unset"|"set"|"prependPath"|"appendPath", "variable": ..., "value": ..., "folder": ...}.
            A check that could not run (status skipped) says why: "not run: go env failed: ..." and the like.
            """
    )

    @Option(name: .customLong("fix-shell"), help: ArgumentHelp("Print shell lines that repair what they can (zsh, bash or fish).", valueName: "shell"))
    var fixShell: ShellName?

    @Flag(name: .customLong("no-cache"), help: "Run `go env -json` even when crossgo remembers its output for this go, environment and env files.")
    var noCache = false

    /// The doctor prints one document, not an event stream: its own `--json` text; `--no-progress` is accepted and does nothing.
    struct Output: ParsableArguments {
        @Flag(help: "Print the findings as one JSON document on stdout (with --fix-shell: the shell, snippet, edits and findings).")
        var json = false

        @Option(help: "Colour: auto colours only on a terminal and never with NO_COLOR.")
        var color: ColorMode = .auto

        @Flag(name: .customLong("no-progress"), help: .hidden)
        var noProgress = false

        func painter(fd: Int32, system: any HostSystem) -> Painter {
            Painter(enabled: color.enabled(isTerminal: system.isTerminal(fd), environment: system.environment))
        }
    }

    @OptionGroup var output: Output

    func run() async throws {
        Trace.mark("doctor: arguments parsed")
        let context = CrossGoContext()
        Trace.mark("doctor: context")
        let cache = noCache ? nil : context.goCache
        // Like every command, SIGINT/SIGTERM end the doctor cleanly (its go runs are stopped) with 130.
        let (findings, interrupted) = try await Interrupts.run {
            let facts = await DoctorFacts.gather(system: context.system, workingDirectory: context.workingDirectory,
                                                 extraToolDirectories: context.extraToolDirectories, cache: cache)
            Trace.mark("doctor: facts gathered")
            return await Doctor.run(facts)
        }
        if interrupted { throw ExitCode(ExitStatus.interrupted.rawValue) }
        Trace.mark("doctor: checks done")
        if let fixShell, output.json {
            Console.out(try Console.json(FixShellReport(shell: fixShell.rawValue, snippet: Doctor.fixSnippet(findings, shell: fixShell.rawValue),
                                                        edits: Doctor.fixEdits(findings), findings: findings)))
        } else if let fixShell {
            Console.out(Doctor.fixSnippet(findings, shell: fixShell.rawValue))
        } else if output.json {
            Console.out(try Console.json(findings))
        } else {
            Console.out(Self.render(findings, painter: output.painter(fd: 1, system: context.system)))
        }
        Trace.mark("doctor: printed")
        let code = Doctor.exitCode(findings)
        if code != 0 { throw ExitCode(code) }
    }

    static func render(_ findings: [Finding], painter: Painter) -> String {
        var lines: [String] = []
        for (group, checks) in Doctor.groups {
            lines.append(painter.bold(group))
            for check in checks {
                guard let f = findings.first(where: { $0.id == check.id }) else { continue }
                let symbol: String
                switch f.status {
                case .ok: symbol = painter.green("✓")
                case .warning: symbol = painter.yellow("!")
                case .error: symbol = painter.red("✗")
                case .skipped: symbol = painter.dim("-")
                }
                lines.append("  \(symbol) \(f.title) [\(f.id)]: \(f.summary)")
                if f.status != .ok && f.status != .skipped {
                    for e in f.evidence { lines.append("      \(e)") }
                    if let fix = f.fix { lines.append("      fix: \(fix)") }
                }
            }
        }
        let errors = findings.filter { $0.status == .error }.count
        let warnings = findings.filter { $0.status == .warning }.count
        lines.append("\(findings.count) checks: \(errors) error(s), \(warnings) warning(s)")
        return lines.joined(separator: "\n")
    }
}

/// What `doctor --fix-shell SHELL --json` prints: the snippet, the edits it is made of, and every finding.
struct FixShellReport: Encodable {
    var shell: String
    var snippet: String
    var edits: [ShellEdit]
    var findings: [Finding]
}
