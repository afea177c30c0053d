// The sessions behind test, bench, report, release, verify, merge, audit and ci, run in process: a context with
// a capturing reporter and a temp module as its working folder, the real toolchain, host targets only. Each test
// checks the outcome (its exit status, its counts) and what the session reported on the way.
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

/// One host build of Examples/hello as shard 1/1, made in process once and copied by the tests that read it.
enum InProcessBuild {
    static let shared = Once { try await make() }

    struct Made: Sendable {
        var module: TempFolder
        /// The shard's output folder.
        var folder: String
        /// The host binary's path in it.
        var binary: String
    }

    static func make() async throws -> Made {
        let module = try copyExample("hello")
        let context = CrossGoContext(anchors: [repositoryRoot], workingDirectory: module.path, reporter: CapturingReporter())
        var request = BuildRequest()
        request.targets = ["host"]
        request.shard = try Shard(parsing: "1/1")
        let outcome = try await BuildSession(context: context).run(request)
        guard outcome.exitStatus == .ok, let binary = outcome.artifacts.first?.path, outcome.artifacts.count == 1 else {
            throw EnvironmentError("host build: \(outcome.failures.map(\.message))")
        }
        return Made(module: module, folder: outcome.outDir, binary: binary)
    }

    /// A copy of the shard folder as `shard` in a fresh module folder (a copy of Examples/hello).
    static func copy() async throws -> (TempFolder, Made) {
        let made = try await shared.get()
        let module = try copyExample("hello")
        _ = try module.copy(folder: made.folder, as: "shard")
        return (module, made)
    }
}

@Suite struct SessionInProcessTests {
    static func context(_ folder: String) -> (CrossGoContext, CapturingReporter) {
        let reporter = CapturingReporter()
        return (CrossGoContext(anchors: [repositoryRoot], workingDirectory: folder, reporter: reporter), reporter)
    }

    /// The notices a session reported: "level: text".
    static func notices(_ reporter: CapturingReporter) -> [String] {
        reporter.captured.compactMap { event in if case .notice(let text, let level) = event { return "\(level): \(text)" } else { return nil } }
    }

    static func finishedJobs(_ reporter: CapturingReporter) -> [(JobID, JobEnd)] {
        reporter.captured.compactMap { event in if case .jobFinished(let id, let end) = event { return (id, end) } else { return nil } }
    }

    static func planned(_ reporter: CapturingReporter) -> [[JobID]] {
        reporter.captured.compactMap { event in if case .planned(_, let jobs, _) = event { return jobs } else { return nil } }
    }

