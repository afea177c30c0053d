// The release session: the build session, then stages on the matrix runner — a universal macOS binary,
// reproducible archives, SBOMs per artifact, .deb/.rpm packages and Homebrew/Scoop manifests when asked, a multi-arch
// OCI image layout and its push when asked, a checksums file, its minisign signature, an optional rebuild-and-compare
// proof — and dist/release.json, written last.
import Foundation
import GoBinary

/// What `crossgo release` was asked to do.
public struct ReleaseRequest: Sendable {
    /// The build (packages, targets, flags). `run` is ignored.
    public var build = BuildRequest()
    /// The version in file names and `{{.Version}}`; default: the exact tag at HEAD, else the main module's
    /// version from build info, else 0.0.0-dev.
    public var version: String?
    /// The project name of the checksums file; default: crossgo.yaml's `project`, else the module path's last element.
    public var project: String?
    /// A minisign secret key: the checksums file is signed with it.
    public var signKey: String?
    /// Merge darwin/arm64 and darwin/amd64 into a universal binary; nil: crossgo.yaml's `universal`.
    public var universal: Bool?
    /// Rebuild every artifact in another folder with an empty GOCACHE and compare.
    public var checkReproducible = false
    /// Audit the artifacts against the Go vulnerability database (`--audit`), at `auditDatabase` (nil: vuln.go.dev).
    public var audit = false
    public var auditDatabase: String?
    /// `--package deb,rpm,brew,scoop`; nil: crossgo.yaml's `packages.formats`, else none.
    public var packageFormats: [PackageFormat]?
    /// `--image REGISTRY/NAME[:TAG]`: an OCI image of the linux artifacts (also made when crossgo.yaml has `image:`).
    public var image: String?
    /// `--push`: upload the image to its registry.
    public var push = false

    public init() {}
}

/// What a release did.
public struct ReleaseOutcome: SessionOutcome {
    public var command: String { "release" }
    public var build: BuildOutcome
    /// What release.json records; nil when the build itself was interrupted before anything was released.
    public var release: ReleaseManifest?
    /// Every stage in the order it ran, the sealing ones (checksums, sign) included.
    public var stages: [ReleaseStage]
    public var outDir: String
    public var interrupted: Bool
    /// A stage failed because of the environment (a registry down or refusing): exit 3.
    public var environmentFailed = false

    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if environmentFailed { return .environment }
        guard let release else { return build.exitStatus }
        if !release.failed.isEmpty || stages.contains(where: { $0.status == .failed }) { return .failed }
        if release.reproducibility?.contains(where: { $0.status != .reproducible }) == true { return .failed }
        return .ok
    }

    /// The stages that failed.
    public var failedStages: [ReleaseStage] { stages.filter { $0.status == .failed } }

    /// Whether the signature was written (the sign stage is the last and runs only when everything passed).
    public var signed: Bool { stages.contains { $0.name == "sign" && $0.status == .done } }

    public var counts: [(String, Int)] {
        let files = release?.files ?? []
        return [("built", build.artifacts.count), ("failed", release?.failed.count ?? build.failures.count),
                ("failedStages", failedStages.count),
                ("archives", files.filter { $0.kind == .archive }.count), ("sboms", files.filter { $0.kind == .sbom }.count),
                ("packages", files.filter { $0.kind == .package }.count), ("manifests", files.filter { $0.kind == .manifest }.count),
                ("images", release?.image?.platforms.count ?? 0), ("pushed", release?.image?.pushed?.count ?? 0),
                ("signed", signed ? 1 : 0),
                ("reproducible", release?.reproducibility?.filter { $0.status == .reproducible }.count ?? 0),
                ("notReproducible", release?.reproducibility?.filter { $0.status != .reproducible }.count ?? 0)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        let dist = relativePath(outDir, to: base)
        guard let release else {
            var out = build.render(painter, relativeTo: base)
            if interrupted {
                out.messages.append("crossgo: release interrupted during the build: nothing released, no checksums file and no signature written")
            }
            return out
        }
        var out = RenderedOutcome()
        out.results.append(renderTable(["FILE", "KIND", "TARGET", "SIZE", "SHA256"], release.files.map { f in
            [dist + "/" + f.path, f.kind.rawValue + (f.format.map { " (\($0))" } ?? ""), f.target ?? "-", formatSize(f.size), String(f.sha256.prefix(12))]
        }))
        for failure in release.failed {
            out.results.append(painter.red("FAILED") + " \(failure.binary) \(failure.target) (\(failure.stage)):")
            for line in failure.message.split(separator: "\n").prefix(20) { out.results.append("    \(line)") }
        }
        for stage in failedStages {
            out.results.append(painter.red("FAILED") + " stage \(stage.name): \(stage.detail)")
        }
        if let image = release.image {
            out.results.append("image \(dist)/\(image.layout) \(image.index) (\(image.platforms.map(\.platform).joined(separator: ", "))), tag(s) \(image.tags.joined(separator: ", "))")
            for reference in image.pushed ?? [] { out.results.append("\(painter.green("pushed")) \(reference)") }
        }
        for record in release.reproducibility ?? [] {
            switch record.status {
            case .reproducible: out.results.append("\(painter.green("reproducible")) \(record.artifact)")
            case .differs:
                out.results.append("\(painter.red("not reproducible")) \(record.artifact): differs in \((record.sections ?? []).joined(separator: ", "))"
                    + (record.cause.map { "; likely cause: \($0)" } ?? ""))
            case .failed: out.results.append("\(painter.red("not reproducible")) \(record.artifact): \(record.cause ?? "the rebuild failed")")
            }
        }
        if interrupted {
            let at = stages.last.map { " after the \($0.name) stage" } ?? ""
            out.messages.append("crossgo: release \(release.project) \(release.version) interrupted\(at): no checksums file and no signature written; "
                + "\(dist)/\(ReleaseManifest.fileName) records it as interrupted")
            return out
        }
        let signature = signed ? release.signature.map { "signed (key \($0.keyID))" } ?? "signed" : "not signed"
        let stageFailures = failedStages.map(\.name)
        out.messages.append("crossgo: released \(release.project) \(release.version): \(release.files.count) files, "
            + "\(release.failed.count) failed target(s)"
            + (stageFailures.isEmpty ? "" : ", failed stage(s): \(stageFailures.joined(separator: ", "))")
            + ", \(signature); \(dist)/\(ReleaseManifest.fileName)")
        return out
    }
}

