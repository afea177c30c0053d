// BuildInfo, Module, BuildSetting: Go's module information text, parsed into typed fields.

/// A module as recorded in a Go binary: the main module, a dependency, or a replacement.
public struct Module: Sendable, Codable, Equatable, Hashable {
    /// Module path, e.g. `golang.org/x/text`.
    public let path: String
    /// Version, e.g. `v0.14.0` or `(devel)`; empty for directory replacements.
    public let version: String
    /// `h1:` checksum, nil when the binary records none.
    public let sum: String?
    // Recursive value types need indirection; zero or one element.
    private let replacement: [Module]
    /// The module this one was replaced by (`=>` line), if any.
    public var replace: Module? { replacement.first }

    public init(path: String, version: String, sum: String? = nil, replace: Module? = nil) {
        self.path = path
        self.version = version
        self.sum = sum
        self.replacement = replace.map { [$0] } ?? []
    }

    private enum CodingKeys: String, CodingKey { case path, version, sum, replace }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try c.decode(String.self, forKey: .path),
            version: try c.decodeIfPresent(String.self, forKey: .version) ?? "",
            sum: try c.decodeIfPresent(String.self, forKey: .sum),
            replace: try c.decodeIfPresent(Module.self, forKey: .replace))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(version, forKey: .version)
        try c.encodeIfPresent(sum, forKey: .sum)
        try c.encodeIfPresent(replace, forKey: .replace)
    }
}

/// One `build` line: a key such as `GOOS`, `-ldflags` or `vcs.revision`, and its (unquoted) value.
public struct BuildSetting: Sendable, Codable, Equatable, Hashable {
    public let key: String
    public let value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// `KEY=VALUE` as `go version -m` prints it: key and value Go-quoted when they must be.
    public var text: String {
        let k = GoQuote.keyNeedsQuoting(key) ? GoQuote.quote(key) : key
        let v = GoQuote.valueNeedsQuoting(value) ? GoQuote.quote(value) : value
        return "\(k)=\(v)"
    }
}

/// The build information the Go linker stores in a binary: toolchain version plus the
/// module information text that `runtime/debug.ReadBuildInfo` and `go version -m` show.
public struct BuildInfo: Sendable, Codable, Equatable {
    /// Toolchain version, e.g. `go1.27.3` (may carry an ` X:` experiment suffix).
    public let goVersion: String
    /// Main package path (`path` line), e.g. `example.com/hello` or `command-line-arguments`.
    public let path: String?
    /// Main module (`mod` line); nil when built outside module mode.
    public let main: Module?
    /// Dependencies in order (`dep` lines), replacements attached.
    public let deps: [Module]
    /// Build settings in order (`build` lines), values unquoted.
    public let settings: [BuildSetting]
    /// The module information text as stored, without the framing sentinels.
    public let rawModuleInfo: String

    public init(goVersion: String, path: String?, main: Module?, deps: [Module], settings: [BuildSetting], rawModuleInfo: String) {
        self.goVersion = goVersion
        self.path = path
        self.main = main
        self.deps = deps
        self.settings = settings
        self.rawModuleInfo = rawModuleInfo
    }

    /// The value of the first build setting named `key` (e.g. `"GOOS"`, `"-trimpath"`).
    public func setting(_ key: String) -> String? {
        settings.first { $0.key == key }?.value
    }

