// Remembers what `go env -json` and `go tool dist list -json` printed, keyed by everything their answer
// depends on, so that a second crossgo run does not pay for them (two go runs are most of a warm
// build's fixed cost and most of the doctor's time). Anything that can change the answer is in the key:
// the go binary itself, the whole environment, the env files, the go.mod/go.work files the working
// directory sees, the C compilers on PATH; and an entry is trusted for a day at most.
import Foundation
import GoBinary
import Synchronization

/// crossgo's cache folder: `$CROSSGO_CACHE`, else the user cache folder (~/.cache/crossgo on Linux,
/// ~/Library/Caches/crossgo on macOS). `CROSSGO_CACHE=off` turns crossgo's caches off.
public enum CacheFolder {
    public static func isOff(environment: [String: String]) -> Bool { environment["CROSSGO_CACHE"] == "off" }

    public static func path(_ kind: String, environment: [String: String], system: any HostSystem = liveSystem()) -> String {
        if let explicit = environment["CROSSGO_CACHE"], !explicit.isEmpty { return explicit + "/" + kind }
        let base = system.userCacheDirectory ?? (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache"
        return base + "/crossgo/" + kind
    }
}

/// What a go query printed, and when that was recorded if it came from the cache.
public struct GoQueryResult: Sendable {
    public var result: ProgramResult
    /// nil: the go command ran just now.
    public var cachedAt: Date?
}

/// The cache of go queries (`go env -json`, `go tool dist list -json`).
public struct GoQueryCache: Sendable {
    public var directory: String
    /// Entries older than this are run again whatever their key says.
    public var maxAge: TimeInterval = 24 * 3600
    /// The inputs but the arguments, worked out once per go and folder for this cache's life (one command).
    let memo = InputMemo()

    public init(directory: String) {
        self.directory = directory
    }

    /// The cache for this environment; nil when `CROSSGO_CACHE=off`.
    public static func standard(environment: [String: String]) -> GoQueryCache? {
        CacheFolder.isOff(environment: environment) ? nil : GoQueryCache(directory: CacheFolder.path("go", environment: environment))
    }

    /// The remembered output of `go arguments` in `workingDirectory`, or a fresh run (remembered when it succeeds).
    public func run(_ go: String, _ arguments: [String], environment: EnvironmentChanges = [:], workingDirectory: String, timeout: Double,
                    system: any HostSystem, extraInputs: [String] = []) async throws -> GoQueryResult {
        let file = file(go, arguments, environment: environment, workingDirectory: workingDirectory, system: system, extraInputs: extraInputs)
        if let known = remembered(file: file, system: system) { return known }
        let result = try await system.run(go, arguments, environment: environment, timeout: timeout, workingDirectory: workingDirectory)
        if result.succeeded {
            try? system.writeData(Entry(created: Date(), stdout: result.stdout).data, to: file)
        }
        return GoQueryResult(result: result, cachedAt: nil)
    }

    /// The remembered answer to `go arguments`, without running go; nil when there is none or it is too old.
    public func remembered(_ go: String, _ arguments: [String], environment: EnvironmentChanges = [:], workingDirectory: String,
                           system: any HostSystem, extraInputs: [String] = []) -> GoQueryResult? {
        remembered(file: file(go, arguments, environment: environment, workingDirectory: workingDirectory, system: system, extraInputs: extraInputs),
                   system: system)
    }

    /// The entry file of one question.
    func file(_ go: String, _ arguments: [String], environment: EnvironmentChanges, workingDirectory: String, system: any HostSystem,
              extraInputs: [String]) -> String {
        let changes = environment.sorted { $0.key < $1.key }.map { "setenv \($0.key)=\($0.value ?? "(unset)")" }
        return directory + "/" + key(go: go, arguments: arguments + changes + extraInputs, workingDirectory: workingDirectory, system: system) + ".out"
    }

