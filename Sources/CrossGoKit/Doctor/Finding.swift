// What one doctor check found: a status, the evidence it saw, and a fix.
import Foundation

/// The verdict of one check.
public enum FindingStatus: String, Sendable, Codable, Comparable {
    case ok, warning, error, skipped

    var rank: Int { ["skipped": 0, "ok": 1, "warning": 2, "error": 3][rawValue] ?? 0 }
    public static func < (a: FindingStatus, b: FindingStatus) -> Bool { a.rank < b.rank }
}

/// One check's result. Field names are the `--json` contract.
public struct Finding: Sendable, Codable, Equatable {
    /// Stable identifier, e.g. "go.goroot".
    public var id: String
    public var title: String
    public var status: FindingStatus
    /// One line that says what is wrong (or right).
    public var summary: String
    /// What the check saw: paths, values, versions, file:line.
    public var evidence: [String]
    /// A command or shell line that repairs it, when one exists.
    public var fix: String?
    /// Shell lines `--fix-shell` can print for this finding (POSIX sh syntax; translated for fish).
    public var shellFix: [ShellEdit]

    public init(id: String, title: String, status: FindingStatus, summary: String, evidence: [String] = [], fix: String? = nil, shellFix: [ShellEdit] = []) {
        self.id = id
        self.title = title
        self.status = status
        self.summary = summary
        self.evidence = evidence
        self.fix = fix
        self.shellFix = shellFix
    }
}

/// An edit a shell snippet can make: unset a variable, put a folder on PATH (first or last).
public enum ShellEdit: Sendable, Codable, Equatable, Hashable {
    case unset(String)
    case prependPath(String)
    case appendPath(String)

    /// The line for a shell: zsh and bash share syntax, fish differs.
    public func line(for shell: String) -> String {
        switch (self, shell) {
        case (.unset(let name), "fish"): return "set -e \(name)"
        case (.unset(let name), _): return "unset \(name)"
        case (.prependPath(let dir), "fish"): return "fish_add_path --prepend --move \(shellQuote(dir))"
        case (.prependPath(let dir), _): return "export PATH=\(shellQuote(dir)):\"$PATH\""
        case (.appendPath(let dir), "fish"): return "fish_add_path --append \(shellQuote(dir))"
        case (.appendPath(let dir), _): return "export PATH=\"$PATH\":\(shellQuote(dir))"
        }
    }
}

func shellQuote(_ s: String) -> String {
    s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
