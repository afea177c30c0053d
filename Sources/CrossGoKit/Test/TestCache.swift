// crossgo's test result cache: `go test -exec` turns Go's own off (golang/go#27207), so we keep one.
import Crypto
import Foundation

/// What a test run read, from the test binary's `-test.testlogfile` (the log `go test` uses for its cache).
public struct TestInputs: Sendable, Codable, Equatable {
    /// Environment variables read, with their values then (nil = unset).
    public var env: [String: String?]
    /// Files and folders opened or stat'ed (absolute paths), with a fingerprint of their content then.
    public var files: [String: String]

    public init(env: [String: String?] = [:], files: [String: String] = [:]) {
        self.env = env
        self.files = files
    }

    /// Reads a test log written by a test binary run in `directory`.
    public static func fromTestLog(_ text: String, directory: String, environment: [String: String], system: any HostSystem = liveSystem()) -> TestInputs {
        var inputs = TestInputs()
        var cwd = directory
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let (op, arg) = (parts[0], parts[1])
            let path = absolutePath(arg, against: cwd)
            switch op {
            case "getenv": inputs.env[arg] = .some(environment[arg])
            case "chdir": cwd = path
            case "open", "stat":
                let p = path
                inputs.files[p] = fingerprint(p, system: system)
            default: break
            }
        }
        return inputs
    }

    /// Whether the environment and files are as they were when the result was recorded.
    public func unchanged(environment: [String: String], system: any HostSystem = liveSystem()) -> Bool {
        for (name, value) in env where environment[name] != value { return false }
        for (path, print) in files where fingerprint(path, system: system) != print { return false }
        return true
    }
}

/// A short fingerprint of a file's content, a folder's listing, or its absence.
func fingerprint(_ path: String, system: any HostSystem) -> String {
    guard system.fileExists(path) else { return "missing" }
    if system.isDirectory(path) {
        return "dir:" + sha256Hex(Data(system.listDirectory(path).joined(separator: "\n").utf8))
    }
    let attributes = system.itemAttributes(path)
    let size = attributes?.size ?? -1
    if size > 64 << 20 {
        let mtime = attributes?.modified.timeIntervalSince1970 ?? 0
        return "big:\(size):\(mtime)"
    }
    guard let data = system.readData(path) else { return "unreadable" }
    return "file:" + sha256Hex(data)
}

func sha256Hex(_ data: Data) -> String {
    hexString(SHA256.hash(data: data))
}

/// Results keyed by everything that decides a test run's outcome.
public struct TestCache: Sendable {
    public var directory: String
    /// Where the entries and the files they fingerprint are read and written.
    public var system: any HostSystem

    public init(directory: String, system: any HostSystem = liveSystem()) {
        self.directory = directory
        self.system = system
    }

    /// `$CROSSGO_CACHE`, else the user cache folder (~/.cache/crossgo on Linux, ~/Library/Caches/crossgo on macOS).
    public static func defaultDirectory(environment: [String: String]) -> String {
        CacheFolder.path("test", environment: environment)
    }

    struct Entry: Codable {
        var result: PackageResult
        var inputs: TestInputs
    }

    /// The key: the test binary's identity, the arguments, the runner and its version.
    public static func key(binaryIdentity: String, arguments: [String], runner: String, runnerVersion: String, target: String) -> String {
        let text = ([binaryIdentity, target, runner, runnerVersion] + arguments).joined(separator: "\u{0}")
        return sha256Hex(Data(text.utf8))
    }

    public func lookup(_ key: String, environment: [String: String]) -> PackageResult? {
        guard let data = system.readData(path(key)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.inputs.unchanged(environment: environment, system: system) else { return nil }
        var result = entry.result
        result.cached = true
        return result
    }

    public func store(_ key: String, result: PackageResult, inputs: TestInputs) {
        guard let data = try? JSONEncoder().encode(Entry(result: result, inputs: inputs)) else { return }
        // Creates the entry's folder, then writes through a temporary sibling and a rename.
        try? system.writeData(data, to: path(key))
    }

    func path(_ key: String) -> String { directory + "/" + String(key.prefix(2)) + "/" + key + ".json" }
}
