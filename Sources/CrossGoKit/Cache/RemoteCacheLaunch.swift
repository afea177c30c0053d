// What `crossgo build/test --remote-cache URL` give the go commands they run: GOCACHEPROG naming this very
// crossgo executable (`crossgo cacheprog --url URL`), and a run folder shared by those cacheprog processes so
// that a remote that is down is tried once and warned about once per crossgo run.
import Foundation

public struct RemoteCacheLaunch: Sendable {
    public let url: URL
    /// Removed by `cleanup()`.
    public let runDirectory: String
    public let executable: String
    /// Where the run folder is made, read and removed.
    public let system: any HostSystem

    /// Checks the URL (http or https with a host) and makes the run folder.
    public init(url text: String, executable: String? = nil, system: any HostSystem = liveSystem()) throws {
        guard let url = RemoteCacheLaunch.parseURL(text) else {
            throw UsageError("--remote-cache '\(text)' is not an http:// or https:// URL")
        }
        guard let exe = executable ?? CrossGoContext.executablePath() else {
            throw EnvironmentError("cannot find crossgo's own executable for GOCACHEPROG")
        }
        self.url = url
        self.executable = exe
        self.system = system
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        runDirectory = base + "crossgo-cacheprog-run-" + UUID().uuidString.prefix(12)
        do {
            try system.createDirectory(runDirectory)
        } catch {
            throw EnvironmentError("cannot create \(runDirectory): \(error.localizedDescription)")
        }
    }

    /// An http(s) URL with a host, or nil.
    public static func parseURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        return url
    }

    /// The environment for every go command of the run.
    public var environment: [String: String] {
        ["GOCACHEPROG": Self.quote(executable) + " cacheprog --url " + Self.quote(url.absoluteString),
         "CROSSGO_CACHEPROG_RUN": runDirectory]
    }

    /// A word as go's GOCACHEPROG splitting reads it (whitespace-separated, '…' or "…" quoting, no escapes).
    static func quote(_ word: String) -> String {
        if !word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "'" || $0 == "\"" }) { return word }
        return word.contains("'") ? "\"" + word + "\"" : "'" + word + "'"
    }

    /// The file in the run folder where the cacheprog processes leave their (once per run) warnings.
    static let warningsFile = "warnings"

    /// Reports the warnings of the run's cacheprog processes (each at most once), for the session's reporter.
    public func reportWarnings(to reporter: any Reporter) {
        guard let text = system.readUTF8File(runDirectory + "/" + Self.warningsFile) else { return }
        for line in text.split(separator: "\n") where !line.isEmpty {
            let message = line.replacingOccurrences(of: "crossgo cacheprog: warning: ", with: "")
            reporter.report(.notice(message, level: "warning"))
        }
    }

    public func cleanup() { try? system.removeItem(runDirectory) }
}
