// Runs every doctor check concurrently; a check that throws becomes a finding, the rest still run.
import Foundation

/// One diagnosis: a stable id, a title, and a function from facts to a finding.
public protocol DoctorCheck: Sendable {
    var id: String { get }
    var title: String { get }
    func run(_ facts: DoctorFacts) async throws -> Finding
}

extension DoctorCheck {
    func finding(_ status: FindingStatus, _ summary: String, evidence: [String] = [], fix: String? = nil, shellFix: [ShellEdit] = []) -> Finding {
        Finding(id: id, title: title, status: status, summary: summary, evidence: evidence, fix: fix, shellFix: shellFix)
    }

    func skipped(_ reason: String, evidence: [String] = []) -> Finding {
        finding(.skipped, reason, evidence: evidence)
    }

    /// For a check that needs `go env`'s answer and has none: not run, and why (never ok).
    func notRunWithoutGoEnv(_ facts: DoctorFacts) -> Finding {
        guard facts.winner != nil else { return skipped("not run: no `go` on PATH") }
        return skipped("not run: go env failed: \(facts.goEnvError ?? "no answer")")
    }
}

/// The doctor: every check, in a stable order, grouped for display.
public struct Doctor: Sendable {
    public static let groups: [(String, [any DoctorCheck])] = [
        ("Go installation", [InstallationsCheck(), TranslationCheck(), GorootCheck()]),
        ("Settings", [SettingsCheck(), ToolchainCheck(), FlagsAndWorkspaceCheck(), ValuesCheck(), ModuleCheck()]),
        ("Installed tools", [BinPathCheck(), ToolsArchCheck(), GoplsCheck()]),
        ("Building and running", [CgoCheck(), TargetsRunnableCheck()]),
        ("Shell start-up files", [SeedAdviceCheck(), ShellStartupCheck()]),
        ("Editors", [VSCodeCheck(), GoLandCheck()]),
    ]

    public static var checks: [any DoctorCheck] { groups.flatMap(\.1) }

    /// Runs all checks concurrently, results in the order of `checks`.
    public static func run(_ facts: DoctorFacts, checks: [any DoctorCheck] = Doctor.checks) async -> [Finding] {
        await withTaskGroup(of: (Int, Finding).self) { group in
            for (i, check) in checks.enumerated() {
                group.addTask {
                    do {
                        let f = try await check.run(facts)
                        Trace.mark("check \(check.id) done")
                        return (i, f)
                    } catch {
                        return (i, Finding(id: check.id, title: check.title, status: .error,
                                           summary: "the check itself failed to run: \(error)", evidence: []))
                    }
                }
            }
            var out: [(Int, Finding)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// 0 all ok, 1 warnings only, 2 any error.
    public static func exitCode(_ findings: [Finding]) -> Int32 {
        if findings.contains(where: { $0.status == .error }) { return 2 }
        if findings.contains(where: { $0.status == .warning }) { return 1 }
        return 0
    }

    /// Every shell edit the warnings and errors suggest, deduplicated, in check order: what `--fix-shell` prints.
    public static func fixEdits(_ findings: [Finding]) -> [ShellEdit] {
        var seen = Set<ShellEdit>()
        return findings.filter { $0.status == .warning || $0.status == .error }.flatMap(\.shellFix).filter { seen.insert($0).inserted }
    }

    /// A snippet for `--fix-shell`: every shell edit the findings suggest, deduplicated, never applied.
    public static func fixSnippet(_ findings: [Finding], shell: String) -> String {
        var seen = Set<ShellEdit>()
        var lines = ["# crossgo doctor --fix-shell \(shell): review, then paste into your shell or start-up file"]
        for f in findings where f.status == .warning || f.status == .error {
            let edits = f.shellFix.filter { seen.insert($0).inserted }
            guard !edits.isEmpty else { continue }
            lines.append("# \(f.id): \(f.summary)")
            lines += edits.map { $0.line(for: shell) }
        }
        if lines.count == 1 { lines.append("# nothing to repair from the shell") }
        return lines.joined(separator: "\n")
    }
}
