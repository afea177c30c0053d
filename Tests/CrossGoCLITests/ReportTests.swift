// crossgo report end to end: build, test (with a deliberate failure), bench with a baseline and --artifacts on
// Examples/bench, then the page opened in headless Chromium from crossgo's LocalHTTPServer: a chart in every
// section, no console errors, no network, a screenshot taken.
import CrossGoKit
import Foundation
import TestSupport
import Testing

extension Measuring {
@Suite(.serialized, .requires("chromium", "go", "qemu-riscv64", "node", "wasmtime")) struct ReportTests {
    @Test func reportOfBuildTestBenchAndArtifactsInChromium() async throws {
        let module = try copyExample("bench")
        defer { module.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": module.path + "/.cache", "NO_COLOR": "1"]
        try module.write("fail_test.go", """
            package bench

            import "testing"

            func TestDeliberateFailure(t *testing.T) {
            \tt.Fatal("deliberate failure: the report links this output")
            }
            """)
        func run(_ args: [String], _ expected: Int32 = 0) async throws {
            let r = try await runCrossgo(args, in: module.path, environment: env)
            #expect(r.exitCode == expected, "\(args): \(r.stderr.suffix(1500))")
        }
        try await run(["build", "--target", "host,linux/riscv64,js/wasm,wasip1/wasm"])
        try await run(["test", "--target", "host,js/wasm", "--results", "dist/test-results.json"], 1)
        try await run(["bench", "--target", "host,linux/riscv64", "--bench", "Checksum|Pointers", "--count", "6", "--benchtime", "50x",
                       "--results", "baseline.json"])
        // Artifacts measured first: the bench run after them keeps them in dist/bench-results.json.
        try await run(["bench", "--artifacts", "--count", "2"])
        try await run(["bench", "--target", "host,linux/riscv64", "--bench", "Checksum|Pointers", "--count", "6", "--benchtime", "50x",
                       "--tags", "crossgo_slow", "--baseline", "baseline.json"])
        let report = try await runCrossgo(["report"], in: module.path, environment: env)
        #expect(report.exitCode == 0, "\(report.stderr)")
        #expect(report.stdout == "dist/report.html\n", "results on stdout: the page's path")
        #expect(report.stderr.contains("report with build, tests, benchmarks, runtime"), "\(report.stderr)")
        let html = try String(contentsOfFile: module.path + "/dist/report.html", encoding: .utf8)
        // Self-contained: no script, no stylesheet or image fetched, no URL but the SVG namespace.
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("<img") && !html.contains("src="))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)

        let server = try await LocalHTTPServer.start { request in
            request.path == "/" || request.path == "/report.html"
                ? LocalResponse(headers: ["Content-Type": "text/html; charset=utf-8"], body: Data(html.utf8))
                : LocalResponse(status: 404)
        }
        let chromium = Chromium(program: "chromium")
        let (dom, console) = try await chromium.dumpDOMWithConsole(server.url + "report.html")
        let screenshot = repositoryRoot + "/.build/crossgo-report-screenshot.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        try await chromium.screenshot(server.url + "report.html", to: screenshot, windowSize: "1200,4600")
        // The console check itself works: a page that fails to load a resource and throws is caught.
        let broken = try await LocalHTTPServer.start { _ in
            LocalResponse(headers: ["Content-Type": "text/html"], body: Data("<html><body><img src=\"/missing.png\"><script>throw new Error('boom')</script></body></html>".utf8))
        }
        let (_, brokenConsole) = try await chromium.dumpDOMWithConsole(broken.url)
        await broken.stop()
        await server.stop()

        #expect(console.isEmpty, "console messages: \(console)")
        #expect(brokenConsole.contains { $0.contains("boom") }, "the console check sees errors: \(brokenConsole)")
        for section in ["build", "tests", "benchmarks", "runtime"] {
            let part = try #require(dom.components(separatedBy: "<section id=\"\(section)\">").dropFirst().first?.components(separatedBy: "</section>").first,
                                    "no section \(section)")
            #expect(part.contains("<figure class=\"chart\"") && part.contains("<svg"), "\(section): no chart")
            #expect(part.contains("<table>"), "\(section): no table behind the chart")
        }
        // Readable without colour: the test grid says what each cell is, and the failure links to its output.
        #expect(dom.contains("✗ FAIL 1/2") && dom.contains("– no tests") && dom.contains("href=\"#failure-1\""))
        #expect(dom.contains("id=\"failure-1\"") && dom.contains("deliberate failure: the report links this output"))
        // Comparisons with the baseline: the hatched baseline bar and the verdict as text (the unchanged B/op is `~`).
        #expect(dom.contains("Hatched: baseline median") && dom.contains("baseline 9.25KiB") && dom.contains("~ (p=1.000, not significant)"))
        #expect(dom.contains("Size by package: churn_"))
        #expect(dom.contains("qemu-user"))
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.count > 20_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "screenshot of \(png.count) bytes")
    }

    @Test func testResultsComeFromTheCacheWhenDistHasNone() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": module.path + "/.cache", "NO_COLOR": "1"]
        let tested = try await runCrossgo(["test", "--target", "linux/amd64,wasip1/wasm", "--no-progress"], in: module.path, environment: env)
        #expect(tested.exitCode == 0, "\(tested.stderr)")
        #expect(!FileManager.default.fileExists(atPath: module.path + "/dist"))
        let r = try await runCrossgo(["report", "--json"], in: module.path, environment: env)
        #expect(r.exitCode == 0, "\(r.stderr)")
        struct Outcome: Decodable { var inputs: [String: String]; var sections: [String] }
        let outcome = try summaryOutcome(Outcome.self, from: r.stdout)
        #expect(outcome.sections == ["tests"] && outcome.inputs["tests"]?.hasPrefix(module.path + "/.cache/tests/") == true, "\(outcome)")
        let html = try String(contentsOfFile: module.path + "/dist/report.html", encoding: .utf8)
        #expect(html.contains("wasip1/wasm") && html.contains("linux/amd64"))
        // The folder report made is crossgo's: ignored by git, as build makes it.
        #expect((try? String(contentsOfFile: module.path + "/dist/.gitignore", encoding: .utf8))?.hasSuffix("\n*\n") == true)
        // With the cache off there is nothing to report.
        try FileManager.default.removeItem(atPath: module.path + "/dist")
        let off = try await runCrossgo(["report"], in: module.path, environment: ["CROSSGO_CACHE": "off"])
        #expect(off.exitCode == 2 && off.stderr.contains("nothing to report"), "\(off.stderr)")
    }

    @Test func nothingToReportIsOneLine() async throws {
        let folder = try TempFolder("crossgo-report-empty")
        defer { folder.cleanup() }
        try FileManager.default.createDirectory(atPath: folder.path + "/dist", withIntermediateDirectories: true)
        let r = try await runCrossgo(["report", "dist"], in: folder.path)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("report: nothing to report in dist") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        try folder.write("dist/bench-results.json", "{not json")
        let bad = try await runCrossgo(["report", "dist"], in: folder.path)
        #expect(bad.exitCode == 2 && bad.stderr.contains("not a crossgo bench-results.json"), "\(bad.stderr)")
    }
}
}