    /// Parses module information text (the format of `runtime/debug.BuildInfo.String`,
    /// without the `go` line), following the rules of Go's `debug.ParseBuildInfo`:
    /// unknown lines are ignored, a final line without newline is ignored, build keys and
    /// values may be Go-quoted strings.
    public static func parse(goVersion: String, moduleInfo: String) throws(GoBinaryError) -> BuildInfo {
        var path: String?
        var main: Module?
        var deps: [Module] = []
        var settings: [BuildSetting] = []
        // Which module the next "=>" line replaces: 0 = none, 1 = main, 2 = last dep.
        var last = 0
        var lineNumber = 1

        func fail(_ detail: String) -> GoBinaryError {
            GoBinaryError(.badBuildInfo("line \(lineNumber): \(detail)"))
        }
        // Work on bytes: Go splits lines and columns on the bytes '\n' and '\t' (a Character-based
        // split would treat "\r\n" as one character).
        func text(_ b: ArraySlice<UInt8>) -> String { String(decoding: b, as: UTF8.self) }
        func columns(_ b: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
            b.split(separator: 0x09, omittingEmptySubsequences: false)
        }
        func moduleLine(_ rest: ArraySlice<UInt8>) throws(GoBinaryError) -> Module {
            let elem = columns(rest)
            guard elem.count == 2 || elem.count == 3 else { throw fail("expected 2 or 3 columns; got \(elem.count)") }
            let sum = elem.count == 3 && !elem[2].isEmpty ? text(elem[2]) : nil
            return Module(path: text(elem[0]), version: text(elem[1]), sum: sum)
        }
        func hasPrefix(_ line: ArraySlice<UInt8>, _ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard line.count >= n else { return false }
            let p = prefix.utf8Start
            for i in 0 ..< n where line[line.startIndex + i] != p[i] { return false }
            return true
        }

        let bytes = Array(moduleInfo.utf8)
        var start = 0
        while start < bytes.count {
            guard let nl = bytes[start...].firstIndex(of: 0x0a) else { break }
            let line = bytes[start ..< nl]
            start = nl + 1
            if hasPrefix(line, "path\t") {
                path = text(line.dropFirst(5))
            } else if hasPrefix(line, "mod\t") {
                main = try moduleLine(line.dropFirst(4))
                last = 1
            } else if hasPrefix(line, "dep\t") {
                deps.append(try moduleLine(line.dropFirst(4)))
                last = 2
            } else if hasPrefix(line, "=>\t") {
                let elem = columns(line.dropFirst(3))
                guard elem.count == 3 else { throw fail("expected 3 columns for replacement; got \(elem.count)") }
                let replacement = Module(path: text(elem[0]), version: text(elem[1]), sum: elem[2].isEmpty ? nil : text(elem[2]))
                switch last {
                case 1:
                    let m = main!
                    main = Module(path: m.path, version: m.version, sum: m.sum, replace: replacement)
                case 2:
                    let m = deps.removeLast()
                    deps.append(Module(path: m.path, version: m.version, sum: m.sum, replace: replacement))
                default:
                    throw fail("replacement with no module on previous line")
                }
                last = 0
            } else if hasPrefix(line, "build\t") {
                settings.append(try parseSetting(line.dropFirst(6), fail: fail))
            }
            lineNumber += 1
        }
        return BuildInfo(goVersion: goVersion, path: path, main: main, deps: deps, settings: settings, rawModuleInfo: moduleInfo)
    }

    private static func parseSetting(_ kv: ArraySlice<UInt8>, fail: (String) -> GoBinaryError) throws(GoBinaryError) -> BuildSetting {
        let bytes = Array(kv)
        guard let first = bytes.first else { throw fail("build line missing '='") }
        var key: String
        var rawValue: ArraySlice<UInt8>
        switch first {
        case UInt8(ascii: "="):
            throw fail("build line with missing key")
        case UInt8(ascii: "`"), UInt8(ascii: "\""):
            guard let end = GoQuote.quotedPrefixLength(bytes[...]), let k = GoQuote.unquote(bytes[0 ..< end]) else {
                throw fail("invalid quoted key in build line")
            }
            guard end < bytes.count else { throw fail("build line missing '=' after quoted key") }
            guard bytes[end] == UInt8(ascii: "=") else { throw fail("unexpected character after quoted key") }
            key = k
            rawValue = bytes[(end + 1)...]
        default:
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { throw fail("build line missing '=' after key") }
            key = String(decoding: bytes[0 ..< eq], as: UTF8.self)
            if GoQuote.keyNeedsQuoting(key) { throw fail("unquoted key \(GoQuote.quote(key)) must be quoted") }
            rawValue = bytes[(eq + 1)...]
        }
        var value = ""
        if let f = rawValue.first {
            if f == UInt8(ascii: "`") || f == UInt8(ascii: "\"") {
                guard let v = GoQuote.unquote(rawValue) else { throw fail("invalid quoted value in build line") }
                value = v
            } else {
                value = String(decoding: rawValue, as: UTF8.self)
                if GoQuote.valueNeedsQuoting(value) { throw fail("unquoted value \(GoQuote.quote(value)) must be quoted") }
            }
        }
        return BuildSetting(key: key, value: value)
    }

