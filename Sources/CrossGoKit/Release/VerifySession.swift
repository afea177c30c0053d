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
        let folder = context.absolute(request.folder)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw UsageError("\(request.folder): no such folder (give the release's output folder, e.g. dist)")
        }
        let release = try ReleaseManifest.read(from: folder)
        let build = BuildManifest.read(from: folder)
        guard release != nil || build != nil else {
            throw UsageError("\(request.folder): neither \(ReleaseManifest.fileName) nor \(BuildManifest.fileName) is there: not a crossgo output folder")
        }
        let publicKey = try request.publicKey.map { try ReleaseParts.readPublicKey($0, workingDirectory: cwd) }
        var checks: [VerifyCheck] = []
        func add(_ kind: String, _ subject: String, _ status: VerifyCheck.Status, _ detail: String) {
            checks.append(VerifyCheck(kind: kind, subject: subject, status: status, detail: detail))
        }

        // The build's own records.
        if let build {
            for artifact in build.artifacts {
                let (status, detail) = Self.matches(folder, artifact.path, size: artifact.size, sha256: artifact.sha256)
                add("sums", artifact.path, status, detail)
            }
        }
        guard let release else { return VerifyOutcome(folder: folder, checks: checks) }

        for failure in release.failed {
            add("release", "\(failure.binary) \(failure.target)", .failed, "recorded as failed at the \(failure.stage) stage: \(failure.message.split(separator: "\n").first ?? "")")
        }
        // Every file the release lists: present, same size and digest.
        for file in release.files {
            let (status, detail) = Self.matches(folder, file.path, size: file.size, sha256: file.sha256)
            add("file", file.path, status, detail)
        }
        // The checksums file: every line right, and every released file in it.
        if let sums = release.files.first(where: { $0.kind == .checksums }) {
            let text = (try? String(contentsOfFile: folder + "/" + sums.path, encoding: .utf8)) ?? ""
            var listed: Set<String> = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].count == 64, parts[1].hasPrefix(" ") else {
                    add("checksums", sums.path, .failed, "line \(index + 1) is not '<sha256>  <file>'")
                    continue
                }
                let name = String(parts[1].dropFirst())
                listed.insert(name)
                guard let digest = try? fileDigest(folder + "/" + name).1 else {
                    add("checksums", name, .failed, "listed in \(sums.path) but missing")
                    continue
                }
                add("checksums", name, digest == parts[0] ? .ok : .failed,
                    digest == parts[0] ? "sha256 as listed" : "sha256 \(digest.prefix(12)) but \(sums.path) says \(parts[0].prefix(12))")
            }
            for file in release.files where ![.checksums, .signature].contains(file.kind) && !listed.contains(file.path) {
                add("checksums", file.path, .failed, "released but not in \(sums.path)")
            }
            // The signature.
            if let signature = release.signature {
                if let publicKey {
                    do {
                        try ReleaseParts.verifySignature(file: folder + "/" + sums.path, signature: folder + "/" + signature.file, publicKey: publicKey)
                        add("signature", signature.file, .ok, "good signature by key \(signature.keyID)")
                    } catch {
                        add("signature", signature.file, .failed, "\(error)")
                    }
                } else {
                    add("signature", signature.file, .skipped, "give --pub KEY to check it (key id \(signature.keyID))")
                }
            } else if publicKey != nil {
                add("signature", sums.path, .failed, "--pub was given but the release is not signed")
            }
        } else {
            add("checksums", ReleaseManifest.fileName, .failed, "the release lists no checksums file")
        }
        // Each SBOM against the binary it describes.
        for sbom in release.files where sbom.kind == .sbom {
            guard let artifact = sbom.covers?.first else { add("sbom", sbom.path, .failed, "release.json does not say which artifact it covers"); continue }
            do {
                let problems = try ReleaseParts.checkSBOM(folder + "/" + sbom.path, against: folder + "/" + artifact)
                add("sbom", sbom.path, problems.isEmpty ? .ok : .failed, problems.isEmpty ? "agrees with \(artifact)" : problems.joined(separator: "; "))
            } catch {
                add("sbom", sbom.path, .failed, "\(error)")
            }
        }
        // Universal binaries: slices readable, distinct, of one program, each the thin artifact byte for byte.
        for universal in release.files where universal.format == "mach-o-universal" {
            let (status, detail) = Self.checkUniversal(folder, universal)
            add("universal", universal.path, status, detail)
        }
        return VerifyOutcome(folder: folder, checks: checks)
    }

    static func matches(_ folder: String, _ path: String, size: Int, sha256: String) -> (VerifyCheck.Status, String) {
        guard let (actualSize, digest) = try? fileDigest(folder + "/" + path) else { return (.failed, "missing") }
        if digest == sha256 { return (.ok, "sha256 as recorded") }
        return (.failed, "sha256 \(digest.prefix(12)) (\(actualSize) bytes) but recorded \(sha256.prefix(12)) (\(size) bytes)")
    }

    static func checkUniversal(_ folder: String, _ file: ReleaseFile) -> (VerifyCheck.Status, String) {
        let path = folder + "/" + file.path
        guard let image = try? BinaryImage.read(path: path) else { return (.failed, "not readable as a Mach-O file") }
        guard image.format == .universal else { return (.failed, "not a universal binary") }
        let arches = image.slices.map { $0.goarch ?? "?" }
        if Set(arches).count != arches.count { return (.failed, "two slices of one architecture: \(arches.joined(separator: ", "))") }
        let paths = Set(image.slices.map { $0.buildInfo?.path ?? "" })
        if paths.count != 1 || paths.first == "" { return (.failed, "slices of different programs (or without build info): \(paths.sorted().joined(separator: ", "))") }
        // Apple Silicon runs only signed code, so Go's linker signs darwin/arm64 (ad hoc); amd64 needs none.
        if let unsigned = image.slices.first(where: { $0.goarch == "arm64" && $0.macho?.hasCodeSignature != true }) {
            return (.failed, "the \(unsigned.goarch ?? "?") slice has no code signature (Apple Silicon will not run it)")
        }
        guard let whole = FileManager.default.contents(atPath: path) else { return (.failed, "unreadable") }
        for thin in file.covers ?? [] {
            guard let thinData = FileManager.default.contents(atPath: folder + "/" + thin) else { return (.failed, "\(thin) (a slice's source) is missing") }
            let found = image.slices.contains { slice in
                slice.size == thinData.count && whole.subdata(in: slice.offset..<(slice.offset + slice.size)) == thinData
            }
            if !found { return (.failed, "no slice equals \(thin) byte for byte") }
        }
        return (.ok, "slices \(arches.joined(separator: ", ")) of \(paths.first ?? ""), arm64 signed, each equal to its thin artifact")
    }
}
