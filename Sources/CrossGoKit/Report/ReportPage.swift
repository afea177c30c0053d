// The HTML of `crossgo report`: one self-contained page (inline CSS and SVG, no script, no network) with the build
// matrix, the test matrix, benchmark comparisons and start-up/memory per target. Every chart has a table with the
// same figures, and every coloured mark also carries a symbol or text, so the page reads without colour.
import Foundation

/// Builds the report page from the records the sessions left.
public struct ReportPage: Sendable {
    public var manifest: BuildManifest?
    public var tests: TestResultsFile?
    public var bench: BenchResultsFile?
    public var title: String

    public init(manifest: BuildManifest?, tests: TestResultsFile?, bench: BenchResultsFile?, title: String) {
        self.manifest = manifest
        self.tests = tests
        self.bench = bench
        self.title = title
    }

    /// The sections the page has, in order (each has at least one chart).
    public var sections: [String] {
        var s: [String] = []
        if manifest != nil { s.append("build") }
        if tests != nil { s.append("tests") }
        if let bench, !bench.series.isEmpty { s.append("benchmarks") }
        if let a = bench?.artifacts, a.contains(where: { $0.startup != nil }) { s.append("runtime") }
        return s
    }

    public func html() -> String {
        var body = ""
        body += "<header><h1>\(esc(title))</h1><p>Written by crossgo \(esc(CrossGoVersion.current))"
        if let go = manifest?.go ?? tests?.go ?? bench?.go { body += " with \(esc(go))" }
        body += ". Sections: " + sections.map { "<a href=\"#\($0)\">\($0)</a>" }.joined(separator: " · ") + "</p></header>\n"
        if let manifest { body += buildSection(manifest) }
        if let tests { body += testSection(tests) }
        if let bench, !bench.series.isEmpty { body += benchSection(bench) }
        if let a = bench?.artifacts, a.contains(where: { $0.startup != nil }) { body += runtimeSection(a) }
        if sections.isEmpty { body += "<p>No records found.</p>" }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title))</title>
            <style>\(Self.css)</style></head>
            <body>
            \(body)
            </body></html>

            """
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1b1f24;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
        h3{font-size:15px;margin:18px 0 6px}figure{margin:8px 0 12px}figcaption{color:#57606a;font-size:13px}
        table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
        th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
        details summary{cursor:pointer;color:#0550ae}pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
        .pass{background:#dafbe1}.fail{background:#ffebe9}.skip{background:#f6f8fa}.notrun{background:#fff8c5}
        svg text{font:12px system-ui,sans-serif;fill:#1b1f24}.note{color:#57606a;font-size:13px}
        """

    // MARK: sections

    func buildSection(_ m: BuildManifest) -> String {
        var s = "<section id=\"build\"><h2>Build matrix</h2>\n"
        let artifacts = m.artifacts.sorted { $0.size > $1.size }
        s += "<p class=\"note\">\(artifacts.count) artifact(s) of \(esc(m.module)); \(m.failures.count) failed target(s).</p>"
        s += barChart(id: "chart-size", caption: "Artifact size per target (bytes)",
                      bars: artifacts.map { Bar(label: "\($0.binary) \($0.target)", value: Double($0.size), text: formatSize($0.size)) })
        s += table(["Artifact", "Target", "Size", "SHA-256"], artifacts.map { [$0.path, $0.target, formatSize($0.size) + " (\($0.size) B)", String($0.sha256.prefix(16)) + "…"] },
                   numeric: [2])
        s += floorSection(artifacts.filter { $0.floor != nil || $0.signature != nil }.sorted { $0.path < $1.path })
        if !m.failures.isEmpty {
            s += "<h3>Failed targets</h3>" + table(["Target", "Message"], m.failures.map { [$0.target, $0.message] })
        }
        // Size by package for the largest targets, from bench --artifacts.
        let measured = (bench?.artifacts ?? []).filter { $0.packages != nil }.sorted { $0.size > $1.size }.prefix(3)
        for a in measured {
            let packages = Array(a.packages!.prefix(12))
            s += "<h3>Size by package: \(esc(a.path))</h3>"
            s += barChart(id: "chart-pkg-\(slug(a.target))", caption: "Largest packages of \(a.path) (\(a.sizeMethod ?? "")), bytes",
                          bars: packages.map { Bar(label: $0.package, value: Double($0.total), text: formatSize($0.total)) })
            s += table(["Package", "Code", "Data", "Total"], packages.map { [$0.package, "\($0.code)", "\($0.data)", "\($0.total)"] }, numeric: [1, 2, 3])
        }
        return s + "</section>\n"
    }

    /// What each artifact asks of the machine that runs it, and its signature kind: one row per artifact, the kind as a
    /// coloured mark with its word (certificate-signed, ad-hoc, not signed), the floor as text; the same in a table.
    func floorSection(_ artifacts: [Artifact]) -> String {
        guard !artifacts.isEmpty else { return "" }
        let rowH = 26, labelW = 300, markW = 190
        let width = labelW + markW + 520, height = 10 + rowH * artifacts.count
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-labelledby=\"chart-floor-title\">"
        svg += "<title id=\"chart-floor-title\">OS floor and signature kind per artifact</title>"
        for (i, a) in artifacts.enumerated() {
            let y = 4 + i * rowH
            let kind = a.signature?.kind ?? "not recorded"
            let fill: String
            switch kind {
            case "certificate-signed", "signed": fill = "#dafbe1"
            case "linker-signed ad-hoc", "ad-hoc": fill = "#fff8c5"
            case "signature unreadable": fill = "#ffebe9"
            default: fill = "#f6f8fa"
            }
            svg += "<text x=\"4\" y=\"\(y + 17)\">\(esc(shorten("\(a.binary) \(a.target)", 40)))</text>"
            svg += "<rect x=\"\(labelW)\" y=\"\(y)\" width=\"\(markW - 10)\" height=\"\(rowH - 4)\" fill=\"\(fill)\" stroke=\"#d0d7de\"/>"
            svg += "<text x=\"\(labelW + 6)\" y=\"\(y + 17)\">\(esc(kind))</text>"
            svg += "<text x=\"\(labelW + markW)\" y=\"\(y + 17)\">\(esc(shorten(a.floor?.summary ?? "not recorded", 80)))</text>"
        }
        svg += "</svg>"
        var s = "<h3>OS floor and signature</h3>"
        s += "<figure class=\"chart\">\(svg)<figcaption>The oldest system each artifact runs on (read from the file, and the minimum of "
            + "the Go release that built it), and its signature kind (certificates are not validated).</figcaption></figure>"
        s += table(["Artifact", "Target", "Floor", "Signature"],
                   artifacts.map { [$0.path, $0.target, $0.floor?.summary ?? "not recorded", $0.signature?.line ?? "not recorded"] })
        return s
    }

    func testSection(_ t: TestResultsFile) -> String {
        var s = "<section id=\"tests\"><h2>Test matrix</h2>\n"
        var packages: [String] = []
        for r in t.results where !packages.contains(r.package) { packages.append(r.package) }
        let targets = t.targets
        let cellW = 150, cellH = 30, labelW = 260
        let width = labelW + cellW * max(1, targets.count), height = 34 + cellH * max(1, packages.count)
        var failures: [(String, PackageResult)] = []
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-labelledby=\"chart-tests-title\">"
        svg += "<title id=\"chart-tests-title\">Test results per package and target</title>"
        for (j, target) in targets.enumerated() {
            svg += "<text x=\"\(labelW + j * cellW + 6)\" y=\"20\">\(esc(target))</text>"
        }
        var rows: [[String]] = []
        for (i, p) in packages.enumerated() {
            let y = 30 + i * cellH
            svg += "<text x=\"4\" y=\"\(y + 19)\">\(esc(shorten(p, 38)))</text>"
            var row = [p]
            for (j, target) in targets.enumerated() {
                let x = labelW + j * cellW
                guard let r = t.results.first(where: { $0.package == p && $0.target == target }) else {
                    svg += "<rect x=\"\(x + 2)\" y=\"\(y)\" width=\"\(cellW - 4)\" height=\"\(cellH - 4)\" fill=\"#ffffff\" stroke=\"#d0d7de\"/>"
                    row.append("—")
                    continue
                }
                let (fill, text) = Self.cell(r)
                var mark = "<rect x=\"\(x + 2)\" y=\"\(y)\" width=\"\(cellW - 4)\" height=\"\(cellH - 4)\" rx=\"3\" fill=\"\(fill)\" stroke=\"#8c959f\"/>"
                mark += "<text x=\"\(x + 8)\" y=\"\(y + 18)\">\(esc(text))</text>"
                if r.status.isFailure {
                    failures.append((target, r))
                    svg += "<a href=\"#failure-\(failures.count)\">\(mark)</a>"
                    row.append("<a href=\"#failure-\(failures.count)\">\(esc(text))</a>")
                } else {
                    svg += mark
                    row.append(esc(text))
                }
            }
            rows.append(row)
        }
        svg += "</svg>"
        s += "<figure class=\"chart\" data-section=\"tests\" id=\"chart-tests\">\(svg)<figcaption>✓ passed · ✗ failed (links to the output) · – skipped or no tests · ○ compile-only · ? not run (no runner) · ↺ cached</figcaption></figure>"
        s += "<details open><summary>Table: test matrix</summary>" + rawTable(["Package"] + targets, rows.map { [esc($0[0])] + $0.dropFirst() }) + "</details>"
        let counts = t.results.reduce(into: (0, 0, 0)) { $0.0 += $1.passedCount; $0.1 += $1.failedCount; $0.2 += $1.skippedCount }
        s += "<p>\(counts.0) passed, \(counts.1) failed, \(counts.2) skipped.</p>"
        if !failures.isEmpty {
            s += "<h3>Failures</h3>"
            for (n, (target, r)) in failures.enumerated() {
                let failing = r.tests.filter { $0.status == .failed }
                let output = failing.isEmpty ? (r.message ?? "") : failing.map { "--- FAIL: \($0.name)\n\($0.output)" }.joined(separator: "\n")
                s += "<div id=\"failure-\(n + 1)\"><h4>✗ \(esc(r.package)) on \(esc(target))</h4><pre>\(esc(String(output.suffix(20000))))</pre></div>"
            }
        }
        return s + "</section>\n"
    }

    static func cell(_ r: PackageResult) -> (String, String) {
        let cached = r.cached ? " ↺" : ""
        switch r.status {
        case .passed: return ("#dafbe1", "✓ ok \(r.passedCount)" + (r.skippedCount > 0 ? " skip \(r.skippedCount)" : "") + cached)
        case .failed: return ("#ffcecb", "✗ FAIL \(r.failedCount)/\(r.tests.count)")
        case .buildFailed: return ("#ffcecb", "✗ build failed")
        case .skipped: return ("#eaeef2", "– skip \(r.skippedCount)" + cached)
        case .noTests: return ("#eaeef2", "– no tests")
        case .compileOnly: return ("#ddf4ff", "○ compile-only")
        case .noRunner: return ("#fff8c5", "? not run")
        case .absent: return ("#eaeef2", "– absent")
        case .interrupted: return ("#fff8c5", "? interrupted")
        }
    }

    func benchSection(_ b: BenchResultsFile) -> String {
        var s = "<section id=\"benchmarks\"><h2>Benchmarks</h2>\n"
        s += "<p class=\"note\">Median of \(b.count) run(s) per target with its 95% confidence interval (whiskers; order statistics, needs 6+ runs). "
        s += "Targets marked * ran under an emulator or a wasm host: their time is the runner's; B/op and allocs/op are the program's own.</p>"
        let summaries = b.summaries ?? b.summaries(against: nil)
        var groups: [String] = []
        for x in summaries where !groups.contains("\(x.package)\u{0}\(x.name)\u{0}\(x.unit)") { groups.append("\(x.package)\u{0}\(x.name)\u{0}\(x.unit)") }
        for g in groups {
            let parts = g.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let rows = summaries.filter { $0.package == parts[0] && $0.name == parts[1] && $0.unit == parts[2] }
            s += "<h3>\(esc(parts[1])) — \(esc(parts[2])) <span class=\"note\">(\(esc(parts[0])))</span></h3>"
            s += benchChart(id: "chart-bench-\(slug(g))", unit: parts[2], rows: rows)
            s += table(["Target", "Median", "95% CI", "Baseline", "Change"], rows.map { r in
                [r.target + (r.emulated ? " * (\(r.runner))" : ""), BenchFormatting.value(r.median, unit: r.unit),
                 r.low.map { "[\(BenchFormatting.value($0, unit: r.unit)), \(BenchFormatting.value(r.high!, unit: r.unit))]" } ?? "– (fewer than 6 runs)",
                 r.baseline.map { BenchFormatting.value($0.baselineMedian, unit: r.unit) } ?? "–",
                 r.baseline.map { Self.changeText($0) } ?? "–"]
            }, numeric: [1])
        }
        return s + "</section>\n"
    }

    static func changeText(_ c: BenchChange) -> String {
        c.significant ? String(format: "%@ %+.1f%% (p=%.3f, significant)", c.percent > 0 ? "▲" : "▼", c.percent, c.p)
            : String(format: "~ (p=%.3f, not significant)", c.p)
    }

    func runtimeSection(_ artifacts: [ArtifactMeasurement]) -> String {
        var s = "<section id=\"runtime\"><h2>Start-up and memory per target</h2>\n"
        let run = artifacts.filter { $0.startup != nil }
        s += "<p class=\"note\">Median over the runs. Under an emulator or a wasm host (*) start-up time and peak RSS are the runner process's (qemu-user, node, wasmtime), not the program's on real hardware.</p>"
        s += barChart(id: "chart-startup", caption: "Start-up time (median, milliseconds)", bars: run.map {
            let ms = BenchStats.median($0.startup!) * 1000
            return Bar(label: "\($0.binary) \($0.target)" + ($0.emulated ? " *" : ""), value: ms, text: String(format: "%.1f ms", ms))
        })
        s += barChart(id: "chart-rss", caption: "Peak RSS (median, bytes; from wait4's rusage)", bars: run.filter { $0.peakRSS != nil }.map {
            let rss = Int(BenchStats.median($0.peakRSS!.map(Double.init)))
            return Bar(label: "\($0.binary) \($0.target)" + ($0.emulated ? " *" : ""), value: Double(rss), text: formatSize(rss))
        })
        s += table(["Artifact", "Target", "Runner", "Start-up (median)", "Peak RSS (median)", "RSS of", "GC cycles", "GC pause"], run.map { a in
            [a.path, a.target, a.runner ?? "", String(format: "%.1f ms", BenchStats.median(a.startup!) * 1000),
             a.peakRSS.map { formatSize(Int(BenchStats.median($0.map(Double.init)))) } ?? "–", a.rssOf ?? "",
             a.gcCycles.map(String.init) ?? "–", a.gcPauseMs.map { String(format: "%.3f ms", $0) } ?? "–"]
        }, numeric: [3, 4, 6, 7])
        return s + "</section>\n"
    }

    // MARK: charts

    struct Bar { var label: String; var value: Double; var text: String }

    /// Horizontal bars, one per row, each labelled with its value as text.
    func barChart(id: String, caption: String, bars: [Bar]) -> String {
        let labelW = 300, barW = 520, rowH = 24
        let maxValue = max(bars.map(\.value).max() ?? 1, 1e-12)
        let height = 8 + rowH * max(1, bars.count)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelW + barW + 120)\" height=\"\(height)\" role=\"img\" aria-labelledby=\"\(id)-title\"><title id=\"\(id)-title\">\(esc(caption))</title>"
        for (i, b) in bars.enumerated() {
            let y = 4 + i * rowH
            let w = max(1, Int(Double(barW) * b.value / maxValue))
            svg += "<text x=\"4\" y=\"\(y + 16)\">\(esc(shorten(b.label, 44)))</text>"
            svg += "<rect x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(rowH - 8)\" fill=\"#54aeff\" stroke=\"#0969da\"/>"
            svg += "<text x=\"\(labelW + w + 6)\" y=\"\(y + 16)\">\(esc(b.text))</text>"
        }
        svg += "</svg>"
        return "<figure class=\"chart\" id=\"\(id)\">\(svg)<figcaption>\(esc(caption))</figcaption></figure>"
    }

    /// Bars of medians with 95% CI whiskers; with a baseline, a hatched bar for it and the change as text.
    func benchChart(id: String, unit: String, rows: [BenchSummary]) -> String {
        let labelW = 220, barW = 480, rowH = rows.contains { $0.baseline != nil } ? 44 : 26
        let maxValue = max(rows.map { max($0.high ?? $0.median, $0.baseline?.baselineMedian ?? 0) }.max() ?? 1, 1e-12)
        func x(_ v: Double) -> Int { labelW + Int(Double(barW) * v / maxValue) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelW + barW + 260)\" height=\"\(8 + rowH * max(1, rows.count))\" role=\"img\" aria-labelledby=\"\(id)-title\">"
        svg += "<title id=\"\(id)-title\">\(esc(unit)) per target: median with 95% confidence interval</title>"
        svg += "<defs><pattern id=\"\(id)-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eaeef2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8c959f\" stroke-width=\"2\"/></pattern></defs>"
        for (i, r) in rows.enumerated() {
            var y = 4 + i * rowH
            svg += "<text x=\"4\" y=\"\(y + 15)\">\(esc(r.target + (r.emulated ? " *" : "")))</text>"
            if let c = r.baseline {
                svg += "<rect x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(max(1, x(c.baselineMedian) - labelW))\" height=\"14\" fill=\"url(#\(id)-hatch)\" stroke=\"#57606a\"><title>baseline \(esc(BenchFormatting.value(c.baselineMedian, unit: unit)))</title></rect>"
                svg += "<text x=\"\(x(c.baselineMedian) + 6)\" y=\"\(y + 15)\">baseline \(esc(BenchFormatting.value(c.baselineMedian, unit: unit)))</text>"
                y += 18
            }
            let fill = r.baseline.map { $0.significant ? ($0.percent > 0 ? "#ff8182" : "#4ac26b") : "#54aeff" } ?? "#54aeff"
            svg += "<rect x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(max(1, x(r.median) - labelW))\" height=\"14\" fill=\"\(fill)\" stroke=\"#24292f\"/>"
            if let lo = r.low, let hi = r.high {
                let cy = y + 10
                svg += "<line x1=\"\(x(lo))\" y1=\"\(cy)\" x2=\"\(x(hi))\" y2=\"\(cy)\" stroke=\"#24292f\" stroke-width=\"1.5\"/>"
                svg += "<line x1=\"\(x(lo))\" y1=\"\(cy - 5)\" x2=\"\(x(lo))\" y2=\"\(cy + 5)\" stroke=\"#24292f\" stroke-width=\"1.5\"/>"
                svg += "<line x1=\"\(x(hi))\" y1=\"\(cy - 5)\" x2=\"\(x(hi))\" y2=\"\(cy + 5)\" stroke=\"#24292f\" stroke-width=\"1.5\"/>"
            }
            var label = BenchFormatting.value(r.median, unit: unit)
            if let c = r.baseline { label += "  " + Self.changeText(c) }
            svg += "<text x=\"\(x(r.high ?? r.median) + 8)\" y=\"\(y + 15)\">\(esc(label))</text>"
        }
        svg += "</svg>"
        let legend = rows.contains { $0.baseline != nil }
            ? "Hatched: baseline median. Solid: this run's median, whiskers its 95% CI. ▲/▼ significant change (Mann–Whitney U, p < 0.05), ~ not significant."
            : "Bars: median; whiskers: 95% confidence interval (none with fewer than 6 runs)."
        return "<figure class=\"chart\" data-section=\"benchmarks\" id=\"\(id)\">\(svg)<figcaption>\(legend)</figcaption></figure>"
    }

    // MARK: HTML helpers

    func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        "<details><summary>Table: \(esc(header.joined(separator: ", ")))</summary>" + rawTable(header.map(esc), rows.map { $0.map(esc) }, numeric: numeric) + "</details>"
    }

    func rawTable(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var s = "<table><thead><tr>" + header.map { "<th scope=\"col\">\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            s += "<tr>" + row.enumerated().map { numeric.contains($0.offset) ? "<td class=\"num\">\($0.element)</td>" : "<td>\($0.element)</td>" }.joined() + "</tr>"
        }
        return s + "</tbody></table>"
    }

    func slug(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    func shorten(_ s: String, _ n: Int) -> String { s.count <= n ? s : "…" + s.suffix(n - 1) }
}

/// Escapes text for HTML content and attribute values.
func esc(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
