// Facts the doctor's checks share, gathered once: the `go` executables on PATH (read with GoBinary),
// one `go env -json` of the winning `go` (and, only when GOFLAGS is set, one `go list -m` that shows what
// go makes of it), and the env files a setting can come from.
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
    /// Why `go env -json` gave no facts (go's own message); nil when it ran.
    public var goEnvError: String?
    /// When `go env -json` failed with the real GOFLAGS but worked with GOFLAGS blanked: go's message for the
    /// first run. `goEnv` then comes from the second run, with GOFLAGS put back to its real value.
    public var goEnvGoflagsFailure: String?
    /// `go list -m`, run in `goEnvDirectory` with the real GOFLAGS when GOFLAGS is set: whether go accepts
    /// the flags (unknown flags, bad values, quoting); nil when GOFLAGS is empty or the run could not start.
    public var goflagsProbe: ProgramResult?
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
                                                goarches: Set(TargetsRunnableCheck.targets.filter { $0.goos == "linux" }.map(\.goarch)), cache: cache)
        var (goEnv, goEnvError, cachedAt) = await envResult
        let userEnvPath = goEnv?["GOENV"] ?? defaultUserEnvPath(system: system)
        let userEnv = userEnvPath.flatMap { system.readTextFile($0) }.map(parseEnvFile) ?? [:]
        // GOFLAGS as go reads it: the environment unless empty, else the user's env file, else $GOROOT/go.env.
        let goroot0 = goEnv?["GOROOT"] ?? expectedGoroot
        let gorootEnv0 = goroot0.flatMap { system.readTextFile($0 + "/go.env") }.map(parseEnvFile) ?? [:]
        let goflags = nonEmpty(system.environment["GOFLAGS"]) ?? userEnv["GOFLAGS"]?.value ?? gorootEnv0["GOFLAGS"]?.value ?? ""
        var goflagsFailure: String?
        var probe: ProgramResult?
        if let go = paths.first, !goflags.trimmingCharacters(in: .whitespaces).isEmpty {
            // go env itself fails when GOFLAGS holds one of its own flags (-w, -u, -json): ask again with GOFLAGS
            // blank (a non-empty blank value beats the env file and splits into no flags), then put the real value back.
            if goEnv == nil, let failure = goEnvError {
                let (retried, _, _) = await Self.goEnv(go, system: system, cache: nil, environment: ["GOFLAGS": " "])
                if var retried {
                    retried["GOFLAGS"] = goflags
                    goEnv = retried
                    goEnvError = nil
                    goflagsFailure = failure
                    cachedAt = nil
                }
            }
            probe = try? await GoQuery.run(go, goflagsProbeArguments, workingDirectory: goEnvDirectory, timeout: goEnvTimeout,
                                             system: system, cache: cache).result
        }
        let goroot = goEnv?["GOROOT"] ?? expectedGoroot
        var runners = await probed
        if let goroot, goroot != expectedGoroot { runners = runners.with(goroot: goroot, system: system) }
        return DoctorFacts(
            system: system, workingDirectory: workingDirectory, installs: installs, goEnv: goEnv, goEnvError: goEnvError,
            goEnvGoflagsFailure: goflagsFailure, goflagsProbe: probe,
            goEnvCachedAt: cachedAt, runners: runners, hardwareArch: await hardware, translated: await translated,
            userEnvPath: userEnvPath, userEnv: userEnv,
            gorootEnv: goroot.flatMap { system.readTextFile($0 + "/go.env") }.map(parseEnvFile) ?? [:],
            extraToolDirectories: extraToolDirectories)
    }

    /// Where the doctor runs `go env -json`: the root folder, so that a go.mod asking for a newer Go does
    /// not make `go env` itself switch toolchains (or fail); go.toolchain reads go.mod and go.work itself.
    public static let goEnvDirectory = "/"
    public static let goEnvTimeout: Double = 30
    /// A cheap go command that takes the build flags: it fails as every build would when GOFLAGS is bad.
    public static let goflagsProbeArguments = ["list", "-m"]

    /// `go env -json` (prefetched, remembered or run now); with `environment` changes it always runs now.
    static func goEnv(_ go: String?, system: any HostSystem, cache: GoQueryCache?,
                      environment: EnvironmentChanges = [:]) async -> ([String: String]?, String?, Date?) {
        guard let go else { return (nil, nil, nil) }
        do {
            let query: GoQueryResult
            if environment.isEmpty {
                query = try await GoQuery.run(go, GoToolchain.envArguments, workingDirectory: goEnvDirectory, timeout: goEnvTimeout,
                                              system: system, cache: cache)
            } else {
                query = GoQueryResult(result: try await system.run(go, GoToolchain.envArguments, environment: environment, timeout: goEnvTimeout,
                                                                   workingDirectory: goEnvDirectory), cachedAt: nil)
            }
            let result = query.result
            if result.succeeded, let decoded = try? JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8)) {
                return (decoded, nil, query.cachedAt)
            }
            return (nil, goMessage(result), nil)
        } catch {
            return (nil, "\(error)", nil)
        }
    }

    /// What go said when it failed: its error lines (not "go: downloading ..." progress), joined.
    static func goMessage(_ result: ProgramResult) -> String {
        let text = result.stderr.isEmpty ? result.stdout : result.stderr
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let errors = lines.filter { !$0.hasPrefix("go: downloading ") && !$0.hasPrefix("usage: ") && !$0.hasPrefix("Run 'go help") }
        return (errors.isEmpty ? lines : errors).prefix(3).joined(separator: "; ").nonEmptyOr("exit status \(result.exitCode)")
    }

    /// Where `go env -w` writes when GOENV is unset.
    static func defaultUserEnvPath(system: any HostSystem) -> String? {
        if let explicit = system.environment["GOENV"] { return explicit == "off" ? nil : explicit }
        return goConfigDirectory(system: system) + "/env"
    }

    /// Reads a Go env file as the go command does (cmd/go/internal/cfg readEnvFile): a line counts only when it
    /// starts with A-Z and holds an `=`; nothing is trimmed; a later line for the same key wins. Every other line
    /// (comments, blank lines, junk) is ignored without a word.
    public static func parseEnvFile(_ text: String) -> [String: EnvFileEntry] {
        var out: [String: EnvFileEntry] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let key = envFileKey(line), let eq = line.firstIndex(of: "=") else { continue }
            out[key] = EnvFileEntry(value: String(line[line.index(after: eq)...]), line: i + 1)
        }
        return out
    }

    /// The key of a line go reads from an env file; nil for a line go ignores.
    static func envFileKey(_ line: Substring) -> String? {
        guard let first = line.unicodeScalars.first, ("A"..."Z").contains(first), let eq = line.firstIndex(of: "=") else { return nil }
        return String(line[..<eq])
    }

    /// Where an effective setting comes from, in the go command's order.
    public enum Origin: String, Sendable, Codable {
        case environment, userEnvFile = "user env file", gorootEnvFile = "$GOROOT/go.env", defaultValue = "default"
    }

    /// go treats an empty environment variable as unset (cfg.Getenv), so an empty one is not the origin.
    public func origin(of key: String) -> Origin {
        if nonEmpty(environment[key]) != nil { return .environment }
        if userEnv[key] != nil { return .userEnvFile }
        if gorootEnv[key] != nil { return .gorootEnvFile }
        return .defaultValue
    }

    /// The effective value: `go env` when it ran, else the same precedence by hand.
    public func value(_ key: String) -> String? {
        if let goEnv { return goEnv[key] }
        return nonEmpty(environment[key]) ?? userEnv[key]?.value ?? gorootEnv[key]?.value
    }

    /// The winning go's version (from its build info).
    public var goVersion: String? { winner?.facts?.goVersion ?? goEnv?["GOVERSION"] }
}

/// The string, unless it is nil or empty.
func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}

extension String {
    func nonEmptyOr(_ fallback: String) -> String { isEmpty ? fallback : self }
}
