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
    static func writeArchive(zip: Bool, entries: [ReleaseArchiveEntry], to path: String, modificationTime: Int64) throws {
        throw EnvironmentError("archives are not built yet")
    }

    static func writeUniversal(slices: [String], to path: String) throws {
        throw EnvironmentError("universal binaries are not built yet")
    }

    /// Writes `<artifact>.cdx.json` and `<artifact>.spdx.json`; returns (path, format) of each.
    static func writeSBOMs(artifactPath: String, artifact: Artifact, go: String, time: Int64) throws -> [(String, String)] {
        throw EnvironmentError("SBOMs are not built yet")
    }
}

/// Signs files with a minisign secret key.
struct ReleaseSigner: Sendable {
    var keyPath: String

    init(keyPath: String) throws {
        guard FileManager.default.fileExists(atPath: keyPath) else {
            throw UsageError("--sign-key \(keyPath): no such file (make one with: crossgo release keygen NAME)")
        }
        self.keyPath = keyPath
    }

    func sign(_ file: String, trustedComment: String) throws -> (keyID: String, publicKey: String) {
        throw EnvironmentError("signing is not built yet")
    }
}

/// Size and SHA-256 (hex) of a file.
func fileDigest(_ path: String) throws -> (Int, String) {
    try Builder.sha256(path: path)
}

/// `crossgo release keygen`.
public enum ReleaseKeys {
    public struct Made: Sendable, Codable {
        public var keyID: String
        public var publicKey: String
        public var secretKeyFile: String
        public var publicKeyFile: String
    }

    public static func generate(name: String) throws -> Made {
        throw EnvironmentError("keygen is not built yet")
    }
}

extension ReleaseParts {
    /// A public key from a .pub file or the base64 key itself; opaque to callers.
    static func readPublicKey(_ text: String, workingDirectory: String) throws -> String {
        throw EnvironmentError("public keys are not built yet")
    }

    static func verifySignature(file: String, signature: String, publicKey: String) throws {
        throw EnvironmentError("signature checks are not built yet")
    }

    /// Differences between an SBOM crossgo wrote and the binary it describes; empty when they agree.
    static func checkSBOM(_ sbom: String, against binary: String) throws -> [String] {
        throw EnvironmentError("SBOM checks are not built yet")
    }
}
