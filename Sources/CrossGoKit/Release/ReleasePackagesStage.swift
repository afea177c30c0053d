// The release's packages and manifests stages: a .deb and an .rpm per linux artifact (`--package deb,rpm`), and a
// Homebrew formula and a Scoop manifest per program over its archives (`--package brew,scoop`). Both run before the
// checksums stage, so what they make is listed in release.json, in the checksums file and under its signature.
import Foundation

extension ReleaseSession {
    /// What one package job made, or why it could not.
    private enum Packed: Sendable {
        case made([ReleaseFile])
        case failure(ReleaseFailure)
    }

    private struct PackageJob: Sendable {
        var artifact: Artifact
        var name: String
        var arch: PackageArchitecture
    }

    func packages(_ work: ReleaseWork, formats: [PackageFormat], config: BuildConfig?) async -> ReleaseStep.Result {
        let linuxFormats = formats.filter(\.isLinuxPackage)
        guard !linuxFormats.isEmpty else { return .skipped("not asked for (--package deb,rpm, or packages.formats in crossgo.yaml)") }
        let settings = config?.packages ?? PackagesConfig()
        let linux = work.artifacts.filter { $0.goos == "linux" }
        guard !linux.isEmpty else { return .skipped("no linux artifact to package") }
        let programs = Set(linux.map(\.binary))
        if let name = settings.name, programs.count > 1 {
            return .failed("packages.name \(name) names one package, but \(programs.count) programs are released (\(programs.sorted().joined(separator: ", "))): "
                + "remove it, and each program's packages are named after it")
        }
        var jobs: [PackageJob] = []
        var skipped: [String] = []
        // One package per program and architecture name: a target without a level (linux/amd64) before its levels
        // (linux/amd64/v3), which would otherwise write a second file of the same name.
        let ordered = linux.sorted { a, b in
            if a.binary != b.binary { return a.binary < b.binary }
            if (a.variant == nil) != (b.variant == nil) { return a.variant == nil }
            return a.target < b.target
        }
        for artifact in ordered {
            switch PackageArchitecture.of(goarch: artifact.goarch, goarm: artifact.settings["GOARM"] ?? (artifact.goarch == "arm" ? artifact.variant : nil)) {
            case .success(let arch):
                let taken = jobs.first { job in job.artifact.binary == artifact.binary && (job.arch.deb == arch.deb || job.arch.rpm == arch.rpm) }
                if let first = taken {
                    skipped.append(artifact.target)
                    context.reporter.report(.notice("no package for \(artifact.binary) \(artifact.target): \(first.artifact.target) has the \(arch.deb) package", level: "info"))
                    continue
                }
                jobs.append(PackageJob(artifact: artifact, name: settings.name ?? artifact.binary, arch: arch))
            case .failure(let unsupported):
                skipped.append(artifact.target)
                context.reporter.report(.notice("no package for \(artifact.binary) \(artifact.target): \(unsupported.reason)", level: "info"))
            }
        }
        guard !jobs.isEmpty else { return .skipped("no linux target has a package architecture: \(skipped.joined(separator: ", "))") }
        for job in jobs where ReleasePackaging.unstripped(work.outDir + "/" + job.artifact.path, system: context.system) {
            context.reporter.report(.notice("\(job.artifact.path) keeps its symbol table: lintian and rpmlint report unstripped-binary-or-object "
                + "(crossgo packages the released binary as it is; build with --ldflags='-s -w' to strip it)", level: "warning"))
        }
        let (outDir, moduleRoot, version, epoch) = (work.outDir, work.moduleRoot, work.version, work.epoch)
        let system = context.system
        let documents = Self.moduleDocuments(moduleRoot, system: system)
        let runner = MatrixRunner(concurrency: Concurrency.releaseStages, reporter: context.reporter)
        let packed = await runner.run(jobs, id: { JobID(item: $0.artifact.binary, target: $0.artifact.target) }, firstPhase: "package",
                                      work: { (job: PackageJob, _: JobHandle) -> Packed in
            do {
                if let problem = LinuxPackage.nameProblem(job.name) { throw PackageError("\(problem); set packages.name in crossgo.yaml", status: .usage) }
                let package = try ReleasePackaging.package(for: job.artifact, name: job.name, version: version, config: settings, moduleRoot: moduleRoot,
                                                           outDir: outDir, documents: documents, epoch: epoch, system: system)
                var files: [ReleaseFile] = []
                for format in linuxFormats {
                    let (name, bytes) = format == .deb
                        ? (DebPackage.fileName(package, arch: job.arch.deb), try DebPackage.make(package, arch: job.arch.deb))
                        : (RPMPackage.fileName(package, arch: job.arch.rpm), try RPMPackage.make(package, arch: job.arch.rpm))
                    do { try system.writeData(bytes, to: outDir + "/" + name) } catch {
                        throw PackageError("\(outDir)/\(name): cannot write: \(error.localizedDescription)", status: .environment)
                    }
                    var file = try Self.describe(outDir, name, kind: .package, target: job.artifact.target, binary: job.artifact.binary,
                                                 format: format.rawValue, covers: [job.artifact.path])
                    file.entries = (format == .deb ? package.files + DebPackage.documentation(package) : package.files).map(\.path).sorted()
                    files.append(file)
                }
                return .made(files)
            } catch {
                return .failure(ReleaseFailure(binary: job.artifact.binary, target: job.artifact.target, stage: "package", message: "\(error)"))
            }
        }, end: { result in
            switch result {
            case .made(let files): JobEnd(status: .passed, summary: files.map(\.path).joined(separator: ", "), record: files)
            case .failure(let failure): JobEnd(status: .failed, summary: failure.message)
            }
        })
        var made = 0, failed = 0
        for result in packed.completed {
            switch result {
            case .made(let files): work.files += files; made += files.count
            case .failure(let failure): work.failed.append(failure); failed += 1
            }
        }
        if packed.interrupted { return .failed("interrupted") }
        let detail = "\(made) package(s) (\(linuxFormats.map(\.rawValue).joined(separator: ", "))) of \(jobs.count) linux artifact(s)"
            + (skipped.isEmpty ? "" : "; none for \(skipped.joined(separator: ", ")) (no package architecture of its own)")
        return failed == 0 ? .done(detail) : .failed(detail + ", \(failed) failed")
    }

