// The Scoop manifest `<name>.json` over the release's windows archives (Scoop's app manifest: version, description,
// homepage, license, architecture 64bit/arm64/32bit with url and hash, bin). Deterministic: sorted keys.
import Foundation

public enum ScoopManifest {
    /// Scoop's architecture keys.
    static let architectures: [(goarch: String, key: String)] = [("amd64", "64bit"), ("arm64", "arm64"), ("386", "32bit")]

    /// The fields of a Scoop manifest crossgo writes (Scoop's schema: version, description, homepage, license,
    /// architecture with url and hash, bin).
    struct Document: Codable {
        struct Download: Codable {
            var url: String
            var hash: String
        }
        var version: String
        var description: String
        var homepage: String?
        var license: String
        var architecture: [String: Download]
        var bin: String
    }

    /// The manifest's JSON (sorted keys, the same on every system); nil when no windows archive is there.
    public static func json(_ info: ManifestInfo, archives: [ManifestArchive]) throws -> Data? {
        var architecture: [String: Document.Download] = [:]
        for (goarch, key) in architectures {
            if let archive = archives.first(where: { $0.goos == "windows" && $0.goarch == goarch }) {
                architecture[key] = .init(url: archive.url, hash: archive.sha256)
            }
        }
        guard !architecture.isEmpty else { return nil }
        let document = Document(version: info.version, description: info.summary, homepage: info.homepage, license: info.license ?? "Unknown",
                                architecture: architecture, bin: info.binary + ".exe")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }

    /// (url, hash) pairs of a manifest, by architecture key.
    static func pairs(_ data: Data) -> [(url: String, sha256: String)]? {
        guard let document = try? JSONDecoder().decode(Document.self, from: data) else { return nil }
        return document.architecture.keys.sorted().compactMap { key in document.architecture[key].map { ($0.url, $0.hash) } }
    }
}
