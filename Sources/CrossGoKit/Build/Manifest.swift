// dist/manifest.json and dist/SHA256SUMS: written after the builds, atomically, for complete artifacts only.
import Foundation

/// The record of one build run.
public struct BuildManifest: Sendable, Codable, Equatable {
    public var crossgo: String
    public var go: String
    public var module: String
    public var created: String
    public var artifacts: [Artifact]
    public var failures: [BuildFailure]
    /// Programs that do not exist for some requested targets (build constraints).
    public var absent: [AbsentBuild]?
    /// Whether the git work tree had changes before crossgo started; nil when it is not a git checkout.
    public var treeDirty: Bool?
    /// Which shard of a split build this is (`--shard K/N`), with the whole plan, for `crossgo merge`.
    public var shard: ShardRecord?
    /// The files of the web bundles (`--web`), relative to the output folder.
    public var web: [WebFile]?

    public static let fileName = "manifest.json"
    public static let sumsName = "SHA256SUMS"

    public init(go: String, module: String, artifacts: [Artifact], failures: [BuildFailure], created: Date = Date()) {
        crossgo = CrossGoVersion.current
        self.go = go
        self.module = module
        self.created = ISO8601DateFormatter().string(from: created)
        self.artifacts = artifacts
        self.failures = failures
    }

    /// `sha256sum -c` / `shasum -a 256 -c` format: "<hex>  <path>".
    public var sums: String {
        (artifacts.map { ($0.path, $0.sha256) } + (web ?? []).map { ($0.path, $0.sha256) })
            .sorted { $0.0 < $1.0 }.map { "\($0.1)  \($0.0)\n" }.joined()
    }

    /// Writes manifest.json and SHA256SUMS into `outDir` through `system`, each through a temporary file and a rename.
    public func write(to outDir: String, system: any HostSystem) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try system.writeData(encoder.encode(self), to: outDir + "/" + Self.fileName)
        try system.writeData(Data(sums.utf8), to: outDir + "/" + Self.sumsName)
    }

    /// The manifest a previous run left in `outDir`, if any.
    public static func read(from outDir: String, system: any HostSystem = liveSystem()) -> BuildManifest? {
        guard let data = system.readData(outDir + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(BuildManifest.self, from: data)
    }

    /// Removes the artifacts a previous manifest lists (only those inside `outDir`), then the records.
    /// Returns the paths removed.
    @discardableResult
    public static func clean(outDir: String, system: any HostSystem = liveSystem()) -> [String] {
        guard let previous = read(from: outDir, system: system) else { return [] }
        var removed: [String] = []
        let root = URL(fileURLWithPath: outDir).standardizedFileURL.path
        for path in previous.artifacts.map(\.path) + (previous.web ?? []).map(\.path) {
            let full = URL(fileURLWithPath: outDir + "/" + path).standardizedFileURL.path
            guard full.hasPrefix(root + "/"), system.fileExists(full) else { continue }
            if (try? system.removeItem(full)) != nil { removed.append(path) }
        }
        WebFile.removeEmptyFolders(outDir: outDir, system: system)
        for name in [fileName, sumsName] { try? system.removeItem(outDir + "/" + name) }
        return removed
    }
}

/// One file of a web bundle, as the manifest lists it.
public struct WebFile: Sendable, Codable, Equatable {
    public var binary: String
    public var path: String
    public var size: Int
    public var sha256: String

    /// Removes dist/web/<binary> folders (and dist/web) left empty.
    static func removeEmptyFolders(outDir: String, system: any HostSystem) {
        let web = outDir + "/web"
        for name in system.listDirectory(web) {
            let folder = web + "/" + name
            if system.isDirectory(folder), system.listDirectory(folder).isEmpty { try? system.removeItem(folder) }
        }
        if system.isDirectory(web), system.listDirectory(web).isEmpty { try? system.removeItem(web) }
    }
}
