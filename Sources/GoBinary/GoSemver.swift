// Go's semantic versions (the rules of golang.org/x/mod/semver) and Go release names as versions.
// Module versions in build info and the Go vulnerability database's ranges are compared with these.

/// A version in Go's semver dialect: `v` prefix, `vMAJOR[.MINOR[.PATCH]]` shorthands for releases,
/// prerelease identifiers after `-` (pseudo-versions are prereleases), build metadata after `+`
/// (`+incompatible`) ignored when comparing.
public struct GoSemver: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: String
    public let minor: String
    public let patch: String
    /// Prerelease identifiers, without the `-`; empty for a release.
    public let prerelease: [String]
    /// Build metadata without the `+` (`incompatible`), not part of the order.
    public let build: String

    /// Parses `v1.2.3-pre+meta`. nil for anything x/mod/semver calls invalid: no `v`, leading zeros,
    /// empty identifiers, or a prerelease/build on a shorthand (`v1.2-pre`).
    public init?(_ text: String) {
        guard text.hasPrefix("v") else { return nil }
        var rest = Substring(text.dropFirst())
        func number(_ s: inout Substring) -> String? {
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits == "0" || digits.first != "0" else { return nil }
            s = s.dropFirst(digits.count)
            return String(digits)
        }
        guard let major = number(&rest) else { return nil }
        var minor = "0", patch = "0"
        var short = false
        if rest.isEmpty {
            short = true
        } else {
            guard rest.first == "." else { return nil }
            rest = rest.dropFirst()
            guard let m = number(&rest) else { return nil }
            minor = m
            if rest.isEmpty {
                short = true
            } else {
                guard rest.first == "." else { return nil }
                rest = rest.dropFirst()
                guard let p = number(&rest) else { return nil }
                patch = p
            }
        }
        var prerelease: [String] = []
        var build = ""
        if !rest.isEmpty {
            if short { return nil }
            if rest.first == "-" {
                let end = rest.firstIndex(of: "+") ?? rest.endIndex
                let identifiers = rest[rest.index(after: rest.startIndex)..<end].split(separator: ".", omittingEmptySubsequences: false)
                for id in identifiers {
                    guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
                    if id.allSatisfy({ $0.isNumber }), id.count > 1, id.first == "0" { return nil }
                    prerelease.append(String(id))
                }
                rest = rest[end...]
            }
            if rest.first == "+" {
                let meta = rest.dropFirst()
                let parts = meta.split(separator: ".", omittingEmptySubsequences: false)
                guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }) else { return nil }
                build = String(meta)
                rest = ""
            }
            guard rest.isEmpty else { return nil }
        }
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// `v1.2.3-pre`: the canonical form (shorthands completed, build metadata dropped but `+incompatible`,
    /// which x/mod/semver also drops; crossgo keeps the text of the module version for display).
    public var canonical: String {
        "v\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    public var description: String { canonical + (build.isEmpty ? "" : "+" + build) }

    public static func == (a: GoSemver, b: GoSemver) -> Bool { compare(a, b) == 0 }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
    public static func < (a: GoSemver, b: GoSemver) -> Bool { compare(a, b) < 0 }

    /// -1, 0 or 1, as semver.Compare: numbers numerically, prereleases before the release, prerelease
    /// identifiers numeric < alphanumeric, numerics by value, others in ASCII order, a shorter list first.
    public static func compare(_ a: GoSemver, _ b: GoSemver) -> Int {
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] {
            let c = compareNumbers(x, y)
            if c != 0 { return c }
        }
        if a.prerelease.isEmpty || b.prerelease.isEmpty {
            if a.prerelease.isEmpty && b.prerelease.isEmpty { return 0 }
            return a.prerelease.isEmpty ? 1 : -1
        }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            let xn = x.allSatisfy(\.isNumber), yn = y.allSatisfy(\.isNumber)
            if xn && yn { return compareNumbers(x, y) }
            if xn != yn { return xn ? -1 : 1 }
            return x < y ? -1 : 1
        }
        return a.prerelease.count == b.prerelease.count ? 0 : (a.prerelease.count < b.prerelease.count ? -1 : 1)
    }

    static func compareNumbers(_ x: String, _ y: String) -> Int {
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        return x == y ? 0 : (x < y ? -1 : 1)
    }
}

/// Go release names (`go1.22.1`, `go1.21rc1`, `go1.19beta2`, `go1.22.1 X:boringcrypto`) as versions.
public enum GoReleaseVersion {
    /// The semver of a Go release name: `go1.22.1` → `v1.22.1`, `go1.21` → `v1.21.0`, `go1.21rc1` →
    /// `v1.21.0-rc.1`, `go1.19beta2` → `v1.19.0-beta.2`; text after a space (experiments) is ignored.
    /// nil for a development build (`devel go1.23-abcdef`) or anything else that names no release.
    public static func semver(_ name: String) -> GoSemver? {
        var text = Substring(name.split(separator: " ", maxSplits: 1).first ?? "")
        guard text.hasPrefix("go") else { return nil }
        text = text.dropFirst(2)
        var kind = ""
        var pre = ""
        // The release part is digits and dots; a prerelease word (rc, beta, alpha) and its number follow.
        if let letter = text.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) {
            let tail = text[letter...]
            guard let word = ["rc", "beta", "alpha"].first(where: { tail.hasPrefix($0) }) else { return nil }
            kind = word
            pre = String(tail.dropFirst(word.count))
            text = text[..<letter]
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        let numbers = parts.map(String.init) + Array(repeating: "0", count: 3 - parts.count)
        var version = "v" + numbers.joined(separator: ".")
        if !kind.isEmpty {
            guard !pre.isEmpty, pre.allSatisfy(\.isNumber) else { return nil }
            version += "-\(kind).\(pre)"
        }
        return GoSemver(version)
    }

    /// The database's spelling of a Go release: `go1.22.1` → `1.22.1`, `go1.21rc1` → `1.21.0-rc.1`.
    public static func databaseVersion(_ name: String) -> String? {
        semver(name).map { String($0.canonical.dropFirst()) }
    }
}
