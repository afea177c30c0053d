// Reading Go's benchmark output (the golang.org/x/perf benchfmt conventions): configuration lines
// `key: value` and result lines `BenchmarkName-P  N  value unit  value unit ...`.
import Foundation

/// One benchmark result line.
public struct BenchLine: Sendable, Equatable, Codable {
    /// The name without the `Benchmark` prefix and the `-GOMAXPROCS` suffix ("Pointers", "Sort/n=10").
    public var name: String
    /// The `-P` suffix (GOMAXPROCS) when the line had one.
    public var procs: Int?
    public var iterations: Int
    /// Unit -> value ("ns/op": 1234, "B/op": 8192, "allocs/op": 1, and any custom metric).
    public var values: [String: Double]
    /// The configuration in effect for this line (goos, goarch, pkg, cpu, ...).
    public var configuration: [String: String]
}

/// Parses benchmark output text.
public enum BenchFormat {
    /// Every result line of `text`, each with the configuration lines seen before it. Lines that are neither
    /// (test output, PASS, ok) are skipped, as benchfmt skips them.
    public static func parse(_ text: String) -> [BenchLine] {
        var configuration: [String: String] = [:]
        var lines: [BenchLine] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if let (key, value) = configurationLine(line) {
                configuration[key] = value
            } else if var result = resultLine(line) {
                result.configuration = configuration
                lines.append(result)
            }
        }
        return lines
    }

    /// `key: value`: the key starts with a lower-case letter and holds no space or upper-case letter.
    static func configurationLine(_ line: Substring) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let key = line[..<colon]
        guard let first = key.first, first.isLowercase, first.isLetter,
              !key.contains(where: { $0.isWhitespace || $0.isUppercase }) else { return nil }
        let rest = line[line.index(after: colon)...]
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return (String(key), rest.trimmingCharacters(in: .whitespaces))
    }

    /// `BenchmarkX[-P] N v unit [v unit]...`: the name's next character after `Benchmark` is not lower-case.
    static func resultLine(_ line: Substring) -> BenchLine? {
        guard line.hasPrefix("Benchmark") else { return nil }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 4, fields.count % 2 == 0, let iterations = Int(fields[1]), iterations > 0 else { return nil }
        var full = String(fields[0].dropFirst("Benchmark".count))
        if let c = full.first, c.isLowercase { return nil }
        var procs: Int?
        if let dash = full.lastIndex(of: "-"), let p = Int(full[full.index(after: dash)...]), p > 0 {
            procs = p
            full = String(full[..<dash])
        }
        var values: [String: Double] = [:]
        var i = 2
        while i + 1 < fields.count {
            guard let v = Double(fields[i]) else { return nil }
            values[String(fields[i + 1])] = v
            i += 2
        }
        return BenchLine(name: full.isEmpty ? "(unnamed)" : full, procs: procs, iterations: iterations, values: values, configuration: [:])
    }
}