    func remembered(file: String, system: any HostSystem) -> GoQueryResult? {
        guard let data = system.readData(file), let entry = Entry(data), Date().timeIntervalSince(entry.created) < maxAge, entry.created <= Date()
        else { return nil }
        return GoQueryResult(result: ProgramResult(exitCode: 0, stdout: entry.stdout, stderr: ""), cachedAt: entry.created)
    }

    /// `system.which(names)`, remembered: the answer is kept with the identity (device, inode, size, modification
    /// time) of every folder searched, and a folder's modification time changes whenever a name is added to it, removed
    /// or renamed in it, so a new identity means a new search. Each remembered hit is checked to still be an executable
    /// file (a link whose target went away, a lost x bit), so a program that is gone is never reported; one made
    /// executable in place (chmod, which leaves its folder alone) is found when the entry expires (maxAge).
    /// The runner probe asks for ~40 names in every PATH folder: ~350 stat calls against ~15 this way.
    public func which(_ names: [String], extraDirectories: [String] = [], system: any HostSystem) -> [String: String] {
        var parts = ["crossgo-which-2"] + names + ["--"]
        for folder in system.pathDirectories + extraDirectories { parts.append(folder + " " + system.fileIdentity(folder)) }
        let file = directory + "/which-" + keyDigest(parts) + ".out"
        if let known = remembered(file: file, system: system) {
            let lines = known.result.stdout.split(separator: "\n")
            var found = [String: String](minimumCapacity: lines.count)
            for line in lines {
                guard let tab = line.firstIndex(of: "\t") else { found = [:]; break }
                found[String(line[..<tab])] = String(line[line.index(after: tab)...])
            }
            if found.count == lines.count, found.values.allSatisfy(system.isExecutableFile) { return found }
        }
        let found = system.which(names, extraDirectories: extraDirectories)
        let text = found.sorted { $0.key < $1.key }.map { $0.key + "\t" + $0.value }.joined(separator: "\n")
        try? system.writeData(Entry(created: Date(), stdout: text).data, to: file)
        return found
    }

    /// One remembered answer: a first line with the time it was recorded (seconds since 1970), then go's output
    /// as it printed it. Not JSON around JSON: a warm start reads it without a second decode.
    struct Entry {
        var created: Date
        var stdout: String

        init(created: Date, stdout: String) {
            self.created = created
            self.stdout = stdout
        }

        init?(_ data: Data) {
            guard let newline = data.firstIndex(of: UInt8(ascii: "\n")),
                  let seconds = Double(String(decoding: data[data.startIndex ..< newline], as: UTF8.self)) else { return nil }
            created = Date(timeIntervalSince1970: seconds)
            stdout = String(decoding: data[(newline + 1)...], as: UTF8.self)
        }

        var data: Data { Data((String(created.timeIntervalSince1970) + "\n" + stdout).utf8) }
    }

    /// The name of a remembered answer: BLAKE2b-256 of the parts joined by NUL bytes, in hex. Not SHA-256: this is
    /// on every start of every command, and swift-crypto's first SHA-256 (BoringSSL's set-up, its digest class's
    /// metadata) was ~9% of a `crossgo targets`; BLAKE2b is ours (GoBinary), plain Swift, and as collision-resistant.
    func keyDigest(_ parts: [String]) -> String {
        var hasher = BLAKE2b(outputLength: 32)
        var separator: UInt8 = 0
        for index in parts.indices {
            if index > 0 { withUnsafeBytes(of: &separator) { hasher.update($0) } }
            var part = parts[index]
            part.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        }
        return hexString(hasher.finalize())
    }

    /// Everything the go command's answer depends on, hashed.
    func key(go: String, arguments: [String], workingDirectory: String, system: any HostSystem) -> String {
        let context = inputs(go: go, workingDirectory: workingDirectory, system: system)
        return keyDigest(context + arguments)
    }

    /// The inputs but the arguments, worked out once per go and folder (a command asks several questions).
    func inputs(go: String, workingDirectory: String, system: any HostSystem) -> [String] {
        let memoKey = go + "\u{0}" + workingDirectory
        if let known = memo.entries.withLock({ $0.first { $0.key == memoKey }?.parts }) { return known }
        let parts = Self.gatherInputs(go: go, workingDirectory: workingDirectory, system: system) { which($0, system: system) }
        memo.entries.withLock { $0.append((memoKey, parts)) }
        return parts
    }