    /// The module information in the text form `go version -m` prints (one line per
    /// entry, without the leading tab and without the `go` line); build keys and values
    /// are re-quoted the way Go quotes them. Like Go's `BuildInfo.String`, a replaced module
    /// is followed by an empty line.
    public var moduleInfoText: String {
        var out = ""
        if let path, !path.isEmpty { out += "path\t\(path)\n" }
        func format(_ word: String, _ m: Module) {
            out += "\(word)\t\(m.path)\t\(m.version)"
            if let r = m.replace {
                out += "\n"
                format("=>", r)
            } else {
                out += "\t\(m.sum ?? "")"
            }
            out += "\n"
        }
        if let main { format("mod", main) }
        for d in deps { format("dep", d) }
        for s in settings { out += "build\t\(s.text)\n" }
        return out
    }
}

/// Go string-literal quoting rules (the subset of `strconv` that build settings use).
enum GoQuote {
    static func keyNeedsQuoting(_ key: String) -> Bool {
        key.isEmpty || key.utf8.contains { $0 == 0x3d || isValueSpecial($0) }
    }

    static func valueNeedsQuoting(_ value: String) -> Bool {
        value.utf8.contains(where: isValueSpecial)
    }

    /// Space, tab, CR, LF, double quote, backquote.
    @inline(__always)
    static func isValueSpecial(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0d || b == 0x0a || b == 0x22 || b == 0x60
    }

    /// Length of the Go string literal at the start of `s` (like `strconv.QuotedPrefix`), or nil.
    static func quotedPrefixLength(_ s: ArraySlice<UInt8>) -> Int? {
        guard let q = s.first, q == UInt8(ascii: "\"") || q == UInt8(ascii: "`") else { return nil }
        var i = s.startIndex + 1
        while i < s.endIndex {
            let c = s[i]
            if c == q {
                let candidate = s[s.startIndex ... i]
                return unquote(candidate) == nil ? nil : candidate.count
            }
            if q == UInt8(ascii: "\"") {
                if c == UInt8(ascii: "\n") { return nil }
                if c == UInt8(ascii: "\\") { i += 1 }  // skip the escaped character
            }
            i += 1
        }
        return nil
    }

    /// Unquotes a complete Go string literal (double-quoted or raw), or returns nil when invalid.
    static func unquote(_ s: ArraySlice<UInt8>) -> String? {
        guard s.count >= 2, let q = s.first, s.last == q else { return nil }
        let body = s[(s.startIndex + 1) ..< (s.endIndex - 1)]
        if q == UInt8(ascii: "`") {
            if body.contains(UInt8(ascii: "`")) { return nil }
            return String(decoding: body.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        }
        guard q == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        func hexValue(_ c: UInt8) -> UInt32? {
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        while i < body.endIndex {
            let c = body[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\n") { return nil }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < body.endIndex else { return nil }
            let e = body[i]
            i += 1
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0b)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                guard body.endIndex - i >= n else { return nil }
                var v: UInt32 = 0
                for k in 0 ..< n {
                    guard let h = hexValue(body[i + k]) else { return nil }
                    v = v << 4 | h
                }
                i += n
                if e == UInt8(ascii: "x") {
                    out.append(UInt8(v))
                } else {
                    guard let scalar = Unicode.Scalar(v) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            case UInt8(ascii: "0") ... UInt8(ascii: "7"):
                guard body.endIndex - i >= 2 else { return nil }
                var v = UInt32(e - UInt8(ascii: "0"))
                for k in 0 ..< 2 {
                    let d = body[i + k]
                    guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
                    v = v << 3 | UInt32(d - UInt8(ascii: "0"))
                }
                guard v <= 255 else { return nil }
                i += 2
                out.append(UInt8(v))
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Quotes `s` as a Go double-quoted string literal (`strconv.Quote`): ASCII control
    /// characters and DEL are escaped, other characters are kept.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7f {
                    out += "\\x" + (v < 0x10 ? "0" : "") + String(v, radix: 16)
                } else if (0x80 ..< 0xa0).contains(v) || v == 0xad || v == 0xfeff {
                    out += "\\u" + String(repeating: "0", count: 4 - String(v, radix: 16).count) + String(v, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
