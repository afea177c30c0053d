// What the package manager manifests (HomebrewFormula, ScoopManifest) are made from: the release's own archives, each
// with its URL (`release.url` filled in with the archive's name) and its SHA-256, the one the checksums file lists.
import Foundation

/// One archive a manifest points to.
public struct ManifestArchive: Sendable, Equatable {
    public var goos: String
    public var goarch: String
    /// The archive's file name (`{{.ArtifactName}}`).
    public var name: String
    public var url: String
    public var sha256: String
}

/// What the formula and the manifest say about the program.
public struct ManifestInfo: Sendable, Equatable {
    public var name: String
    /// The program's file name inside the archives.
    public var binary: String
    public var version: String
    public var summary: String
    public var homepage: String?
    public var license: String?
}
