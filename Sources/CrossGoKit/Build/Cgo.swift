// cgo across targets: zig (`zig cc -target T`) as the C cross-compiler of every foreign target. Finds zig, picks
// the zig triple and C library per target, writes the one-program CC/CXX wrappers Go needs into crossgo's cache
// folder, keeps zig's caches there, and says in one line what a target lacks (zig, a macOS SDK, a cross libc).
import Foundation

/// The C library a linux cgo program links: musl (static, runs under plain qemu) or glibc (dynamic).
public enum CLibrary: String, Sendable, Codable, CaseIterable {
    case musl, gnu
}

/// How to start zig: its executable, or `python3 -m ziglang` (PyPI's ziglang).
public struct ZigCommand: Sendable, Equatable {
    /// argv before `cc -target ...`.
    public var argv: [String]

    public init(argv: [String]) { self.argv = argv }

    /// "/usr/bin/zig" or "python3 -m ziglang".
    public var display: String { argv.joined(separator: " ") }

    /// The fix printed when zig is missing.
    public static let installHint = "install zig (pip install ziglang, or scripts/setup --all in crossgo's repository) or put zig on PATH"

    /// zig on PATH (then the repository's .tools/bin), else `python3 -m ziglang` when that module is installed.
    public static func locate(system: any HostSystem, extraDirectories: [String]) async -> ZigCommand? {
        if let explicit = system.environment["CROSSGO_ZIG"], !explicit.isEmpty {
            return system.isExecutableFile(explicit) ? ZigCommand(argv: [explicit]) : nil
        }
        if let zig = system.which("zig", extraDirectories: extraDirectories) { return ZigCommand(argv: [zig]) }
        for python in ["python3", "python"] {
            guard let py = system.which(python) else { continue }
            if let result = try? await system.run(py, ["-m", "ziglang", "version"], environment: [:], timeout: 60), result.succeeded {
                return ZigCommand(argv: [py, "-m", "ziglang"])
            }
        }
        return nil
    }
}

/// Why a target cannot be built with cgo here: one line, with what to do.
public struct CgoProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var target: String
    public var message: String
    public var description: String { "\(target): \(message)" }
}

/// The cgo settings of one target, decided by the plan: whether cgo is on, the C library, and who provides CC.
public struct CgoSetting: Sendable, Equatable, Codable {
    /// How CC was chosen: zig (crossgo's wrapper), the user's (crossgo.yaml env), the host's own, or none because Go
    /// has no cgo for the target (`go tool dist list`: CgoSupported false; built with CGO_ENABLED=0).
    public enum Compiler: String, Sendable, Codable { case zig, user, host, off }
    public var compiler: Compiler
    /// The C library for linux targets (musl unless `libc: gnu`).
    public var libc: CLibrary
    /// The zig triple when zig compiles (`aarch64-linux-musl`, `x86_64-linux-gnu.2.17`).
    public var zigTriple: String?
    /// The glibc version promised (`--min-glibc`, `libc: gnu.2.17`): zig links against it and the artifact is held to it.
    public var minGlibc: String?

    /// A static musl program must be linked by zig: go's internal linker (its choice when only the standard library
    /// uses cgo, as `net` does) leaves libc's symbols undefined ("relocation target getaddrinfo not defined").
    public var needsExternalLinker: Bool { compiler == .zig && libc == .musl && (zigTriple?.contains("-linux-") ?? false) }

    /// `flags` (go build or go test flags) with `-linkmode=external` added to their -ldflags when `needsExternalLinker`;
    /// a -linkmode the user chose is kept.
    public func withLinkMode(_ flags: [String]) -> [String] {
        guard needsExternalLinker else { return flags }
        var out = flags
        if let i = out.firstIndex(where: { $0.hasPrefix("-ldflags=") || $0.hasPrefix("--ldflags=") }) {
            let value = String(out[i].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).last ?? "")
            if !value.contains("-linkmode") { out[i] = "-ldflags=-linkmode=external " + value }
        } else if let i = out.firstIndex(where: { $0 == "-ldflags" || $0 == "--ldflags" }), i + 1 < out.count {
            if !out[i + 1].contains("-linkmode") { out[i + 1] = "-linkmode=external " + out[i + 1] }
        } else {
            out.insert("-ldflags=-linkmode=external", at: 0)
        }
        return out
    }

    public init(compiler: Compiler, libc: CLibrary, zigTriple: String?) {
        self.compiler = compiler
        self.libc = libc
        self.zigTriple = zigTriple
    }
}

/// Decides and prepares cgo per target.
public struct CgoToolchain: Sendable {
    public var zig: ZigCommand?
    /// The host target (it keeps the user's C compiler).
    public var host: Target
    /// crossgo's cache folder for zig: wrappers in `cc/`, zig's own caches in `global/` and `local/`.
    public var folder: String
    /// A macOS SDK folder (SDKROOT or --sdk) for darwin targets.
    public var sdk: String?
    /// The machine (an SDK folder is looked at through it).
    public var system: any HostSystem
    /// GOOS/GOARCH pairs for which Go has no cgo (from `go tool dist list`).
    public var withoutCgo: Set<String> = []

