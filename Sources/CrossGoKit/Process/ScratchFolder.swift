// crossgo's own temporary folder for one run: made in TMPDIR, holding the GOTMPDIR its go commands get (so that
// go's go-build* folders live inside it), and removed on every path: the end of the run, an error, an interrupt
// (the session's `defer`), and a second signal that ends crossgo at once (Interrupts removes what is still there).
import Foundation
import Synchronization

/// A temporary folder of crossgo's, removed however the run ends.
public final class ScratchFolder: Sendable {
    /// The folder (symlinks resolved).
    public let path: String

    /// Folders still to remove, for the exit of a second signal that skips every `defer`.
    private static let live = Mutex<Set<String>>([])

    /// Makes `TMPDIR/crossgo-NAME-PID-XXXXXX` with a `go-tmp` folder inside it for go's own temporary files.
    public init(_ name: String) throws {
        let temp = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
        let folder = temp + "/crossgo-\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
        do {
            try FileManager.default.createDirectory(atPath: folder + "/go-tmp", withIntermediateDirectories: true)
        } catch {
            throw EnvironmentError("cannot create a scratch folder in \(temp): \(error.localizedDescription)")
        }
        path = folder
        Self.live.withLock { _ = $0.insert(folder) }
    }

    /// go's temporary folder (GOTMPDIR): inside this one, so that it goes with it.
    public var goTemporaryDirectory: String { path + "/go-tmp" }

    /// The environment that sends go's temporary files here.
    public var goEnvironment: [String: String] { ["GOTMPDIR": goTemporaryDirectory] }

    /// Removes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        Self.live.withLock { _ = $0.remove(path) }
    }

    /// Removes every scratch folder not yet removed (crossgo is about to exit without running its `defer`s).
    public static func removeAll() {
        let folders = live.withLock { set -> Set<String> in defer { set.removeAll() }; return set }
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }
}
