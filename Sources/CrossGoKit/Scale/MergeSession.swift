// `crossgo merge DIR...`: joins the outputs of `--shard K/N` runs into one folder — one manifest.json and
// SHA256SUMS (build), one test-results.json and JUnit (test), one release.json and checksums file (release) —
// after checking that the shards belong together: same plan, commit and Go, none missing, none overlapping. The
// merging is a list of stages on the release's pipeline, sealed as a release is: checksums, provenance, release.json,
// then the signature, only when everything passed.
import Foundation

public struct MergeRequest: Sendable {
    /// The shards' output folders.
    public var folders: [String] = []
    /// Where the merged outputs go (default dist).
    public var out: String = "dist"
    /// A minisign secret key for the merged release's checksums file.
    public var signKey: String?

    public init() {}
}

public struct MergeOutcome: SessionOutcome {
    public var command: String { "merge" }
    public var out: String
    public var shards: Int
    /// What was merged: "build", "test", "release".
    public var kinds: [String]
    public var artifacts: Int
    /// Targets that failed in their shard (or that their shard did not report).
    public var failures: [BuildFailure]
    public var testResults: [PackageResult]
    public var releaseFiles: Int
    public var signed: Bool
    /// Benchmark series merged from bench shards, and the (package x target) runs that failed or were not reported.
    public var benchSeries = 0
    public var benchProblems: [BenchProblem] = []

    public var exitStatus: ExitStatus {
        failures.isEmpty && !testResults.contains(where: { $0.status.isFailure })
            && !benchProblems.contains(where: { $0.status == "failed" || $0.status == "build-failed" }) ? .ok : .failed
    }

    public var counts: [(String, Int)] {
        [("shards", shards), ("artifacts", artifacts), ("failed", failures.count),
         ("packageRuns", testResults.count), ("packagesFailed", testResults.filter { $0.status.isFailure }.count),
         ("releaseFiles", releaseFiles)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        for failure in failures {
            out.results.append(painter.red("FAILED") + " \(failure.binary) \(failure.target) (\(failure.stage.rawValue)): \(failure.message.split(separator: "\n").first ?? "")")
        }
        for p in benchProblems where p.status == "failed" || p.status == "build-failed" {
            out.results.append(painter.red("FAILED") + " \(p.package) \(p.target) (bench): \(p.message.split(separator: "\n").first ?? "")")
        }
        for result in testResults where result.status.isFailure {
            out.results.append(painter.red("FAILED") + " \(result.package) \(result.target): \(result.failedCount) test(s) failed")
        }
        var parts: [String] = []
        if kinds.contains("build") { parts.append("\(artifacts) artifact(s), \(failures.count) failed") }
        if kinds.contains("test") { parts.append("\(testResults.count) package run(s)") }
        if kinds.contains("bench") { parts.append("\(benchSeries) benchmark series, \(benchProblems.count) problem(s)") }
        if kinds.contains("release") { parts.append("\(releaseFiles) release file(s)" + (signed ? ", signed" : "")) }
        out.messages.append("crossgo: merged \(shards) shard(s) into \(relativePath(self.out, to: base)): \(parts.joined(separator: "; "))")
        return out
    }
}

/// A shard folder as merge reads it.
struct ShardFolder {
    var path: String
    var build: BuildManifest?
    var test: TestResultsFile?
    var release: ReleaseManifest?
    var bench: BenchResultsFile?
}

/// One stage of a merge (see `Pipeline`).
typealias MergeStage = Stage<MergeWork>

/// The shards of one merge, checked to belong together, and what its stages make, passed from stage to stage.
final class MergeWork: PipelineWork {
    let outDir: String
    let folders: [ShardFolder]
    let signer: ReleaseSigner?
    let startedOn: Date
    let builds: [(ShardFolder, BuildManifest)]
    let tests: [(ShardFolder, TestResultsFile)]
    let benches: [(ShardFolder, BenchResultsFile)]
    let releases: [(ShardFolder, ReleaseManifest)]
    /// What the shards recorded for the formula and Scoop manifest: one commit and plan, so one source.
    let manifestSource: ManifestSource?
    var outcome: MergeOutcome
    /// The merge's own stages, as reported.
    var stages: [ReleaseStage] = []
    /// The merged release: its files, failures, and the shards' stages by name (what release.json records).
    var files: [ReleaseFile] = []
    var failed: [ReleaseFailure] = []
    var releaseStages: [String: ReleaseStage] = [:]
    var reproducibility: [ReproducibilityRecord] = []
    var droppedManifests: Set<String> = []
    var droppedImages: Set<String> = []
    var shardPackageSignatures: ReleaseStage?
    var packageSignatures: ReleaseStage?
    var provenance: String?
    var provenanceStage: ReleaseStage?

