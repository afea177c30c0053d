// Facts the doctor's checks share, gathered once: the `go` executables on PATH (read with GoBinary),
// one `go env -json` of the winning `go`, and the env files a setting can come from.
import Foundation

/// A `go` executable found on PATH.
public struct GoInstall: Sendable, Equatable {
    /// The PATH entry, as found.
    public var path: String
    /// With every link resolved.
    public var resolved: String
    /// What the binary says about itself; nil when it is not a readable Go executable (a wrapper script).
    public var facts: GoBinaryFacts?

    /// The GOROOT this `go` derives when GOROOT is unset: the folder above its bin/.
    public var derivedGoroot: String {
        let bin = (resolved as NSString).deletingLastPathComponent
        return (bin as NSString).deletingLastPathComponent
    }

    public var label: String {
        let version = facts?.goVersion ?? "unknown version"
        let arch = facts?.goarch.map { " \($0)" } ?? ""
        return path == resolved ? "\(path): \(version)\(arch)" : "\(path) -> \(resolved): \(version)\(arch)"
    }
}

/// A `KEY=VALUE` line of a Go env file.
public struct EnvFileEntry: Sendable, Equatable {
    public var value: String
    public var line: Int
}

/// Everything the checks read, gathered once per doctor run.
public struct DoctorFacts: Sendable {
    public var system: any HostSystem
    public var workingDirectory: String
    public var installs: [GoInstall]
    /// `go env -json` of the winning `go`; nil when it could not run.
    public var goEnv: [String: String]?
    public var goEnvError: String?
    /// When the `go env -json` output was recorded, if it came from crossgo's cache; nil when it ran now.
    public var goEnvCachedAt: Date?
    /// How this host can run each target (qemu-user, binfmt_misc, node, wasmtime, Rosetta).
    public var runners: RunnerDetector
    public var hardwareArch: String
    public var translated: Bool?
    /// The user's env file (`go env GOENV`), written by `go env -w`.
    public var userEnvPath: String?
    public var userEnv: [String: EnvFileEntry]
    /// `$GOROOT/go.env`.
    public var gorootEnv: [String: EnvFileEntry]
    /// Folders searched after PATH for runners (the repository's .tools/bin).
    public var extraToolDirectories: [String]

    public var environment: [String: String] { system.environment }
    public var winner: GoInstall? { installs.first }

    /// Gathers the facts: runs only `go env -json` of the winning `go` (or takes it from `cache`).
    public static func gather(system: any HostSystem, workingDirectory: String, extraToolDirectories: [String] = [],
                              cache: GoQueryCache? = nil) async -> DoctorFacts {
        let paths = system.allOnPath("go")
        // Start the one `go env -json` first; reading the binaries and probing runners overlap with it.
        async let envResult = Self.goEnv(paths.first, system: system, cache: cache)
        async let hardware = system.hardwareArchitecture()
        async let translated = system.isTranslated()
        let installs = paths.map { path in
            GoInstall(path: path, resolved: system.resolveSymlinks(path), facts: system.goBinaryFacts(path))
        }
        // GOROOT as this go will see it; go env's answer, when it comes, decides.
        let expectedGoroot = system.environment["GOROOT"] ?? installs.first?.derivedGoroot
        async let probed = RunnerDetector.probe(system: system, goroot: expectedGoroot ?? "", extraDirectories: extraToolDirectories,
                                                goarches: Set(TargetsRunnableCheck.targets.filter { $0.goos == "linux" }.map(\.goarch)))
        let (goEnv, goEnvError, cachedAt) = await envResult
        let userEnvPath = goEnv?["GOENV"] ?? defaultUserEnvPath(system: system)
        let goroot = goEnv?["GOROOT"] ?? expectedGoroot
        var runners = await probed
        if let goroot, goroot != expectedGoroot { runners = runners.with(goroot: goroot, system: system) }
        return DoctorFacts(
            system: system, workingDirectory: workingDirectory, installs: installs, goEnv: goEnv, goEnvError: goEnvError,
            goEnvCachedAt: cachedAt, runners: runners, hardwareArch: await hardware, translated: await translated,
            userEnvPath: userEnvPath, userEnv: userEnvPath.flatMap { system.readTextFile($0) }.map(parseEnvFile) ?? [:],
            gorootEnv: goroot.flatMap { system.readTextFile($0 + "/go.env") }.map(parseEnvFile) ?? [:],
            extraToolDirectories: extraToolDirectories)
    }

    /// Where the doctor runs `go env -json`: the root folder, so that a go.mod asking for a newer Go does
    /// not make `go env` itself switch toolchains (or fail); go.toolchain reads go.mod and go.work itself.
    public static let goEnvDirectory = "/"
    public static let goEnvTimeout: Double = 30

    static func goEnv(_ go: String?, system: any HostSystem, cache: GoQueryCache?) async -> ([String: String]?, String?, Date?) {
        guard let go else { return (nil, nil, nil) }
        do {
            let query = try await GoQuery.run(go, GoToolchain.envArguments, workingDirectory: goEnvDirectory, timeout: goEnvTimeout,
                                              system: system, cache: cache)
            let result = query.result
            if result.succeeded, let decoded = try? JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8)) {
                return (decoded, nil, query.cachedAt)
            }
            return (nil, firstLine(result.stderr.isEmpty ? result.stdout : result.stderr), nil)
        } catch {
            return (nil, "\(error)", nil)
        }
    }

    /// Where `go env -w` writes when GOENV is unset.
    static func defaultUserEnvPath(system: any HostSystem) -> String? {
        if let explicit = system.environment["GOENV"] { return explicit == "off" ? nil : explicit }
        return goConfigDirectory(system: system) + "/env"
    }

    /// Reads a Go env file: `KEY=VALUE` lines, `#` comments.
    public static func parseEnvFile(_ text: String) -> [String: EnvFileEntry] {
        var out: [String: EnvFileEntry] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = EnvFileEntry(value: String(line[line.index(after: eq)...]), line: i + 1)
        }
        return out
    }

    /// Where an effective setting comes from, in the go command's order.
    public enum Origin: String, Sendable, Codable {
        case environment, userEnvFile = "user env file", gorootEnvFile = "$GOROOT/go.env", defaultValue = "default"
    }

    public func origin(of key: String) -> Origin {
        if environment[key] != nil { return .environment }
        if userEnv[key] != nil { return .userEnvFile }
        if gorootEnv[key] != nil { return .gorootEnvFile }
        return .defaultValue
    }

    /// The effective value: `go env` when it ran, else the same precedence by hand.
    public func value(_ key: String) -> String? {
        if let goEnv { return goEnv[key] }
        return environment[key] ?? userEnv[key]?.value ?? gorootEnv[key]?.value
    }

    /// The winning go's version (from its build info).
    public var goVersion: String? { winner?.facts?.goVersion ?? goEnv?["GOVERSION"] }
}
