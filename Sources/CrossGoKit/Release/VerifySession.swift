// `crossgo verify DIR`: checks a release folder again, on any machine — every file against release.json and
// the checksums file, the signature (with the public key), each SBOM against its binary, each universal
// binary's slices against the thin artifacts, and the build's SHA256SUMS.
import Foundation
import GoBinary

public struct VerifyRequest: Sendable {
    /// The release folder (default dist).
    public var folder: String = "dist"
    /// A minisign public key: a .pub file, or the base64 key itself.
    public var publicKey: String?

    public init() {}
}

/// One thing verify looked at.
public struct VerifyCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, failed, skipped }
    /// "file", "checksums", "signature", "sbom", "universal", "sums".
    public var kind: String
    /// The file it is about, relative to the folder.
    public var subject: String
    public var status: Status
    public var detail: String
}

public struct VerifyOutcome: SessionOutcome {
    public var command: String { "verify" }
    public var folder: String
    public var checks: [VerifyCheck]

    public var exitStatus: ExitStatus { checks.contains { $0.status == .failed } ? .failed : .ok }

    public var counts: [(String, Int)] {
        [("ok", checks.filter { $0.status == .ok }.count), ("failed", checks.filter { $0.status == .failed }.count),
         ("skipped", checks.filter { $0.status == .skipped }.count)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var out = RenderedOutcome()
        // The signature kind of every artifact is news even when it matches the record: say it.
        for check in checks where check.status == .ok && check.kind == "signed" {
            out.results.append("signed \(check.subject): \(check.detail)")
        }
        for check in checks where check.status != .ok {
            let label = check.status == .failed ? painter.red("FAILED") : painter.yellow("skipped")
            out.results.append("\(label) \(check.kind) \(check.subject): \(check.detail)")
        }
        let failed = checks.filter { $0.status == .failed }.count
        out.messages.append("crossgo: \(relativePath(folder, to: base)): \(checks.filter { $0.status == .ok }.count) check(s) passed, \(failed) failed"
            + (checks.contains { $0.status == .skipped } ? ", \(checks.filter { $0.status == .skipped }.count) skipped" : ""))
        return out
    }
}

public struct VerifySession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) {
        self.context = context
    }

    public func run(_ request: VerifyRequest) async throws -> VerifyOutcome {
        let cwd = context.workingDirectory
        let system = context.system
        let folder = context.absolute(request.folder)
        guard system.fileExists(folder) else {
            throw UsageError("\(request.folder): no such folder (give the release's output folder, e.g. dist)")
        }
        guard system.isDirectory(folder) else {
            throw UsageError("\(request.folder): a file, not a folder (give the release's output folder, e.g. dist)")
        }
        let present = Self.files(in: folder, system: system)
        let looksLikeRelease = present.contains { $0 == ReleaseManifest.fileName || Self.isReleaseChecksums($0) || $0.hasSuffix(".minisig") }
        var releaseProblem: String?
        var release: ReleaseManifest?
        do { release = try ReleaseManifest.read(from: folder, system: system) } catch { releaseProblem = "\(error)" }
        let build = BuildManifest.read(from: folder, system: system)
        guard looksLikeRelease || build != nil else {
            throw UsageError("\(request.folder): neither \(ReleaseManifest.fileName) nor \(BuildManifest.fileName) is there: not a crossgo output folder")
        }
        let publicKey = try request.publicKey.map { try ReleaseParts.readPublicKey($0, workingDirectory: cwd, system: system) }
        var checks: [VerifyCheck] = []
        func add(_ kind: String, _ subject: String, _ status: VerifyCheck.Status, _ detail: String) {
            checks.append(VerifyCheck(kind: kind, subject: subject, status: status, detail: detail))
        }
        /// Files whose every byte a checksum or a good signature covers.
        var covered: Set<String> = []

        // The release's record: present, readable, complete, every target and stage passed.
        if let releaseProblem {
            add("release", ReleaseManifest.fileName, .failed, releaseProblem)
        } else if let release {
            if release.interrupted == true {
                add("release", ReleaseManifest.fileName, .failed, "the release was interrupted: it is incomplete and not sealed")
            }
            for failure in release.failed {
                add("release", "\(failure.binary) \(failure.target)", .failed,
                    "recorded as failed at the \(failure.stage) stage: \(failure.message.split(separator: "\n").first ?? "")")
            }
            for stage in release.stages where stage.status == .failed {
                add("release", "stage \(stage.name)", .failed, "recorded as failed: \(stage.detail)")
            }
            if release.interrupted != true {
                if let sums = release.checksums {
                    if !present.contains(sums) { add("checksums", sums, .failed, "named by \(ReleaseManifest.fileName) but missing") }
                } else {
                    add("checksums", ReleaseManifest.fileName, .failed, "names no checksums file covering it (made by an older crossgo, or altered)")
                }
            }
            if let signature = release.signature, !present.contains(signature.file) {
                add("signature", signature.file, .failed, "\(ReleaseManifest.fileName) says the release is signed (key \(signature.keyID)), but the signature is missing")
            }
        } else if looksLikeRelease {
            add("release", ReleaseManifest.fileName, .failed, "missing: the folder holds a release (checksums or signature) without its record")
        }

        // Each artifact's signature kind, read from the file again and compared with what the release recorded.
        for facts in release?.artifacts ?? [] where present.contains(facts.path) {
            let (status, detail) = Self.checkSignatureKind(folder, facts, system: system)
            add("signed", facts.path, status, detail)
        }

        // Every checksums file in the folder: each line right.
        for sums in present where Self.isChecksums(sums) {
            let text = system.readUTF8File(folder + "/" + sums) ?? ""
            var lines = 0
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].count == 64, parts[1].hasPrefix(" ") else {
                    add("checksums", sums, .failed, "line \(index + 1) is not '<sha256>  <file>'")
                    continue
                }
                lines += 1
                let name = String(parts[1].dropFirst())
                guard let digest = try? fileDigest(folder + "/" + name, system: system).1 else {
                    add("checksums", name, .failed, "listed in \(sums) but missing")
                    continue
                }
                if digest == parts[0] {
                    covered.insert(name)
                    add("checksums", name, .ok, "sha256 as \(sums) lists")
                } else {
                    add("checksums", name, .failed, "sha256 \(digest.prefix(12)) but \(sums) says \(parts[0].prefix(12))")
                }
            }
            if lines == 0 { add("checksums", sums, .failed, "lists no file") }
        }
        if let release, let sums = release.checksums, present.contains(sums), release.interrupted != true {
            let text = system.readUTF8File(folder + "/" + sums) ?? ""
            let listed = Set(text.split(separator: "\n").compactMap { line in line.split(separator: " ", maxSplits: 1).last.map { String($0.dropFirst()) } })
            for file in release.files.map(\.path) where !listed.contains(file) {
                add("checksums", file, .failed, "released but not in \(sums)")
            }
        }
        // The folder's other files, as release.json records them.
        for (name, digest) in (release?.records ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let actual = try? fileDigest(folder + "/" + name, system: system).1 else { add("record", name, .failed, "recorded in \(ReleaseManifest.fileName) but missing"); continue }
            if actual == digest {
                covered.insert(name)
                add("record", name, .ok, "sha256 as \(ReleaseManifest.fileName) records")
            } else {
                add("record", name, .failed, "sha256 \(actual.prefix(12)) but \(ReleaseManifest.fileName) records \(digest.prefix(12))")
            }
        }
        // What release.json says of each file.
        for file in release?.files ?? [] where file.kind != .checksums && file.kind != .signature {
            let (status, detail) = Self.matches(folder, file.path, size: file.size, sha256: file.sha256, system: system)
            add("file", file.path, status, detail)
        }
        // Every signature in the folder, with the public key; none is passed over.
        let signatures = present.filter { $0.hasSuffix(".minisig") }
        for signature in signatures {
            let signed = String(signature.dropLast(".minisig".count))
            guard present.contains(signed) else { add("signature", signature, .failed, "signs \(signed), which is missing"); continue }
            guard let publicKey else {
                add("signature", signature, .failed, "not checked: give --pub KEY (the release's public key) to check it")
                continue
            }
            do {
                try ReleaseParts.verifySignature(file: folder + "/" + signed, signature: folder + "/" + signature, publicKey: publicKey)
                covered.insert(signature)
                if Self.isChecksums(signed) || signed == ReleaseManifest.fileName { covered.insert(signed) }
                add("signature", signature, .ok, "good signature of \(signed) by key \(publicKey.keyIDHex)")
            } catch {
                add("signature", signature, .failed, "\(error)")
            }
        }
        if publicKey != nil, signatures.isEmpty {
            add("signature", request.folder, .failed, "--pub was given but nothing in the folder is signed")
        }
        if looksLikeRelease, signatures.isEmpty, publicKey == nil {
            add("signature", release?.checksums ?? request.folder, .skipped,
                "the release is not signed: the files agree with its checksums and \(ReleaseManifest.fileName), but nothing shows those two unchanged or who made them")
        }
        // The build's records: its artifacts as manifest.json lists them.
        if let build {
            for artifact in build.artifacts {
                let (status, detail) = Self.matches(folder, artifact.path, size: artifact.size, sha256: artifact.sha256, system: system)
                add("sums", artifact.path, status, detail)
            }
        }
        // Each SBOM against the binary it describes.
        for sbom in release?.files ?? [] where sbom.kind == .sbom {
            guard let artifact = sbom.covers?.first else { add("sbom", sbom.path, .failed, "release.json does not say which artifact it covers"); continue }
            do {
                let problems = try ReleaseParts.checkSBOM(folder + "/" + sbom.path, against: folder + "/" + artifact, system: system)
                add("sbom", sbom.path, problems.isEmpty ? .ok : .failed, problems.isEmpty ? "agrees with \(artifact)" : problems.joined(separator: "; "))
            } catch {
                add("sbom", sbom.path, .failed, "\(error)")
            }
        }
        // Universal binaries: slices readable, distinct, of one program, each the thin artifact byte for byte.
        for universal in release?.files ?? [] where universal.format == "mach-o-universal" {
            let (status, detail) = Self.checkUniversal(folder, universal, system: system)
            add("universal", universal.path, status, detail)
        }
        // Packages: the binary each installs is the released binary of its target, byte for byte.
        // and an .rpm's OpenPGP signature checks with the key the release includes (itself covered by the checksums).
        var rpmKey: (name: String, key: OpenPGP.PublicKey)?
        for keyFile in release?.files ?? [] where keyFile.kind == .key {
            let text = system.readUTF8File(folder + "/" + keyFile.path) ?? ""
            if let key = OpenPGP.PublicKey.read(text) {
                rpmKey = (keyFile.path, key)
                add("key", keyFile.path, .ok, "OpenPGP Ed25519 key \(key.keyIDHex) (fingerprint \(key.fingerprint.map { String(format: "%02X", $0) }.joined()))")
            } else {
                add("key", keyFile.path, .failed, "not an armored OpenPGP Ed25519 public key")
            }
        }
        for package in release?.files ?? [] where package.kind == .package {
            let (status, detail) = Self.checkPackage(folder, package, rpmKey: rpmKey, system: system)
            add("package", package.path, status, detail)
        }
        // Manifests: every URL names a released archive, and every hash is that archive's SHA-256 in the checksums file.
        for manifest in release?.files ?? [] where manifest.kind == .manifest {
            let (status, detail) = Self.checkManifest(folder, manifest, checksums: release?.checksums, system: system)
            add("manifest", manifest.path, status, detail)
        }
        // The OCI image layout: every blob's digest its name, the index and manifests release.json records, each layer's program the artifact.
        if let image = release?.image {
            for (status, subject, detail) in Self.checkImage(folder, image, system: system) { add("image", subject, status, detail) }
        }
        // Provenance: the envelope's signature checks with the release's key, and every subject is a file of the
        // folder with that digest; every file release.json lists (but the provenance itself) is a subject.
        if let release, let provenance = release.provenance {
            let (status, detail) = Self.checkProvenance(folder, provenance, release: release, publicKey: publicKey, system: system)
            add("provenance", provenance, status, detail)
        }
        // Nothing in the folder escapes the checks: every file is covered by a checksum or a good signature, or is
        // one of the records checked above.
        let alreadyFailed = Set(checks.filter { $0.status == .failed }.map(\.subject))
        for file in present where !covered.contains(file) && !alreadyFailed.contains(file) {
            // The roots: an unsigned release's checksums file and release.json (the skipped signature line says so), and a build's records.
            if file == release?.checksums || file == ReleaseManifest.fileName, release?.signature == nil, signatures.isEmpty { continue }
            if file == BuildManifest.sumsName, release == nil, releaseProblem == nil, !looksLikeRelease { continue }
            if file == BuildManifest.fileName || file == ".gitignore", build != nil, release == nil, releaseProblem == nil, !looksLikeRelease { continue }
            if file.hasSuffix(".minisig") { continue }  // reported above
            add("coverage", file, .failed, "covered by no checksum file: not part of the release (or added after it)")
        }
        return VerifyOutcome(folder: folder, checks: checks)
    }

    /// A checksums file crossgo reads: the build's SHA256SUMS or a release's `<project>_<version>_checksums.txt`.
    static func isChecksums(_ name: String) -> Bool { name == BuildManifest.sumsName || isReleaseChecksums(name) }

    static func isReleaseChecksums(_ name: String) -> Bool { !name.contains("/") && name.hasSuffix("_checksums.txt") }

    /// Every file under `folder` (symbolic links included, not followed into folders), relative to it, sorted.
    static func files(in folder: String, system: any HostSystem) -> [String] {
        system.filesUnder(folder)
    }

    static func matches(_ folder: String, _ path: String, size: Int, sha256: String, system: any HostSystem) -> (VerifyCheck.Status, String) {
        guard let (actualSize, digest) = try? fileDigest(folder + "/" + path, system: system) else { return (.failed, "missing") }
        if digest == sha256 { return (.ok, "sha256 as recorded") }
        return (.failed, "sha256 \(digest.prefix(12)) (\(actualSize) bytes) but recorded \(sha256.prefix(12)) (\(size) bytes)")
    }

    /// A .deb or .rpm: readable, and the program it installs in /usr/bin equal to the artifact it covers.
    static func checkPackage(_ folder: String, _ file: ReleaseFile, rpmKey: (name: String, key: OpenPGP.PublicKey)?, system: any HostSystem) -> (VerifyCheck.Status, String) {
        guard let artifact = file.covers?.first, let binary = file.binary, let format = file.format else {
            return (.failed, "\(ReleaseManifest.fileName) does not say which artifact it packages")
        }
        guard let data = system.readData(folder + "/" + file.path) else { return (.failed, "missing") }
        let files: [String: Data]
        do { files = try PackageReader.files(of: data, format: format) } catch { return (.failed, "not readable as a .\(format): \(error)") }
        guard let installed = files["/usr/bin/" + binary] else { return (.failed, "installs no /usr/bin/\(binary)") }
        guard let released = system.readData(folder + "/" + artifact) else { return (.failed, "\(artifact) (what it packages) is missing") }
        guard installed == released else { return (.failed, "its /usr/bin/\(binary) differs from \(artifact)") }
        var detail = "/usr/bin/\(binary) equals \(artifact) byte for byte"
        if format == "rpm" {
            detail += "; header SHA-256 and payload digest agree"
            let signature = try? PackageReader.rpmHeaderSignature(data)
            switch (signature?.signature, rpmKey) {
            case (nil, nil): break
            case (nil, let key?): return (.failed, "carries no OpenPGP signature, but the release has \(key.name) to check one with")
            case (_?, nil): return (.failed, "carries an OpenPGP signature, but the release includes no key to check it with: not checked")
            case (let packet?, let key?):
                do { try key.key.verify(signature: packet, of: Array(signature?.header ?? Data())) } catch {
                    return (.failed, "its OpenPGP signature does not check with \(key.name): \(error)")
                }
                detail += "; its header's OpenPGP signature checks with \(key.name) (key \(key.key.keyIDHex))"
            }
        }
        return (.ok, detail)
    }

    static func checkProvenance(_ folder: String, _ path: String, release: ReleaseManifest, publicKey: MinisignPublicKey?, system: any HostSystem) -> (VerifyCheck.Status, String) {
        guard let data = system.readData(folder + "/" + path) else { return (.failed, "named by \(ReleaseManifest.fileName) but missing") }
        let statements: [ProvenanceStatement]
        do { statements = try Provenance.read(data, publicKey: publicKey) } catch { return (.failed, "\(error)") }
        var problems: [String] = []
        var named: Set<String> = []
        for statement in statements {
            for subject in statement.subject {
                guard let name = subject.name, let digest = subject.digest?["sha256"] else { problems.append("a subject without a name and sha256"); continue }
                // The image, by its index digest: the one release.json records.
                if let image = release.image, name == image.repository {
                    if "sha256:" + digest != image.index { problems.append("subject \(name): index sha256:\(digest.prefix(12)), \(ReleaseManifest.fileName) records \(image.index.prefix(19))") }
                    continue
                }
                named.insert(name)
                guard !name.hasPrefix("/"), !name.split(separator: "/").contains(".."), let actual = try? fileDigest(folder + "/" + name, system: system).1 else {
                    problems.append("subject \(name) is not a file of the folder"); continue
                }
                if actual != digest { problems.append("subject \(name): sha256 \(actual.prefix(12)), the provenance says \(digest.prefix(12))") }
            }
        }
        for released in release.files.map(\.path) + [release.checksums].compactMap({ $0 }) where !named.contains(released) {
            problems.append("\(released) is released but not a subject")
        }
        if !problems.isEmpty { return (.failed, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")) }
        let dependencies = statements.first?.predicate.buildDefinition.resolvedDependencies.count ?? 0
        return (.ok, "SLSA provenance v1 of \(named.count) file(s), each digest right, \(dependencies) resolved dependencies; "
            + "DSSE signature by key \(publicKey?.keyIDHex ?? "?") checks")
    }

    /// The image layout of a release: every blob under blobs/sha256 has the SHA-256 its name says; index.json names the
    /// index release.json records (once per tag); the index lists exactly the recorded manifests with their platforms; each
    /// manifest names the recorded config and layer; and each layer holds its artifact, byte for byte, at the recorded path.
    static func checkImage(_ folder: String, _ image: ReleaseImage, system: any HostSystem) -> [(VerifyCheck.Status, String, String)] {
        let root = folder + "/" + image.layout
        var out: [(VerifyCheck.Status, String, String)] = []
        let blobs = system.listDirectory(root + "/blobs/sha256")
        guard !blobs.isEmpty else { return [(.failed, image.layout, "no blobs under blobs/sha256 (the layout is missing)")] }
        var contents: [String: Data] = [:]
        var bad: [String] = []
        for name in blobs.sorted() {
            guard let data = system.readData(root + "/blobs/sha256/" + name) else { bad.append(name); continue }
            if sha256Hex(data) == name { contents["sha256:" + name] = data } else { bad.append(name) }
        }
        if !bad.isEmpty {
            out.append((.failed, image.layout, "blob(s) whose SHA-256 is not their name: \(bad.map { String($0.prefix(12)) }.joined(separator: ", "))"))
        } else {
            out.append((.ok, image.layout, "\(blobs.count) blob(s), each's SHA-256 its name"))
        }
        guard let top = system.readData(root + "/index.json"),
              let layout = try? JSONDecoder().decode(OCIManifest.self, from: top) else {
            out.append((.failed, image.layout + "/index.json", "missing or not an image index"))
            return out
        }
        let named = Set((layout.manifests ?? []).map(\.digest))
        let refs = Set((layout.manifests ?? []).compactMap { $0.annotations?["org.opencontainers.image.ref.name"] })
        guard named == [image.index], refs == Set(image.tags) else {
            out.append((.failed, image.layout + "/index.json", "names \(named.sorted().joined(separator: ", ")) as \(refs.sorted().joined(separator: ", ")), "
                + "but release.json records \(image.index) as \(image.tags.joined(separator: ", "))"))
            return out
        }
        guard let indexData = contents[image.index], let index = try? JSONDecoder().decode(OCIManifest.self, from: indexData) else {
            out.append((.failed, image.index, "the index blob is missing or unreadable"))
            return out
        }
        let listed = (index.manifests ?? []).map { "\($0.platform?.name ?? "?") \($0.digest)" }.sorted()
        let recorded = image.platforms.map { "\($0.platform) \($0.manifest)" }.sorted()
        if listed != recorded {
            out.append((.failed, image.index, "lists \(listed.joined(separator: ", ")) but release.json records \(recorded.joined(separator: ", "))"))
            return out
        }
        out.append((.ok, image.index, "index as release.json records: \(image.platforms.map(\.platform).joined(separator: ", "))"))
        for platform in image.platforms {
            guard let data = contents[platform.manifest], let manifest = try? JSONDecoder().decode(OCIManifest.self, from: data) else {
                out.append((.failed, platform.manifest, "\(platform.platform): the manifest blob is missing or unreadable"))
                continue
            }
            guard manifest.config?.digest == platform.config, manifest.layers?.last?.digest == platform.layer else {
                out.append((.failed, platform.manifest, "\(platform.platform): names another config or layer than release.json records"))
                continue
            }
            guard let layer = contents[platform.layer], let tar = try? PackageReader.gunzip(layer), sha256Hex(tar) == String(platform.diffID.dropFirst(7)),
                  let files = try? PackageReader.tarFiles(tar) else {
                out.append((.failed, platform.layer, "\(platform.platform): the layer is missing, unreadable, or not its diff_id uncompressed"))
                continue
            }
            guard let program = files[platform.path], program == system.readData(folder + "/" + platform.artifact) else {
                out.append((.failed, platform.layer, "\(platform.platform): its \(platform.path) is not \(platform.artifact)"))
                continue
            }
            out.append((.ok, platform.manifest, "\(platform.platform): \(platform.path) equals \(platform.artifact) byte for byte"))
        }
        return out
    }

    /// A Homebrew formula or Scoop manifest: every (url, hash) names an archive of the release, with its SHA-256 as
    /// the checksums file lists it.
    static func checkManifest(_ folder: String, _ file: ReleaseFile, checksums: String?, system: any HostSystem) -> (VerifyCheck.Status, String) {
        guard let data = system.readData(folder + "/" + file.path) else { return (.failed, "missing") }
        guard let checksums, let text = system.readUTF8File(folder + "/" + checksums) else {
            return (.failed, "no checksums file to compare its hashes with")
        }
        var listed: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { listed[String(parts[1].dropFirst())] = String(parts[0]) }
        }
        let pairs: [(url: String, sha256: String)]
        switch file.format {
        case "homebrew": pairs = HomebrewFormula.pairs(String(decoding: data, as: UTF8.self))
        case "scoop":
            guard let read = ScoopManifest.pairs(data) else { return (.failed, "not a Scoop manifest with an architecture table") }
            pairs = read
        default: return (.failed, "unknown manifest format \(file.format ?? "none")")
        }
        guard !pairs.isEmpty else { return (.failed, "names no archive") }
        for pair in pairs {
            let name = String(pair.url.split(separator: "/").last ?? "")
            guard let digest = listed[name] else { return (.failed, "\(pair.url) names \(name), which \(checksums) does not list") }
            guard digest == pair.sha256 else { return (.failed, "\(name): hash \(pair.sha256.prefix(12)) but \(checksums) says \(digest.prefix(12))") }
        }
        return (.ok, "\(pairs.count) archive hash(es) as \(checksums) lists them")
    }

    /// The kind of signature the file carries (each slice of a universal file) against release.json's record.
    static func checkSignatureKind(_ folder: String, _ facts: ReleaseArtifactFacts, system: any HostSystem) -> (VerifyCheck.Status, String) {
        guard let image = try? system.binaryImage(folder + "/" + facts.path), let slice = image.slices.first else {
            return (.failed, "not readable as a binary")
        }
        let kind = SignatureKind.of(slice)
        if let recorded = facts.signature, recorded.kind != kind.kind {
            return (.failed, "\(ReleaseManifest.fileName) records \(recorded.kind), the file is \(kind.kind)")
        }
        return (.ok, kind.line + (facts.signature == nil ? " (not recorded by the release)" : ""))
    }

    static func checkUniversal(_ folder: String, _ file: ReleaseFile, system: any HostSystem) -> (VerifyCheck.Status, String) {
        let path = folder + "/" + file.path
        guard let image = try? system.binaryImage(path) else { return (.failed, "not readable as a Mach-O file") }
        guard image.format == .universal else { return (.failed, "not a universal binary") }
        let arches = image.slices.map { $0.goarch ?? "?" }
        if Set(arches).count != arches.count { return (.failed, "two slices of one architecture: \(arches.joined(separator: ", "))") }
        let paths = Set(image.slices.map { $0.buildInfo?.path ?? "" })
        if paths.count != 1 || paths.first == "" { return (.failed, "slices of different programs (or without build info): \(paths.sorted().joined(separator: ", "))") }
        // Apple Silicon runs only signed code, so Go's linker signs darwin/arm64 (ad hoc); amd64 needs none.
        if let unsigned = image.slices.first(where: { $0.goarch == "arm64" && $0.macho?.hasCodeSignature != true }) {
            return (.failed, "the \(unsigned.goarch ?? "?") slice has no code signature (Apple Silicon will not run it)")
        }
        guard let whole = system.readData(path) else { return (.failed, "unreadable") }
        for thin in file.covers ?? [] {
            guard let thinData = system.readData(folder + "/" + thin) else { return (.failed, "\(thin) (a slice's source) is missing") }
            let found = image.slices.contains { slice in
                slice.size == thinData.count && whole.subdata(in: slice.offset..<(slice.offset + slice.size)) == thinData
            }
            if !found { return (.failed, "no slice equals \(thin) byte for byte") }
        }
        return (.ok, "slices \(arches.joined(separator: ", ")) of \(paths.first ?? ""), arm64 signed, each equal to its thin artifact")
    }
}
