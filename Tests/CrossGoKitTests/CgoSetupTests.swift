// cgo set-up decided apart from building: zig triples, the wrappers (run for real through zig), who provides CC, the
// one-line problems (no zig, no macOS SDK, no cross glibc), crossgo.yaml's cgo and libc keys, qemu's -L for glibc.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct CgoSetupTests {
    static let host = Target(goos: "linux", goarch: "amd64")

    /// Files are the real ones (the wrappers are written and run), the environment only `environment`.
    static func toolchain(zig: ZigCommand?, sdk: String? = nil, environment: [String: String] = [:], folder: String,
                          system: RecordingSystem? = nil) -> CgoToolchain {
        CgoToolchain(zig: zig, host: host, folder: folder, sdk: sdk, system: system ?? RecordingSystem(environment: environment))
    }

    @Test func zigTriplesPerTargetAndLibc() {
        #expect(CgoToolchain.zigTriple(Target(goos: "linux", goarch: "arm64"), libc: .musl) == "aarch64-linux-musl")
        #expect(CgoToolchain.zigTriple(Target(goos: "linux", goarch: "riscv64"), libc: .gnu) == "riscv64-linux-gnu")
        #expect(CgoToolchain.zigTriple(Target(goos: "linux", goarch: "arm", variant: "7"), libc: .musl) == "arm-linux-musleabihf")
        #expect(CgoToolchain.zigTriple(Target(goos: "windows", goarch: "amd64"), libc: .musl) == "x86_64-windows-gnu")
        #expect(CgoToolchain.zigTriple(Target(goos: "darwin", goarch: "arm64"), libc: .musl) == "aarch64-macos")
        #expect(CgoToolchain.zigTriple(Target(goos: "js", goarch: "wasm"), libc: .musl) == nil)
        #expect(CgoToolchain.glibcInterpreter(goarch: "arm64") == "/lib/ld-linux-aarch64.so.1")
        #expect(CgoToolchain.debianCrossLibc(goarch: "riscv64")?.package == "libc6-riscv64-cross")
    }

    @Test(.requires("zig")) func foreignTargetsGetARealZigWrapperAndCrossgosZigCache() async throws {
        let folder = try TempFolder("crossgo-cgo-setup")
        defer { folder.cleanup() }
        let zigPath = try #require(liveSystem().which("zig", extraDirectories: [repositoryRoot + "/.tools/bin"]))
        let system = RecordingSystem(environment: [:])
        let cgo = Self.toolchain(zig: ZigCommand(argv: [zigPath]), folder: folder.path, system: system)
        let (env, setting) = try cgo.environment(for: Target(goos: "linux", goarch: "arm64"), libc: .musl, userEnvironment: [:])
        #expect(setting == CgoSetting(compiler: .zig, libc: .musl, zigTriple: "aarch64-linux-musl"))
        #expect(env["CGO_ENABLED"] == "1")
        #expect(env["ZIG_GLOBAL_CACHE_DIR"] == folder.path + "/global" && env["ZIG_LOCAL_CACHE_DIR"] == folder.path + "/local")
        let cc = try #require(env["CC"])
        #expect(cc.hasPrefix(folder.path + "/cc/") && cc.hasSuffix("/cc-aarch64-linux-musl"))
        #expect(FileManager.default.isExecutableFile(atPath: cc) && env["CXX"]?.hasSuffix("/c++-aarch64-linux-musl") == true)
        // Written through the toolchain's system: a temporary sibling made executable, then renamed into place.
        #expect(system.log.contains { $0.hasPrefix("write " + cc + ".tmp-") } && system.log.contains { $0.hasPrefix("chmod " + cc + ".tmp-") })
        #expect(system.log.contains("move " + cc), "\(system.log)")
        // The wrapper is one program that runs zig cc for the target: ask it which target it compiles for.
        let printed = try await runProgram(cc, ["-dumpmachine"], environment: ["ZIG_GLOBAL_CACHE_DIR": folder.path + "/global"], timeout: 120)
        #expect(printed.exitCode == 0 && printed.stdout.hasPrefix("aarch64"), "\(printed.stdout) \(printed.stderr)")
        // Same content, same path (go's cache key for the C compiler stays put); a user's zig cache wins.
        let again = try Self.toolchain(zig: ZigCommand(argv: [zigPath]), environment: ["ZIG_GLOBAL_CACHE_DIR": "/mine"], folder: folder.path)
            .environment(for: Target(goos: "linux", goarch: "arm64"), libc: .musl, userEnvironment: [:])
        #expect(again.environment["CC"] == cc)
        #expect(again.environment["ZIG_GLOBAL_CACHE_DIR"] == nil, "set by the user: crossgo leaves it to the environment")
    }

    @Test func staticMuslProgramsAreLinkedByZig() {
        let musl = CgoSetting(compiler: .zig, libc: .musl, zigTriple: "aarch64-linux-musl")
        #expect(musl.withLinkMode(["-trimpath"]) == ["-ldflags=-linkmode=external", "-trimpath"])
        #expect(musl.withLinkMode(["-ldflags=-s -w", "-tags=x"]) == ["-ldflags=-linkmode=external -s -w", "-tags=x"])
        #expect(musl.withLinkMode(["-ldflags="]) == ["-ldflags=-linkmode=external "])
        #expect(musl.withLinkMode(["-ldflags", "-linkmode=internal"]) == ["-ldflags", "-linkmode=internal"], "the user's choice stays")
        #expect(CgoSetting(compiler: .zig, libc: .gnu, zigTriple: "aarch64-linux-gnu").withLinkMode(["-trimpath"]) == ["-trimpath"])
        #expect(CgoSetting(compiler: .zig, libc: .musl, zigTriple: "x86_64-windows-gnu").withLinkMode([]) == [])
        #expect(CgoSetting(compiler: .host, libc: .musl, zigTriple: nil).withLinkMode([]) == [])
    }

    @Test func wrappersRunZigOrPythonsZiglang() {
        let zig = CgoToolchain.wrapperScript(zig: ZigCommand(argv: ["/opt/my zig/zig"]), tool: "cc", triple: "riscv64-linux-musl", flags: [])
        #expect(zig.hasPrefix("#!/bin/sh\n") && zig.hasSuffix("exec \"/opt/my zig/zig\" cc -target riscv64-linux-musl \"$@\"\n"), "\(zig)")
        let python = CgoToolchain.wrapperScript(zig: ZigCommand(argv: ["/usr/bin/python3", "-m", "ziglang"]), tool: "c++", triple: "x86_64-windows-gnu", flags: [])
        #expect(python.hasSuffix("exec /usr/bin/python3 -m ziglang c++ -target x86_64-windows-gnu \"$@\"\n"), "\(python)")
    }

    @Test func theHostKeepsItsCompilerAndAUserCCWins() throws {
        let folder = try TempFolder("crossgo-cgo-setup")
        defer { folder.cleanup() }
        var cgo = Self.toolchain(zig: ZigCommand(argv: ["/opt/zig/zig"]), folder: folder.path)
        cgo.withoutCgo = ["js/wasm"]
        let wasm = try cgo.environment(for: Target(goos: "js", goarch: "wasm"), libc: .musl, userEnvironment: [:])
        #expect(wasm.environment == ["CGO_ENABLED": "0"] && wasm.setting.compiler == .off, "Go has no cgo there: built without it")
        let host = try cgo.environment(for: Self.host, libc: .musl, userEnvironment: [:])
        #expect(host.setting.compiler == .host && host.environment == ["CGO_ENABLED": "1"])
        let user = try cgo.environment(for: Target(goos: "linux", goarch: "arm64"), libc: .musl, userEnvironment: ["CC": "aarch64-linux-gnu-gcc"])
        #expect(user.setting.compiler == .user && user.environment["CC"] == nil, "the plan adds the user's CC itself")
    }

    @Test func noZigAndNoSDKAreOneLineEach() throws {
        let folder = try TempFolder("crossgo-cgo-setup")
        defer { folder.cleanup() }
        let noZig = Self.toolchain(zig: nil, folder: folder.path)
        #expect(throws: CgoProblem.self) { try noZig.environment(for: Target(goos: "windows", goarch: "amd64"), libc: .musl, userEnvironment: [:]) }
        do throws(CgoProblem) {
            _ = try noZig.environment(for: Target(goos: "linux", goarch: "riscv64"), libc: .musl, userEnvironment: [:])
        } catch {
            #expect(error.description.hasPrefix("linux/riscv64: ") && error.description.contains("pip install ziglang") && !error.description.contains("\n"))
        }
        let zig = ZigCommand(argv: ["/opt/zig/zig"])
        for sdk in [nil, "/nowhere/MacOSX.sdk"] {
            do throws(CgoProblem) {
                _ = try Self.toolchain(zig: zig, sdk: sdk, folder: folder.path).environment(for: Target(goos: "darwin", goarch: "arm64"), libc: .musl, userEnvironment: [:])
                Issue.record("darwin without an SDK must not be set up")
            } catch {
                #expect(error.message.contains("SDKROOT") && error.message.contains("--sdk") && !error.message.contains("\n"), "\(error)")
                #expect(sdk == nil || error.message.contains("/nowhere/MacOSX.sdk is not a macOS SDK"))
            }
        }
        // With an SDK folder: zig gets its sysroot, frameworks and libraries.
        let sdkPath = folder.path + "/sdk/MacOSX.sdk"
        try FileManager.default.createDirectory(atPath: sdkPath + "/usr/lib", withIntermediateDirectories: true)
        let sdk = Self.toolchain(zig: zig, sdk: sdkPath, folder: folder.path + "/cache")
        let (env, _) = try sdk.environment(for: Target(goos: "darwin", goarch: "arm64"), libc: .musl, userEnvironment: [:])
        let script = try String(contentsOfFile: try #require(env["CC"]), encoding: .utf8)
        #expect(script.contains("/opt/zig/zig cc -target aarch64-macos --sysroot \(sdkPath) -F\(sdkPath)/System/Library/Frameworks -L\(sdkPath)/usr/lib"), "\(script)")
    }

    @Test func onADescribedMachineTheWrapperIsNotWrittenAndTheProblemSaysWhy() throws {
        let folder = "/described/cache/zig"
        let described = DescribedSystem(osName: "linux", hardwareArch: "amd64")
        let cgo = CgoToolchain(zig: ZigCommand(argv: ["/opt/zig/zig"]), host: Self.host, folder: folder, sdk: nil, system: described)
        let error = #expect(throws: CgoProblem.self) {
            try cgo.environment(for: Target(goos: "linux", goarch: "arm64"), libc: .musl, userEnvironment: [:])
        }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("cannot write crossgo's zig wrapper in \(folder)/cc: \(folder)/cc/"), "\(message)")
        #expect(message.hasSuffix(": the described system is read-only"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: "/described"))
    }

    @Test func crossgoYamlReadsCgoAndLibcEverywhere() throws {
        let config = try BuildConfig.parse("""
            cgo: true
            libc: gnu
            builds:
              - main: ./cmd/a
                cgo: false
                libc: musl
            overrides:
              - targets: linux/arm64
                libc: glibc
            """, file: "crossgo.yaml")
        #expect(config.cgo == true && config.libc == .gnu)
        #expect(config.builds.first?.cgo == false && config.builds.first?.libc == .musl)
        #expect(config.overrides.first?.libc == .gnu)
        #expect(throws: ConfigError(file: "crossgo.yaml", line: 2, key: "libc", message: "expected musl, gnu or gnu.X.Y (the C library of linux cgo builds)")) {
            try BuildConfig.parse("cgo: true\nlibc: uclibc\n", file: "crossgo.yaml")
        }
    }

    @Test func aGlibcFloorIsZigsTargetSuffixAndTheHostUsesZigForIt() throws {
        let config = try BuildConfig.parse("""
            cgo: true
            libc: gnu.2.17
            overrides:
              - targets: linux/arm64
                libc: glibc.2.28
              - targets: linux/riscv64
                libc: musl
            """, file: "crossgo.yaml")
        #expect(config.libc == .gnu && config.minGlibc == "2.17")
        #expect(config.overrides.first?.libc == .gnu && config.overrides.first?.minGlibc == "2.28")
        #expect(throws: ConfigError(file: "crossgo.yaml", line: 2, key: "libc", message: "expected a glibc version after gnu. (gnu.2.17), not 'banana'")) {
            try BuildConfig.parse("cgo: true\nlibc: gnu.banana\n", file: "crossgo.yaml")
        }
        #expect(CgoToolchain.zigTriple(Target(goos: "linux", goarch: "amd64"), libc: .gnu, minGlibc: "2.17") == "x86_64-linux-gnu.2.17")
        #expect(CgoToolchain.zigTriple(Target(goos: "linux", goarch: "amd64"), libc: .musl, minGlibc: "2.17") == "x86_64-linux-musl")
        #expect(CgoToolchain.zigTriple(Target(goos: "windows", goarch: "amd64"), libc: .gnu, minGlibc: "2.17") == "x86_64-windows-gnu")
        #expect(GlibcVersion.isValid("2.17") && GlibcVersion.isValid("2.3.4") && !GlibcVersion.isValid("2") && !GlibcVersion.isValid("3.1")
                && !GlibcVersion.isValid("2.x") && !GlibcVersion.isValid("2.17.1.1"))
        #expect(GlibcVersion.exceeds("2.34", "2.17") && !GlibcVersion.exceeds("2.3.4", "2.17") && !GlibcVersion.exceeds("2.17", "2.17"))

        let folder = try TempFolder("crossgo-cgo-floor")
        defer { folder.cleanup() }
        let cgo = Self.toolchain(zig: ZigCommand(argv: ["/opt/zig/zig"]), folder: folder.path)
        // The nearest level that names a libc decides, with its floor; the flag wins over every level; musl keeps no floor.
        let arm = TargetCgo.decide(for: Target(goos: "linux", goarch: "arm64"), flag: nil, applying: [config.overrides[0]], build: nil,
                                   config: config, userEnvironment: [:], toolchain: cgo)
        #expect(arm?.setting.zigTriple == "aarch64-linux-gnu.2.28" && arm?.setting.minGlibc == "2.28")
        let riscv = TargetCgo.decide(for: Target(goos: "linux", goarch: "riscv64"), flag: nil, applying: [config.overrides[1]], build: nil,
                                     config: config, userEnvironment: [:], toolchain: cgo)
        #expect(riscv?.setting.libc == .musl && riscv?.setting.minGlibc == nil)
        let flagged = TargetCgo.decide(for: Target(goos: "linux", goarch: "riscv64"), flag: nil, applying: [config.overrides[1]], build: nil,
                                       config: config, userEnvironment: [:], toolchain: cgo, minGlibc: "2.31")
        #expect(flagged?.setting.zigTriple == "riscv64-linux-gnu.2.31")
        // The host keeps its own compiler, unless a glibc floor is promised: then zig links against that glibc.
        let host = TargetCgo.decide(for: Self.host, flag: nil, applying: [], build: nil, config: config, userEnvironment: [:], toolchain: cgo)
        #expect(host?.setting.compiler == .zig && host?.setting.zigTriple == "x86_64-linux-gnu.2.17")
        let plain = try BuildConfig.parse("cgo: true\nlibc: gnu\n", file: "crossgo.yaml")
        let hostPlain = TargetCgo.decide(for: Self.host, flag: nil, applying: [], build: nil, config: plain, userEnvironment: [:], toolchain: cgo)
        #expect(hostPlain?.setting.compiler == .host && hostPlain?.setting.minGlibc == nil)
        // A windows target has no glibc: no floor recorded for it.
        let windows = TargetCgo.decide(for: Target(goos: "windows", goarch: "amd64"), flag: nil, applying: [], build: nil, config: config,
                                       userEnvironment: [:], toolchain: cgo, minGlibc: "2.17")
        #expect(windows?.setting.minGlibc == nil && windows?.setting.zigTriple == "x86_64-windows-gnu")
    }

    @Test func glibcProgramsRunUnderQemuWithTheCrossLibcOrNameThePackage() async throws {
        let toolchain = GoToolchain(goPath: "/usr/local/go/bin/go", env: ["GOROOT": "/usr/local/go", "GOHOSTOS": "linux", "GOHOSTARCH": "amd64"], distTargets: [])
        let gnu = CgoSetting(compiler: .zig, libc: .gnu, zigTriple: "aarch64-linux-gnu")
        let arm64 = Target(goos: "linux", goarch: "arm64")
        let with = DescribedSystem(osName: "linux", environment: ["PATH": "/usr/bin"], executables: ["/usr/bin/qemu-aarch64"],
                                   directories: ["/usr/aarch64-linux-gnu/lib"], hardwareArch: "amd64")
        let runner = await RunnerDetector.probe(system: with, toolchain: toolchain).runner(for: arm64, cgo: gnu)
        #expect(runner.command(binary: "/tmp/p") == ["/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "/tmp/p"])
        // musl programs need no sysroot.
        let musl = await RunnerDetector.probe(system: with, toolchain: toolchain).runner(for: arm64, cgo: CgoSetting(compiler: .zig, libc: .musl, zigTriple: nil))
        #expect(musl.command(binary: "/tmp/p") == ["/usr/bin/qemu-aarch64", "/tmp/p"])
        // Without Debian's libc6-arm64-cross: not run, and the one package is named.
        let without = DescribedSystem(osName: "linux", environment: ["PATH": "/usr/bin"], executables: ["/usr/bin/qemu-aarch64"], hardwareArch: "amd64")
        let missing = await RunnerDetector.probe(system: without, toolchain: toolchain).runner(for: arm64, cgo: gnu)
        #expect(missing.kind == .buildOnly && missing.fix == "sudo apt-get install libc6-arm64-cross", "\(missing)")
        #expect(missing.detail.contains("/usr/aarch64-linux-gnu"))
    }
}