/// One stage of the release (see `Pipeline`: each is wrapped once for reporting, timing, skips, failures and interrupts).
typealias ReleaseStep = Stage<ReleaseWork>

/// What the stages of one release make and record, passed from stage to stage (the stages run one after another).
final class ReleaseWork: PipelineWork {
    let outDir: String
    let moduleRoot: String
    let built: BuildOutcome
    let artifacts: [Artifact]
    let project: String
    let version: String
    let epoch: Int64
    let epochFrom: String
    var files: [ReleaseFile] = []
    var failed: [ReleaseFailure]
    var stages: [ReleaseStage] = []
    var universals: [(binary: String, path: String, covers: [String])] = []
    var reproducibility: [ReproducibilityRecord]?
    var audit: ReleaseAudit?
    var signature: ReleaseSignature?
    var records: [String: String]?
    var manifestSource: ManifestSource?
    /// The provenance file, once written.
    var provenance: String?
    var image: ReleaseImage?
    var madeImages: MadeImages?
    var environmentFailed = false
    /// What release.json records, once written.
    var recorded: ReleaseManifest?

    init(outDir: String, moduleRoot: String, built: BuildOutcome, project: String, version: String, epoch: Int64, epochFrom: String) {
        self.outDir = outDir
        self.moduleRoot = moduleRoot
        self.built = built
        artifacts = built.artifacts.sorted { $0.path < $1.path }
        self.project = project
        self.version = version
        self.epoch = epoch
        self.epochFrom = epochFrom
        failed = built.failures.map { ReleaseFailure(binary: $0.binary, target: $0.target, stage: $0.stage.rawValue, message: $0.message) }
    }

    var checksumsName: String { "\(project)_\(version)_checksums.txt" }

    /// Whether the build and every stage so far passed.
    var everythingPassed: Bool { failed.isEmpty && stages.allSatisfy { $0.status != .failed } }

    var whatFailed: String {
        let failedStages = stages.filter { $0.status == .failed }.map(\.name)
        return failedStages.isEmpty ? "\(failed.count) target(s) failed" : "stage(s) \(failedStages.joined(separator: ", ")) failed"
    }

    func manifest(interrupted: Bool) -> ReleaseManifest {
        var manifest = ReleaseManifest(crossgo: CrossGoVersion.current, project: project, version: version, go: built.go, module: built.module,
                                       sourceDateEpoch: epoch, sourceDateFrom: epochFrom, files: files.sorted { $0.path < $1.path },
                                       failed: failed, stages: stages, signature: signature, reproducibility: reproducibility)
        manifest.audit = audit
        manifest.manifestSource = manifestSource
        manifest.provenance = interrupted ? nil : provenance
        manifest.image = image
        manifest.checksums = interrupted ? nil : checksumsName
        manifest.records = records
        manifest.artifacts = artifacts.map(ReleaseArtifactFacts.init)
        manifest.interrupted = interrupted ? true : nil
        return manifest
    }
}

