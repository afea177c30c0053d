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

/// The outcome of one test function (or benchmark, example, fuzz seed run).
public struct TestCaseResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case passed, failed, skipped }
    /// What ran, from the name of its function (`go help testfunc`).
    public enum Kind: String, Sendable, Codable { case test, benchmark, example, fuzz }
    public var name: String
    public var status: Status
    public var elapsed: Double
    public var output: String
    /// Absent in results written before crossgo told benchmarks from tests.
    public var kind: Kind? = nil

    /// The kind of a test2json Test name: its first element's prefix (Benchmark, Example, Fuzz, else a test).
    public static func kind(ofName name: String) -> Kind {
        let top = name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? name
        if top.hasPrefix("Benchmark") { return .benchmark }
        if top.hasPrefix("Example") { return .example }
        if top.hasPrefix("Fuzz") { return .fuzz }
        return .test
    }
}

/// What happened to a package on a target.
public enum PackageStatus: String, Sendable, Codable {
    case passed, failed, skipped, compileOnly = "compile-only", noTests = "no-tests", buildFailed = "build-failed", noRunner = "no-runner"
    /// The package has no Go files for this target (GOOS, GOARCH, tags, cgo): go would not list it there.
    case absent
    /// The run was stopped by SIGINT/SIGTERM before it finished: not run, not failed.
    case interrupted

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
    /// What the binary's `coverage: ...` line said, without the prefix ("66.7% of statements"), when built with -cover.
    /// test2json reports that line as package output (no Test), after PASS or FAIL.
    public var coverage: String?

    public var passedCount: Int { tests.filter { $0.status == .passed }.count }
    public var failedCount: Int { tests.filter { $0.status == .failed }.count }
    public var skippedCount: Int { tests.filter { $0.status == .skipped }.count }
    /// Benchmarks among `tests`.
    public var benchmarkCount: Int { tests.filter { $0.kind == .benchmark }.count }

    public init(package: String, target: String, status: PackageStatus, tests: [TestCaseResult] = [], elapsed: Double = 0, cached: Bool = false,
                message: String? = nil, coverage: String? = nil) {
        self.package = package
        self.target = target
        self.status = status
        self.tests = tests
        self.elapsed = elapsed
        self.cached = cached
        self.message = message
        self.coverage = coverage
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
            // test2json ends a benchmark that logged with "bench" (its doc), where a test would get "pass".
            case "bench": statuses[test] = .passed; elapsed[test] = event.Elapsed ?? 0
            case "fail": statuses[test] = .failed; elapsed[test] = event.Elapsed ?? 0
            case "skip": statuses[test] = .skipped; elapsed[test] = event.Elapsed ?? 0
            default: break
            }
        }
        // A benchmark that succeeds gets no pass event from test2json (only run and output, as with go test -json);
        // one that printed its result line has certainly finished.
        func finishedBenchmark(_ name: String) -> Bool {
            TestCaseResult.kind(ofName: name) == .benchmark && hasBenchmarkResultLine(outputs[name] ?? "", name: name)
        }
        // A test that started but never finished was running when the binary died.
        let unfinished = order.last { statuses[$0] == nil && !finishedBenchmark($0) }
        if exitCode != 0, !stderr.isEmpty, let unfinished { outputs[unfinished, default: ""] += stderr }
        // The binary died while that benchmark, or one of its sub-benchmarks, ran: it failed without a final FAIL
        // (a benchmark that panics may even get PASS printed before the process exits with status 2).
        let died = exitCode != 0 && packageAction != "fail"
        func interrupted(_ name: String) -> Bool {
            guard died, let unfinished else { return false }
            return unfinished == name || unfinished.hasPrefix(name + "/")
        }
        var tests = order.map { name in
            let kind = TestCaseResult.kind(ofName: name)
            var status = statuses[name] ?? .failed
            if statuses[name] == nil, kind == .benchmark, !interrupted(name) { status = .passed }
            return TestCaseResult(name: name, status: status, elapsed: elapsed[name] ?? 0, output: outputs[name] ?? "", kind: kind)
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
        return PackageResult(package: package, target: target, status: status, tests: tests, elapsed: packageElapsed, message: message,
                             coverage: coverageLine(packageOutput))
    }

    /// The last `coverage: ...` line of the package's own output, without the prefix.
    static func coverageLine(_ output: String) -> String? {
        output.split(separator: "\n").last { $0.hasPrefix("coverage: ") }
            .map { String($0.dropFirst("coverage: ".count)).trimmingCharacters(in: .whitespaces) }
    }

    /// Whether a benchmark's output holds its result line: its name, maybe `-GOMAXPROCS`, then tab-separated
    /// iterations and measurements ("BenchmarkAdd-2   \t 1000\t 12.5 ns/op"). The name alone, printed as it starts,
    /// has no tab; a benchmark that panics may still print its name and iterations ("BenchmarkX-2 \t 1"), without
    /// measurements, before the binary dies.
    static func hasBenchmarkResultLine(_ output: String, name: String) -> Bool {
        output.split(separator: "\n").contains { line in
            guard line.hasPrefix(name) else { return false }
            var rest = line.dropFirst(name.count)
            if rest.first == "-" { rest = rest.dropFirst().drop { $0.isNumber } }
            let fields = rest.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, fields[0].isEmpty, !fields[1].isEmpty, fields[1].allSatisfy(\.isNumber) else { return false }
            return fields.dropFirst(2).contains { !$0.isEmpty }
        }
    }
}
