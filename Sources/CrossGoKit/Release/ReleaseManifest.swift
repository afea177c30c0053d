// dist/release.json: every file a release made, what kind it is, which artifact it covers, and how each
// stage went. Written atomically, last; `crossgo verify` and `crossgo merge` read it.
import Foundation
import GoBinary

/// One file of a release.
public struct ReleaseFile: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// `checksums` and `signature` appear only in release.json files written before the seal covered release.json.
        case archive, binary, sbom, checksums, signature
        /// A .deb or .rpm of one linux artifact.
        case package
        /// A Homebrew formula or a Scoop manifest over the archives.
        case manifest
        /// A file of the OCI image layout (`<project>_<version>_oci/`): oci-layout, index.json, a blob.
        case image
        /// A public key users import to check the packages' own signatures (`RPM-GPG-KEY-<project>`).
        case key
    }

    /// Path relative to the output folder.
    public var path: String
    public var kind: Kind
    /// The target it is for ("linux/amd64", "darwin/universal"); nil for checksums and signature.
    public var target: String?
    /// The program it is for; nil for checksums and signature.
    public var binary: String?
    public var size: Int
    public var sha256: String
    /// "tar.gz", "zip", "cyclonedx-1.6", "spdx-2.3", "minisign", "sha256sum", "mach-o-universal", "deb", "rpm", "homebrew", "scoop".
    public var format: String?
    /// The artifacts (paths in the output folder) this file holds or describes; a manifest's archives.
    public var covers: [String]?
    /// An archive's entries, in archive order; a package's installed files.
    public var entries: [String]?

    public init(path: String, kind: Kind, target: String?, binary: String?, size: Int, sha256: String, format: String?, covers: [String]?) {
        self.path = path
        self.kind = kind
        self.target = target
        self.binary = binary
        self.size = size
        self.sha256 = sha256
        self.format = format
        self.covers = covers
    }
}

/// How one stage of the release went.
public struct ReleaseStage: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case done, skipped, failed }
    /// "build", "universal", "archives", "sboms", "packages", "manifests", "image", "reproducible", "audit", "push", "checksums", "sign".
    public var name: String
    public var status: Status
    /// What it made, or why it was skipped or failed.
    public var detail: String
}

/// A program x target (or a stage of one) that is not in the release.
public struct ReleaseFailure: Sendable, Codable, Equatable {
    public var binary: String
    public var target: String
    /// The stage that failed ("build", "verify", "archive", "sbom", "universal", "package", "manifest").
    public var stage: String
    public var message: String
}

/// The result of rebuilding one artifact elsewhere and comparing.
public struct ReproducibilityRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case reproducible, differs
        /// The rebuild did not produce it.
        case failed
    }
    public var artifact: String
    public var target: String
    public var status: Status
    public var sha256: String
    public var rebuiltSha256: String?
    /// The sections whose bytes differ, in file order (the Go build ID's holder last).
    public var sections: [String]?
    /// The likely cause, from the two files' build info.
    public var cause: String?
}

/// What `release --audit` found.
public struct ReleaseAudit: Sendable, Codable, Equatable {
    public var database: String
    public var databaseModified: String
    /// "symbol": each finding says whether a vulnerable function is linked; "module": some only say the module version is affected.
    public var level: String
    public var findings: [AuditFindingGroup]
    public var artifacts: [AuditArtifactRecord]
}

/// The signature of the checksums file.
public struct ReleaseSignature: Sendable, Codable, Equatable {
    public var file: String
    /// The signed file.
    public var signs: String
    /// minisign's key id, 16 hex digits.
    public var keyID: String
    /// The public key (base64, as `minisign -P` takes it).
    public var publicKey: String
}

/// One artifact of a release: what it asks of the machine that runs it, and how it is signed.
public struct ReleaseArtifactFacts: Sendable, Codable, Equatable {
    /// The artifact's path in the output folder (as archives' `covers` name it).
    public var path: String
    public var target: String
    public var binary: String
    public var floor: ArtifactFloor?
    public var signature: SignatureKind?

    public init(_ artifact: Artifact) {
        path = artifact.path
        target = artifact.target
        binary = artifact.binary
        floor = artifact.floor
        signature = artifact.signature
    }

    /// The one warning a release gives when its darwin artifacts carry no Developer ID signature; nil otherwise.
    public static func gatekeeperWarning(_ artifacts: [Artifact]) -> String? {
        let darwin = artifacts.filter { $0.goos == "darwin" && $0.signature?.kind != CodeSignatureKind.certificate.rawValue }
        guard !darwin.isEmpty else { return nil }
        let kinds = darwin.map { "\($0.target): \($0.signature?.kind ?? "not recorded")" }.joined(separator: ", ")
        return "darwin artifacts are ad-hoc signed only, or not signed (\(kinds)): they run where they are built or copied, but macOS "
            + "Gatekeeper refuses a copy downloaded with a browser (quarantined) until the user clears it (xattr -d com.apple.quarantine FILE); "
            + "only a Developer ID signature and notarization avoid that, and crossgo makes neither"
    }
}

/// dist/release.json. Every path in it is relative to the release folder and it holds no path of the machine; a
/// signed release signs it too (release.json.minisig), so that every file of the folder is covered by a signature.
public struct ReleaseManifest: Sendable, Codable, Equatable {
    public var crossgo: String
    public var project: String
    public var version: String
    public var go: String
    public var module: String
    /// The time every archive entry carries (seconds since 1970) and where it came from.
    public var sourceDateEpoch: Int64
    public var sourceDateFrom: String
    public var files: [ReleaseFile]
    public var failed: [ReleaseFailure]
    public var stages: [ReleaseStage]
    public var signature: ReleaseSignature?
    public var reproducibility: [ReproducibilityRecord]?
    /// `release --audit`: the artifacts against the Go vulnerability database.
    public var audit: ReleaseAudit?
    /// The checksums file of the released files (nil: an interrupted release).
    public var checksums: String?
    /// The folder's other files that belong to the release (the build's manifest.json and SHA256SUMS, .gitignore), by SHA-256.
    public var records: [String: String]?
    /// true when the release was interrupted: nothing in the folder is sealed, and `crossgo verify` fails it.
    public var interrupted: Bool?
    /// What the Homebrew formula and Scoop manifest were made from (`--package brew,scoop`), for `crossgo merge`.
    public var manifestSource: ManifestSource?
    /// The SLSA provenance (`<project>_<version>.intoto.jsonl`, signed on its own): part of the seal like the
    /// signatures, so not in the checksums file (which stays the same bytes for the same commit); `records` has its digest.
    public var provenance: String?
    /// `--image`: the OCI image layout, its index and manifest digests, and what was pushed.
    public var image: ReleaseImage?
    /// Each released artifact's OS floor and signature kind, as read from the file by the build.
    public var artifacts: [ReleaseArtifactFacts]?

    public static let fileName = "release.json"

    public func write(to outDir: String, system: any HostSystem) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try system.writeData(encoder.encode(self), to: outDir + "/" + Self.fileName)
    }

    public static func read(from outDir: String, system: any HostSystem = liveSystem()) throws -> ReleaseManifest? {
        let path = outDir + "/" + fileName
        guard let data = system.readData(path) else { return nil }
        do {
            return try JSONDecoder().decode(ReleaseManifest.self, from: data)
        } catch {
            throw UsageError("\(path): not a crossgo release manifest (\(jsonProblem(error)))")
        }
    }
}

/// The short reason a JSON document did not decode: the key path and what was wrong.
func jsonProblem(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context.codingPath)): \(context.debugDescription)"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
}
