// Finds the `go` to drive and reads what it says about itself, once per run.
import Foundation

/// One row of `go tool dist list -json`.
public struct DistTarget: Sendable, Codable, Equatable, Hashable {
    public var goos: String
    public var goarch: String
    public var cgoSupported: Bool
    public var firstClass: Bool

    enum CodingKeys: String, CodingKey {
        case goos = "GOOS", goarch = "GOARCH", cgoSupported = "CgoSupported", firstClass = "FirstClass"
    }

    public init(goos: String, goarch: String, cgoSupported: Bool, firstClass: Bool) {
        self.goos = goos
        self.goarch = goarch
        self.cgoSupported = cgoSupported
        self.firstClass = firstClass
    }

    public var pair: String { "\(goos)/\(goarch)" }

    /// One object of `go tool dist list -json`; nil when a field is missing or of another type. (JSONSerialization
    /// gives true and false as NSNumber: read as such, a plain class cast, where `as? Bool` bridges through the runtime's
    /// conformance tables, a tenth of a `crossgo targets`.)
    init?(json: [String: Any]) {
        guard let goos = json[CodingKeys.goos.rawValue] as? String, let goarch = json[CodingKeys.goarch.rawValue] as? String,
              let cgo = json[CodingKeys.cgoSupported.rawValue] as? NSNumber, let firstClass = json[CodingKeys.firstClass.rawValue] as? NSNumber
        else { return nil }
        self.init(goos: goos, goarch: goarch, cgoSupported: cgo.boolValue, firstClass: firstClass.boolValue)
    }
}

/// The Go toolchain crossgo drives: where it is and what it reported about itself.
public struct GoToolchain: Sendable {
    /// The `go` executable.
    public var goPath: String
    /// `go env -json`, as the go command resolved it (all origins applied).
    public var env: [String: String]
    /// `go tool dist list -json`.
    public var distTargets: [DistTarget]

    public init(goPath: String, env: [String: String], distTargets: [DistTarget]) {
        self.goPath = goPath
        self.env = env
        self.distTargets = distTargets
    }

    public var goroot: String { env["GOROOT"] ?? "" }
    /// e.g. "go1.27.3".
    public var version: String { env["GOVERSION"] ?? "unknown" }
    public var hostOS: String { env["GOHOSTOS"] ?? "" }
    public var hostArch: String { env["GOHOSTARCH"] ?? "" }
    /// The host as a target.
    public var host: Target { Target(goos: hostOS, goarch: hostArch) }

    /// The dist row for a GOOS/GOARCH pair, nil when the toolchain does not know it.
    public func dist(_ goos: String, _ goarch: String) -> DistTarget? {
        distTargets.first { $0.goos == goos && $0.goarch == goarch }
    }

    /// Minor version number (27 for go1.27.3), nil for development builds.
    public var minorVersion: Int? { GoVersion(version)?.minor }

    /// What `load` runs, in crossgo's working directory.
    public static let envArguments = ["env", "-json"]
    public static let distListArguments = ["tool", "dist", "list", "-json"]
    public static let queryTimeout: Double = 60

    /// Runs `go env -json` and `go tool dist list -json` in `workingDirectory` (concurrently, once each,
    /// unless remembered by `cache`: see GoQuery).
    ///
    /// GOFLAGS applies to every go command that knows a flag, so a GOFLAGS meant for `go build`
    /// (`-ldflags=-s -w` splits into `-ldflags=-s` and `-w`, which is `go env`'s flag) can break crossgo's
    /// own queries. When a query fails with GOFLAGS set, it is asked again with GOFLAGS blank, and the
    /// toolchain keeps the user's GOFLAGS value (it still applies to the builds).
    public static func load(goPath: String, workingDirectory: String, system: any HostSystem, cache: GoQueryCache? = nil) async throws -> GoToolchain {
        let envOut: ProgramResult, listOut: ProgramResult
        // Both answers remembered: read here, without two tasks that would each work out the same cache inputs.
        if let cache, let env = cache.remembered(goPath, envArguments, workingDirectory: workingDirectory, system: system),
           let list = cache.remembered(goPath, distListArguments, workingDirectory: workingDirectory, system: system) {
            (envOut, listOut) = (env.result, list.result)
        } else {
            async let envResult = query(goPath, envArguments, workingDirectory: workingDirectory, system: system, cache: cache)
            async let listResult = query(goPath, distListArguments, workingDirectory: workingDirectory, system: system, cache: cache)
            (envOut, listOut) = try await (envResult, listResult)
        }
        // JSONSerialization, not JSONDecoder: these two small documents are read on every start of every command, and
        // the decoder's generic containers cost more to set up (type metadata made by name) than the reading.
        guard let env = (try? JSONSerialization.jsonObject(with: utf8Data(envOut.stdout))) as? [String: String] else {
            throw ToolchainError.badOutput(goPath, "go env -json")
        }
        let list = (try? JSONSerialization.jsonObject(with: utf8Data(listOut.stdout))) as? [[String: Any]]
        let dist = list?.compactMap(DistTarget.init(json:)) ?? []
        guard let list, dist.count == list.count else {
            throw ToolchainError.badOutput(goPath, "go tool dist list -json")
        }
        var toolchain = GoToolchain(goPath: goPath, env: env, distTargets: dist)
        if let flags = system.environment["GOFLAGS"], env["GOFLAGS"] != flags, env["GOFLAGS"]?.isEmpty ?? true {
            toolchain.env["GOFLAGS"] = flags
        }
        return toolchain
    }

