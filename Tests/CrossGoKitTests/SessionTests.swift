// The spine in process: the matrix runner's bound, order and cancellation; sessions with a capturing reporter;
// the reporters' text; the test plan's argv.
@testable import CrossGoKit
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite struct MatrixRunnerTests {
    final class Gauge: Sendable {
        let state = Mutex((now: 0, peak: 0))
        func enter() { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    @Test func boundOrderAndEvents() async {
        let reporter = CapturingReporter()
        let gauge = Gauge()
        let jobs = Array(0..<12)
        let result = await MatrixRunner(concurrency: 3, reporter: reporter).run(
            jobs, id: { JobID(item: "job\($0)", target: "t") }, firstPhase: "work",
            work: { n, handle in
                gauge.enter()
                handle.phase("half")
                // Later jobs finish first: the result must still be in plan order.
                try? await Task.sleep(nanoseconds: UInt64((12 - n) * 3_000_000))
                gauge.leave()
                return n * 10
            },
            end: { JobEnd(status: $0 % 20 == 0 ? .passed : .failed, summary: "\($0)") })
        #expect(result.outputs.map { $0 ?? -1 } == jobs.map { $0 * 10 })
        #expect(gauge.peak == 3)
        #expect(!result.interrupted)
        var started = Set<String>()
        var finished: [String: JobStatus] = [:]
        for event in reporter.captured {
            switch event {
            case .jobStarted(let id, let phase): #expect(phase == "work"); started.insert(id.item)
            case .jobPhase(let id, _): #expect(started.contains(id.item) && finished[id.item] == nil)
            case .jobFinished(let id, let end): #expect(started.contains(id.item)); finished[id.item] = end.status
            default: break
            }
        }
        #expect(finished.count == 12 && finished["job2"] == .passed && finished["job1"] == .failed)
    }

    @Test func cancellationStartsNothingNew() async {
        let reporter = CapturingReporter()
        let begun = Mutex(0)
        let task = Task {
            await MatrixRunner(concurrency: 2, reporter: reporter).run(
                Array(0..<50), id: { JobID(item: "\($0)", target: "t") }, firstPhase: "work",
                work: { n, _ in
                    begun.withLock { $0 += 1 }
                    try? await Task.sleep(nanoseconds: 50_000_000)
                    return n
                },
                end: { _ in JobEnd(status: .passed) })
        }
        while begun.withLock({ $0 }) < 2 { try? await Task.sleep(nanoseconds: 1_000_000) }
        task.cancel()
        let result = await task.value
        #expect(result.interrupted)
        #expect(begun.withLock { $0 } <= 4, "jobs kept starting after the cancel")
        #expect(result.outputs.filter { $0 == nil }.count >= 46)
    }
}

@Suite struct BoundedTests {
    @Test func boundedStopsStartingAfterAFailureAndKeepsItemOrder() async {
        let gauge = MatrixRunnerTests.Gauge()
        let started = Mutex(0)
        let outputs = await Concurrency.bounded(Array(0..<20), limit: 2, stop: { $0 < 0 }) { n -> Int? in
            gauge.enter()
            started.withLock { $0 += 1 }
            defer { gauge.leave() }
            if n == 5 { return -1 }  // fails at once, while the item started beside it still sleeps
            try? await Task.sleep(nanoseconds: 20_000_000)
            return n
        }
        #expect(gauge.peak == 2)
        #expect(outputs.prefix(5).map { $0 ?? -2 } == [0, 1, 2, 3, 4] && outputs[5] == -1)
        // Item 5 failed: the one running beside it may finish, but nothing later starts.
        #expect(started.withLock { $0 } <= 7 && outputs.suffix(13).allSatisfy { $0 == nil })
    }

    /// Test's `go list -export` per target: at most --jobs at a time, and a target whose listing fails is named in a
    /// warning (its results are not cached) instead of the cache silently turning off.
    @Test func testCacheIdentitiesAreBoundedAndAFailureIsReported() async {
        let reporter = CapturingReporter()
        let gauge = MatrixRunnerTests.Gauge()
        let targets = ["linux/amd64", "linux/arm64", "linux/riscv64", "windows/amd64", "darwin/arm64", "js/wasm"].map { spec in
            let parts = spec.split(separator: "/").map(String.init)
            return Target(goos: parts[0], goarch: parts[1])
        }
        let identities = await TestSession.cacheIdentities(targets, jobs: 2, reporter: reporter) { target in
            gauge.enter()
            defer { gauge.leave() }
            try? await Task.sleep(nanoseconds: 3_000_000)
            if target.goarch == "riscv64" { throw TestIdentityFailure(reason: "go list -export exited with status 1: no export data for example.com/m") }
            return ["example.com/m": "id-\(target)"]
        }
        #expect(gauge.peak == 2, "go list -export ran \(gauge.peak) at a time with --jobs 2")
        #expect(identities.count == 5 && identities[Target(goos: "linux", goarch: "riscv64")] == nil)
        #expect(identities[Target(goos: "js", goarch: "wasm")] == ["example.com/m": "id-js/wasm"])
        let warnings = reporter.captured.compactMap { event -> String? in
            if case .notice(let message, "warning") = event { return message } else { return nil }
        }
        #expect(warnings == ["test results not cached for linux/riscv64: go list -export exited with status 1: no export data for example.com/m"])
    }
}

@Suite struct PipelineTests {
    final class Work: PipelineWork {
        var stages: [ReleaseStage] = []
        var ran: [String] = []
        var everythingPassed: Bool { stages.allSatisfy { $0.status != .failed } }
        var whatFailed: String { "stage(s) \(stages.filter { $0.status == .failed }.map(\.name).joined(separator: ", ")) failed" }
    }

    struct Refused: Error, CustomStringConvertible { var description: String { "refused" } }

    @Test func gatesSkipsFailuresAndEvents() async throws {
        let reporter = CapturingReporter()
        let work = Work()
        let stages: [Stage<Work>] = [
            Stage(name: "make") { $0.ran.append("make"); return .done("made 2") },
            Stage(name: "check") { _ in throw Refused() },
            Stage(name: "sum") { $0.ran.append("sum"); return .done("summed") },
            Stage(name: "sign", gate: .everythingPassed) { $0.ran.append("sign"); return .done("signed") },
        ]
        let finished = try await Pipeline(reporter: reporter, thrown: .failsTheStage).run(stages, work)
        #expect(finished)
        #expect(work.ran == ["make", "sum"])
        #expect(work.stages.map { "\($0.name) \($0.status.rawValue)" } == ["make done", "check failed", "sum done", "sign skipped"])
        #expect(work.stages.last?.detail == "not done: stage(s) check failed, and nothing unverified is signed")
        let notices = reporter.captured.compactMap { event -> String? in
            if case .notice(let message, _) = event { return message } else { return nil }
        }
        #expect(notices.count == 4 && notices[0].hasPrefix("stage make: done: made 2 (") && notices[0].hasSuffix(" s)"))
        #expect(notices[1] == "stage check: failed: refused")
    }

    @Test func anErrorCanEndTheRunAndCancellationStopsIt() async throws {
        let work = Work()
        let stages: [Stage<Work>] = [
            Stage(name: "a") { _ in throw UsageError("bad shard") },
            Stage(name: "b") { $0.ran.append("b"); return .done("") },
        ]
        await #expect(throws: UsageError.self) { try await Pipeline(reporter: CapturingReporter(), thrown: .endsTheRun).run(stages, work) }
        #expect(work.ran.isEmpty && work.stages.isEmpty)
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await Pipeline(reporter: CapturingReporter()).run(stages, Work())
        }
        #expect(try await cancelled.value == false)
    }
}

@Suite struct ReporterTests {
    struct Outcome: SessionOutcome {
        var command: String { "demo" }
        var exitStatus: CrossGoKit.ExitStatus { .failed }
        var counts: [(String, Int)] { [("done", 2)] }
        func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
            RenderedOutcome(results: ["RESULT " + painter.green("ok")], messages: ["MESSAGE"])
        }
        enum CodingKeys: CodingKey {}
        func encode(to encoder: any Encoder) throws {}
    }

    static let jobs = (0..<30).map { JobID(item: "p\($0)", target: "linux/amd64") }

    @Test func plainLinesAndColourOnlyWhenAsked() {
        let streams = CapturingStreams()
        let reporter = PlainReporter(streams: streams, painter: Painter(enabled: false), relativeTo: "/")
        reporter.report(.planned(command: "demo", jobs: Array(Self.jobs.prefix(2)), message: "two jobs"))
        reporter.report(.jobStarted(Self.jobs[0], phase: "build"))
        reporter.report(.jobFinished(Self.jobs[0], JobEnd(status: .passed, summary: "1 KiB")))
        reporter.report(.finished(Outcome()))
        #expect(streams.stdout == "RESULT ok\n")
        #expect(streams.stderr.contains("crossgo: two jobs\n") && streams.stderr.contains("passed       p0 linux/amd64  1 KiB  [1/2]"))
        #expect(!streams.stderr.contains("\u{1B}["))
        #expect(ColorMode.always.enabled(isTerminal: false, environment: ["NO_COLOR": "1"]) == false)
        #expect(ColorMode.auto.enabled(isTerminal: true, environment: [:]) && !ColorMode.auto.enabled(isTerminal: false, environment: [:]))
        #expect(ColorMode.never.enabled(isTerminal: true, environment: [:]) == false)
    }

    @Test func liveDisplayFoldsWhatTheTerminalCannotHold() {
        let streams = CapturingStreams()
        let rows = 8
        let reporter = LiveReporter(streams: streams, painter: Painter(enabled: false), rows: rows, relativeTo: "/")
        reporter.report(.planned(command: "demo", jobs: Self.jobs, message: "thirty jobs"))
        for job in Self.jobs { reporter.report(.jobStarted(job, phase: "build")) }
        // The last redraw holds at most rows - 2 job lines and one count line naming what is hidden.
        let lastBlock = streams.stderr.components(separatedBy: "\u{1B}[").last ?? ""
        let drawn = lastBlock.split(separator: "\n").filter { $0.contains("linux/amd64") }
        #expect(drawn.count <= rows - 2, "\(lastBlock)")
        #expect(streams.stderr.contains("(24 not shown)"), "\(streams.stderr.suffix(300))")
        reporter.report(.finished(Outcome()))
        #expect(streams.stdout == "RESULT ok\n")
    }

    @Test func jsonLinesCarryTheSchema() throws {
        let streams = CapturingStreams()
        let reporter = JSONLinesReporter(streams: streams, command: "demo")
        reporter.report(.planned(command: "demo", jobs: [Self.jobs[0]], message: "m"))
        let event = try JSONDecoder().decode(TestEvent.self, from: Data(#"{"Action":"pass","Package":"p0","Test":"TestX","Elapsed":0.5}"#.utf8))
        reporter.report(.test(Self.jobs[0], event))
        reporter.report(.finished(Outcome()))
        let lines = try streams.stdout.split(separator: "\n").map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(lines.map(\.event) == ["planned", "test", "summary"])
        #expect(lines[1].test2json?.Test == "TestX" && lines[1].job == Self.jobs[0])
        #expect(lines[2].exitCode == 1 && lines[2].counts == ["done": 2] && lines[2].status == "failed")
    }
}

@Suite struct TestPlanTests {
    static let package = TestPackage(importPath: "example.com/m/p", directory: "/m/p", hasTests: true)
    static let host = Target(goos: "linux", goarch: "amd64")

    @Test func argvForBuildVetAndRun() throws {
        let targets = [Self.host, Target(goos: "linux", goarch: "riscv64"), Target(goos: "js", goarch: "wasm")]
        let plan = try TestPlan(packages: [Self.package], targets: targets, host: Self.host, run: "TestA",
                                tags: ["netgo"], passthrough: ["-race", "-v", "-count=1", "-short", "arg"], noCache: false)
        #expect(plan.jobs.count == 3)
        let host = plan.jobs[0]
        #expect(host.buildArguments(output: "/o/p.test") == ["test", "-c", "-o", "/o/p.test", "-tags=netgo", "-race", "example.com/m/p"])
        #expect(host.vetArguments == ["vet", "-tags=netgo", "example.com/m/p"])
        #expect(host.runArguments(timeout: "10m", testLog: "/o/log") ==
                ["-test.v=test2json", "-test.paniconexit0", "-test.timeout=10m", "-test.testlogfile=/o/log", "-test.run=TestA", "-test.count=1", "-test.short=true", "arg"]
                || host.runArguments(timeout: "10m", testLog: "/o/log") ==
                ["-test.v=test2json", "-test.paniconexit0", "-test.timeout=10m", "-test.testlogfile=/o/log", "-test.run=TestA", "-test.count=1", "-test.short", "arg"])
        #expect(host.environment["CGO_ENABLED"] == nil)
        // -race needs cgo, which crossgo turns off for other targets: dropped there, with the reason.
        let riscv = plan.jobs[1]
        #expect(!riscv.buildFlags.contains("-race") && riscv.environment == ["GOOS": "linux", "GOARCH": "riscv64", "CGO_ENABLED": "0"])
        #expect(plan.raceDropped[Target(goos: "linux", goarch: "riscv64")] != nil && plan.raceDropped[Self.host] == nil)
        #expect(!plan.cacheAllowed)  // -count=1, as in go test
        let cacheable = try TestPlan(packages: [Self.package], targets: [Self.host], host: Self.host, run: nil, tags: [], passthrough: ["-short"], noCache: false)
        #expect(cacheable.cacheAllowed)
        #expect(throws: UsageError.self) { try TestPlan(packages: [Self.package], targets: [Self.host], host: Self.host, run: nil, tags: [], passthrough: ["-tags"], noCache: false) }
    }
}

@Suite struct BuildSessionTests {
    /// The whole build session in process, with the real toolchain and a capturing reporter.
    @Test func eventsOutcomeAndManifest() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let reporter = CapturingReporter()
        let context = CrossGoContext(anchors: [repositoryRoot], workingDirectory: module.path, reporter: reporter)
        var request = BuildRequest()
        request.targets = ["host", "wasip1/wasm"]
        let outcome = try await BuildSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && outcome.artifacts.count == 2 && outcome.failures.isEmpty)
        #expect(outcome.outDir == module.path + "/dist")
        let kinds = reporter.captured.map { event -> String in
            switch event {
            case .planned: return "planned"
            case .jobStarted: return "started"
            case .jobPhase: return "phase"
            case .jobFinished: return "finished"
            default: return "other"
            }
        }
        #expect(kinds.first == "planned" && kinds.filter { $0 == "finished" }.count == 2 && kinds.filter { $0 == "started" }.count == 2)
        let manifest = try #require(BuildManifest.read(from: outcome.outDir))
        #expect(manifest.artifacts.map(\.path) == outcome.artifacts.map(\.path))
        var bad = BuildRequest()
        bad.targets = ["plan10/amd64"]
        await #expect(throws: TargetError.self) { try await BuildSession(context: context).run(bad) }
    }
}