    /// Reads which shards hold what and checks that they belong together; a usage error says why not.
    init(outDir: String, folders: [ShardFolder], signer: ReleaseSigner?, startedOn: Date) throws {
        self.outDir = outDir
        self.folders = folders
        self.signer = signer
        self.startedOn = startedOn
        builds = folders.compactMap { f in f.build.map { (f, $0) } }
        tests = folders.compactMap { f in f.test.map { (f, $0) } }
        benches = folders.compactMap { f in f.bench.map { (f, $0) } }
        releases = folders.compactMap { f in f.release.map { (f, $0) } }
        if !builds.isEmpty { try MergeSession.checkShards(builds.map { ($0.0.path, $0.1.shard, $0.1.go) }, what: "build") }
        if !tests.isEmpty { try MergeSession.checkShards(tests.map { ($0.0.path, $0.1.shard, $0.1.go) }, what: "test") }
        if !benches.isEmpty { try MergeSession.checkShards(benches.map { ($0.0.path, $0.1.shard, $0.1.go) }, what: "bench") }
        if !releases.isEmpty {
            guard releases.count == builds.count else { throw UsageError("some shards made a release and some did not: merge release shards only with each other") }
            let names = Set(releases.map { "\($0.1.project) \($0.1.version)" })
            if names.count > 1 { throw UsageError("the shards released different projects or versions: \(names.sorted().joined(separator: ", "))") }
            if let (folder, _) = releases.first(where: { $0.1.interrupted == true }) { throw UsageError("\(folder.path): its release was interrupted: nothing to merge") }
        }
        let manifestSources = releases.compactMap { shard in shard.1.manifestSource.map { (shard.0.path, $0) } }
        if let (firstPath, source) = manifestSources.first, let other = manifestSources.first(where: { $0.1 != source }) {
            throw UsageError("\(other.0) and \(firstPath) record different manifest settings (crossgo.yaml packages:, release.url or tag): shards of different releases")
        }
        manifestSource = manifestSources.first?.1
        outcome = MergeOutcome(out: outDir, shards: folders.count, kinds: [], artifacts: 0, failures: [], testResults: [], releaseFiles: 0, signed: false)
    }

    /// The first shard's release (the shards released one project and version); only read when there is one.
    var release: ReleaseManifest { releases[0].1 }
    var checksumsName: String { "\(release.project)_\(release.version)_checksums.txt" }