    /// Input lists already gathered, by go and folder. (A list, not a Dictionary: a command asks about one or two,
    /// and a first [String: [String]] cost ~7% of a `crossgo targets` in metadata made at run time.)
    final class InputMemo: Sendable {
        let entries = Mutex<[(key: String, parts: [String])]>([])
    }

    /// `which` finds the C compilers (this cache's remembered `which`; the system's own when there is no cache).
    static func gatherInputs(go: String, workingDirectory: String, system: any HostSystem,
                             which: ([String]) -> [String: String]) -> [String] {
        let env = system.environment
        var parts = ["crossgo-go-query-3", CrossGoVersion.current, system.osName, workingDirectory]
        let resolved = system.resolveSymlinks(go)
        parts.append("go " + resolved + " " + system.fileIdentity(resolved))
        // The environment, all of it but what changes on every shell command and crossgo's own settings.
        for (name, value) in env.sorted(by: { $0.key < $1.key }) where !["_", "PWD", "OLDPWD", "SHLVL"].contains(name) && !name.hasPrefix("CROSSGO_") {
            parts.append("env " + name + "=" + value)
        }
        // GOROOT as set, and as the go binary derives it; its go.env and VERSION.
        let derived = parentFolder(parentFolder(resolved))
        let roots = [derived] + (env["GOROOT"].map { $0 == derived ? [] : [$0] } ?? [])
        for root in roots.sorted() {
            for name in ["go.env", "VERSION"] { parts.append(root + "/" + name + " " + system.fileIdentity(root + "/" + name)) }
        }
        // The user's env file (`go env -w`) and telemetry mode.
        let config = goConfigDirectory(system: system)
        for path in [env["GOENV"] ?? config + "/env", config + "/telemetry/mode"] { parts.append(path + " " + system.fileIdentity(path)) }
        // go.mod and go.work from the working directory up: GOMOD, GOWORK and toolchain switches.
        var dir = workingDirectory
        while true {
            for name in ["go.mod", "go.work"] {
                let path = (dir == "/" ? "" : dir) + "/" + name
                parts.append(path + " " + system.fileIdentity(path))
            }
            if dir == "/" || dir.isEmpty { break }
            dir = parentFolder(dir)
        }
        // The C compilers: the default CGO_ENABLED, CC and GOGCCFLAGS depend on them.
        let named = [env["CC"], env["CXX"]].compactMap { $0?.split(separator: " ").first.map(String.init) }
        let compilers = ["gcc", "clang", "cc", "g++", "clang++"] + named
        let onPath = which(compilers.filter { !$0.utf8.contains(UInt8(ascii: "/")) })
        for compiler in compilers {
            let path = compiler.utf8.contains(UInt8(ascii: "/")) ? compiler : onPath[compiler] ?? "-"
            parts.append("cc " + compiler + " " + path + " " + system.fileIdentity(system.resolveSymlinks(path)))
        }
        return parts
    }

    /// What `go list ./...` sees below `root`: every folder it may visit (names starting with "." or "_" and
    /// testdata are skipped, as go skips them), and in each the .go files and go.mod with their identities.
    /// Other files (build outputs in dist/, say) do not count. nil when there are more than `limit` entries:
    /// then listing is not remembered.
    public static func treeInputs(below root: String, system: any HostSystem, limit: Int = 5000) -> [String]? {
        var out: [String] = []
        var folders = [root]
        while let folder = folders.popLast() {
            out.append("folder " + folder)
            for name in system.listDirectory(folder) where !name.hasPrefix(".") && !name.hasPrefix("_") && name != "testdata" {
                let path = folder + "/" + name
                if name.hasSuffix(".go") || name == "go.mod" {
                    out.append(path + " " + system.fileIdentity(path))
                } else if system.isDirectory(path) {
                    folders.append(path)
                }
                if out.count > limit { return nil }
            }
        }
        return out
    }
}
