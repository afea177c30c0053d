// Splits the words after `--` of `crossgo test` the way `go test` does: build flags, test flags, arguments.
import Foundation

/// The words after `--`, split.
public struct TestFlags: Sendable, Equatable {
    public var buildFlags: [String] = []
    public var binaryArguments: [String] = []

    static let testFlags: Set<String> = ["run", "skip", "count", "short", "v", "bench", "benchtime", "benchmem", "cpu",
                                         "parallel", "failfast", "shuffle", "list", "timeout", "fullpath"]

    public static func split(_ words: [String]) throws -> TestFlags {
        var out = TestFlags()
        for arg in words {
            let body = arg.drop { $0 == "-" }
            let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            out.binaryArguments.append(arg.hasPrefix("-") && testFlags.contains(name) ? "-test.\(body)" : arg)
        }
        return out
    }
}
