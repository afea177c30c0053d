// The Go vulnerability database in its published layout, read over HTTP(S) or from a folder:
//   index/db.json       {"modified": "<RFC 3339>"}
//   index/modules.json  [{"path": "<module>", "vulns": [{"id", "modified", "fixed"?}]}]
//   ID/<id>.json        one OSV entry
// Over HTTP, index/modules.json is kept in crossgo's cache folder with the `modified` time of the db.json
// it came with, and fetched again only when db.json says the database is newer. Entries are cached by
// id and modified time.
import Foundation

/// `index/modules.json`: the modules the database knows, each with its entries.
public struct VulnModuleIndex: Sendable, Codable, Equatable {
    public struct Vuln: Sendable, Codable, Equatable {
        public var id: String
        public var modified: String?
        public var fixed: String?
    }
    public struct Module: Sendable, Codable, Equatable {
        public var path: String
        public var vulns: [Vuln]
    }
    public var modules: [Module]

    public init(modules: [Module]) { self.modules = modules }
    public init(from decoder: any Decoder) throws { modules = try decoder.singleValueContainer().decode([Module].self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(modules)
    }

    /// The entries listed for a module path.
    public func vulns(for path: String) -> [Vuln] { modules.first { $0.path == path }?.vulns ?? [] }
}

/// Where the database is: a URL (http, https, file) or a folder.
public enum VulnDatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case http(URL)
    case folder(String)

    public static let defaultURL = "https://vuln.go.dev"

    /// `--db`: an http(s) URL, a file:// URL, or an existing folder (relative to `base`).
    public static func parse(_ text: String, base: String) throws -> VulnDatabaseLocation {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), url.host != nil else {
                throw UsageError("--db \(text): not a valid URL")
            }
            return .http(url)
        }
        var path = text
        if text.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else { throw UsageError("--db \(text): not a valid file URL") }
            path = url.path
        } else if text.contains("://") {
            throw UsageError("--db \(text): use an http(s):// or file:// URL, or a folder")
        }
        path = absolutePath(path, against: base)
        try FolderArgument.require(text, at: path, label: "--db", hint: "a copy of the database: https://vuln.go.dev/vulndb.zip unzipped")
        return .folder(path)
    }

    public var description: String {
        switch self {
        case .http(let url): return url.absoluteString
        case .folder(let path): return path
        }
    }
}

/// Why the database could not be used: unreachable or broken is an environment error (never "no
/// vulnerabilities"); a folder that is not a database is bad input.
public struct VulnDatabaseError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus
}

/// Reads the database. One per audit; safe to share between tasks.
public final class VulnDatabase: Sendable {
    public let location: VulnDatabaseLocation
    /// Cache folder for HTTP databases (nil: no cache).
    let cacheDirectory: String?
    /// Where a folder database and the cache are read, and the cache written.
    let system: any HostSystem
    /// Bound on connecting and on each wait for bytes; on a whole request.
    static let stallTimeout: TimeInterval = 30, requestTimeout: TimeInterval = 300

    public init(location: VulnDatabaseLocation, cacheDirectory: String?, system: any HostSystem = liveSystem()) {
        self.location = location
        self.cacheDirectory = cacheDirectory
        self.system = system
    }

    /// The cache folder for a database URL: one folder per URL.
    public static func cacheDirectory(for location: VulnDatabaseLocation, environment: [String: String]) -> String? {
        guard case .http(let url) = location, !CacheFolder.isOff(environment: environment) else { return nil }
        let name = url.absoluteString.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        return CacheFolder.path("vulndb", environment: environment) + "/" + String(name)
    }

    /// `index/db.json`'s modified time.
    public func modified() async throws -> String {
        struct DB: Decodable { var modified: String }
        let data = try await fetch("index/db.json")
        guard let db = try? JSONDecoder().decode(DB.self, from: data) else {
            throw broken("index/db.json is not {\"modified\": ...}")
        }
        return db.modified
    }

