// `crossgo bench --artifacts`: measures every artifact of dist/manifest.json — file size, size by package, and
// (where this host can run it) start-up time, peak RSS and GC cycles over N runs — and records them in
// bench-results.json next to the manifest.
import Foundation
import GoBinary

/// What `crossgo bench --artifacts` was asked to do.
public struct ArtifactsRequest: Sendable {
    public var goPath: String?
    /// The folder holding manifest.json (default: dist next to go.mod).
    public var dist: String?
    /// Only these targets (specs); empty: every artifact.
    public var targets: [String] = []
    /// Runs per artifact.
    public var runs = 5
    /// Arguments for every program run.
    public var arguments: [String] = []
    public var results: String?

    public init() {}
}

/// What an artifacts session measured.
public struct ArtifactsOutcome: SessionOutcome {
    public var command: String { "bench" }
    public var artifacts: [ArtifactMeasurement]
    public var written: [String]
    public var interrupted: Bool

    public var exitStatus: ExitStatus { interrupted ? .interrupted : .ok }
    public var counts: [(String, Int)] {
        [("artifacts", artifacts.count), ("run", artifacts.filter { $0.startup != nil }.count)]
    }

    enum CodingKeys: String, CodingKey { case artifacts, written, interrupted }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        let rows = artifacts.map { a -> [String] in
            let startup = a.startup.map { BenchFormatting.value(BenchStats.median($0) * 1e9, unit: "ns/op") } ?? "-"
            let rss = a.peakRSS.map { formatSize(Int(BenchStats.median($0.map(Double.init)))) } ?? "-"
            let gc = a.gcCycles.map { "\($0) / " + String(format: "%.2fms", a.gcPauseMs ?? 0) } ?? "-"
            return [a.target + (a.emulated ? " *" : ""), a.path, formatSize(a.size), a.packages?.first.map { "\($0.package) \(formatSize($0.total))" } ?? "-",
                    startup, rss, gc, a.runner ?? "not run"]
        }
        out.results.append(renderTable(["TARGET", "ARTIFACT", "SIZE", "LARGEST PACKAGE", "START-UP", "PEAK RSS", "GC CYCLES / PAUSE", "RUNNER"], rows))
        for a in artifacts where a.packages != nil {
            out.results.append("")
            out.results.append("\(a.path): size by package (\(a.sizeMethod ?? "?"))")
            let total = a.packages!.reduce(0) { $0 + $1.total }
            out.results.append(renderTable(["PACKAGE", "CODE", "DATA", "TOTAL"], a.packages!.prefix(10).map {
                [$0.package, formatSize($0.code), formatSize($0.data), formatSize($0.total)]
            } + [["(all \(a.packages!.count))", "", "", formatSize(total) + (a.textAndData.map { " of \(formatSize($0)) text+data" } ?? "")]]))
        }
        if artifacts.contains(where: \.emulated) {
            out.results.append("* run under an emulator or a wasm host: start-up time and peak RSS are the runner's process (qemu-user, node, wasmtime), not the program's on real hardware; GC counts are the program's own.")
        }
        for a in artifacts { for note in a.notes ?? [] { out.results.append("note: \(a.path): \(note)") } }
        for path in written { out.messages.append("crossgo: results written to \(relativePath(path, to: base))") }
        return out
    }
}

