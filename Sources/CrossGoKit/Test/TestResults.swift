// Results of running a package's tests on one target, built from `go tool test2json` events.
import Foundation

/// One event of `go test -json` / `go tool test2json`.
public struct TestEvent: Sendable, Codable, Equatable {
    public var Time: String?
    public var Action: String
    public var Package: String?
    public var Test: String?
    public var Elapsed: Double?
    public var Output: String?
    /// Added by crossgo: the target the event belongs to.
    public var Target: String?
}

/// The outcome of one test function.
public struct TestCaseResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case passed, failed, skipped }
    public var name: String
    public var status: Status
    public var elapsed: Double
    public var output: String
}

/// What happened to a package on a target.
public enum PackageStatus: String, Sendable, Codable {
    case passed, failed, skipped, compileOnly = "compile-only", noTests = "no-tests", buildFailed = "build-failed", noRunner = "no-runner"

    public var isFailure: Bool { self == .failed || self == .buildFailed }
}

/// A package's tests on one target.
public struct PackageResult: Sendable, Codable, Equatable {
    public var package: String
    public var target: String
    public var status: PackageStatus
    public var tests: [TestCaseResult]
    public var elapsed: Double
    /// Served from crossgo's result cache.
    public var cached: Bool
    /// Build errors, crash output, or why the package could not run.
    public var message: String?

    public var passedCount: Int { tests.filter { $0.status == .passed }.count }
    public var failedCount: Int { tests.filter { $0.status == .failed }.count }
    public var skippedCount: Int { tests.filter { $0.status == .skipped }.count }

    public init(package: String, target: String, status: PackageStatus, tests: [TestCaseResult] = [], elapsed: Double = 0, cached: Bool = false, message: String? = nil) {
        self.package = package
        self.target = target
        self.status = status
        self.tests = tests
        self.elapsed = elapsed
        self.cached = cached
        self.message = message
    }

    /// Folds test2json events of one package run into a result. `exitCode` catches crashes the events miss.
    /// `stderr` (a panic, a timeout) belongs to the test that was running when the binary died.
    public static func from(events: [TestEvent], package: String, target: String, exitCode: Int32, rawOutput: String, stderr: String = "") -> PackageResult {
        var order: [String] = []
        var outputs: [String: String] = [:]
        var statuses: [String: TestCaseResult.Status] = [:]
        var elapsed: [String: Double] = [:]
        var packageAction: String?
        var packageElapsed = 0.0
        var packageOutput = ""
        for event in events {
            guard let test = event.Test else {
                if ["pass", "fail", "skip"].contains(event.Action) {
                    packageAction = event.Action
                    packageElapsed = event.Elapsed ?? 0
                }
                if event.Action == "output" { packageOutput += event.Output ?? "" }
                continue
            }
            if outputs[test] == nil { order.append(test); outputs[test] = "" }
            switch event.Action {
            case "output": outputs[test, default: ""] += event.Output ?? ""
            case "pass": statuses[test] = .passed; elapsed[test] = event.Elapsed ?? 0
            case "fail": statuses[test] = .failed; elapsed[test] = event.Elapsed ?? 0
            case "skip": statuses[test] = .skipped; elapsed[test] = event.Elapsed ?? 0
            default: break
            }
        }
        // A test that started but never finished was running when the binary died.
        let unfinished = order.last { statuses[$0] == nil }
        if exitCode != 0, !stderr.isEmpty, let unfinished { outputs[unfinished, default: ""] += stderr }
        var tests = order.map { name in
            TestCaseResult(name: name, status: statuses[name] ?? .failed, elapsed: elapsed[name] ?? 0, output: outputs[name] ?? "")
        }
        if exitCode != 0, !stderr.isEmpty, unfinished == nil, let last = tests.lastIndex(where: { $0.status == .failed }) {
            tests[last].output += stderr
        }
        var status: PackageStatus
        if exitCode != 0 || packageAction == "fail" || tests.contains(where: { $0.status == .failed }) {
            status = .failed
        } else if tests.isEmpty {
            status = packageOutput.contains("no tests to run") || packageAction == "pass" ? .noTests : .failed
        } else if tests.allSatisfy({ $0.status == .skipped }) {
            status = .skipped
        } else {
            status = .passed
        }
        if packageAction == nil && exitCode == 0 && tests.isEmpty { status = .failed }
        var message: String?
        if status == .failed && !tests.contains(where: { $0.status == .failed }) {
            let text = packageOutput.isEmpty ? rawOutput : packageOutput
            message = String(text.suffix(4000))
        }
        return PackageResult(package: package, target: target, status: status, tests: tests, elapsed: packageElapsed, message: message)
    }
}