    /// The module index and the database's modified time: from the cache when db.json says nothing newer
    /// was published, else fetched (and cached).
    public func moduleIndex() async throws -> (index: VulnModuleIndex, modified: String, fromCache: Bool) {
        let modified = try await modified()
        struct Cached: Codable { var modified: String; var index: VulnModuleIndex }
        let cacheFile = cacheDirectory.map { $0 + "/modules.json" }
        if let cacheFile, let data = system.readData(cacheFile),
           let cached = try? JSONDecoder().decode(Cached.self, from: data), !Self.isNewer(modified, than: cached.modified) {
            return (cached.index, cached.modified, true)
        }
        let data = try await fetch("index/modules.json")
        let index: VulnModuleIndex
        do {
            index = try JSONDecoder().decode(VulnModuleIndex.self, from: data)
        } catch {
            throw broken("index/modules.json cannot be read: \(Self.reason(error))")
        }
        if let cacheFile, let encoded = try? JSONEncoder().encode(Cached(modified: modified, index: index)) {
            try? system.writeData(encoded, to: cacheFile)
        }
        return (index, modified, false)
    }

    /// One entry, `ID/<id>.json` (cached by id and modified time for HTTP databases).
    public func entry(_ id: String, modified: String?) async throws -> OSVEntry {
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !id.isEmpty else {
            throw broken("index/modules.json names an entry with a bad id '\(id)'")
        }
        let safeModified = (modified ?? "").map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let cacheFile = cacheDirectory.map { $0 + "/ID/\(id)@\(String(safeModified)).json" }
        if let cacheFile, modified != nil, let data = system.readData(cacheFile),
           let entry = try? JSONDecoder().decode(OSVEntry.self, from: data) {
            return entry
        }
        let data = try await fetch("ID/\(id).json")
        let entry: OSVEntry
        do {
            entry = try JSONDecoder().decode(OSVEntry.self, from: data)
        } catch {
            throw broken("ID/\(id).json cannot be read: \(Self.reason(error))")
        }
        if let cacheFile, modified != nil { try? system.writeData(data, to: cacheFile) }
        return entry
    }

    /// RFC 3339 times compared as instants; text order when one cannot be parsed.
    static func isNewer(_ a: String, than b: String) -> Bool {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let x = plain.date(from: a) ?? fractional.date(from: a), let y = plain.date(from: b) ?? fractional.date(from: b) { return x > y }
        return a > b
    }

    private func fetch(_ path: String) async throws -> Data {
        switch location {
        case .folder(let root):
            let file = root + "/" + path
            guard let data = system.readData(file) else {
                throw VulnDatabaseError(description: "--db \(root): no \(path) (is this a Go vulnerability database folder? It needs index/db.json, index/modules.json and ID/)",
                                        exitStatus: .usage)
            }
            return data
        case .http(let base):
            let reply: HTTPReply
            do {
                reply = try await HTTP.send("GET", base.appendingPathComponent(path), headers: [("User-Agent", "crossgo/\(CrossGoVersion.current)")],
                                            stallTimeout: Self.stallTimeout, deadline: Self.requestTimeout)
            } catch {
                throw VulnDatabaseError(description: "the vulnerability database \(base.absoluteString) cannot be reached (\(Self.reason(error))); nothing was audited. \(Self.offlineHint)",
                                        exitStatus: .environment)
            }
            guard reply.status == 200 else {
                throw VulnDatabaseError(description: "the vulnerability database \(base.absoluteString) answered \(reply.status) for \(path); nothing was audited. \(Self.offlineHint)",
                                        exitStatus: .environment)
            }
            return reply.body
        }
    }

    /// How to audit without the network: a copy of the database as a folder.
    static let offlineHint = "To audit offline, use a copy: unzip https://vuln.go.dev/vulndb.zip into a folder DIR and pass --db DIR (release: --audit-db DIR)."

    private func broken(_ what: String) -> VulnDatabaseError {
        switch location {
        case .folder(let root): return VulnDatabaseError(description: "--db \(root): \(what)", exitStatus: .usage)
        case .http(let url): return VulnDatabaseError(description: "the vulnerability database \(url.absoluteString): \(what)", exitStatus: .environment)
        }
    }

    static func reason(_ error: any Error) -> String {
        if let failure = error as? HTTPFailure { return failure.description }
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        if case DecodingError.keyNotFound(let key, _) = error { return "missing \(key.stringValue)" }
        if case DecodingError.typeMismatch(_, let context) = error { return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))" }
        return "\(error)"
    }
}