    /// The purpose the .rpm signing key is derived for from the release's minisign key (changing it changes the key).
    static let rpmKeyPurpose = "crossgo rpm OpenPGP key v1"

    /// `RPM-GPG-KEY-<project>`, the name RPM distributions give a packager's public key.
    static func rpmKeyName(project: String) -> String { "RPM-GPG-KEY-" + project }

    /// The OpenPGP key an .rpm of this release is signed with: derived from the minisign key, created at 0 so that the
    /// same minisign key always gives the same fingerprint (users import it once).
    static func rpmSigningKey(_ signer: ReleaseSigner, project: String) -> OpenPGP.SigningKey {
        OpenPGP.SigningKey(key: signer.key.derivedSigningKey(purpose: rpmKeyPurpose), created: 0,
                           userID: "\(project) packages (crossgo, from minisign key \(signer.key.publicKey.keyIDHex))")
    }

    /// Signs every .rpm's header with an OpenPGP key derived from the release's minisign key (what `rpm -K` and rpmlint
    /// check once the key is imported with `rpmkeys --import`), and writes that public key as `RPM-GPG-KEY-<project>`.
    /// Gated like the minisign signature: it runs only when everything before it passed, and before the checksums, which
    /// cover the signed packages and the key.
    func signPackages(_ work: ReleaseWork, signer: ReleaseSigner?) throws -> ReleaseStep.Result {
        guard work.files.contains(where: Self.isRPM) else { return .skipped("no .rpm package to sign") }
        guard let signer else { return .skipped("no --sign-key: the .rpm packages carry no OpenPGP signature") }
        return try Self.signRPMs(&work.files, outDir: work.outDir, project: work.project, epoch: work.epoch, signer: signer, system: context.system)
    }