    /// The process environment (ZIG_*_CACHE_DIR set by the user win).
    public var environment: [String: String] { system.environment }

    public init(zig: ZigCommand?, host: Target, folder: String, sdk: String?, system: any HostSystem) {
        self.zig = zig
        self.system = system
        self.host = host
        self.folder = folder
        self.sdk = sdk
    }

    /// crossgo's zig folder: `zig/` in its cache folder (also when caches are off: zig's cache is no go query).
    public static func folder(environment: [String: String]) -> String {
        var env = environment
        if CacheFolder.isOff(environment: env) { env["CROSSGO_CACHE"] = nil }
        return CacheFolder.path("zig", environment: env)
    }

    /// The zig triple for a Go target and C library; nil when zig has no target crossgo knows for it.
    /// With `minGlibc` (linux, glibc), zig's target-glibc suffix: `x86_64-linux-gnu.2.17`.
    public static func zigTriple(_ target: Target, libc: CLibrary, minGlibc: String?) -> String? {
        guard let triple = zigTriple(target, libc: libc) else { return nil }
        guard let minGlibc, libc == .gnu, target.goos == "linux" else { return triple }
        return triple + "." + minGlibc
    }

    public static func zigTriple(_ target: Target, libc: CLibrary) -> String? {
        let arch: String
        switch target.goarch {
        case "amd64": arch = "x86_64"
        case "arm64": arch = "aarch64"
        case "386": arch = "x86"
        case "arm": arch = "arm"
        case "riscv64": arch = "riscv64"
        case "ppc64le": arch = "powerpc64le"
        case "s390x": arch = "s390x"
        case "loong64": arch = "loongarch64"
        case "mips64le": arch = "mips64el"
        case "mipsle": arch = "mipsel"
        default: return nil
        }
        switch target.goos {
        case "linux":
            let abi = libc == .musl ? "musl" : "gnu"
            if target.goarch == "arm" { return "arm-linux-\(abi)eabihf" }
            return "\(arch)-linux-\(abi)"
        case "windows":
            return ["amd64", "386", "arm64"].contains(target.goarch) ? "\(arch)-windows-gnu" : nil
        case "darwin":
            return ["amd64", "arm64"].contains(target.goarch) ? "\(arch)-macos" : nil
        default:
            return nil
        }
    }

    /// Debian's multiarch triple and cross libc package for a linux architecture (qemu's `-L` sysroot for glibc programs).
    public static func debianCrossLibc(goarch: String) -> (triple: String, package: String)? {
        [
            "arm64": ("aarch64-linux-gnu", "libc6-arm64-cross"), "riscv64": ("riscv64-linux-gnu", "libc6-riscv64-cross"),
            "arm": ("arm-linux-gnueabihf", "libc6-armhf-cross"), "amd64": ("x86_64-linux-gnu", "libc6-amd64-cross"),
            "386": ("i686-linux-gnu", "libc6-i386-cross"), "ppc64le": ("powerpc64le-linux-gnu", "libc6-ppc64el-cross"),
            "s390x": ("s390x-linux-gnu", "libc6-s390x-cross"), "loong64": ("loongarch64-linux-gnu", "libc6-loong64-cross"),
        ][goarch]
    }

    /// The glibc dynamic loader a linux program names (PT_INTERP), per architecture.
    public static func glibcInterpreter(goarch: String) -> String? {
        [
            "amd64": "/lib64/ld-linux-x86-64.so.2", "arm64": "/lib/ld-linux-aarch64.so.1", "riscv64": "/lib/ld-linux-riscv64-lp64d.so.1",
            "386": "/lib/ld-linux.so.2", "arm": "/lib/ld-linux-armhf.so.3", "ppc64le": "/lib64/ld64.so.2", "s390x": "/lib/ld64.so.1",
            "loong64": "/lib64/ld-linux-loongarch-lp64d.so.1",
        ][goarch]
    }

    /// The one line for a darwin target built with cgo and no SDK.
    public static func missingSDK(_ target: Target) -> String {
        "cgo for \(target.pair) needs a macOS SDK: set SDKROOT (or --sdk) to a MacOSX.sdk folder — on a Mac with Xcode or the Command Line Tools "
            + "`xcrun --show-sdk-path` prints it; elsewhere copy MacOSX.sdk from such a Mac"
    }

    /// The extra zig flags for a target: a macOS SDK's sysroot, frameworks and libraries for darwin.
    func extraFlags(_ target: Target) -> [String] {
        guard target.goos == "darwin", let sdk else { return [] }
        return ["--sysroot", sdk, "-F\(sdk)/System/Library/Frameworks", "-L\(sdk)/usr/lib", "-I\(sdk)/usr/include"]
    }

