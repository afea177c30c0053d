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

/// An edit a shell snippet can make: unset or set a variable, put a folder on PATH (first or last).
///
/// JSON shape (the `--json` contract): an object with an `action` and its operand, e.g.
/// `{"action":"unset","variable":"GOROOT"}`, `{"action":"set","variable":"GODEBUG","value":"http2client=0"}`,
/// `{"action":"prependPath","folder":"/opt/homebrew/bin"}`, `{"action":"appendPath","folder":"/home/me/go/bin"}`.
public enum ShellEdit: Sendable, Equatable, Hashable {
    case unset(String)
    /// Export a variable with this exact value.
    case set(String, String)
    case prependPath(String)
    case appendPath(String)

    /// The line for a shell: zsh and bash share syntax, fish differs.
    public func line(for shell: String) -> String {
        switch (self, shell) {
        case (.unset(let name), "fish"): return "set -e \(name)"
        case (.unset(let name), _): return "unset \(name)"
        case (.set(let name, let value), "fish"): return "set -gx \(name) \(shellQuote(value))"
        case (.set(let name, let value), _): return "export \(name)=\(shellQuote(value))"
        case (.prependPath(let dir), "fish"): return "fish_add_path --prepend --move \(shellQuote(dir))"
        case (.prependPath(let dir), _): return "export PATH=\(shellQuote(dir)):\"$PATH\""
        case (.appendPath(let dir), "fish"): return "fish_add_path --append \(shellQuote(dir))"
        case (.appendPath(let dir), _): return "export PATH=\"$PATH\":\(shellQuote(dir))"
        }
    }
}

extension ShellEdit: Codable {
    enum CodingKeys: String, CodingKey { case action, variable, value, folder }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .unset(let name):
            try c.encode("unset", forKey: .action)
            try c.encode(name, forKey: .variable)
        case .set(let name, let value):
            try c.encode("set", forKey: .action)
            try c.encode(name, forKey: .variable)
            try c.encode(value, forKey: .value)
        case .prependPath(let dir):
            try c.encode("prependPath", forKey: .action)
            try c.encode(dir, forKey: .folder)
        case .appendPath(let dir):
            try c.encode("appendPath", forKey: .action)
            try c.encode(dir, forKey: .folder)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .action) {
        case "unset": self = .unset(try c.decode(String.self, forKey: .variable))
        case "set": self = .set(try c.decode(String.self, forKey: .variable), try c.decode(String.self, forKey: .value))
        case "prependPath": self = .prependPath(try c.decode(String.self, forKey: .folder))
        case "appendPath": self = .appendPath(try c.decode(String.self, forKey: .folder))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .action, in: c, debugDescription: "unknown shell edit action \(other)")
        }
    }
}

/// Quotes a word for sh, bash, zsh and fish: bare when safe, in double quotes when it has no `"`, `$`, `` ` ``
/// or backslash (so a value holding single quotes stays readable), else in single quotes.
func shellQuote(_ s: String) -> String {
    if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+:@=,".contains($0) }) { return s }
    if !s.contains(where: { "\"$`\\".contains($0) }) { return "\"" + s + "\"" }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
