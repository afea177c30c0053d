// Architecture levels reach qemu-user as CPU models: described hosts for the choice, and the real qemu for what it
// means (a linux/amd64/v3 binary never passes on the v1 model; each level runs on its own model).
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct CPULevelTests {
    static let qemus: Set<String> = ["/usr/bin/qemu-x86_64", "/usr/bin/qemu-arm", "/usr/bin/qemu-riscv64"]

    func detector(arch: String, cpuFlags: String?) async -> RunnerDetector {
        var files: [String: String] = [:]
        if let cpuFlags { files["/proc/cpuinfo"] = "processor\t: 0\nflags\t\t: \(cpuFlags)\n" }
        let system = DescribedSystem(osName: "linux", environment: ["PATH": "/usr/bin"], files: files, executables: Self.qemus, hardwareArch: arch)
        let toolchain = GoToolchain(goPath: "/usr/local/go/bin/go", env: ["GOROOT": "/usr/local/go", "GOHOSTOS": "linux", "GOHOSTARCH": arch], distTargets: [])
        return await RunnerDetector.probe(system: system, toolchain: toolchain)
    }

    @Test func levelsBecomeCPUModels() async throws {
        let arm64Host = await detector(arch: "arm64", cpuFlags: nil)
        func runner(_ spec: String, _ d: RunnerDetector) throws -> Runner {
            let parts = spec.split(separator: "/").map(String.init)
            return d.runner(for: Target(goos: parts[0], goarch: parts[1], variant: parts.count > 2 ? parts[2] : nil))
        }
        #expect(try runner("linux/amd64/v1", arm64Host).cpu == "qemu64")
        #expect(try runner("linux/amd64/v2", arm64Host).cpu == "Nehalem-v1")
        #expect(try runner("linux/amd64/v3", arm64Host).cpu == "max")
        let v4 = try runner("linux/amd64/v4", arm64Host)
        #expect(v4.kind == .buildOnly && v4.detail.contains("AVX-512"))
        #expect(try runner("linux/arm/5", arm64Host).command(binary: "/b") == ["/usr/bin/qemu-arm", "-cpu", "arm926", "/b"])
        #expect(try runner("linux/arm/6", arm64Host).cpu == "arm1176")
        #expect(try runner("linux/arm/7", arm64Host).cpu == "cortex-a15")
        #expect(try runner("linux/arm", arm64Host).command(binary: "/b") == ["/usr/bin/qemu-arm", "/b"])
        #expect(try runner("linux/riscv64/rva23u64", arm64Host).cpu?.contains("v=true") == true)
        #expect(try runner("linux/riscv64/rva20u64", arm64Host).cpu?.contains("zbb=false") == true)

        // An amd64 host: its own CPU decides. Without AVX2 a v3 binary goes to qemu's model that has it; v4 without
        // AVX-512 cannot run anywhere here; with the flags it is native.
        let oldCPU = await detector(arch: "amd64", cpuFlags: "fpu sse sse2 pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm")
        let v3 = try runner("linux/amd64/v3", oldCPU)
        #expect(v3.kind == .qemuUser && v3.cpu == "max" && v3.detail.contains("avx"))
        #expect(try runner("linux/amd64/v2", oldCPU).kind == .native)
        let v4Old = try runner("linux/amd64/v4", oldCPU)
        #expect(v4Old.kind == .buildOnly && !v4Old.canRun)
        let newCPU = await detector(arch: "amd64", cpuFlags: "pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm avx avx2 bmi1 bmi2 f16c fma abm movbe xsave")
        #expect(try runner("linux/amd64/v3", newCPU).kind == .native)
    }

    /// The real qemu: hello built per level, run on the model crossgo picks and on the level below.
    @Test(.requires("qemu-x86_64", "qemu-arm", "qemu-riscv64")) func realQemuHonoursLevels() async throws {
        let toolchain = try await realToolchain()
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let arm64Host = await detector(arch: "arm64", cpuFlags: nil)
        func build(_ target: Target) async throws -> String {
            let out = module.path + "/hello-" + target.description.replacingOccurrences(of: "/", with: "-")
            let env = target.environment.merging(["CGO_ENABLED": "0"]) { $1 }.mapValues { Optional($0) }
            let r = try await runProgram(toolchain.goPath, ["build", "-o", out, "."], environment: env, workingDirectory: module.path, timeout: 900)
            #expect(r.succeeded, "\(r.stderr)")
            return out
        }
        func run(_ binary: String, on target: Target) async throws -> ProgramResult {
            let argv = try #require(arm64Host.runner(for: target).command(binary: binary))
            let real = argv.map { $0.hasPrefix("/usr/bin/qemu") ? (($0 as NSString).lastPathComponent) : $0 }
            return try await runProgram(real[0], Array(real.dropFirst()), timeout: 120)
        }
        let cases: [(built: Target, below: Target?)] = [
            (Target(goos: "linux", goarch: "amd64", variant: "v3"), Target(goos: "linux", goarch: "amd64", variant: "v1")),
            (Target(goos: "linux", goarch: "arm", variant: "7"), Target(goos: "linux", goarch: "arm", variant: "5")),
            (Target(goos: "linux", goarch: "riscv64", variant: "rva23u64"), Target(goos: "linux", goarch: "riscv64", variant: "rva22u64")),
        ]
        for c in cases {
            let binary = try await build(c.built)
            let own = try await run(binary, on: c.built)
            #expect(own.succeeded && own.stdout.contains("hello"), "\(c.built) on its own model: \(own.stderr)")
            if let below = c.below {
                let lower = try await run(binary, on: below)
                #expect(!lower.succeeded && !lower.stdout.contains("hello"), "\(c.built) on \(below)'s model must fail: \(lower.stdout)")
            }
        }
    }
}
