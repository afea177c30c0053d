// crossgo's own temporary folder for one run: made in TMPDIR, holding the GOTMPDIR its go commands get (so that
// go's go-build* folders live inside it), and removed on every path: the end of the run, an error, an interrupt
// (the session's `defer`), and a second signal that ends crossgo at once (Interrupts removes what is still there).
import Foundation
import Synchronization

/// A temporary folder of crossgo's, removed however the run ends.
public final class ScratchFolder: Sendable {
    /// The folder (symlinks resolved).
    public let path: String

    /// The system the folder is made and removed through.
    let system: any HostSystem

    /// Folders still to remove (with their system), for the exit of a second signal that skips every `defer`.
    private static let live = Mutex<[String: any HostSystem]>([:])

    /// Makes `TMPDIR/crossgo-NAME-PID-XXXXXX` with a `go-tmp` folder inside it for go's own temporary files.
    public init(_ name: String, system: any HostSystem) throws {
        let temp = system.resolveSymlinks(NSTemporaryDirectory())
        let folder = temp + "/crossgo-\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
        do {
            try system.createDirectory(folder + "/go-tmp")
        } catch {
            throw EnvironmentError("cannot create a scratch folder in \(temp): \(error.localizedDescription)")
        }
        path = folder
        self.system = system
        Self.live.withLock { $0[folder] = system }
    }

    /// go's temporary folder (GOTMPDIR): inside this one, so that it goes with it.
    public var goTemporaryDirectory: String { path + "/go-tmp" }

    /// The environment that sends go's temporary files here.
    public var goEnvironment: [String: String] { ["GOTMPDIR": goTemporaryDirectory] }

    /// Removes the folder and everything in it.
    public func remove() {
        try? system.removeItem(path)
        Self.live.withLock { _ = $0.removeValue(forKey: path) }
    }

    /// Removes every scratch folder not yet removed (crossgo is about to exit without running its `defer`s).
    public static func removeAll() {
        let folders = live.withLock { all -> [String: any HostSystem] in defer { all.removeAll() }; return all }
        for (folder, system) in folders { try? system.removeItem(folder) }
    }
}
