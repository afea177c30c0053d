// JSON with comments and trailing commas, as VS Code reads its settings: a stripper that blanks comments and
// trailing commas in place (every other character keeps its line and column), and a small reader of the result
// that remembers the line of every key, so that the doctor can say "settings.json:12: go.goroot".
import Foundation

/// A JSON value read from a JSONC file, with the line each object key was on.
public indirect enum JSONCValue: Sendable, Equatable {
    case object([JSONCMember])
    case array([JSONCValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The member called `key` of an object (the last one wins, as in VS Code).
    public subscript(key: String) -> JSONCMember? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// One `"key": value` of an object, and the line of its key (1-based).
public struct JSONCMember: Sendable, Equatable {
    public var key: String
    public var line: Int
    public var value: JSONCValue
}

/// Why a JSONC text could not be read, and where (1-based line and column).
public struct JSONCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

public enum JSONC {
    /// Blanks `//` and `/* */` comments and trailing commas (before `}` or `]`) with spaces, keeping newlines,
    /// so that every remaining character stays on its line and column. Strings are left alone.
    public static func strip(_ text: String) -> String {
        var out = Array(text.unicodeScalars)
        var i = 0
        var lastComma: Int?  // index of a comma with only blanks and comments after it so far
        func blank(_ j: Int) { if out[j] != "\n" && out[j] != "\r" { out[j] = " " } }
        while i < out.count {
            let c = out[i]
            if c == "\"" {
                lastComma = nil
                i += 1
                while i < out.count && out[i] != "\"" && out[i] != "\n" {
                    if out[i] == "\\" { i += 1 }
                    i += 1
                }
                i += 1
                continue
            }
            if c == "/" && i + 1 < out.count && out[i + 1] == "/" {
                while i < out.count && out[i] != "\n" { blank(i); i += 1 }
                continue
            }
            if c == "/" && i + 1 < out.count && out[i + 1] == "*" {
                blank(i); blank(i + 1)
                i += 2
                while i < out.count && !(out[i] == "*" && i + 1 < out.count && out[i + 1] == "/") { blank(i); i += 1 }
                if i < out.count { blank(i); blank(i + 1); i += 2 }
                continue
            }
            if c == "," { lastComma = i }
            else if c == "}" || c == "]" { if let comma = lastComma { out[comma] = " " }; lastComma = nil }
            else if !(c == " " || c == "\t" || c == "\n" || c == "\r") { lastComma = nil }
            i += 1
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: out)
        return String(s)
    }

    /// Reads a JSONC text: strips it, then parses the JSON that is left.
    public static func parse(_ text: String) throws(JSONCError) -> JSONCValue {
        var reader = Reader(Array(strip(text).unicodeScalars))
        reader.skipBlanks()
        if reader.atEnd { return .object([]) }  // VS Code treats an empty settings file as no settings
        let value = try reader.value()
        reader.skipBlanks()
        guard reader.atEnd else { throw reader.error("unexpected \(reader.describeCurrent()) after the value") }
        return value
    }

    struct Reader {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }

        func error(_ message: String) -> JSONCError {
            JSONCError(line: line, column: i - lineStart + 1, message: message)
        }

        func describeCurrent() -> String { atEnd ? "end of file" : "'\(Character(s[i]))'" }

        mutating func advance() {
            if s[i] == "\n" { line += 1; lineStart = i + 1 }
            i += 1
        }

        mutating func skipBlanks() {
            while !atEnd && (s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r") { advance() }
        }

        mutating func expect(_ c: Unicode.Scalar) throws(JSONCError) {
            skipBlanks()
            guard !atEnd && s[i] == c else { throw error("expected '\(Character(c))', found \(describeCurrent())") }
            advance()
        }

        mutating func value() throws(JSONCError) -> JSONCValue {
            skipBlanks()
            guard !atEnd else { throw error("unexpected end of file") }
            switch s[i] {
            case "{":
                advance()
                var members: [JSONCMember] = []
                skipBlanks()
                if !atEnd && s[i] == "}" { advance(); return .object(members) }
                while true {
                    skipBlanks()
                    guard !atEnd && s[i] == "\"" else { throw error("expected a \"key\", found \(describeCurrent())") }
                    let keyLine = line
                    let key = try string()
                    try expect(":")
                    members.append(JSONCMember(key: key, line: keyLine, value: try value()))
                    skipBlanks()
                    guard !atEnd else { throw error("unexpected end of file: missing '}'") }
                    if s[i] == "," { advance(); continue }
                    if s[i] == "}" { advance(); return .object(members) }
                    throw error("expected ',' or '}', found \(describeCurrent())")
                }
            case "[":
                advance()
                var items: [JSONCValue] = []
                skipBlanks()
                if !atEnd && s[i] == "]" { advance(); return .array(items) }
                while true {
                    items.append(try value())
                    skipBlanks()
                    guard !atEnd else { throw error("unexpected end of file: missing ']'") }
                    if s[i] == "," { advance(); continue }
                    if s[i] == "]" { advance(); return .array(items) }
                    throw error("expected ',' or ']', found \(describeCurrent())")
                }
            case "\"":
                return .string(try string())
            default:
                let start = i
                while !atEnd && (s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || "+-.".unicodeScalars.contains(s[i])) { advance() }
                let word = String(String.UnicodeScalarView(s[start..<i]))
                switch word {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default:
                    if !word.isEmpty, Double(word) != nil { return .number(word) }
                    i = start
                    throw error(word.isEmpty ? "unexpected \(describeCurrent())" : "unexpected word '\(word)'")
                }
            }
        }

        mutating func string() throws(JSONCError) -> String {
            advance()  // the opening quote
            var out = String.UnicodeScalarView()
            while true {
                guard !atEnd, s[i] != "\n" else { throw error("unterminated string") }
                let c = s[i]
                advance()
                if c == "\"" { return String(out) }
                guard c == "\\" else { out.append(c); continue }
                guard !atEnd else { throw error("unterminated string") }
                let e = s[i]
                advance()
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{C}")
                case "u":
                    guard i + 4 <= s.count, let code = UInt32(String(String.UnicodeScalarView(s[i..<i + 4])), radix: 16) else {
                        throw error("bad \\u escape")
                    }
                    for _ in 0..<4 { advance() }
                    out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: out.append(e)
                }
            }
        }
    }
}