    /// Every target built and every shard's stage (and the merged manifests) passed: what signing asks.
    var everythingPassed: Bool { failed.isEmpty && outcome.failures.isEmpty && releaseStages.values.allSatisfy { $0.status != .failed } }
    var whatFailed: String { "a target or stage failed in a shard" }
}

public struct MergeSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: MergeRequest) async throws -> MergeOutcome {
        guard !request.folders.isEmpty else { throw UsageError("merge: name the shards' folders, e.g. crossgo merge dist/shard-*") }
        let signer = try request.signKey.map { try ReleaseSigner(keyPath: context.absolute($0), system: context.system) }
        let startedOn = context.clock()
        let folders = try request.folders.map { try Self.read(given: $0, path: context.absolute($0), system: context.system) }
        let outDir = context.absolute(request.out)
        if folders.contains(where: { $0.path == outDir }) { throw UsageError("--out \(request.out) is one of the shards' folders: merge into another folder") }
        // Every check comes before the first file is written.
        let work = try MergeWork(outDir: outDir, folders: folders, signer: signer, startedOn: startedOn)
        do {
            try OutputFolder.create(outDir, system: context.system)
        } catch {
            // An output folder that cannot be made is the environment's (3), named; Foundation's text hides the reason.
            let reason = OutputFolder.fileInTheWay(of: outDir, system: context.system)
                .map { "\(relativePath($0, to: context.workingDirectory)) is a file, not a folder" } ?? error.localizedDescription
            throw EnvironmentError("--out \(request.out): cannot create the output folder: \(reason)")
        }
        // The stages, each reported as release reports its own; a usage or environment error ends the merge as it says.
        // Signing comes last, and only when every target and every shard's stage passed.
        let stages: [MergeStage] = [
            MergeStage(name: "build") { try self.mergeBuilds($0) },
            MergeStage(name: "test") { try self.mergeTests($0) },
            MergeStage(name: "bench") { try self.mergeBenches($0) },
            MergeStage(name: "release files") { try self.mergeReleaseFiles($0) },
            MergeStage(name: "manifests") { self.writeManifests($0) },
            MergeStage(name: "image") { self.imageNote($0) },
            // The .rpm packages signed with the merge's key, as one release signs them: only when everything passed.
            MergeStage(name: "package-signatures", gate: .everythingPassed) { try self.signPackages($0) },
            MergeStage(name: "checksums") { try self.checksums($0) },
            // Provenance of every merged file, signed with the merge's key, as one release writes it: only when everything passed.
            MergeStage(name: "provenance", gate: .everythingPassed) { try self.provenance($0) },
            MergeStage(name: "release.json") { try self.record($0) },
            MergeStage(name: "sign", gate: .everythingPassed) { try self.sign($0) },
        ]
        guard try await Pipeline(reporter: context.reporter, clock: context.clock, thrown: .endsTheRun).run(stages, work) else {
            throw InterruptedError()
        }
        return work.outcome
    }

    /// A shard's folder and the crossgo files in it; a usage error when it is not the output of a --shard run.
    static func read(given: String, path: String, system: any HostSystem) throws -> ShardFolder {
        guard system.isDirectory(path) else {
            throw UsageError("\(given): no such folder")
        }
        var folder = ShardFolder(path: path, build: nil, test: nil, release: try ReleaseManifest.read(from: path, system: system))
        if let data = system.readData(path + "/" + BuildManifest.fileName) {
            do { folder.build = try JSONDecoder().decode(BuildManifest.self, from: data) } catch {
                throw UsageError("\(given)/\(BuildManifest.fileName): not a crossgo manifest (\(jsonProblem(error)))")
            }
        }
        if let data = system.readData(path + "/" + TestResultsFile.fileName) {
            do { folder.test = try JSONDecoder().decode(TestResultsFile.self, from: data) } catch {
                throw UsageError("\(given)/\(TestResultsFile.fileName): not crossgo test results (\(jsonProblem(error)))")
            }
        }
        if system.fileExists(path + "/" + BenchResultsFile.fileName) {
            folder.bench = try BenchResultsFile.read(path + "/" + BenchResultsFile.fileName, flag: "merge:", system: system)
        }
        guard folder.build != nil || folder.test != nil || folder.bench != nil else {
            throw UsageError("\(given): holds neither \(BuildManifest.fileName), \(TestResultsFile.fileName) nor \(BenchResultsFile.fileName): not the output of a crossgo --shard run")
        }
        return folder
    }

    // MARK: - The stages

    private func mergeBuilds(_ work: MergeWork) throws -> StageResult {
        let builds = work.builds
        guard !builds.isEmpty else { return .skipped("no \(BuildManifest.fileName) in the shards") }
        let outDir = work.outDir
        work.outcome.kinds.append("build")
        var artifacts: [Artifact] = []
        var failures: [BuildFailure] = []
        var absent: [AbsentBuild] = []
        for (folder, manifest) in builds {
            for artifact in manifest.artifacts {
                try Self.place(folder.path + "/" + artifact.path, at: outDir + "/" + artifact.path, system: context.system)
                artifacts.append(artifact)
            }
            failures += manifest.failures
            for a in manifest.absent ?? [] where !absent.contains(a) { absent.append(a) }
            // A job the shard was given but reported neither built nor failed is a failure, never left out.
            if let record = manifest.shard {
                let reported = Set(manifest.artifacts.map { "\($0.binary) \($0.target)" } + manifest.failures.map { "\($0.binary) \($0.target)" })
                for job in record.jobs where !reported.contains(job) {
                    let parts = job.split(separator: " ", maxSplits: 1).map(String.init)
                    failures.append(BuildFailure(target: parts.last ?? job, binary: parts.first ?? job, stage: .interrupted,
                                                 message: "shard \(record.index)/\(record.count) did not finish it"))
                }
            }
        }
        let first = builds[0].1
        var merged = BuildManifest(go: first.go, module: first.module, artifacts: artifacts.sorted { $0.path < $1.path },
                                   failures: failures.sorted { ($0.binary, $0.target) < ($1.binary, $1.target) }, created: context.clock())
        merged.absent = absent.isEmpty ? nil : absent
        let dirty = builds.compactMap { $0.1.treeDirty }
        merged.treeDirty = dirty.isEmpty ? nil : dirty.contains(true)
        try merged.write(to: outDir, system: context.system)
        work.outcome.artifacts = artifacts.count
        work.outcome.failures = merged.failures
        let detail = "\(artifacts.count) artifact(s) from \(builds.count) shard(s), \(merged.failures.count) failed; \(BuildManifest.fileName)"
        return merged.failures.isEmpty ? .done(detail) : .failed(detail)
    }

    private func mergeTests(_ work: MergeWork) throws -> StageResult {
        let tests = work.tests
        guard !tests.isEmpty else { return .skipped("no \(TestResultsFile.fileName) in the shards") }
        work.outcome.kinds.append("test")
        var results: [PackageResult] = []
        for (_, file) in tests {
            results += file.results
            if let record = file.shard {
                let reported = Set(file.results.map { "\($0.package) \($0.target)" })
                for job in record.jobs where !reported.contains(job) {
                    let parts = job.split(separator: " ", maxSplits: 1).map(String.init)
                    results.append(PackageResult(package: parts.first ?? job, target: parts.last ?? job, status: .failed,
                                                 message: "shard \(record.index)/\(record.count) did not report it"))
                }
            }
        }
        results.sort { ($0.package, $0.target) < ($1.package, $1.target) }
        let first = tests[0].1
        let merged = TestResultsFile(crossgo: CrossGoVersion.current, go: first.go, targets: Array(Set(tests.flatMap { $0.1.targets })).sorted(),
                                     results: results, shard: nil, module: first.module)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try context.system.writeData(encoder.encode(merged), to: work.outDir + "/" + TestResultsFile.fileName)
        try context.system.writeData(Data(JUnitReport.xml(results).utf8), to: work.outDir + "/junit.xml")
        work.outcome.testResults = results
        let failing = results.filter { $0.status.isFailure }.count
        let detail = "\(results.count) package run(s) from \(tests.count) shard(s), \(failing) failed; \(TestResultsFile.fileName) and junit.xml"
        return failing == 0 ? .done(detail) : .failed(detail)
    }

    private func mergeBenches(_ work: MergeWork) throws -> StageResult {
        let benches = work.benches
        guard !benches.isEmpty else { return .skipped("no \(BenchResultsFile.fileName) in the shards") }
        work.outcome.kinds.append("bench")
        var series: [BenchSeries] = []
        var problems: [BenchProblem] = []
        for (_, file) in benches {
            series += file.series
            problems += file.problems
            if let record = file.shard {
                let reported = Set(file.series.map { "\($0.package) \($0.target)" } + file.problems.map { "\($0.package) \($0.target)" })
                for job in record.jobs where !reported.contains(job) {
                    let parts = job.split(separator: " ", maxSplits: 1).map(String.init)
                    problems.append(BenchProblem(package: parts.first ?? job, target: parts.last ?? job, status: "failed",
                                                 message: "shard \(record.index)/\(record.count) did not report it"))
                }
            }
        }
        let first = benches[0].1
        var merged = BenchResultsFile(go: first.go, module: first.module, targets: Array(Set(benches.flatMap { $0.1.targets })).sorted(),
                                      count: first.count, benchtime: first.benchtime, series: series,
                                      problems: problems.sorted { ($0.package, $0.target) < ($1.package, $1.target) })
        merged.summaries = merged.summaries(against: nil)
        try merged.write(to: work.outDir + "/" + BenchResultsFile.fileName, system: context.system)
        work.outcome.benchSeries = series.count
        work.outcome.benchProblems = merged.problems
        let failing = merged.problems.filter { $0.status == "failed" || $0.status == "build-failed" }.count
        let detail = "\(series.count) benchmark series from \(benches.count) shard(s), \(merged.problems.count) problem(s); \(BenchResultsFile.fileName)"
        return failing == 0 ? .done(detail) : .failed(detail)
    }

    /// The shards' release files in one folder, and what their release.json files recorded (failures, stages, reproducibility).
    private func mergeReleaseFiles(_ work: MergeWork) throws -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        work.outcome.kinds.append("release")
        for (folder, release) in work.releases {
            for file in release.files where file.kind != .checksums && file.kind != .signature {
                // A shard's formula or Scoop manifest covers only that shard's archives: written again over all of them.
                if file.kind == .manifest { work.droppedManifests.insert(file.path); continue }
                // A shard's OCI image covers only that shard's linux targets: an index is not merged from parts.
                if file.kind == .image { work.droppedImages.insert(release.image?.layout ?? file.path); continue }
                // Each signed shard wrote the packages' key: one copy, and (package-signatures) written again with the merge's key.
                if file.kind == .key, let seen = work.files.first(where: { $0.path == file.path }) {
                    guard seen.sha256 == file.sha256 else {
                        throw EnvironmentError("\(folder.path)/\(file.path) differs from another shard's: shards signed with different keys")
                    }
                    continue
                }
                try Self.place(folder.path + "/" + file.path, at: work.outDir + "/" + file.path, system: context.system)
                work.files.append(file)
            }
            work.failed += release.failed
            for stage in release.stages where !["checksums", "sign", "manifests", "package-signatures", "provenance"].contains(stage.name) {
                if let seen = work.releaseStages[stage.name], seen.status == .failed || (seen.status == .done && stage.status == .skipped) { continue }
                work.releaseStages[stage.name] = stage
            }
            work.reproducibility += release.reproducibility ?? []
        }
        // The shards' packages were signed (they hold the key): their record stands unless the merge signs them again.
        if work.files.contains(where: { $0.kind == .key }) {
            work.shardPackageSignatures = work.releases.lazy.compactMap { $0.1.stages.first { $0.name == "package-signatures" } }.first
        }
        let detail = "\(work.files.count) file(s) of \(work.release.project) \(work.release.version) from \(work.releases.count) shard(s), "
            + "\(work.failed.count) failed target(s)"
        return work.failed.isEmpty ? .done(detail) : .failed(detail)
    }

    /// The formula and Scoop manifest over every shard's archives, as one release of all the targets writes them.
    private func writeManifests(_ work: MergeWork) -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        guard let source = work.manifestSource else {
            guard !work.droppedManifests.isEmpty else { return .skipped("the shards made no formula or Scoop manifest") }
            context.reporter.report(.notice("not merged: \(work.droppedManifests.sorted().joined(separator: ", ")) (each shard's covers only its own archives, "
                + "and the shards' release.json does not say what they were made from)", level: "warning"))
            return .skipped("the shards' release.json does not say what their manifests were made from")
        }
        let written = ReleaseSession.writeManifests(source, archives: work.files.filter { $0.kind == .archive }, taken: Set(work.files.map(\.path)),
                                                    version: work.release.version, outDir: work.outDir, system: context.system)
        work.files += written.files
        work.failed += written.failures
        for note in written.notes { context.reporter.report(.notice(note, level: "info")) }
        work.releaseStages["manifests"] = ReleaseStage(name: "manifests", status: written.result.status, detail: written.result.detail)
        return written.result
    }

    /// A shard's image is not merged: each index covers only its own targets.
    private func imageNote(_ work: MergeWork) -> StageResult {
        guard !work.droppedImages.isEmpty else { return .skipped("the shards made no image") }
        let layouts = work.droppedImages.sorted().joined(separator: ", ")
        context.reporter.report(.notice("not merged: the image layout(s) \(layouts) (each shard's index covers only "
            + "its own targets): release the image from one run with every linux target", level: "warning"))
        return .skipped("not merged: \(layouts)")
    }

    private func signPackages(_ work: MergeWork) throws -> StageResult {
        guard work.files.contains(where: ReleaseSession.isRPM) else { return .skipped("no .rpm package to sign") }
        guard let signer = work.signer else { return .skipped("no --sign-key: the .rpm packages keep the shards' signatures, if any") }
        let result = try ReleaseSession.signRPMs(&work.files, outDir: work.outDir, project: work.release.project, epoch: work.release.sourceDateEpoch,
                                                 signer: signer, system: context.system)
        work.packageSignatures = ReleaseStage(name: "package-signatures", status: result.status, detail: result.detail)
        return result
    }

    /// As release does: the checksums file over every release file.
    private func checksums(_ work: MergeWork) throws -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        work.files.sort { $0.path < $1.path }
        let count = try ReleaseSession.writeChecksums(work.checksumsName, release: work.files.map(\.path), outDir: work.outDir, system: context.system)
        return .done("\(count) file(s) in \(work.checksumsName)")
    }

    private func provenance(_ work: MergeWork) throws -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        guard let signer = work.signer else { return .skipped("no --sign-key: the provenance is signed with the release's key") }
        let first = work.release
        let name = Provenance.fileName(project: first.project, version: first.version)
        var subjects: [String: String] = [:]
        for file in work.files { subjects[file.path] = file.sha256 }
        if let sums = try? fileDigest(work.outDir + "/" + work.checksumsName) { subjects[work.checksumsName] = sums.1 }
        let artifacts = work.builds.flatMap { $0.1.artifacts }
        for artifact in artifacts { subjects[artifact.path] = artifact.sha256 }
        var parameters = ReleaseParameters()
        parameters.command = "merge"
        parameters.shards = work.folders.map { ($0.path as NSString).lastPathComponent }
        let inputs = ProvenanceInputs(outDir: work.outDir, name: name, subjects: subjects, artifacts: artifacts.map(\.path), go: first.go,
                                      parameters: parameters, commit: work.builds.lazy.compactMap { $0.1.shard?.commit }.first, remote: nil, tag: nil,
                                      epoch: first.sourceDateEpoch, epochFrom: first.sourceDateFrom, startedOn: work.startedOn)
        let dependencies = try ReleaseSession.writeProvenance(inputs, signer: signer, system: context.system, now: context.clock())
        work.provenance = name
        let result = StageResult.done("\(name): SLSA provenance v1 of \(subjects.count) file(s) from \(dependencies) resolved dependencies, signed")
        work.provenanceStage = ReleaseStage(name: "provenance", status: result.status, detail: result.detail)
        return result
    }

    /// release.json: every merged file, the shards' stages, the checksums file, the provenance, the folder's other files
    /// by digest, and the signature when everything passed and there is a key.
    private func record(_ work: MergeWork) throws -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        let first = work.release
        var stages = work.releaseStages
        stages["package-signatures"] = work.packageSignatures ?? work.shardPackageSignatures
        var signature: ReleaseSignature?
        if let signer = work.signer, work.everythingPassed {
            signature = ReleaseSignature(file: work.checksumsName + ".minisig", signs: work.checksumsName, keyID: signer.key.publicKey.keyIDHex,
                                         publicKey: signer.key.publicKey.base64)
        }
        let order = ["build", "universal", "archives", "sboms", "packages", "manifests", "reproducible", "audit", "package-signatures"]
        var merged = ReleaseManifest(crossgo: CrossGoVersion.current, project: first.project, version: first.version, go: first.go, module: first.module,
                                     sourceDateEpoch: first.sourceDateEpoch, sourceDateFrom: first.sourceDateFrom, files: work.files, failed: work.failed,
                                     stages: order.compactMap { stages[$0] } + [work.provenanceStage].compactMap { $0 }, signature: signature,
                                     reproducibility: work.reproducibility.isEmpty ? nil : work.reproducibility.sorted { $0.artifact < $1.artifact })
        merged.checksums = work.checksumsName
        merged.manifestSource = work.manifestSource
        merged.provenance = work.provenance
        merged.records = ReleaseSession.records(outDir: work.outDir, provenance: merged.provenance)
        try merged.write(to: work.outDir, system: context.system)
        work.outcome.releaseFiles = work.files.count
        return .done("\(work.files.count) file(s), \(merged.records?.count ?? 0) other file(s) of the folder by digest")
    }

    /// The checksums file and release.json signed with the merge's key: last, and only when everything passed.
    private func sign(_ work: MergeWork) throws -> StageResult {
        guard !work.releases.isEmpty else { return .skipped("no release in the shards") }
        guard let signer = work.signer else { return .skipped("no --sign-key") }
        let keyID = try ReleaseSession.sign(outDir: work.outDir, checksums: work.checksumsName, epoch: work.release.sourceDateEpoch, signer: signer, system: context.system)
        work.outcome.signed = true
        return .done("\(work.checksumsName).minisig and \(ReleaseManifest.fileName).minisig (minisign, key \(keyID))")
    }

    /// The shards must be N distinct shards of one plan (same digest, commit and Go), all present, none overlapping.
    static func checkShards(_ shards: [(path: String, record: ShardRecord?, go: String)], what: String) throws {
        for shard in shards where shard.record == nil {
            throw UsageError("\(shard.path): this \(what) was not run with --shard K/N: nothing to merge it with")
        }
        let records = shards.map { ($0.path, $0.record!, $0.go) }
        let (firstPath, first, firstGo) = records[0]
        for (path, record, go) in records.dropFirst() {
            if record.count != first.count || record.planDigest != first.planDigest {
                throw UsageError("\(path) is a shard of another \(what) than \(firstPath) (different plan: targets, packages or flags)")
            }
            if record.commit != first.commit {
                throw UsageError("\(path) was built from commit \(record.commit?.prefix(12) ?? "none"), \(firstPath) from \(first.commit?.prefix(12) ?? "none"): shards of different commits")
            }
            if go != firstGo { throw UsageError("\(path) used \(go), \(firstPath) used \(firstGo): shards of different Go versions") }
        }
        var seen: [Int: String] = [:]
        var jobs: [String: String] = [:]
        for (path, record, _) in records {
            if let other = seen[record.index] {
                throw UsageError("\(path) and \(other) are both shard \(record.index)/\(record.count): overlapping shards")
            }
            seen[record.index] = path
            for job in record.jobs {
                if let other = jobs[job] { throw UsageError("\(job) is in both \(other) and \(path): overlapping shards") }
                jobs[job] = path
            }
        }
        let missing = (1...first.count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw UsageError("missing shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(first.count)" }.joined(separator: ", ")) of the \(what): give every shard's folder")
        }
    }

    /// Puts a shard's file at `destination`: a hard link when the two are on one file system, else a copy.
    static func place(_ source: String, at destination: String, system: any HostSystem) throws {
        guard system.fileExists(source) else { throw UsageError("\(source): listed by its shard but missing") }
        try? system.removeItem(destination)
        if (try? system.linkItem(source, to: destination)) == nil {
            do { try system.copyItem(source, to: destination) } catch {
                throw EnvironmentError("cannot write \(destination): \(error.localizedDescription)")
            }
        }
    }
}
