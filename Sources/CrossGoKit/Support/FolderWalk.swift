// Walking a folder of artifacts: the one walk inspect and audit share, the system's (`HostSystem.filesUnder`).
import Foundation

public enum FolderWalk {
    /// Regular files (and links to regular files) under `root`, in lexical order, like `go version`: the system's walk
    /// of `root`, less what is not a program file. Links to folders are not followed; folders that cannot be read are
    /// passed over.
    public static func regularFiles(under root: String, system: any HostSystem = liveSystem()) -> [String] {
        let base = root.hasSuffix("/") ? root : root + "/"
        return system.filesUnder(root).map { base + $0 }.filter { full in
            switch system.itemAttributes(full)?.kind {
            case .file?: return true
            case .symbolicLink?: return system.itemAttributes(system.resolveSymlinks(full))?.kind == .file
            default: return false
            }
        }
    }

    /// Whether something (a file, folder or link, even a dangling one) is at `path`.
    public static func exists(_ path: String, system: any HostSystem) -> Bool {
        system.itemAttributes(path) != nil
    }

    /// Whether `path` is a folder (following links).
    public static func isFolder(_ path: String, system: any HostSystem) -> Bool {
        system.isDirectory(path)
    }
}
