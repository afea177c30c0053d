// The release session: the build session, then stages on the matrix runner — a universal macOS binary,
// reproducible archives, SBOMs per artifact, a checksums file, its minisign signature, an optional
// rebuild-and-compare proof — and dist/release.json, written last.
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

    public init() {}
}

/// What a release did.
public struct ReleaseOutcome: SessionOutcome {
    public var command: String { "release" }
    public var build: BuildOutcome
    /// nil when the build was interrupted.
    public var release: ReleaseManifest?
    public var outDir: String
    public var interrupted: Bool

    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        guard let release else { return build.exitStatus }
        if !release.failed.isEmpty || release.stages.contains(where: { $0.status == .failed }) { return .failed }
        if release.reproducibility?.contains(where: { $0.status != .reproducible }) == true { return .failed }
        return .ok
    }

    public var counts: [(String, Int)] {
        let files = release?.files ?? []
        return [("built", build.artifacts.count), ("failed", release?.failed.count ?? build.failures.count),
                ("archives", files.filter { $0.kind == .archive }.count), ("sboms", files.filter { $0.kind == .sbom }.count),
                ("signed", release?.signature == nil ? 0 : 1),
                ("reproducible", release?.reproducibility?.filter { $0.status == .reproducible }.count ?? 0),
                ("notReproducible", release?.reproducibility?.filter { $0.status != .reproducible }.count ?? 0)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        guard let release else { return build.render(painter, relativeTo: base) }
        var out = RenderedOutcome()
        let dist = relativePath(outDir, to: base)
        out.results.append(renderTable(["FILE", "KIND", "TARGET", "SIZE", "SHA256"], release.files.map { f in
            [dist + "/" + f.path, f.kind.rawValue + (f.format.map { " (\($0))" } ?? ""), f.target ?? "-", formatSize(f.size), String(f.sha256.prefix(12))]
        }))
        for failure in release.failed {
            out.results.append(painter.red("FAILED") + " \(failure.binary) \(failure.target) (\(failure.stage)):")
            for line in failure.message.split(separator: "\n").prefix(20) { out.results.append("    \(line)") }
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
        let signed = release.signature.map { ", signed (key \($0.keyID))" } ?? ", not signed"
        out.messages.append("crossgo: released \(release.project) \(release.version): \(release.files.count) files, "
            + "\(release.failed.count) failed\(signed); \(dist)/\(ReleaseManifest.fileName)")
        return out
    }
}

/// Runs `crossgo release`.
public struct ReleaseSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: ReleaseRequest) async throws -> ReleaseOutcome {
        let reporter = context.reporter
        // Things a user can get wrong are checked before anything is built.
        let sourceDateSetting = try Self.sourceDateEpoch(context.system.environment)
        let signer = try request.signKey.map { try ReleaseSigner(keyPath: context.absolute($0)) }
        if let given = request.version { _ = try Self.checkedVersion(given) }

        var buildRequest = request.build
        buildRequest.run = false
        buildRequest.version = request.version
        let built = try await BuildSession(context: context).run(buildRequest)
        let outDir = built.outDir
        if built.interrupted || Task.isCancelled {
            return ReleaseOutcome(build: built, release: nil, outDir: outDir, interrupted: true)
        }
        let moduleRoot = built.moduleRoot
        let config = try BuildConfig.load(path: moduleRoot + "/" + BuildConfig.fileName)
        let facts = await SourceFacts.read(moduleRoot, system: context.system)
        let artifacts = built.artifacts.sorted { $0.path < $1.path }

        let version = try Self.version(request.version, facts: facts, artifacts: artifacts, outDir: outDir, reporter: reporter)
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