    static func isRPM(_ file: ReleaseFile) -> Bool { file.kind == .package && file.format == PackageFormat.rpm.rawValue }

    /// Signs the .rpm files among `files` (a signature already there is replaced), writes the key, and records both.
    static func signRPMs(_ files: inout [ReleaseFile], outDir: String, project: String, epoch: Int64, signer: ReleaseSigner,
                         system: any HostSystem) throws -> ReleaseStep.Result {
        let key = rpmSigningKey(signer, project: project)
        let keyName = rpmKeyName(project: project)
        do { try system.writeData(Data(key.armoredPublicKey.utf8), to: outDir + "/" + keyName) } catch {
            throw EnvironmentError("\(outDir)/\(keyName): cannot write: \(error.localizedDescription)")
        }
        files.removeAll { $0.path == keyName }
        let time = UInt32(clamping: epoch)
        var signed: [String] = []
        for index in files.indices where isRPM(files[index]) {
            let file = files[index]
            let path = outDir + "/" + file.path
            do {
                guard let unsigned = system.readData(path) else { throw EnvironmentError("\(path): cannot read the package to sign it") }
                try system.writeData(try RPMPackage.signed(unsigned, key: key, time: time), to: path)
                var described = try describe(outDir, file.path, kind: .package, target: file.target, binary: file.binary, format: file.format, covers: file.covers)
                described.entries = file.entries
                files[index] = described
                signed.append(file.path)
            } catch {
                throw EnvironmentError("\(path): cannot sign: \(error)")
            }
        }
        files.append(try describe(outDir, keyName, kind: .key, target: nil, binary: nil, format: "openpgp", covers: signed.sorted()))
        return .done("\(signed.count) .rpm signed with OpenPGP key \(key.publicKey.keyIDHex) (\(keyName): import it with rpmkeys --import)")
    }

    func manifests(_ work: ReleaseWork, formats: [PackageFormat], config: BuildConfig?, facts: SourceFacts) async -> ReleaseStep.Result {
        let wanted = formats.filter { !$0.isLinuxPackage }
        guard !wanted.isEmpty else { return .skipped("not asked for (--package brew,scoop, or packages.formats in crossgo.yaml)") }
        let repository = facts.remote.flatMap { ReleaseURL.gitHubRepository(remote: $0) }
        guard let template = config?.releaseURL ?? repository.map({ $0 + "/releases/download/{{.Tag}}/{{.ArtifactName}}" }) else {
            return .skipped("no release.url in crossgo.yaml and the git remote origin is not on GitHub: nothing says where the archives are downloaded from")
        }
        let settings = config?.packages ?? PackagesConfig()
        let source = ManifestSource(formats: wanted, template: template, templateFrom: config?.releaseURL != nil ? "release.url" : "the GitHub remote",
                                    tag: facts.tag ?? "v" + work.version, repository: repository, name: settings.name,
                                    description: settings.description, homepage: settings.homepage, license: settings.license)
        // Recorded, so that `crossgo merge` writes the same manifests over every shard's archives.
        work.manifestSource = source
        let written = Self.writeManifests(source, archives: work.files.filter { $0.kind == .archive }, taken: Set(work.files.map(\.path)),
                                          version: work.version, outDir: work.outDir, system: context.system)
        work.files += written.files
        work.failed += written.failures
        for note in written.notes { context.reporter.report(.notice(note, level: "info")) }
        return written.result
    }

    /// What writing the manifests made.
    struct WrittenManifests {
        var files: [ReleaseFile] = []
        var failures: [ReleaseFailure] = []
        var notes: [String] = []
        var templateFrom = ""