    /// One of the toolchain queries, retried without GOFLAGS when GOFLAGS is what broke it.
    static func query(_ go: String, _ arguments: [String], workingDirectory: String, system: any HostSystem, cache: GoQueryCache?) async throws -> ProgramResult {
        let first = try await GoQuery.run(go, arguments, workingDirectory: workingDirectory, timeout: queryTimeout, system: system, cache: cache).result
        if first.succeeded { return first }
        if let flags = system.environment["GOFLAGS"], !flags.isEmpty {
            // A blank (not empty) GOFLAGS: go treats an empty variable as unset and would read the env file's.
            let again = try await GoQuery.run(go, arguments, environment: ["GOFLAGS": " "], workingDirectory: workingDirectory,
                                              timeout: queryTimeout, system: system, cache: cache).result
            if again.succeeded { return again }
        }
        throw ToolchainError.queryFailed(ProcessFailure(argv: [go] + arguments, result: first))
    }
}

/// A Go release number parsed from "go1.27.3", "go1.21rc2", "1.22".
public struct GoVersion: Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init?(_ text: String) {
        var s = Substring(text)
        if s.hasPrefix("go") { s = s.dropFirst(2) }
        let numeric = s.prefix { $0.isNumber || $0 == "." }
        let parts = numeric.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count >= 2, let major = parts[0], let minor = parts[1] else { return nil }
        self.major = major
        self.minor = minor
        self.patch = parts.count > 2 ? (parts[2] ?? 0) : 0
    }

    public static func < (a: GoVersion, b: GoVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "go\(major).\(minor).\(patch)" }
}

/// Why crossgo cannot use a Go toolchain.
public enum ToolchainError: Error, CustomStringConvertible, Equatable {
    case notFound(searched: [String])
    case explicitMissing(String, origin: String)
    case queryFailed(ProcessFailure)
    case badOutput(String, String)

    public var description: String {
        switch self {
        case .notFound:
            return "no `go` found (looked at --go, CROSSGO_GO, PATH and the repository's .tools/bin): install Go from https://go.dev/dl, or run scripts/setup, or pass --go PATH"
        case .explicitMissing(let path, let origin):
            return "\(origin) names \(path), which is not an executable file"
        case .queryFailed(let failure):
            return "the go toolchain cannot answer crossgo: \(failure)"
        case .badOutput(let path, let command):
            return "\(path): `\(command)` printed something that is not the JSON it should print"
        }
    }
}

/// Finds the `go` executable: `--go`, then `CROSSGO_GO`, then PATH, then a `.tools/bin/go`
/// in the current folder or the crossgo executable's folder or any of their parents.
public struct ToolchainLocator: Sendable {
    public var system: any HostSystem
    /// Folders whose ancestors may hold the repository's `.tools/bin`.
    public var anchors: [String]

    public init(system: any HostSystem, anchors: [String]) {
        self.system = system
        self.anchors = anchors
    }

    public func locate(explicit: String?) throws -> String {
        if let explicit, !explicit.isEmpty {
            guard system.isExecutableFile(explicit) else { throw ToolchainError.explicitMissing(explicit, origin: "--go") }
            return explicit
        }
        if let fromEnv = system.environment["CROSSGO_GO"], !fromEnv.isEmpty {
            guard system.isExecutableFile(fromEnv) else { throw ToolchainError.explicitMissing(fromEnv, origin: "CROSSGO_GO") }
            return fromEnv
        }
        if let onPath = system.which("go") { return onPath }
        if let tool = toolFolder().map({ $0 + "/go" }), system.isExecutableFile(tool) { return tool }
        throw ToolchainError.notFound(searched: anchors)
    }

    /// The repository's `.tools/bin` folder, if one is found above an anchor.
    public func toolFolder() -> String? {
        for anchor in anchors {
            var dir = anchor
            while !dir.isEmpty {
                let candidate = dir == "/" ? "/.tools/bin" : dir + "/.tools/bin"
                if system.isDirectory(candidate) { return candidate }
                if dir == "/" { break }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return nil
    }
}

func firstLine(_ text: String) -> String {
    text.split(separator: "\n").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "(no output)"
}

/// The go command's folder under the user's config folder (os.UserConfigDir()/go): where `go env -w`
/// writes (env) and telemetry keeps its mode.
func goConfigDirectory(system: any HostSystem) -> String {
    if system.osName == "darwin" { return system.homeDirectory + "/Library/Application Support/go" }
    let config = system.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? system.homeDirectory + "/.config"
    return config + "/go"
}
