// JUnit XML for CI systems: one <testsuite> per package and target.
import Foundation

public enum JUnitReport {
    public static func xml(_ results: [PackageResult]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let tests = results.map(\.tests.count).reduce(0, +)
        let failures = results.map(\.failedCount).reduce(0, +) + results.filter { $0.status.isFailure && $0.failedCount == 0 }.count
        out += "<testsuites name=\"crossgo test\" tests=\"\(tests + results.filter { $0.status.isFailure && $0.failedCount == 0 }.count)\" failures=\"\(failures)\">\n"
        for r in results {
            let suiteName = escape("\(r.package) [\(r.target)]")
            let brokenPackage = r.status.isFailure && r.failedCount == 0
            let count = r.tests.count + (brokenPackage ? 1 : 0)
            let skipped = r.skippedCount
            out += "  <testsuite name=\"\(suiteName)\" tests=\"\(count)\" failures=\"\(r.failedCount + (brokenPackage ? 1 : 0))\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", r.elapsed))\">\n"
            out += "    <properties><property name=\"target\" value=\"\(escape(r.target))\"/><property name=\"status\" value=\"\(r.status.rawValue)\"/><property name=\"cached\" value=\"\(r.cached)\"/></properties>\n"
            for t in r.tests {
                out += "    <testcase classname=\"\(suiteName)\" name=\"\(escape(t.name))\" time=\"\(String(format: "%.3f", t.elapsed))\""
                switch t.status {
                case .passed: out += "/>\n"
                case .skipped: out += "><skipped message=\"\(escape(skipReason(t.output)))\"/></testcase>\n"
                case .failed: out += "><failure message=\"failed\">\(escape(t.output))</failure></testcase>\n"
                }
            }
            if brokenPackage {
                out += "    <testcase classname=\"\(suiteName)\" name=\"(package)\" time=\"0\"><failure message=\"\(r.status.rawValue)\">\(escape(r.message ?? ""))</failure></testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    /// Why a test was skipped: the lines its t.Skip printed (test output without the === and --- framing).
    static func skipReason(_ output: String) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("=== ") && !$0.hasPrefix("--- ") }
        return lines.isEmpty ? "skipped" : lines.joined(separator: "; ")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 forbids most control characters; drop them.
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