        var result: ReleaseStep.Result {
            if !failures.isEmpty { return .failed("\(files.count) manifest(s) written; see the failed ones") }
            if files.isEmpty { return .skipped(notes.joined(separator: "; ")) }
            return .done("\(files.map(\.path).joined(separator: ", ")) from the archives, URLs from \(templateFrom)"
                + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        }
    }

    /// A Homebrew formula and/or a Scoop manifest per program over `archives` (the release's, or a merge's of all shards),
    /// written into `outDir`; `taken` are the paths of the folder's other files, which no manifest may replace.
    static func writeManifests(_ source: ManifestSource, archives: [ReleaseFile], taken: Set<String>, version: String,
                               outDir: String, system: any HostSystem) -> WrittenManifests {
        var out = WrittenManifests(templateFrom: source.templateFrom)
        let binaries = Set(archives.compactMap(\.binary))
        for binary in binaries.sorted() {
            let own = archives.filter { $0.binary == binary }.compactMap { file -> ManifestArchive? in
                guard let target = file.target?.split(separator: "/"), target.count == 2 else { return nil }  // no variants, no universal
                return ManifestArchive(goos: String(target[0]), goarch: String(target[1]), name: file.path,
                                       url: ReleaseURL.expand(source.template, tag: source.tag, version: version, artifact: file.path), sha256: file.sha256)
            }
            let name = binaries.count > 1 ? binary : (source.name ?? binary)
            let summary = (source.description ?? "Command-line program \(name)").split(separator: "\n").first.map(String.init) ?? name
            let info = ManifestInfo(name: name, binary: binary, version: version, summary: summary,
                                    homepage: source.homepage ?? source.repository, license: source.license)
            for format in source.formats {
                let file = name + (format == .brew ? ".rb" : ".json")
                if [ReleaseManifest.fileName, BuildManifest.fileName].contains(file) || taken.contains(file) {
                    out.failures.append(ReleaseFailure(binary: binary, target: "-", stage: "manifest", message: "\(file) would overwrite another file of the release: set packages.name"))
                    continue
                }
                let data: Data?
                do {
                    data = format == .brew ? HomebrewFormula.text(info, archives: own).map { Data($0.utf8) } : try ScoopManifest.json(info, archives: own)
                } catch {
                    out.failures.append(ReleaseFailure(binary: binary, target: "-", stage: "manifest", message: "\(file): \(error)"))
                    continue
                }
                guard let data else {
                    out.notes.append("no \(format == .brew ? "Homebrew formula" : "Scoop manifest") for \(binary): "
                        + (format == .brew ? "no darwin or linux arm64/amd64 archive" : "no windows amd64/arm64/386 archive"))
                    continue
                }
                do {
                    try system.writeData(data, to: outDir + "/" + file)
                    out.files.append(try describe(outDir, file, kind: .manifest, target: nil, binary: binary,
                                                  format: format == .brew ? "homebrew" : "scoop", covers: own.map(\.name).sorted()))
                } catch {
                    out.failures.append(ReleaseFailure(binary: binary, target: "-", stage: "manifest", message: "\(file): cannot write: \(error.localizedDescription)"))
                }
            }
        }
        return out
    }
}

/// What the Homebrew formula and Scoop manifest are made from besides the archives. release.json records it, so that
/// `crossgo merge` writes the manifests of a sharded release over all its shards' archives, as one release would.
public struct ManifestSource: Sendable, Codable, Equatable {
    public var formats: [PackageFormat]
    /// The download URL with `{{.Tag}}`, `{{.Version}}`, `{{.ArtifactName}}`.
    public var template: String
    /// "release.url" or "the GitHub remote".
    public var templateFrom: String
    public var tag: String
    /// The GitHub repository's page, when the remote is on GitHub (the default homepage).
    public var repository: String?
    public var name: String?
    public var description: String?
    public var homepage: String?
    public var license: String?
}
