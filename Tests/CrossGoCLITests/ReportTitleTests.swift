// The report's title is the module path, whichever records the folder holds.
import CrossGoKit
import Foundation
import Testing
import TestSupport

@Suite("Report title", .requires("go"))
struct ReportTitleTests {
    static func title(_ html: String) -> String? {
        guard let start = html.range(of: "<title>"), let end = html.range(of: "</title>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }

    @Test("test results only, bench results only, in dist or in a folder elsewhere: the title is the module path")
    func titleIsTheModulePath() async throws {
        let module = try copyExample("bench")
        defer { module.cleanup() }
        let elsewhere = try TempFolder("crossgo-report-elsewhere")
        defer { elsewhere.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": "off", "NO_COLOR": "1"]
        let test = try await runCrossgo(["test", "--target", "linux/amd64", "--results", "dist/test-results.json"], in: module.path, environment: env)
        #expect(test.exitCode == 0, "\(test.stderr)")
        let inDist = try await runCrossgo(["report"], in: module.path, environment: env)
        #expect(inDist.exitCode == 0, "\(inDist.stderr)")
        #expect(Self.title(try String(contentsOfFile: module.path + "/dist/report.html", encoding: .utf8)) == "crossgo report: example.com/bench")

        // The results moved out of the module: the file itself says which module it is.
        try FileManager.default.createDirectory(atPath: elsewhere.path + "/tests", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: module.path + "/dist/test-results.json", toPath: elsewhere.path + "/tests/test-results.json")
        let moved = try await runCrossgo(["report", "tests"], in: elsewhere.path, environment: env)
        #expect(moved.exitCode == 0, "\(moved.stderr)")
        #expect(Self.title(try String(contentsOfFile: elsewhere.path + "/tests/report.html", encoding: .utf8)) == "crossgo report: example.com/bench")

        let bench = try await runCrossgo(["bench", "--target", "linux/amd64", "--bench", "Checksum", "--count", "1", "--benchtime", "1x",
                                          "--results", elsewhere.path + "/bench/bench-results.json"], in: module.path, environment: env)
        #expect(bench.exitCode == 0, "\(bench.stderr)")
        let benchOnly = try await runCrossgo(["report", "bench"], in: elsewhere.path, environment: env)
        #expect(benchOnly.exitCode == 0, "\(benchOnly.stderr)")
        #expect(Self.title(try String(contentsOfFile: elsewhere.path + "/bench/report.html", encoding: .utf8)) == "crossgo report: example.com/bench")
    }
}
