// go.mod and go.work, read one way for every command (build, test, bench, report, ci, audit's SARIF, the doctor):
// the grammar of the go.mod reference (https://go.dev/ref/mod#go-mod-file): `//` comments (whole lines and trailing),
// one-line and `verb ( ... )` block forms, "interpreted" and `raw` quoted strings, and the directives module, go,
// toolchain, godebug, require (with `// indirect`), replace, exclude, retract (a version or an [low, high] interval,
// with its rationale), tool, and go.work's use. Where the module is, from the toolchain's GOMOD, is here too.
import Foundation

/// A parsed go.mod or go.work. Lines are 1-based; a block's entries carry their own line.
public struct GoModFile: Sendable, Equatable {
    public struct Requirement: Sendable, Equatable {
        public var path: String
        public var version: String
        /// Marked `// indirect`.
        public var indirect: Bool
        public var line: Int
    }

    public struct Replacement: Sendable, Equatable {
        public var oldPath: String
        /// nil: every version of `oldPath` is replaced.
        public var oldVersion: String?
        public var newPath: String
        /// nil: the replacement is a directory.
        public var newVersion: String?
        public var line: Int
    }

    public struct Exclusion: Sendable, Equatable {
        public var path: String
        public var version: String
        public var line: Int
    }

    /// A retracted version (low == high) or interval, and the comment that says why.
    public struct Retraction: Sendable, Equatable {
        public var low: String
        public var high: String
        public var rationale: String
        public var line: Int
    }

    public var module: String?
    public var moduleLine: Int?
    public var go: String?
    public var goLine: Int?
    public var toolchain: String?
    public var toolchainLine: Int?
    public var godebug: [(key: String, value: String)] = []
    public var requires: [Requirement] = []
    public var replaces: [Replacement] = []
    public var excludes: [Exclusion] = []
    public var retracts: [Retraction] = []
    public var tools: [String] = []
    /// go.work's `use` folders, as written.
    public var uses: [String] = []

    public static func == (a: GoModFile, b: GoModFile) -> Bool {
        a.module == b.module && a.moduleLine == b.moduleLine && a.go == b.go && a.goLine == b.goLine && a.toolchain == b.toolchain
            && a.toolchainLine == b.toolchainLine && a.godebug.map { [$0.key, $0.value] } == b.godebug.map { [$0.key, $0.value] }
            && a.requires == b.requires && a.replaces == b.replaces && a.excludes == b.excludes && a.retracts == b.retracts
            && a.tools == b.tools && a.uses == b.uses
    }

    /// The module paths replaced (any version).
    public var replaced: Set<String> { Set(replaces.map(\.oldPath)) }

    /// The line of the first `require` of `path`, of the first `replace` of it.
    public func requireLine(_ path: String) -> Int? { requires.first { $0.path == path }?.line }
    public func replaceLine(_ path: String) -> Int? { replaces.first { $0.oldPath == path }?.line }

    /// Reads `path` through the host; nil when it cannot be read.
    public static func read(_ path: String, system: any HostSystem) -> GoModFile? {
        system.readTextFile(path).map(GoModFile.init)
    }

