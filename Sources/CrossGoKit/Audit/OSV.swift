// The Go vulnerability database's entries (OSV schema with Go's ecosystem_specific fields) and the rules
// that decide whether a module version on a target is affected.
import Foundation
import GoBinary

/// One entry, `ID/<id>.json`: only the fields the audit reads.
public struct OSVEntry: Sendable, Codable, Equatable {
    public struct Package: Sendable, Codable, Equatable {
        public var name: String
        public var ecosystem: String?
    }
    public struct Event: Sendable, Codable, Equatable {
        public var introduced: String?
        public var fixed: String?
        public init(introduced: String? = nil, fixed: String? = nil) {
            self.introduced = introduced
            self.fixed = fixed
        }
    }
    public struct Range: Sendable, Codable, Equatable {
        public var type: String
        public var events: [Event]
    }
    public struct Import: Sendable, Codable, Equatable {
        public var path: String?
        public var goos: [String]?
        public var goarch: [String]?
        public var symbols: [String]?
    }
    public struct EcosystemSpecific: Sendable, Codable, Equatable {
        public var imports: [Import]?
    }
    public struct Affected: Sendable, Codable, Equatable {
        public var package: Package
        public var ranges: [Range]?
        public var ecosystemSpecific: EcosystemSpecific?
        enum CodingKeys: String, CodingKey {
            case package, ranges
            case ecosystemSpecific = "ecosystem_specific"
        }
    }
    public struct DatabaseSpecific: Sendable, Codable, Equatable {
        public var url: String?
    }

    public var id: String
    public var modified: String?
    public var aliases: [String]?
    public var summary: String?
    public var details: String?
    public var affected: [Affected]
    public var withdrawn: String?
    public var databaseSpecific: DatabaseSpecific?

    enum CodingKeys: String, CodingKey {
        case id, modified, aliases, summary, details, affected, withdrawn
        case databaseSpecific = "database_specific"
    }

    /// The summary, else the first sentence of the details.
    public var title: String {
        if let summary, !summary.isEmpty { return summary }
        let text = (details ?? "").replacingOccurrences(of: "\n", with: " ")
        if let dot = text.range(of: ". ") { return String(text[..<dot.lowerBound]) + "." }
        return text
    }

    /// The page about the entry.
    public var url: String { databaseSpecific?.url ?? "https://pkg.go.dev/vuln/\(id)" }
}

/// The matching rules, as govulncheck applies them to a module at a version.
public enum OSVMatch {
    /// The pseudo-module of the standard library and of the go command.
    public static let stdlib = "stdlib"
    public static let toolchain = "toolchain"

    /// A database version (`1.2.3`, `0`, `1.26.0-0`, `2.0.0+incompatible`) or a module version (`v1.2.3`) as semver.
    public static func semver(_ text: String) -> GoSemver? {
        if text.hasPrefix("go") { return GoReleaseVersion.semver(text) }
        return GoSemver(text.hasPrefix("v") ? text : "v" + text)
    }

    /// Whether `version` is inside `range`, and the fix of the interval it is in (nil: no fix yet).
    /// Events are ordered by version (`introduced: "0"` first); walking them, an `introduced` at or
    /// below the version opens an affected interval and a `fixed` above it closes it.
    public static func contains(_ range: OSVEntry.Range, _ version: GoSemver) -> (affected: Bool, fixed: String?) {
        guard range.type == "SEMVER" else { return (false, nil) }
        if range.events.isEmpty { return (true, nil) }
        func key(_ e: OSVEntry.Event) -> GoSemver? {
            if e.introduced == "0" { return nil }
            return (e.introduced ?? e.fixed).flatMap(semver)
        }
        let events = range.events.enumerated().sorted { a, b in
            switch (key(a.element), key(b.element)) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x == y ? a.offset < b.offset : x < y
            }
        }.map(\.element)
        var affected = false
        for event in events {
            if !affected, let introduced = event.introduced {
                if introduced == "0" { affected = true } else if let v = semver(introduced) { affected = version >= v }
            } else if affected, let fixed = event.fixed, let f = semver(fixed) {
                if version >= f {
                    affected = false
                } else {
                    return (true, fixed)
                }
            }
        }
        return (affected, nil)
    }

    /// Whether one `affected` block applies to the version: no ranges means every version.
    public static func affects(_ affected: OSVEntry.Affected, version: GoSemver) -> (affected: Bool, fixed: String?) {
        guard let ranges = affected.ranges, !ranges.isEmpty else { return (true, nil) }
        for range in ranges {
            let r = contains(range, version)
            if r.affected { return r }
        }
        return (false, nil)
    }

    /// Whether a block applies on a target: some import names no goos/goarch or names this one. A block
    /// without imports applies everywhere; an unknown goos/goarch (nil) is not used to rule anything out.
    public static func applies(_ affected: OSVEntry.Affected, goos: String?, goarch: String?) -> Bool {
        guard let imports = affected.ecosystemSpecific?.imports, !imports.isEmpty else { return true }
        return imports.contains { allows($0, goos: goos, goarch: goarch) }
    }

    /// Whether an import's goos/goarch lists (absent or empty: any) allow the target.
    static func allows(_ imp: OSVEntry.Import, goos: String?, goarch: String?) -> Bool {
        func ok(_ list: [String]?, _ value: String?) -> Bool {
            guard let list, !list.isEmpty, let value else { return true }
            return list.contains(value)
        }
        return ok(imp.goos, goos) && ok(imp.goarch, goarch)
    }

    /// The packages a block names for this target (for display).
    public static func packages(_ affected: OSVEntry.Affected, goos: String?, goarch: String?) -> [String] {
        (affected.ecosystemSpecific?.imports ?? []).filter { allows($0, goos: goos, goarch: goarch) }.compactMap(\.path)
    }
}