/// Runs `crossgo release`.
public struct ReleaseSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: ReleaseRequest) async throws -> ReleaseOutcome {
        let startedOn = context.clock()
        // Things a user can get wrong are checked before anything is built.
        let sourceDateSetting = try Self.sourceDateEpoch(context.system.environment)
        let signer = try request.signKey.map { try ReleaseSigner(keyPath: context.absolute($0), system: context.system) }
        if let given = request.version { _ = try Self.checkedVersion(given) }
        if request.push, let shard = request.build.shard {
            throw UsageError("--push with --shard \(shard.index)/\(shard.count): a shard's index holds only its own targets; push the image from one run with every linux target")
        }
        let buildRequest = Self.buildRequest(request, system: context.system)
        let built = try await BuildSession(context: context).run(buildRequest)
        let outDir = built.outDir
        // Until this release has passed every stage, nothing in the folder is signed: the previous release's seal goes first.
        let previous = try? ReleaseManifest.read(from: outDir, system: context.system)
        Self.removeSeal(of: previous, in: outDir, system: context.system)
        if built.interrupted || Task.isCancelled { return Self.interruptedBuild(built, previous: previous, system: context.system) }
        let moduleRoot = built.moduleRoot
        let config = try BuildConfig.load(path: moduleRoot + "/" + BuildConfig.fileName, system: context.system)
        let facts = await SourceFacts.read(moduleRoot, system: context.system).readingRemote(moduleRoot, system: context.system)
        let work = try begin(request, built: built, config: config, facts: facts, sourceDateSetting: sourceDateSetting)
        let formats = ReleasePackaging.formats(request.packageFormats, config: config)
        let imageSettings = try ImageSettings.resolve(image: request.image, push: request.push, config: config, moduleRoot: moduleRoot, system: context.system)