    /// The text of a CC (or CXX) wrapper: one program that runs `zig cc -target TRIPLE [flags] ARGS...`.
    public static func wrapperScript(zig: ZigCommand, tool: String, triple: String, flags: [String]) -> String {
        let words = (zig.argv + [tool, "-target", triple] + flags).map(shellQuote).joined(separator: " ")
        return "#!/bin/sh\n# Written by crossgo: the C compiler for cgo on \(triple).\nexec \(words) \"$@\"\n"
    }

    /// The environment for a cgo build of `target`: CGO_ENABLED=1, and CC/CXX (zig wrappers) for foreign targets unless
    /// `userEnvironment` (crossgo.yaml's env for it) sets CC. Throws a one-line problem when the target cannot build.
    public func environment(for target: Target, libc: CLibrary, minGlibc: String? = nil, userEnvironment: [String: String]) throws(CgoProblem)
        -> (environment: [String: String], setting: CgoSetting) {
        var (env, setting) = try environmentWithoutFloor(for: target, libc: libc, minGlibc: minGlibc, userEnvironment: userEnvironment)
        if setting.compiler != .off { setting.minGlibc = minGlibc }
        return (env, setting)
    }

    private func environmentWithoutFloor(for target: Target, libc: CLibrary, minGlibc: String?, userEnvironment: [String: String]) throws(CgoProblem)
        -> (environment: [String: String], setting: CgoSetting) {
        if withoutCgo.contains(target.pair) {
            return (["CGO_ENABLED": "0"], CgoSetting(compiler: .off, libc: libc, zigTriple: nil))
        }
        var env = ["CGO_ENABLED": "1"]
        if userEnvironment["CC"] != nil {
            return (env, CgoSetting(compiler: .user, libc: libc, zigTriple: nil))
        }
        if target.goos == host.goos && target.goarch == host.goarch && minGlibc == nil {
            // The host keeps the user's C compiler (go's default: CC, else gcc or clang); a glibc floor needs zig,
            // which links against the glibc version asked for instead of the host's own.
            return (env, CgoSetting(compiler: .host, libc: libc, zigTriple: nil))
        }
        guard let triple = Self.zigTriple(target, libc: libc, minGlibc: minGlibc) else {
            throw CgoProblem(target: target.description, message: "crossgo knows no zig target for cgo on \(target.pair); set CC for it in crossgo.yaml (overrides: env: CC)")
        }
        if target.goos == "darwin" {
            guard let sdk, system.isDirectory(sdk + "/usr/lib") || system.fileExists(sdk + "/SDKSettings.json") else {
                throw CgoProblem(target: target.description, message: Self.missingSDK(target) + (sdk.map { " (\($0) is not a macOS SDK)" } ?? ""))
            }
        }
        guard let zig else {
            if let named = environment["CROSSGO_ZIG"], !named.isEmpty {
                throw CgoProblem(target: target.description, message: "cgo needs a C cross-compiler and crossgo uses zig, but CROSSGO_ZIG=\(named) is not an executable: fix it, unset it, or \(ZigCommand.installHint)")
            }
            throw CgoProblem(target: target.description, message: "cgo needs a C cross-compiler and crossgo uses zig, which is not found (not on PATH, no `python3 -m ziglang`): \(ZigCommand.installHint)")
        }
        let flags = extraFlags(target)
        do {
            env["CC"] = try writeWrapper(Self.wrapperScript(zig: zig, tool: "cc", triple: triple, flags: flags), name: "cc-\(triple)")
            env["CXX"] = try writeWrapper(Self.wrapperScript(zig: zig, tool: "c++", triple: triple, flags: flags), name: "c++-\(triple)")
        } catch {
            throw CgoProblem(target: target.description, message: "cannot write crossgo's zig wrapper in \(folder)/cc: \(error.localizedDescription)")
        }
        for (name, sub) in [("ZIG_GLOBAL_CACHE_DIR", "global"), ("ZIG_LOCAL_CACHE_DIR", "local")] where environment[name] == nil {
            env[name] = folder + "/" + sub
        }
        return (env, CgoSetting(compiler: .zig, libc: libc, zigTriple: triple))
    }

    /// Writes a wrapper at a path named by its content (so concurrent runs agree and go's cache key stays the same
    /// between builds), atomically, through the system; returns its path.
    func writeWrapper(_ script: String, name: String) throws -> String {
        let digest = sha256Hex(Data(script.utf8)).prefix(12)
        let path = "\(folder)/cc/\(digest)/\(name)"
        if system.isExecutableFile(path), let existing = system.readData(path), existing == Data(script.utf8) {
            return path
        }
        let temp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
        do {
            try system.writeData(Data(script.utf8), to: temp)  // makes the folder
            try system.setPermissions(temp, 0o755)
            try system.moveItem(temp, to: path)
        } catch {
            try? system.removeItem(temp)
            throw error
        }
        return path
    }
}