/// Runs `crossgo bench --artifacts`.
public struct ArtifactsSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) { self.context = context }

    public func run(_ request: ArtifactsRequest) async throws -> ArtifactsOutcome {
        let cwd = context.workingDirectory
        guard request.runs >= 1 else { throw UsageError("--count must be at least 1") }
        let toolchain = try await context.toolchain(explicitGo: request.goPath)
        let moduleRoot = toolchain.moduleRoot ?? cwd
        let dist = request.dist.map(context.absolute) ?? moduleRoot + "/dist"
        guard let manifest = BuildManifest.read(from: dist, system: context.system) else {
            throw UsageError("--artifacts: no crossgo manifest.json in \(relativePath(dist, to: cwd)); run crossgo build first (or give --dist)")
        }
        var wanted: Set<String>?
        if !request.targets.isEmpty {
            wanted = Set(try TargetResolver(toolchain: toolchain).resolve(request.targets).map(\.description))
        }
        let runners = await context.runners(for: toolchain)
        var measured: [ArtifactMeasurement] = []
        let artifacts = manifest.artifacts.filter { wanted?.contains($0.target) ?? true }
        context.reporter.report(.planned(command: "bench", jobs: artifacts.map { JobID(item: $0.binary, target: $0.target) },
                                         message: "measuring \(artifacts.count) artifact(s), \(request.runs) run(s) each"))
        // One at a time: start-up and memory figures of programs run side by side would disturb each other.
        let ran = await MatrixRunner(concurrency: 1, reporter: context.reporter).run(artifacts, id: { JobID(item: $0.binary, target: $0.target) },
                                                                                     firstPhase: "measure", work: { artifact, _ in
            await measure(artifact, dist: dist, runners: runners, request: request)
        }, end: { m in
            JobEnd(status: .passed, summary: formatSize(m.size) + (m.startup.map { String(format: ", start-up %.1f ms", BenchStats.median($0) * 1000) } ?? ""))
        })
        measured = ran.completed
        var written: [String] = []
        if !ran.interrupted {
            let path = request.results.map(context.absolute) ?? dist + "/" + BenchResultsFile.fileName
            // Benchmarks already recorded there are kept; the artifacts part is replaced.
            var file = (try? BenchResultsFile.read(path, flag: "--results", system: context.system))
                ?? BenchResultsFile(go: toolchain.version, module: moduleRoot, targets: [], count: 0, benchtime: nil, series: [], problems: [])
            file.artifacts = measured
            do {
                try file.write(to: path, system: context.system)
                written.append(path)
            } catch {
                throw EnvironmentError("cannot write the bench results \(path): \(error.localizedDescription)")
            }
        }
        return ArtifactsOutcome(artifacts: measured, written: written, interrupted: ran.interrupted)
    }

    func measure(_ artifact: Artifact, dist: String, runners: RunnerDetector, request: ArtifactsRequest) async -> ArtifactMeasurement {
        let path = dist + "/" + artifact.path
        var m = ArtifactMeasurement(binary: artifact.binary, target: artifact.target, path: artifact.path,
                                    size: context.system.itemAttributes(path)?.size ?? artifact.size)
        var notes: [String] = []
        do {
            let sizes = try PackageSizes.read(path: path)
            m.packages = sizes.packages
            m.sizeMethod = sizes.method
            m.textAndData = sizes.textAndData
        } catch {
            notes.append("size by package: \(error)")
        }
        let target = Target(goos: artifact.goos, goarch: artifact.goarch, variant: artifact.variant)
        let runner = runners.runner(for: target)
        guard runner.canRun, runner.kind != .browser,
              var argv = runner.command(binary: path, arguments: request.arguments, workingDirectory: dist, pathVariable: context.system.environment["PATH"]) else {
            notes.append("not run: \(runner.summary)")
            m.notes = notes
            return m
        }
        var env: EnvironmentChanges = runner.environment
        env["GODEBUG"] = "gctrace=1"
        if runner.kind == .wasmtime { argv.insert(contentsOf: ["--env", "GODEBUG=gctrace=1"], at: 2) }
        var startup: [Double] = []
        var rss: [Int] = []
        var cycles: [Int] = []
        var pauses: [Double] = []
        for _ in 0..<request.runs {
            if Task.isCancelled { break }
            do {
                let run = try await context.system.runMeasured(argv, environment: env, workingDirectory: dist)
                guard run.exitCode == 0 else {
                    notes.append("exit \(run.exitCode): " + (run.stderr.split(separator: "\n").filter { !$0.hasPrefix("gc ") }.suffix(3).joined(separator: " | ")))
                    break
                }
                startup.append(run.seconds)
                if let r = run.peakRSS { rss.append(r) }
                let gc = GCTrace.parse(run.stderr)
                cycles.append(gc.cycles)
                pauses.append(gc.pauseMs)
            } catch {
                notes.append("\(error)")
                break
            }
        }
        if !startup.isEmpty {
            m.runner = runner.kind.rawValue
            m.startup = startup
            m.peakRSS = rss.isEmpty ? nil : rss
            m.rssOf = runner.kind == .native ? "program" : "\(runner.kind.rawValue) process"
            m.gcCycles = Int(BenchStats.median(cycles.map(Double.init)))
            m.gcPauseMs = BenchStats.median(pauses)
        }
        m.notes = notes.isEmpty ? nil : notes
        return m
    }
}

/// GODEBUG=gctrace=1 lines: `gc 3 @0.012s 2%: 0.011+0.25+0.003 ms clock, ...`. The first and third clock terms
/// are the stop-the-world phases (sweep termination, mark termination): their sum is the cycle's pause.
public enum GCTrace {
    public static func parse(_ stderr: String) -> (cycles: Int, pauseMs: Double) {
        var cycles = 0
        var pause = 0.0
        for line in stderr.split(separator: "\n") where line.hasPrefix("gc ") {
            guard let colon = line.range(of: "%: "), let clock = line.range(of: " ms clock", range: colon.upperBound..<line.endIndex) else { continue }
            let terms = line[colon.upperBound..<clock.lowerBound].split(separator: "+").compactMap { Double($0) }
            guard terms.count == 3 else { continue }
            cycles += 1
            pause += terms[0] + terms[2]
        }
        return (cycles, pause)
    }
}
