// A Go vulnerability database folder in the published layout, written by the tests from the entries in
// Tests/Fixtures/vulndb/ID: index/db.json (modified), index/modules.json (modules and their entries), ID/.
import Foundation

public enum VulnDBFixture {
    public static let entriesFolder = repositoryRoot + "/Tests/Fixtures/vulndb/ID"

    /// Writes the database under `folder` (index/ and ID/), with `modified` in index/db.json.
    /// `only`: the entry IDs to include (nil: all).
    /// `extra`: entries of the test's own (OSV JSON), added to the fixture's.
    public static func write(to folder: String, modified: String, only: Set<String>? = nil, extra: [String] = []) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/index", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: folder + "/ID", withIntermediateDirectories: true)
        var modules: [String: [[String: String]]] = [:]
        var sources: [Data] = []
        for name in try fm.contentsOfDirectory(atPath: entriesFolder).sorted() where name.hasSuffix(".json") {
            sources.append(try Data(contentsOf: URL(fileURLWithPath: entriesFolder + "/" + name)))
        }
        sources += extra.map { Data($0.utf8) }
        for data in sources {
            let entry = try require_json(data)
            let id = entry["id"] as! String
            if let only, !only.contains(id) { continue }
            try data.write(to: URL(fileURLWithPath: folder + "/ID/" + id + ".json"))
            for affected in entry["affected"] as? [[String: Any]] ?? [] {
                let module = (affected["package"] as? [String: Any])?["name"] as? String ?? ""
                let fixes = ((affected["ranges"] as? [[String: Any]])?.first?["events"] as? [[String: String]] ?? []).compactMap { $0["fixed"] }
                var vuln = ["id": id, "modified": entry["modified"] as? String ?? modified]
                if let last = fixes.last { vuln["fixed"] = last }
                modules[module, default: []].append(vuln)
            }
        }
        let index = modules.keys.sorted().map { ["path": $0, "vulns": modules[$0]!] as [String: Any] }
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/index/modules.json"))
        try JSONSerialization.data(withJSONObject: ["modified": modified], options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/index/db.json"))
    }

    private static func require_json(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }
}
