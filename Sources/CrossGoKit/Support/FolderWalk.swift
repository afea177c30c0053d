// Walking a folder of artifacts: the one walk inspect and audit share.
import Foundation

public enum FolderWalk {
    /// Regular files (and links to regular files) under `root`, in lexical order, like `go version`.
    /// Links to folders are not followed; folders that cannot be read are passed over.
    public static func regularFiles(under root: String) -> [String] {
        var files: [String] = []
        var stack = [root]
        while let dir = stack.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in entries {
                let full = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: stack.append(full)
                case S_IFREG: files.append(full)
                case S_IFLNK:
                    var target = stat()
                    if stat(full, &target) == 0, target.st_mode & S_IFMT == S_IFREG { files.append(full) }
                default: break
                }
            }
        }
        return files.sorted()
    }

    /// Whether something (a file, folder or link, even a dangling one) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a folder (following links).
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