        var failed = built.failures.map { ReleaseFailure(binary: $0.binary, target: $0.target, stage: $0.stage.rawValue, message: $0.message) }
        var stages = [ReleaseStage(name: "build", status: built.failures.isEmpty ? .done : .failed,
                                   detail: "\(artifacts.count) artifact(s) built and verified, \(built.failures.count) failed")]
        var files: [ReleaseFile] = []
        func stage(_ name: String, _ status: ReleaseStage.Status, _ detail: String) {
            stages.append(ReleaseStage(name: name, status: status, detail: detail))
            reporter.report(.notice("stage \(name): \(status.rawValue): \(detail)", level: status == .failed ? "warning" : "info"))
        }

        // Universal macOS binaries.
        var universals: [(binary: String, path: String, covers: [String])] = []
        let wantUniversal = request.universal ?? config?.universal ?? false
        if !wantUniversal {
            stage("universal", .skipped, "not asked for (--universal, or universal: true in crossgo.yaml)")
        } else {
            let pairs = Dictionary(grouping: artifacts.filter { $0.goos == "darwin" && $0.variant == nil }, by: \.binary)
                .compactMap { binary, list -> (String, Artifact, Artifact)? in
                    guard let arm = list.first(where: { $0.goarch == "arm64" }), let amd = list.first(where: { $0.goarch == "amd64" }) else { return nil }
                    return (binary, arm, amd)
                }.sorted { $0.0 < $1.0 }
            if pairs.isEmpty {
                stage("universal", .skipped, "needs darwin/arm64 and darwin/amd64 of one program, built: "
                    + (artifacts.filter { $0.goos == "darwin" }.map(\.target).joined(separator: ", ").nonEmpty ?? "no darwin target"))
            } else {
                var made = 0
                for (binary, arm, amd) in pairs {
                    let name = "\(binary)_darwin_universal"
                    do {
                        try ReleaseParts.writeUniversal(slices: [outDir + "/" + arm.path, outDir + "/" + amd.path], to: outDir + "/" + name)
                        let file = try Self.describe(outDir, name, kind: .binary, target: "darwin/universal", binary: binary,
                                                     format: "mach-o-universal", covers: [arm.path, amd.path])
                        files.append(file)
                        universals.append((binary, name, [arm.path, amd.path]))
                        made += 1
                    } catch {
                        failed.append(ReleaseFailure(binary: binary, target: "darwin/universal", stage: "universal", message: "\(error)"))
                    }
                }
                stage("universal", made == pairs.count ? .done : .failed, "\(made) universal binary(ies) of \(pairs.count)")
            }
        }

