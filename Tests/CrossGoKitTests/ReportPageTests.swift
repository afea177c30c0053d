// The report page on its own, from records made in the test: every section has a chart and a table, text is
// escaped, marks carry symbols, and a bench file without summaries is summarised on the spot.
@testable import CrossGoKit
import Foundation
import Testing

@Suite struct ReportPageTests {
    static func results() -> TestResultsFile {
        var failing = PackageResult(package: "example.com/p<x>", target: "linux/riscv64", status: .failed, message: "panic: <script>alert(1)</script>")
        failing.elapsed = 1
        let passing = PackageResult(package: "example.com/p<x>", target: "linux/amd64", status: .passed)
        return TestResultsFile(crossgo: "0", go: "go1.27.3", targets: ["linux/amd64", "linux/riscv64"], results: [passing, failing], shard: nil)
    }

    static func bench() -> BenchResultsFile {
        let s = BenchSeries(package: "example.com/b", target: "linux/riscv64", name: "Parse", procs: 2, runner: "qemu-user", emulated: true,
                            samples: ["ns/op": [10, 11, 12, 13, 14, 15], "B/op": [64, 64, 64, 64, 64, 64]], configuration: [:])
        return BenchResultsFile(go: "go1.27.3", module: "/m", targets: ["linux/riscv64"], count: 6, benchtime: nil, series: [s], problems: [])
    }

    @Test func everySectionHasAChartAndATable() throws {
        let page = ReportPage(manifest: nil, tests: Self.results(), bench: Self.bench(), title: "t & <u>")
        #expect(page.sections == ["tests", "benchmarks"])
        let html = page.html()
        for section in page.sections {
            let part = try #require(html.components(separatedBy: "<section id=\"\(section)\">").dropFirst().first?.components(separatedBy: "</section>").first)
            #expect(part.contains("<figure class=\"chart\"") && part.contains("<svg") && part.contains("<table>"), "\(section)")
            #expect(part.contains("<title id="), "\(section): the chart has an accessible title")
        }
        #expect(html.contains("<title>t &amp; &lt;u&gt;</title>"))
        #expect(!html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("example.com/p&lt;x&gt;"))
        #expect(html.contains("✗ FAIL") && html.contains("href=\"#failure-1\"") && html.contains("id=\"failure-1\""))
        // The median and its interval, the emulated target marked, no comparison without a baseline.
        #expect(html.contains("linux/riscv64 *") && html.contains("[10.00ns, 15.00ns]") && !html.contains("significant)"))
    }

    @Test func theBuildSectionDrawsEachArtifactsFloorAndSignature() throws {
        let json = """
            {"crossgo": "0", "go": "go1.27.3", "module": "example.com/m", "created": "2026-12-04T00:00:00Z", "failures": [],
             "artifacts": [
              {"target": "darwin/arm64", "goos": "darwin", "goarch": "arm64", "binary": "m", "package": ".", "path": "m_darwin_arm64",
               "size": 10, "sha256": "00", "duration": 1, "settings": {}, "goArguments": [], "environment": {},
               "verification": {"passed": true, "confirmed": [], "problems": [], "settings": []},
               "floor": {"summary": "macOS 13.0 (SDK 26.2); macOS 13 (Go 1.27+)", "minOS": "13.0"},
               "signature": {"kind": "linker-signed ad-hoc"}},
              {"target": "linux/amd64", "goos": "linux", "goarch": "amd64", "binary": "m", "package": ".", "path": "m_linux_amd64",
               "size": 20, "sha256": "11", "duration": 1, "settings": {}, "goArguments": [], "environment": {},
               "verification": {"passed": true, "confirmed": [], "problems": [], "settings": []}}
             ]}
            """
        let manifest = try JSONDecoder().decode(BuildManifest.self, from: Data(json.utf8))
        let html = ReportPage(manifest: manifest, tests: nil, bench: nil, title: "floors").html()
        #expect(html.contains("<h3>OS floor and signature</h3>") && html.contains("chart-floor-title"))
        #expect(html.contains("macOS 13.0 (SDK 26.2); macOS 13 (Go 1.27+)") && html.contains(">linker-signed ad-hoc<"))
        // An artifact without a record (a manifest of an older crossgo) gets no made-up floor: it is not drawn.
        let floors = try #require(html.components(separatedBy: "<h3>OS floor and signature</h3>").last?.components(separatedBy: "</section>").first)
        #expect(floors.contains("m_darwin_arm64") && !floors.contains("m_linux_amd64"))
        let old = try JSONDecoder().decode(BuildManifest.self, from: Data(json.replacingOccurrences(of: "\"floor\"", with: "\"x-floor\"")
            .replacingOccurrences(of: "\"signature\"", with: "\"x-signature\"").utf8))
        #expect(!ReportPage(manifest: old, tests: nil, bench: nil, title: "old").html().contains("OS floor and signature"))
    }

    @Test func nothingRecordedSaysSo() {
        let page = ReportPage(manifest: nil, tests: nil, bench: nil, title: "empty")
        #expect(page.sections.isEmpty && page.html().contains("No records found."))
    }
}
