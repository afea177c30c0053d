// `crossgo report`: reads what build, test and bench recorded in an output folder and writes one HTML page.
import Foundation

/// What `crossgo report` was asked to do.
public struct ReportRequest: Sendable {
    public var goPath: String?
    /// The folder with manifest.json, test-results.json, bench-results.json (default: dist next to go.mod).
    public var dist: String?
    /// The page (default: <dist>/report.html).
    public var output: String?

    public init() {}
}

/// What the report session wrote.
public struct ReportOutcome: SessionOutcome {
    public var command: String { "report" }
    public var path: String
    public var sections: [String]
    /// The records read, by kind ("manifest": path, ...).
    public var inputs: [String: String]

    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] { [("sections", sections.count)] }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(results: [relativePath(path, to: base)],
                        messages: ["crossgo: report with \(sections.joined(separator: ", ")) from " + inputs.keys.sorted().map { "\($0) \(relativePath(inputs[$0]!, to: base))" }.joined(separator: ", ")])
    }
}

/// Runs `crossgo report`.
public struct ReportSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) { self.context = context }

    /// The module path the records name (the manifest's, the test results'), else go.mod's in the module folder
    /// (bench results record it) or above the folder; the folder's path only when none of them says.
    static func modulePath(manifest: BuildManifest?, tests: TestResultsFile?, bench: BenchResultsFile?, moduleRoot: String?, dist: String,
                           system: any HostSystem) -> String {
        if let module = manifest?.module, !module.isEmpty { return module }
        if let module = tests?.module, !module.isEmpty { return module }
        var folders = [moduleRoot, bench?.module].compactMap { $0 }
        var folder = dist
        while folder != "/" && !folder.isEmpty {
            folders.append(folder)
            folder = (folder as NSString).deletingLastPathComponent
        }
        for f in folders {
            if let module = GoModFile.read(f + "/go.mod", system: system)?.module, !module.isEmpty { return module }
        }
        return dist
    }

    public func run(_ request: ReportRequest) async throws -> ReportOutcome {
        let cwd = context.workingDirectory
        let dist: String
        var moduleRoot: String?
        if let d = request.dist {
            dist = context.absolute(d)
            guard context.system.isDirectory(dist) else { throw UsageError("report: \(d) is not a folder (give the output folder of crossgo build/test/bench, e.g. dist)") }
        } else {
            let toolchain = try await context.toolchain(explicitGo: request.goPath)
            let root = toolchain.moduleRoot ?? cwd
            dist = root + "/dist"
            moduleRoot = root
        }
        var inputs: [String: String] = [:]
        let manifest = BuildManifest.read(from: dist, system: context.system)
        if manifest != nil { inputs["manifest"] = dist + "/" + BuildManifest.fileName }
        var tests: TestResultsFile?
        let testPath = dist + "/" + TestResultsFile.fileName
        if let data = context.system.readData(testPath) {
            do { tests = try JSONDecoder().decode(TestResultsFile.self, from: data) } catch { throw UsageError("report: \(testPath) is not a crossgo test-results.json") }
            inputs["tests"] = testPath
        } else if let moduleRoot, let last = TestResultsFile.lastPath(moduleRoot: moduleRoot, environment: context.system.environment),
                  let data = context.system.readData(last), let recorded = try? JSONDecoder().decode(TestResultsFile.self, from: data) {
            // The module's last crossgo test run, kept in the cache.
            tests = recorded
            inputs["tests"] = last
        }
        var bench: BenchResultsFile?
        let benchPath = dist + "/" + BenchResultsFile.fileName
        if context.system.fileExists(benchPath) {
            bench = try BenchResultsFile.read(benchPath, flag: "report:", system: context.system)
            inputs["bench"] = benchPath
        } else if let moduleRoot, let last = BenchSession.lastResultsPath(moduleRoot: moduleRoot, environment: context.system.environment),
                  context.system.fileExists(last), let recorded = try? BenchResultsFile.read(last, flag: "report:", system: context.system) {
            // No results in dist (a clean checkout, a CI job that kept none): the module's last run from the cache.
            bench = recorded
            inputs["bench"] = last
        }
        guard !inputs.isEmpty else {
            throw UsageError("report: nothing to report in \(relativePath(dist, to: cwd)): no manifest.json (crossgo build), test-results.json (crossgo test --results \(relativePath(dist, to: cwd))/test-results.json) or bench-results.json (crossgo bench)")
        }
        let title = "crossgo report: " + Self.modulePath(manifest: manifest, tests: tests, bench: bench, moduleRoot: moduleRoot, dist: dist, system: context.system)
        let page = ReportPage(manifest: manifest, tests: tests, bench: bench, title: title)
        let out = request.output.map { context.absolute($0) } ?? dist + "/report.html"
        do {
            if request.output == nil { try BuildSession.prepare(outDir: dist, system: context.system) } else { try OutputFolder.createParent(of: out, system: context.system) }
            try context.system.writeData(Data(page.html().utf8), to: out)
        } catch {
            throw EnvironmentError("cannot write the report \(out): \(error.localizedDescription)")
        }
        return ReportOutcome(path: out, sections: page.sections, inputs: inputs)
    }
}