    public init(_ text: String) {
        var block: String?
        // A retraction's rationale, as go reads it: the comment lines directly above it and its own trailing comment;
        // for a block entry with neither, those of the block's opening line.
        var above: [String] = []
        var blockComments: [String] = []
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let (words, comment) = Self.tokens(raw)
            let number = index + 1
            guard !words.isEmpty else {
                if let comment { above.append(comment) } else { above = [] }
                continue
            }
            defer { above = [] }
            if block != nil, words == [")"] { block = nil; blockComments = []; continue }
            if block == nil, words.count == 2, words[1] == "(" { block = words[0]; blockComments = above + (comment.map { [$0] } ?? []); continue }
            let verb = block ?? words[0]
            let args = block == nil ? Array(words.dropFirst()) : words
            let own = above + (comment.map { [$0] } ?? [])
            let rationale = (own.isEmpty && block != nil ? blockComments : own).joined(separator: "\n")
            apply(verb, args, comment: comment, rationale: rationale, line: number)
        }
    }

    private mutating func apply(_ verb: String, _ args: [String], comment: String?, rationale: String, line: Int) {
        switch verb {
        case "module" where !args.isEmpty: (module, moduleLine) = (args[0], line)
        case "go" where !args.isEmpty: (go, goLine) = (args[0], line)
        case "toolchain" where !args.isEmpty: (toolchain, toolchainLine) = (args[0], line)
        case "godebug" where !args.isEmpty:
            let pair = args.joined().split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { godebug.append((pair[0], pair[1])) }
        case "require" where args.count >= 2:
            let indirect = comment.map { $0 == "indirect" || $0.hasPrefix("indirect;") } ?? false
            requires.append(Requirement(path: args[0], version: args[1], indirect: indirect, line: line))
        case "replace":
            guard let arrow = args.firstIndex(of: "=>"), arrow == 1 || arrow == 2, args.count > arrow + 1 else { return }
            replaces.append(Replacement(oldPath: args[0], oldVersion: arrow == 2 ? args[1] : nil, newPath: args[arrow + 1],
                                        newVersion: args.count > arrow + 2 ? args[arrow + 2] : nil, line: line))
        case "exclude" where args.count >= 2: excludes.append(Exclusion(path: args[0], version: args[1], line: line))
        case "retract" where !args.isEmpty:
            if args[0] == "[" {
                guard args.count >= 5, args[2] == ",", args[4] == "]" else { return }
                retracts.append(Retraction(low: args[1], high: args[3], rationale: rationale, line: line))
            } else {
                retracts.append(Retraction(low: args[0], high: args[0], rationale: rationale, line: line))
            }
        case "tool" where !args.isEmpty: tools.append(args[0])
        case "use" where !args.isEmpty: uses.append(args[0])
        default: break
        }
    }

    /// A line's tokens (quotes removed, `(` `)` `[` `]` `,` each a token of its own) and its `//` comment's text, trimmed.
    static func tokens(_ line: Substring) -> ([String], String?) {
        var words: [String] = []
        var current = ""
        var chars = Array(line)
        if chars.last == "\r" { chars.removeLast() }
        var i = 0
        func flush() { if !current.isEmpty { words.append(current); current = "" } }
        while i < chars.count {
            let c = chars[i]
            if c == "/", i + 1 < chars.count, chars[i + 1] == "/" {
                flush()
                return (words, String(chars[(i + 2)...]).trimmingCharacters(in: .whitespaces))
            }
            switch c {
            case " ", "\t":
                flush()
            case "(", ")", "[", "]", ",":
                flush()
                words.append(String(c))
            case "\"":
                flush()
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    current.append(chars[i])
                    i += 1
                }
                words.append(current)
                current = ""
            case "`":
                flush()
                i += 1
                while i < chars.count, chars[i] != "`" { current.append(chars[i]); i += 1 }
                words.append(current)
                current = ""
            default:
                current.append(c)
            }
            i += 1
        }
        flush()
        return (words, nil)
    }
}

extension GoToolchain {
    /// The go.mod go uses here (GOMOD), nil outside a module (GOMOD empty, or the null device in module mode).
    public var goModPath: String? {
        let gomod = env["GOMOD"] ?? ""
        return gomod.isEmpty || gomod == "/dev/null" || gomod == "NUL" ? nil : gomod
    }

    /// The folder holding go.mod, nil outside a module.
    public var moduleRoot: String? { goModPath.map { ($0 as NSString).deletingLastPathComponent } }

    /// go.mod's module path, read through the host; nil outside a module or when go.mod has none.
    public func modulePath(system: any HostSystem) -> String? {
        goModPath.flatMap { GoModFile.read($0, system: system)?.module }
    }
}

/// Finds the file `name` in `start` or the nearest folder above it.
func findUpward(_ name: String, from start: String, system: any HostSystem) -> String? {
    var dir = start
    while true {
        let candidate = (dir == "/" ? "" : dir) + "/" + name
        if system.fileExists(candidate) && !system.isDirectory(candidate) { return candidate }
        if dir == "/" || dir.isEmpty { return nil }
        dir = (dir as NSString).deletingLastPathComponent
    }
}
