// A folder named on the command line: missing and "a file, not a folder" are told apart.
import Foundation

/// Checks a path the user gave where a folder is expected.
public enum FolderArgument {
    /// Throws a usage error unless `path` (the absolute form of `given`) is a folder: "no such folder" when
    /// nothing is there, "is a file, not a folder" when something else is. `hint` follows in parentheses.
    public static func require(_ given: String, at path: String, label: String? = nil, hint: String? = nil,
                               system: any HostSystem = liveSystem()) throws {
        let name = label.map { "\($0) \(given)" } ?? given
        let suffix = hint.map { " (\($0))" } ?? ""
        guard system.fileExists(path) else {
            throw UsageError("\(name): no such folder\(suffix)")
        }
        guard system.isDirectory(path) else { throw UsageError("\(name): is a file, not a folder\(suffix)") }
    }
}
