// `crossgo doctor`: every check with its status, evidence and fix; --json; --fix-shell prints (never applies) a repair.
import ArgumentParser
import CrossGoKit

enum ShellName: String, ExpressibleByArgument, CaseIterable {
    case zsh, bash, fish
}

struct DoctorCommand: AsyncParsableCommand, QuickCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain, check by check, why this Go installation does not do what you told it to.",
        discussion: """
            Exit status: 0 all ok, 1 warnings only, 2 any error (the same with --json and --fix-shell).

            --json prints JSON Lines events; the summary's outcome holds {"findings": [...]}. --fix-shell prints a
            snippet and edits nothing; with --json as well, the outcome also holds "shell", "snippet" and "edits",
            where snippet is the text --fix-shell alone prints and edits and each finding's shellFix hold shell edits shaped
            {"action": "unset"|"set"|"prependPath"|"appendPath", "variable": ..., "value": ..., "folder": ...}.
            A check that could not run (status skipped) says why: "not run: go env failed: ..." and the like.
            """
    )

    @Option(name: .customLong("fix-shell"), help: ArgumentHelp("Print shell lines that repair what they can (zsh, bash or fish).", valueName: "shell"))
    var fixShell: ShellName?

    @Flag(name: .customLong("no-cache"), help: "Run `go env -json` even when crossgo remembers its output for this go, environment and env files.")
    var noCache = false

    @OptionGroup var reporting: ReportingOptions

    var invocation: Invocation { .doctor(DoctorRequest(fixShell: fixShell?.rawValue, noCache: noCache), reporting.settings) }

    func run() async throws { try await invocation.run() }
}