        // The stages that make the release and its checksums file, then release.json (recording every other file of the
        // folder by digest), then the signature of both — last, and only when everything passed.
        let stages: [ReleaseStep] = [
            ReleaseStep(name: "universal") { try self.universal($0, wanted: request.universal ?? config?.universal ?? false) },
            ReleaseStep(name: "archives") { await self.archives($0) },
            ReleaseStep(name: "sboms") { await self.sboms($0) },
            ReleaseStep(name: "packages") { await self.packages($0, formats: formats, config: config) },
            ReleaseStep(name: "manifests") { await self.manifests($0, formats: formats, config: config, facts: facts) },
            ReleaseStep(name: "image") { await self.images($0, settings: imageSettings, facts: facts) },
            ReleaseStep(name: "reproducible") { work in
                guard request.checkReproducible else { return .skipped("not asked for (--check-reproducible)") }
                return try await self.reproducible(work, buildRequest, facts: facts)
            },
            ReleaseStep(name: "audit") { work in
                guard request.audit else { return .skipped("not asked for (--audit)") }
                return try await self.audit(work, database: request.auditDatabase)
            },
            // Signatures inside packages: like the minisign one, only when everything before passed; before the checksums.
            ReleaseStep(name: "package-signatures", gate: .everythingPassed) { try self.signPackages($0, signer: signer) },
            // Last before the seal, and only when everything passed: a release that failed anywhere is not published.
            ReleaseStep(name: "push") { await self.push($0, settings: imageSettings) },
            ReleaseStep(name: "checksums") { try self.checksums($0) },
            // The provenance of every released file and the checksums file, signed on its own (DSSE): part of the seal,
            // recorded by release.json (written next), not listed in the checksums file.
            ReleaseStep(name: "provenance", gate: .everythingPassed) { work in
                try await self.provenance(work, request: request, signer: signer, facts: facts, startedOn: startedOn)
            },
            // A folder that cannot take release.json ends the release (exit 3), as any unwritable output does.
            ReleaseStep(name: ReleaseManifest.fileName, thrown: .endsTheRun) { try self.record($0, previous: previous, signer: signer) },
            ReleaseStep(name: "sign", gate: .everythingPassed) { work in
                guard let signer else { return .skipped("no --sign-key (make a key with: crossgo release keygen NAME)") }
                return try self.sign(work, signer: signer)
            },
        ]
        guard try await runStages(stages, work), let recorded = work.recorded else { return interrupted(work, built: built) }
        return ReleaseOutcome(build: built, release: recorded, stages: work.stages, outDir: outDir, interrupted: false,
                              environmentFailed: work.environmentFailed)
    }

    /// The build a release asks for: never run, the release's version stamped, and the release's settings in crossgo.yaml
    /// checked before anything builds.
    static func buildRequest(_ request: ReleaseRequest, system: any HostSystem) -> BuildRequest {
        var buildRequest = request.build
        buildRequest.run = false
        buildRequest.version = request.version
        let askedFormats = request.packageFormats
        let (askedImage, push, system) = (request.image, request.push, system)
        buildRequest.checkConfig = { config, moduleRoot in
            try ReleasePackaging.check(ReleasePackaging.formats(askedFormats, config: config), config: config, moduleRoot: moduleRoot)
            _ = try ImageSettings.resolve(image: askedImage, push: push, config: config, moduleRoot: moduleRoot, system: system)
        }
        return buildRequest
    }

    /// A release whose build was interrupted: nothing released; the previous release.json, if any, says it was interrupted.
    static func interruptedBuild(_ built: BuildOutcome, previous: ReleaseManifest?, system: any HostSystem) -> ReleaseOutcome {
        if var previous {
            previous.interrupted = true
            previous.checksums = nil
            previous.signature = nil
            try? previous.write(to: built.outDir, system: system)
        }
        return ReleaseOutcome(build: built, release: nil, stages: [], outDir: built.outDir, interrupted: true)
    }

    /// What the stages start from: the version, project and archive time decided, and the build recorded as the first stage.
    private func begin(_ request: ReleaseRequest, built: BuildOutcome, config: BuildConfig?, facts: SourceFacts,
                       sourceDateSetting: Int64?) throws -> ReleaseWork {
        let reporter = context.reporter
        let (outDir, moduleRoot) = (built.outDir, built.moduleRoot)
        let version = try Self.version(request.version, facts: facts, artifacts: built.artifacts.sorted { $0.path < $1.path }, outDir: outDir,
                                       reporter: reporter, system: context.system)
        let project = request.project ?? config?.project ?? Self.projectName(module: built.module, fallback: moduleRoot)
        let (epoch, epochFrom): (Int64, String)
        if let sourceDateSetting {
            (epoch, epochFrom) = (sourceDateSetting, "SOURCE_DATE_EPOCH")
        } else if let time = facts.commitTime {
            (epoch, epochFrom) = (time, "last commit")
        } else {
            (epoch, epochFrom) = (0, "none")
            reporter.report(.notice("not a git checkout and no SOURCE_DATE_EPOCH: archive entries carry the time 1970-01-01T00:00:00Z", level: "warning"))
        }
        let work = ReleaseWork(outDir: outDir, moduleRoot: moduleRoot, built: built, project: project, version: version, epoch: epoch, epochFrom: epochFrom)
        work.stages.append(ReleaseStage(name: "build", status: built.failures.isEmpty ? .done : .failed,
                                        detail: "\(work.artifacts.count) artifact(s) built and verified, \(built.failures.count) failed"))
        if let warning = ReleaseArtifactFacts.gatekeeperWarning(work.artifacts) { reporter.report(.notice(warning, level: "warning")) }
        return work
    }

    /// release.json: files of the previous release that this one did not make go (as the build's do), then the record of
    /// every file, the build's files by digest, the checksums file, and the signature when it will be signed.
    private func record(_ work: ReleaseWork, previous: ReleaseManifest?, signer: ReleaseSigner?) throws -> ReleaseStep.Result {
        let outDir = work.outDir
        let system = context.system
        if let previous {
            let kept = Set(work.files.map(\.path)).union(work.built.artifacts.map(\.path))
            for old in previous.files where !kept.contains(old.path) {
                let full = URL(fileURLWithPath: outDir + "/" + old.path).standardizedFileURL.path
                if full.hasPrefix(outDir + "/") { try? system.removeItem(full) }
            }
            // An image layout this release did not make goes with its folders, once no file is left in it.
            if let layout = previous.image?.layout, layout != work.image?.layout, !layout.contains("/"), !layout.hasPrefix(".") {
                let folder = outDir + "/" + layout
                if VerifySession.files(in: folder, system: system).isEmpty { try? system.removeItem(folder) }
            }
        }
        if let signer, work.everythingPassed {
            work.signature = ReleaseSignature(file: work.checksumsName + ".minisig", signs: work.checksumsName, keyID: signer.key.publicKey.keyIDHex,
                                              publicKey: signer.key.publicKey.base64)
        }
        work.records = Self.records(outDir: outDir, provenance: work.provenance)
        let manifest = work.manifest(interrupted: false)
        do {
            try manifest.write(to: outDir, system: system)
        } catch {
            throw EnvironmentError("cannot write \(outDir)/\(ReleaseManifest.fileName): \(error.localizedDescription)")
        }
        work.recorded = manifest
        return .done("\(manifest.files.count) file(s), \(manifest.records?.count ?? 0) other file(s) of the folder by digest")
    }

    /// Runs stages in order, each wrapped once (a thrown error fails its stage); false when an interrupt stopped them.
    private func runStages(_ steps: [ReleaseStep], _ work: ReleaseWork) async throws -> Bool {
        try await Pipeline(reporter: context.reporter, clock: context.clock, thrown: .failsTheStage).run(steps, work)
    }

    /// An interrupted release: release.json says so, and there is no checksums file and no signature.
    private func interrupted(_ work: ReleaseWork, built: BuildOutcome) -> ReleaseOutcome {
        work.signature = nil
        let manifest = work.manifest(interrupted: true)
        let system = context.system
        Self.removeSeal(of: manifest, in: work.outDir, system: system)
        let sums = work.outDir + "/" + work.checksumsName
        try? system.removeItem(sums)
        try? system.removeItem(sums + ".minisig")
        if let provenance = work.provenance { try? system.removeItem(work.outDir + "/" + provenance) }
        try? manifest.write(to: work.outDir, system: system)
        context.reporter.report(.notice("release interrupted: \(work.outDir)/\(ReleaseManifest.fileName) records it; no checksums file, no signature",
                                        level: "warning"))
        return ReleaseOutcome(build: built, release: manifest, stages: work.stages, outDir: work.outDir, interrupted: true)
    }

    /// Removes a release's checksums file and signature (the names its release.json gives), so that a folder whose
    /// release is being replaced, or was interrupted, never carries a seal over files it no longer describes.
    static func removeSeal(of manifest: ReleaseManifest?, in outDir: String, system: any HostSystem) {
        guard let manifest else { return }
        var names = manifest.files.filter { $0.kind == .checksums || $0.kind == .signature }.map(\.path)
        if let sums = manifest.checksums { names += [sums, sums + ".minisig"] }
        if let signature = manifest.signature { names += [signature.file] }
        if let provenance = manifest.provenance { names.append(provenance) }
        names.append(ReleaseManifest.fileName + ".minisig")
        for name in Set(names) {
            let full = URL(fileURLWithPath: outDir + "/" + name).standardizedFileURL.path
            if full.hasPrefix(outDir + "/") { try? system.removeItem(full) }
        }
    }

    // MARK: - The stages

    private func universal(_ work: ReleaseWork, wanted: Bool) throws -> ReleaseStep.Result {
        guard wanted else { return .skipped("not asked for (--universal, or universal: true in crossgo.yaml)") }
        let pairs = Dictionary(grouping: work.artifacts.filter { $0.goos == "darwin" && $0.variant == nil }, by: \.binary)
            .compactMap { binary, list -> (String, Artifact, Artifact)? in
                guard let arm = list.first(where: { $0.goarch == "arm64" }), let amd = list.first(where: { $0.goarch == "amd64" }) else { return nil }
                return (binary, arm, amd)
            }.sorted { $0.0 < $1.0 }
        if pairs.isEmpty {
            return .skipped("needs darwin/arm64 and darwin/amd64 of one program, built: "
                + (work.artifacts.filter { $0.goos == "darwin" }.map(\.target).joined(separator: ", ").nonEmpty ?? "no darwin target"))
        }
        var made = 0
        for (binary, arm, amd) in pairs {
            let name = "\(binary)_darwin_universal"
            do {
                try ReleaseParts.writeUniversal(slices: [work.outDir + "/" + arm.path, work.outDir + "/" + amd.path], to: work.outDir + "/" + name,
                                             system: context.system)
                work.files.append(try Self.describe(work.outDir, name, kind: .binary, target: "darwin/universal", binary: binary,
                                                    format: "mach-o-universal", covers: [arm.path, amd.path]))
                work.universals.append((binary, name, [arm.path, amd.path]))
                made += 1
            } catch {
                work.failed.append(ReleaseFailure(binary: binary, target: "darwin/universal", stage: "universal", message: "\(error)"))
            }
        }
        let detail = "\(made) universal binary(ies) of \(pairs.count)"
        return made == pairs.count ? .done(detail) : .failed(detail)
    }

    /// What one archive or SBOM job works on: a thin artifact or a universal binary.
    private struct Unit: Sendable {
        var binary: String
        var target: String
        var goos: String
        var goarch: String
        var variant: String?
        var path: String
        var covers: [String]
    }

    /// What one job made, or why it could not.
    private enum Made<Value: Sendable>: Sendable {
        case made(Value)
        case failure(ReleaseFailure)
    }

    private func units(_ work: ReleaseWork) -> [Unit] {
        work.artifacts.map { Unit(binary: $0.binary, target: $0.target, goos: $0.goos, goarch: $0.goarch, variant: $0.variant,
                                  path: $0.path, covers: [$0.path]) }
            + work.universals.map { Unit(binary: $0.binary, target: "darwin/universal", goos: "darwin", goarch: "universal", variant: nil,
                                         path: $0.path, covers: $0.covers) }
    }

    private func archives(_ work: ReleaseWork) async -> ReleaseStep.Result {
        let reporter = context.reporter
        let units = units(work)
        let (outDir, moduleRoot, version, epoch) = (work.outDir, work.moduleRoot, work.version, work.epoch)
        let extras = Self.moduleDocuments(moduleRoot, system: context.system)
        reporter.report(.planned(command: "release", jobs: units.map { JobID(item: $0.binary, target: $0.target) },
                                 message: "archiving \(units.count) binary(ies) of \(work.project) \(version)"))
        let runner = MatrixRunner(concurrency: Concurrency.releaseStages, reporter: reporter)
        let packed = await runner.run(units, id: { JobID(item: $0.binary, target: $0.target) }, firstPhase: "archive",
                                      work: { (unit: Unit, _: JobHandle) -> Made<ReleaseFile> in
            let ext = unit.path.hasSuffix(".exe") ? ".exe" : unit.path.hasSuffix(".wasm") ? ".wasm" : ""
            let zip = unit.goos == "windows"
            let archive = "\(unit.binary)_\(version)_\(unit.goos)_\(unit.goarch)\(unit.variant.map { "_\($0)" } ?? "")\(zip ? ".zip" : ".tar.gz")"
            do {
                let entries = [ReleaseArchiveEntry(name: unit.binary + ext, path: outDir + "/" + unit.path, executable: true)]
                    + extras.map { ReleaseArchiveEntry(name: $0, path: moduleRoot + "/" + $0, executable: false) }
                try ReleaseParts.writeArchive(zip: zip, entries: entries, to: outDir + "/" + archive, modificationTime: epoch,
                                             system: context.system)
                var file = try Self.describe(outDir, archive, kind: .archive, target: unit.target, binary: unit.binary,
                                             format: zip ? "zip" : "tar.gz", covers: [unit.path])
                file.entries = entries.map(\.name)
                return .made(file)
            } catch {
                return .failure(ReleaseFailure(binary: unit.binary, target: unit.target, stage: "archive", message: "\(error)"))
            }
        }, end: { result in
            switch result {
            case .made(let file): JobEnd(status: .passed, summary: "\(file.path): \(file.entries?.count ?? 0) entries (\(file.entries?.joined(separator: ", ") ?? ""))", record: file)
            case .failure(let failure): JobEnd(status: .failed, summary: failure.message)
            }
        })
        var made = 0
        for result in packed.completed {
            switch result {
            case .made(let file): work.files.append(file); made += 1
            case .failure(let failure): work.failed.append(failure)
            }
        }
        if packed.interrupted { return .failed("interrupted") }
        let detail = "\(made) archive(s) of \(units.count), entries dated \(SourceFacts.rfc3339(work.epoch)) (\(work.epochFrom))"
        return made == units.count ? .done(detail) : .failed(detail)
    }

    private func sboms(_ work: ReleaseWork) async -> ReleaseStep.Result {
        let units = units(work)
        let (outDir, epoch) = (work.outDir, work.epoch)
        let runner = MatrixRunner(concurrency: Concurrency.releaseStages, reporter: context.reporter)
        let written = await runner.run(units, id: { JobID(item: $0.binary, target: $0.target) }, firstPhase: "sbom",
                                       work: { (unit: Unit, _: JobHandle) -> Made<[ReleaseFile]> in
            do {
                var files: [ReleaseFile] = []
                for (path, format) in try ReleaseParts.writeSBOMs(artifactPath: outDir + "/" + unit.path, time: epoch, system: context.system) {
                    let name = String(path.dropFirst(outDir.count + 1))
                    files.append(try Self.describe(outDir, name, kind: .sbom, target: unit.target, binary: unit.binary, format: format, covers: [unit.path]))
                }
                return .made(files)
            } catch {
                return .failure(ReleaseFailure(binary: unit.binary, target: unit.target, stage: "sbom", message: "\(error)"))
            }
        }, end: { result in
            switch result {
            case .made(let files): JobEnd(status: .passed, summary: files.map(\.path).joined(separator: ", "), record: files)
            case .failure(let failure): JobEnd(status: .failed, summary: failure.message)
            }
        })
        var made = 0
        for result in written.completed {
            switch result {
            case .made(let files): work.files += files; made += files.count
            case .failure(let failure): work.failed.append(failure)
            }
        }
        if written.interrupted { return .failed("interrupted") }
        let detail = "\(made) SBOM(s) for \(units.count) binary(ies): CycloneDX 1.6 and SPDX 2.3 each"
        return made == units.count * 2 ? .done(detail) : .failed(detail)
    }

    private func reproducible(_ work: ReleaseWork, _ buildRequest: BuildRequest, facts: SourceFacts) async throws -> ReleaseStep.Result {
        let records = try await ReproducibilityCheck(context: context).run(buildRequest, original: work.built, moduleRoot: work.moduleRoot, facts: facts)
        work.reproducibility = records
        let same = records.filter { $0.status == .reproducible }.count
        let detail = "\(same) of \(records.count) artifact(s) rebuilt byte for byte"
        return same == records.count ? .done(detail) : .failed(detail)
    }

    private func audit(_ work: ReleaseWork, database: String?) async throws -> ReleaseStep.Result {
        var quiet = context
        quiet.reporter = CapturingReporter()
        let audited = try await AuditSession(context: quiet).run(AuditRequest(paths: work.artifacts.map { work.outDir + "/" + $0.path }, database: database))
        // release.json holds no path of this machine: artifacts relative to the release folder, a local database from it.
        let outDir = work.outDir
        let isURL = audited.database.contains("://")
        let place = { (path: String) in relativeLocation(self.context.absolute(path), from: outDir) }
        let records = audited.artifacts.map { record -> AuditArtifactRecord in
            var record = record
            record.file = place(record.file)
            record.artifact = place(record.artifact)
            return record
        }
        let findings = audited.findings.map { finding -> AuditFindingGroup in
            var finding = finding
            finding.artifacts = finding.artifacts.map(place)
            finding.linkedIn = finding.linkedIn.map(place)
            return finding
        }
        let database = isURL ? audited.database : place(audited.database)
        work.audit = ReleaseAudit(database: database, databaseModified: audited.databaseModified,
                                  level: audited.level, findings: findings, artifacts: records)
        let clean = audited.exitStatus == .ok
        let notLinked = audited.findings.filter { $0.linked == "not-linked" }.map(\.id)
        return clean
            ? .done("\(audited.artifacts.count) artifact(s) audited against \(database): no known vulnerability linked (\(audited.level) level)"
                + (notLinked.isEmpty ? "" : "; in modules, vulnerable functions not linked: " + notLinked.joined(separator: ", ")))
            : .failed("\(audited.failing.count) known vulnerability(ies) linked into \(audited.vulnerable) artifact(s), \(audited.notAudited) not audited: "
                + audited.failing.map(\.id).joined(separator: ", "))
    }

    /// The checksums file: every file the release made (archives, SBOMs, universal binaries), as GoReleaser's lists
    /// them, so that the same commit gives the same file on any machine and from merged shards.
    private func checksums(_ work: ReleaseWork) throws -> ReleaseStep.Result {
        let count = try Self.writeChecksums(work.checksumsName, release: work.files.map(\.path), outDir: work.outDir, system: context.system)
        return .done("\(count) file(s) in \(work.checksumsName)")
    }

    /// Writes the checksums file over `release` (paths in `outDir`); returns how many files it lists.
    static func writeChecksums(_ name: String, release: [String], outDir: String, system: any HostSystem) throws -> Int {
        var lines = ""
        for file in Set(release).sorted() {
            let (_, digest) = try fileDigest(outDir + "/" + file)
            lines += "\(digest)  \(file)\n"
        }
        try system.writeData(Data(lines.utf8), to: outDir + "/" + name)
        return Set(release).count
    }

    /// The other files of the folder that belong to the release, by SHA-256, for release.json: the build's records
    /// (manifest.json, SHA256SUMS, which lists the artifacts and web files), test and bench results merged into it,
    /// and the folder's .gitignore.
    static func records(outDir: String, provenance: String? = nil) -> [String: String] {
        var out: [String: String] = [:]
        for name in [BuildManifest.fileName, BuildManifest.sumsName, ".gitignore", TestResultsFile.fileName, "junit.xml", BenchResultsFile.fileName]
            + [provenance].compactMap({ $0 }) {
            if let (_, digest) = try? fileDigest(outDir + "/" + name) { out[name] = digest }
        }
        return out
    }

    /// Signs the checksums file and release.json (which records everything else in the folder).
    private func sign(_ work: ReleaseWork, signer: ReleaseSigner) throws -> ReleaseStep.Result {
        let signed = try Self.sign(outDir: work.outDir, checksums: work.checksumsName, epoch: work.epoch, signer: signer, system: context.system)
        return .done("\(work.checksumsName).minisig and \(ReleaseManifest.fileName).minisig (minisign, key \(signed))")
    }

    /// Signs `checksums` and release.json in `outDir`; returns the key id.
    static func sign(outDir: String, checksums: String, epoch: Int64, signer: ReleaseSigner, system: any HostSystem) throws -> String {
        do {
            let signed = try signer.sign(outDir + "/" + checksums, trustedComment: "timestamp:\(epoch)\tfile:\(checksums)\thashed")
            _ = try signer.sign(outDir + "/" + ReleaseManifest.fileName, trustedComment: "timestamp:\(epoch)\tfile:\(ReleaseManifest.fileName)\thashed")
            return signed.keyID
        } catch {
            // Both or neither: a half-signed release is not left behind.
            for name in [checksums, ReleaseManifest.fileName] { try? system.removeItem(outDir + "/" + name + ".minisig") }
            throw error
        }
    }

    /// SOURCE_DATE_EPOCH when set: a whole number of seconds, else a usage error naming it.
    static func sourceDateEpoch(_ environment: [String: String]) throws -> Int64? {
        guard let text = environment["SOURCE_DATE_EPOCH"], !text.isEmpty else { return nil }
        guard let value = Int64(text), value >= 0, value < 253_402_300_800 else {
            throw UsageError("SOURCE_DATE_EPOCH='\(text)' is not a number of seconds since 1970 (e.g. $(git log -1 --format=%ct))")
        }
        return value
    }

    /// The release version: as given, else the exact tag at HEAD, else the main module's version go stamped, else 0.0.0-dev.
    static func version(_ given: String?, facts: SourceFacts, artifacts: [Artifact], outDir: String, reporter: any Reporter,
                        system: any HostSystem) throws -> String {
        if let given { return try checkedVersion(given) }
        if let tag = facts.tag { return plain(tag) }
        let stamped = artifacts.lazy.compactMap { a -> String? in
            guard let info = try? system.binaryImage(outDir + "/" + a.path).slices.first?.buildInfo else { return nil }
            let v = info.main?.version ?? ""
            return v.isEmpty || v == "(devel)" ? nil : v
        }.first
        let version = stamped.map(plain) ?? "0.0.0-dev"
        reporter.report(.notice("no --version and no tag at HEAD: releasing as \(version)", level: "warning"))
        return version
    }

    static func plain(_ v: String) -> String { v.hasPrefix("v") && v.dropFirst().first?.isNumber == true ? String(v.dropFirst()) : v }

    /// A version given with --version, without a leading v; a usage error when it cannot be part of a file name.
    static func checkedVersion(_ given: String) throws -> String {
        guard !given.isEmpty, given.allSatisfy({ $0.isLetter || $0.isNumber || "._+-".contains($0) }) else {
            throw UsageError("--version '\(given)': use letters, digits and . _ + - only (it becomes part of file names)")
        }
        return plain(given)
    }

    /// The module path's last element, without a /vN suffix: example.com/tool/v2 -> tool.
    static func projectName(module: String, fallback: String) -> String {
        var parts = module.split(separator: "/").map(String.init)
        if parts.count > 1, let last = parts.last, last.hasPrefix("v"), Int(last.dropFirst()) != nil { parts.removeLast() }
        return parts.last ?? (fallback as NSString).lastPathComponent
    }

    /// README*, LICENSE*, LICENCE*, COPYING* files at the top of the module, sorted.
    static func moduleDocuments(_ moduleRoot: String, system: any HostSystem) -> [String] {
        system.listDirectory(moduleRoot).filter { name in
            let upper = name.uppercased()
            guard ["README", "LICENSE", "LICENCE", "COPYING"].contains(where: { upper.hasPrefix($0) }) else { return false }
            return system.fileExists(moduleRoot + "/" + name) && !system.isDirectory(moduleRoot + "/" + name)
        }.sorted()
    }

    /// A release file's record: its size and SHA-256 read from disk.
    static func describe(_ outDir: String, _ name: String, kind: ReleaseFile.Kind, target: String?, binary: String?, format: String?,
                         covers: [String]?) throws -> ReleaseFile {
        let (size, digest) = try fileDigest(outDir + "/" + name)
        return ReleaseFile(path: name, kind: kind, target: target, binary: binary, size: size, sha256: digest, format: format, covers: covers)
    }
}

extension String {
    /// nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