    @Test func testSessionRunsTheMatrixAndReportsEachTest() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = TestRequest()
        request.targets = ["host"]
        request.noCache = true
        request.results = "results.json"
        let outcome = try await TestSession(context: context).run(request)
        // calc passes (one test skipped), other.TestAlwaysFails fails: the run fails.
        #expect(outcome.exitStatus == .failed && !outcome.interrupted)
        let counts = Dictionary(outcome.counts, uniquingKeysWith: { a, _ in a })
        #expect(counts["failed"] == 1 && counts["packagesFailed"] == 1 && counts["skipped"] == 1 && (counts["passed"] ?? 0) >= 2, "\(counts)")
        #expect(Set(outcome.results.map(\.package)) == ["example.com/tm/calc", "example.com/tm/other"])
        #expect(outcome.results.allSatisfy { $0.target == hostPair })
        #expect(FileManager.default.fileExists(atPath: module.path + "/results.json"))
        // Events: planned jobs, the failing test's test2json event, each package's job finished with its status.
        #expect(Self.planned(reporter).flatMap { $0 }.contains { $0.item == "example.com/tm/other" })
        let failedTests = reporter.captured.compactMap { event -> String? in
            if case .test(_, let e) = event, e.Action == "fail", let name = e.Test { return name } else { return nil }
        }
        #expect(failedTests == ["TestAlwaysFails"])
        let ends = Dictionary(Self.finishedJobs(reporter).map { ($0.0.item, $0.1.status) }, uniquingKeysWith: { a, _ in a })
        #expect(ends["example.com/tm/other"] == .failed && ends["example.com/tm/calc"] == .passed, "\(ends)")
    }

    @Test func benchSessionRecordsOneSeriesPerBenchmark() async throws {
        let module = try copyExample("bench")
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = BenchRequest()
        request.targets = ["host"]
        request.bench = "^BenchmarkInts$"
        request.benchtime = "1x"
        request.results = "bench.json"
        let outcome = try await BenchSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && !outcome.interrupted)
        #expect(outcome.results.problems.isEmpty, "\(outcome.results.problems)")
        let names = Set(outcome.results.series.map(\.name))
        #expect(names.count == 1 && names.first?.contains("Ints") == true, "\(names)")
        #expect(outcome.results.series.allSatisfy { $0.target == hostPair && !$0.emulated })
        #expect(Dictionary(outcome.counts, uniquingKeysWith: { a, _ in a })["benchmarks"] == 1)
        #expect(outcome.written.contains { $0.hasSuffix("bench.json") } && FileManager.default.fileExists(atPath: module.path + "/bench.json"))
        // Events: the run planned and every job finished passed.
        #expect(!Self.planned(reporter).isEmpty)
        let ends = Self.finishedJobs(reporter)
        #expect(!ends.isEmpty && ends.allSatisfy { $0.1.status == .passed }, "\(ends.map { "\($0.0.item) \($0.1.status)" })")
    }

    @Test func reportSessionWritesThePageAndClassifiesAnUnwritableOne() async throws {
        let (module, _) = try await InProcessBuild.copy()
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = ReportRequest()
        request.dist = "shard"
        let outcome = try await ReportSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && outcome.path == module.path + "/shard/report.html")
        #expect(outcome.inputs["manifest"] == module.path + "/shard/manifest.json" && !outcome.sections.isEmpty)
        let page = try String(contentsOfFile: outcome.path, encoding: .utf8)
        #expect(page.contains("example.com/hello") || page.contains("hello"))
        #expect(outcome.render(Painter(enabled: false), relativeTo: module.path).results == ["shard/report.html"])
        // Nothing to warn about: the report session reports no notice.
        #expect(Self.notices(reporter).isEmpty, "\(Self.notices(reporter))")
        // A page whose folder cannot be made (a file is in the way) is an environment error (3) naming it.
        request.output = "go.mod/report.html"
        do {
            _ = try await ReportSession(context: context).run(request)
            Issue.record("report -o go.mod/report.html did not fail")
        } catch {
            #expect(ExitStatus.of(error) == .environment && "\(error)".contains("go.mod/report.html"), "\(error)")
        }
        // An empty folder has nothing to report: bad input (2).
        try FileManager.default.createDirectory(atPath: module.path + "/empty", withIntermediateDirectories: true)
        request = ReportRequest()
        request.dist = "empty"
        await #expect(throws: UsageError.self) { try await ReportSession(context: context).run(request) }
    }

    @Test func verifySessionPassesTheBuildAndFailsAChangedByte() async throws {
        let (module, made) = try await InProcessBuild.copy()
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = VerifyRequest()
        request.folder = "shard"
        let good = try await VerifySession(context: context).run(request)
        #expect(good.exitStatus == .ok, "\(good.checks.filter { $0.status != .ok })")
        let goodCounts = Dictionary(good.counts, uniquingKeysWith: { a, _ in a })
        #expect(goodCounts["failed"] == 0 && (goodCounts["ok"] ?? 0) >= 1)
        #expect(good.checks.contains { $0.kind == "sums" && $0.subject == made.binary && $0.status == .ok })

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: module.path + "/shard/" + made.binary))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let bad = try await VerifySession(context: context).run(request)
        #expect(bad.exitStatus == .failed)
        let failed = bad.checks.filter { $0.status == .failed }
        #expect(failed.contains { $0.kind == "sums" && $0.subject == made.binary }, "\(failed)")
        #expect(bad.render(Painter(enabled: false), relativeTo: module.path).results.contains { $0.hasPrefix("FAILED sums \(made.binary): ") })
        // Verify only reads: it reports nothing while checking.
        #expect(reporter.captured.isEmpty)
        request.folder = "go.mod"
        await #expect(throws: UsageError.self) { try await VerifySession(context: context).run(request) }
    }

    @Test func mergeSessionJoinsTheShardAndReportsItsStages() async throws {
        let (module, made) = try await InProcessBuild.copy()
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = MergeRequest()
        request.folders = ["shard"]
        request.out = "merged"
        let outcome = try await MergeSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && outcome.kinds == ["build"] && outcome.shards == 1 && outcome.artifacts == 1)
        #expect(FileManager.default.fileExists(atPath: module.path + "/merged/" + made.binary))
        let manifest = try #require(BuildManifest.read(from: module.path + "/merged"))
        #expect(manifest.shard == nil && manifest.artifacts.map(\.path) == [made.binary])
        // Events: each stage reported as release reports its own; nothing to sign in a build's merge.
        let notices = Self.notices(reporter)
        #expect(notices.contains { $0.contains("stage build: done") }, "\(notices)")
        #expect(notices.contains { $0.contains("stage sign: skipped") }, "\(notices)")
        // An output folder that cannot be made (a file is in the way) is an environment error (3) naming it.
        request.out = "go.mod/merged"
        do {
            _ = try await MergeSession(context: context).run(request)
            Issue.record("merge --out go.mod/merged did not fail")
        } catch {
            #expect(ExitStatus.of(error) == .environment && "\(error)".contains("go.mod/merged"), "\(error)")
        }
    }

    @Test func releaseSessionReleasesTheHostAndSkipsSigningWithoutAKey() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = ReleaseRequest()
        request.build.targets = ["host"]
        request.version = "1.0.0"
        let outcome = try await ReleaseSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && !outcome.signed && outcome.failedStages.isEmpty, "\(outcome.failedStages)")
        let release = try #require(outcome.release)
        #expect(release.version == "1.0.0" && release.project == "hello" && release.failed.isEmpty)
        let counts = Dictionary(outcome.counts, uniquingKeysWith: { a, _ in a })
        #expect(counts["built"] == 1 && counts["archives"] == 1 && counts["signed"] == 0 && (counts["sboms"] ?? 0) >= 1, "\(counts)")
        let checksums = try #require(release.checksums)
        #expect(FileManager.default.fileExists(atPath: outcome.outDir + "/" + checksums))
        // Events: the stages in order, the signature skipped for want of a key, and the warning of a folder outside git.
        let notices = Self.notices(reporter)
        #expect(notices.contains { $0.contains("stage sign: skipped") }, "\(notices)")
        #expect(notices.contains { $0.hasPrefix("warning: not a git checkout and no SOURCE_DATE_EPOCH") }, "\(notices)")
        #expect(Self.finishedJobs(reporter).contains { $0.1.status == .passed })
        // The release just made verifies (unsigned: the signature check is skipped, nothing fails).
        var verify = VerifyRequest()
        verify.folder = outcome.outDir
        let verified = try await VerifySession(context: context).run(verify)
        #expect(verified.exitStatus == .ok && verified.checks.contains { $0.kind == "signature" && $0.status == .skipped })
    }

    @Test func auditSessionFindsNothingInAnEmptyDatabase() async throws {
        let folder = try TempFolder("audit-session")
        defer { folder.cleanup() }
        try VulnDBFixture.write(to: folder.path + "/vulndb", modified: "2026-01-01T00:00:00Z", only: [])
        try await folder.copyGoExecutable(to: "go-binary")
        let (context, reporter) = Self.context(folder.path)
        var request = AuditRequest()
        request.paths = ["go-binary"]
        request.database = "vulndb"
        request.vex = "out.vex.json"
        let outcome = try await AuditSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok && outcome.findings.isEmpty)
        #expect(outcome.artifacts.count == 1 && outcome.clean == 1 && outcome.artifacts.first?.status == "clean", "\(outcome.artifacts)")
        // Events: the one artifact planned, and the VEX file not written, with the reason.
        #expect(Self.planned(reporter).map(\.count) == [1])
        let notices = Self.notices(reporter)
        #expect(notices.contains { $0 == "info: --vex out.vex.json: not written: no finding, so no VEX statement to make" }, "\(notices)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.vex.json"))
        // A SARIF file whose folder is a file is bad input (2) naming the flag, found before anything is audited.
        try folder.write("file", "in the way")
        request.vex = nil
        request.sarif = "file/out.sarif"
        do {
            _ = try await AuditSession(context: context).run(request)
            Issue.record("audit --sarif file/out.sarif did not fail")
        } catch {
            #expect(ExitStatus.of(error) == .usage && "\(error)".hasPrefix("--sarif file/out.sarif: no folder"), "\(error)")
        }
    }

    @Test func ciSessionPrintsOrWritesTheWorkflowOnce() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let (context, reporter) = Self.context(module.path)
        var request = CIRequest()
        request.targets = ["linux/amd64", "linux/arm64", "windows/amd64"]
        request.stdout = true
        let printed = try await CISession(context: context).run(request)
        #expect(printed.exitStatus == .ok && printed.printed && printed.path == nil)
        #expect(printed.plan.targets == ["linux/amd64", "linux/arm64", "windows/amd64"], "\(printed.plan.targets)")
        #expect(printed.workflow.contains("runs-on:") && printed.workflow.contains("windows"))
        #expect(printed.render(Painter(enabled: false), relativeTo: module.path).results.joined(separator: "\n").contains("runs-on:"))
        // Written: the file is there, with the printed text; a second run without --force refuses to replace it (2).
        request.stdout = false
        let written = try await CISession(context: context).run(request)
        let path = try #require(written.path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!written.printed && path.hasPrefix(module.path + "/") && text == printed.workflow)
        #expect(written.render(Painter(enabled: false), relativeTo: module.path).messages.first?.hasPrefix("crossgo: wrote \(relativePath(path, to: module.path)): ") == true)
        await #expect(throws: UsageError.self) { try await CISession(context: context).run(request) }
        request.force = true
        #expect(try await CISession(context: context).run(request).path == path)
        // The ci session plans no jobs: nothing reported on the way.
        #expect(Self.planned(reporter).isEmpty && Self.finishedJobs(reporter).isEmpty)
    }
}
