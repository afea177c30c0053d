// The release's building blocks behind one small seam: archives, universal binaries, SBOMs, signing.
import Foundation
import GoBinary

/// A file that goes into a release archive.
public struct ReleaseArchiveEntry: Sendable, Equatable {
    /// The name inside the archive.
    public var name: String
    /// Where the contents are read from.
    public var path: String
    public var executable: Bool
}

enum ReleaseParts {
    static func writeArchive(zip: Bool, entries: [ReleaseArchiveEntry], to path: String, modificationTime: Int64, system: any HostSystem) throws {
        let entries = entries.map { ArchiveEntry(name: $0.name, source: URL(fileURLWithPath: $0.path), executable: $0.executable) }
        if zip {
            try ReproducibleArchive.writeZip(entries: entries, to: URL(fileURLWithPath: path), modificationTime: modificationTime, system: system)
        } else {
            try ReproducibleArchive.writeTarGz(entries: entries, to: URL(fileURLWithPath: path), modificationTime: modificationTime, system: system)
        }
    }

    static func writeUniversal(slices: [String], to path: String, system: any HostSystem) throws {
        try UniversalBinary.write(slices: slices.map { URL(fileURLWithPath: $0) }, to: URL(fileURLWithPath: path), system: system)
    }

    /// Writes `<artifact>.cdx.json` and `<artifact>.spdx.json`; returns (path, format) of each.
    static func writeSBOMs(artifactPath: String, time: Int64, system: any HostSystem) throws -> [(String, String)] {
        let subject = try SBOMSubject.read(artifactAt: artifactPath)
        let written = try SBOM.write(for: subject, created: Date(timeIntervalSince1970: TimeInterval(time)),
                                     into: (artifactPath as NSString).deletingLastPathComponent, system: system)
        return zip(written, SBOM.Format.allCases).map { ($0, $1 == .cycloneDX ? "cyclonedx-1.6" : "spdx-2.3") }
    }

    /// A public key from a .pub file or the base64 key itself.
    static func readPublicKey(_ text: String, workingDirectory: String, system: any HostSystem) throws -> MinisignPublicKey {
        let path = absolutePath(text, against: workingDirectory)
        if system.fileExists(path) { return try MinisignPublicKey.read(from: URL(fileURLWithPath: path)) }
        if text.hasSuffix(".pub") || text.contains("/") {
            throw UsageError("--pub \(text): no such file (give the .pub file or the base64 public key)")
        }
        return try MinisignPublicKey(base64: text, source: "--pub")
    }

    static func verifySignature(file: String, signature: String, publicKey: MinisignPublicKey) throws {
        let text: String
        do { text = try String(contentsOfFile: signature, encoding: .utf8) } catch {
            throw MinisignError.unreadable(path: signature, reason: error.localizedDescription)
        }
        try Minisign.verify(signature: text, publicKey: publicKey, fileAt: URL(fileURLWithPath: file))
    }

    /// Differences between an SBOM crossgo wrote and the binary it describes; empty when they agree.
    static func checkSBOM(_ sbom: String, against binary: String, system: any HostSystem) throws -> [String] {
        SBOM.check(sbomAt: sbom, againstArtifactAt: binary, system: system)
    }
}

/// Signs files with a minisign secret key, read once before anything is built.
struct ReleaseSigner: Sendable {
    var key: MinisignSecretKey
    /// Where the key is read and the signatures written.
    var system: any HostSystem

    init(keyPath: String, system: any HostSystem) throws {
        self.system = system
        guard system.fileExists(keyPath) else {
            throw UsageError("--sign-key \(keyPath): no such file (make one with: crossgo release keygen NAME)")
        }
        key = try MinisignSecretKey.read(from: URL(fileURLWithPath: keyPath))
    }

    /// Writes `<file>.minisig`; returns the key id and the public key.
    func sign(_ file: String, trustedComment: String) throws -> (keyID: String, publicKey: String) {
        let text = try Minisign.sign(fileAt: URL(fileURLWithPath: file), secretKey: key, trustedComment: trustedComment)
        try system.writeData(Data(text.utf8), to: file + ".minisig")
        return (key.publicKey.keyIDHex, key.publicKey.base64)
    }
}

/// Size and SHA-256 (hex) of a file.
func fileDigest(_ path: String, system: any HostSystem = liveSystem()) throws -> (Int, String) {
    try Builder.sha256(path: path, system: system)
}

/// `crossgo release keygen`.
public enum ReleaseKeys {
    public struct Made: Sendable, Codable {
        public var keyID: String
        public var publicKey: String
        public var secretKeyFile: String
        public var publicKeyFile: String
    }
}