        // Archives and SBOMs, one job per artifact on the matrix runner.
        let extras = Self.moduleDocuments(moduleRoot)
        struct Unit: Sendable { var binary: String; var target: String; var goos: String; var goarch: String; var variant: String?
                                var path: String; var covers: [String]; var sbom: Artifact? }
        var units = artifacts.map { Unit(binary: $0.binary, target: $0.target, goos: $0.goos, goarch: $0.goarch, variant: $0.variant,
                                         path: $0.path, covers: [$0.path], sbom: $0) }
        units += universals.map { Unit(binary: $0.binary, target: "darwin/universal", goos: "darwin", goarch: "universal", variant: nil,
                                       path: $0.path, covers: $0.covers, sbom: nil) }
        reporter.report(.planned(command: "release", jobs: units.map { JobID(item: $0.binary, target: $0.target) },
                                 message: "archiving \(units.count) binary(ies) and writing \(artifacts.count * 2) SBOM(s) for \(project) \(version)"))
        let runner = MatrixRunner(concurrency: max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)), reporter: reporter)
        let goVersion = built.go
        let packed = await runner.run(units, id: { JobID(item: $0.binary, target: $0.target) }, firstPhase: "archive",
                                      work: { (unit: Unit, handle: JobHandle) -> (files: [ReleaseFile], failures: [ReleaseFailure]) in
            var made: [ReleaseFile] = []
            var problems: [ReleaseFailure] = []
            let ext = unit.path.hasSuffix(".exe") ? ".exe" : unit.path.hasSuffix(".wasm") ? ".wasm" : ""
            let zip = unit.goos == "windows"
            let archive = "\(unit.binary)_\(version)_\(unit.goos)_\(unit.goarch)\(unit.variant.map { "_\($0)" } ?? "")\(zip ? ".zip" : ".tar.gz")"
            do {
                let entries = [ReleaseArchiveEntry(name: unit.binary + ext, path: outDir + "/" + unit.path, executable: true)]
                    + extras.map { ReleaseArchiveEntry(name: $0, path: moduleRoot + "/" + $0, executable: false) }
                try ReleaseParts.writeArchive(zip: zip, entries: entries, to: outDir + "/" + archive, modificationTime: epoch)
                made.append(try Self.describe(outDir, archive, kind: .archive, target: unit.target, binary: unit.binary,
                                              format: zip ? "zip" : "tar.gz", covers: [unit.path]))
            } catch {
                problems.append(ReleaseFailure(binary: unit.binary, target: unit.target, stage: "archive", message: "\(error)"))
            }
            if let artifact = unit.sbom {
                handle.phase("sbom")
                do {
                    let written = try ReleaseParts.writeSBOMs(artifactPath: outDir + "/" + artifact.path, artifact: artifact, go: goVersion,
                                                              time: epoch)
                    for (path, format) in written {
                        let name = String(path.dropFirst(outDir.count + 1))
                        made.append(try Self.describe(outDir, name, kind: .sbom, target: unit.target, binary: unit.binary, format: format,
                                                      covers: [artifact.path]))
                    }
                } catch {
                    problems.append(ReleaseFailure(binary: unit.binary, target: unit.target, stage: "sbom", message: "\(error)"))
                }
            }
            return (made, problems)
        }, end: { result in
            JobEnd(status: result.failures.isEmpty ? .passed : .failed, summary: result.failures.first?.message ?? "\(result.files.count) file(s)",
                   record: result.files)
        })
        for result in packed.completed {
            files += result.files
            failed += result.failures
        }
        if packed.interrupted || Task.isCancelled {
            return ReleaseOutcome(build: built, release: nil, outDir: outDir, interrupted: true)
        }
        let archiveFailures = failed.filter { $0.stage == "archive" }.count
        stage("archives", archiveFailures == 0 ? .done : .failed,
              "\(files.filter { $0.kind == .archive }.count) archive(s), entries dated \(SourceFacts.rfc3339(epoch)) (\(epochFrom))")
        let sbomFailures = failed.filter { $0.stage == "sbom" }.count
        stage("sboms", sbomFailures == 0 ? .done : .failed, "\(files.filter { $0.kind == .sbom }.count) SBOM(s): CycloneDX 1.6 and SPDX 2.3 per artifact")

        // Checksums over every released file, then the signature.
        files.sort { $0.path < $1.path }
        let checksumsName = "\(project)_\(version)_checksums.txt"
        let sums = files.map { "\($0.sha256)  \($0.path)\n" }.joined()
        do {
            try atomicWrite(Data(sums.utf8), to: outDir + "/" + checksumsName)
            files.append(try Self.describe(outDir, checksumsName, kind: .checksums, target: nil, binary: nil, format: "sha256sum",
                                           covers: files.map(\.path)))
            stage("checksums", .done, "\(files.count - 1) file(s) in \(checksumsName)")
        } catch {
            stage("checksums", .failed, "cannot write \(checksumsName): \(error)")
        }
        var signature: ReleaseSignature?
        if let signer {
            if failed.isEmpty, stages.allSatisfy({ $0.status != .failed }) {
                do {
                    let signed = try signer.sign(outDir + "/" + checksumsName,
                                                 trustedComment: "timestamp:\(epoch)\tfile:\(checksumsName)\thashed")
                    let sigName = checksumsName + ".minisig"
                    files.append(try Self.describe(outDir, sigName, kind: .signature, target: nil, binary: nil, format: "minisign",
                                                   covers: [checksumsName]))
                    signature = ReleaseSignature(file: sigName, signs: checksumsName, keyID: signed.keyID, publicKey: signed.publicKey)
                    stage("sign", .done, "\(sigName) (minisign, key \(signed.keyID))")
                } catch {
                    stage("sign", .failed, "\(error)")
                }
            } else {
                stage("sign", .skipped, "not signed: a target or stage failed, and nothing unverified is signed")
            }
        } else {
            stage("sign", .skipped, "no --sign-key (make a key with: crossgo release keygen NAME)")
        }

        var reproducibility: [ReproducibilityRecord]?
        if request.checkReproducible {
            let check = ReproducibilityCheck(context: context)
            let records = try await check.run(buildRequest, original: built, moduleRoot: moduleRoot, facts: facts)
            if Task.isCancelled { return ReleaseOutcome(build: built, release: nil, outDir: outDir, interrupted: true) }
            reproducibility = records
            let same = records.filter { $0.status == .reproducible }.count
            stage("reproducible", same == records.count ? .done : .failed, "\(same) of \(records.count) artifact(s) rebuilt byte for byte")
        } else {
            stage("reproducible", .skipped, "not asked for (--check-reproducible)")
        }

        var audit: ReleaseAudit?
        if request.audit {
            var quiet = context
            quiet.reporter = CapturingReporter()
            let audited = try await AuditSession(context: quiet).run(AuditRequest(paths: artifacts.map { outDir + "/" + $0.path },
                                                                                  database: request.auditDatabase))
            audit = ReleaseAudit(database: audited.database, databaseModified: audited.databaseModified, level: audited.level,
                                 findings: audited.findings, artifacts: audited.artifacts)
            let clean = audited.vulnerable == 0 && audited.notAudited == 0
            stage("audit", clean ? .done : .failed, clean
                  ? "\(audited.artifacts.count) artifact(s) audited against \(audited.database): no known vulnerabilities (module level)"
                  : "\(audited.findings.count) known vulnerability(ies) in \(audited.vulnerable) artifact(s), \(audited.notAudited) not audited: "
                    + audited.findings.map(\.id).joined(separator: ", "))
        } else {
            stage("audit", .skipped, "not asked for (--audit)")
        }

        var manifest = ReleaseManifest(crossgo: CrossGoVersion.current, project: project, version: version, go: built.go, module: built.module,
                                       sourceDateEpoch: epoch, sourceDateFrom: epochFrom, files: files, failed: failed, stages: stages,
                                       signature: signature, reproducibility: reproducibility)
        manifest.audit = audit
        // The previous release's files that this one did not make go, as the build's do.
        if let previous = try? ReleaseManifest.read(from: outDir) {
            let kept = Set(files.map(\.path)).union(built.artifacts.map(\.path))
            for old in previous.files where !kept.contains(old.path) {
                let full = URL(fileURLWithPath: outDir + "/" + old.path).standardizedFileURL.path
                if full.hasPrefix(outDir + "/") { try? FileManager.default.removeItem(atPath: full) }
            }
        }
        do {
            try manifest.write(to: outDir)
        } catch {
            throw EnvironmentError("cannot write \(outDir)/\(ReleaseManifest.fileName): \(error.localizedDescription)")
        }
        return ReleaseOutcome(build: built, release: manifest, outDir: outDir, interrupted: false)
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
    static func version(_ given: String?, facts: SourceFacts, artifacts: [Artifact], outDir: String, reporter: any Reporter) throws -> String {
        if let given { return try checkedVersion(given) }
        if let tag = facts.tag { return plain(tag) }
        let stamped = artifacts.lazy.compactMap { a -> String? in
            guard let info = try? BinaryImage.read(path: outDir + "/" + a.path).slices.first?.buildInfo else { return nil }
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
    static func moduleDocuments(_ moduleRoot: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: moduleRoot)) ?? []
        return names.filter { name in
            let upper = name.uppercased()
            guard ["README", "LICENSE", "LICENCE", "COPYING"].contains(where: { upper.hasPrefix($0) }) else { return false }
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: moduleRoot + "/" + name, isDirectory: &isDir) && !isDir.boolValue
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
