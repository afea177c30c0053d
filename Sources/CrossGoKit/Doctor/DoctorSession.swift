// `crossgo doctor` as a session: the facts gathered, every check run, and the findings as the outcome (a report
// for people, the findings under --json, a repair snippet with --fix-shell). The exit table decides 0/1/2.
import Foundation

/// What `crossgo doctor` was asked.
public struct DoctorRequest: Equatable, Sendable {
    /// `zsh`, `bash` or `fish`: print the repair snippet for that shell (never applied).
    public var fixShell: String?
    /// Run `go env -json` even when its output is remembered.
    public var noCache = false

    public init(fixShell: String? = nil, noCache: Bool = false) {
        self.fixShell = fixShell
        self.noCache = noCache
    }
}

/// Every check with its status, evidence and fix; with --fix-shell also the snippet and the edits it is made of.
public struct DoctorOutcome: SessionOutcome {
    public var findings: [Finding]
    public var shell: String?
    public var snippet: String?
    public var edits: [ShellEdit]?

    public var command: String { "doctor" }
    public var errors: Int { findings.filter { $0.status == .error }.count }
    public var warnings: Int { findings.filter { $0.status == .warning }.count }
    public var exitStatus: ExitStatus { .doctor(errors: errors, warnings: warnings) }
    public var statusName: String { ExitStatus.doctorName(errors: errors, warnings: warnings) }
    public var counts: [(String, Int)] {
        [("checks", findings.count), ("errors", errors), ("warnings", warnings),
         ("skipped", findings.filter { $0.status == .skipped }.count)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(results: [snippet ?? DoctorSession.render(findings, painter: painter)])
    }
}

/// Gathers the facts (the go runs stop when the session is interrupted) and runs the checks.
public struct DoctorSession: Sendable {
    public let context: CrossGoContext
    public init(context: CrossGoContext) { self.context = context }

    public func run(_ request: DoctorRequest) async -> DoctorOutcome {
        let facts = await DoctorFacts.gather(system: context.system, workingDirectory: context.workingDirectory,
                                             extraToolDirectories: context.extraToolDirectories, cache: request.noCache ? nil : context.goCache)
        Trace.mark("doctor: facts gathered")
        let findings = await Doctor.run(facts)
        Trace.mark("doctor: checks done")
        var outcome = DoctorOutcome(findings: findings)
        if let shell = request.fixShell {
            outcome.shell = shell
            outcome.snippet = Doctor.fixSnippet(findings, shell: shell)
            outcome.edits = Doctor.fixEdits(findings)
        }
        return outcome
    }

    public static func render(_ findings: [Finding], painter: Painter) -> String {
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
