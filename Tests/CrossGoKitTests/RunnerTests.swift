// How targets run: the real host (after scripts/setup) and described hosts.
import CrossGoKit
import TestSupport
import Testing

@Suite struct RunnerTests {
    @Test(.requiresHost("linux/amd64"), .requires("qemu-riscv64", "qemu-aarch64", "node", "wasmtime")) func thisHostAfterSetup() async throws {
        let toolchain = try await realToolchain()
        let context = CrossGoContext(anchors: [repositoryRoot])
        let runners = await context.runners(for: toolchain)
        #expect(runners.runner(for: toolchain.host).kind == .native)
        let riscv = runners.runner(for: Target(goos: "linux", goarch: "riscv64"))
        #expect(riscv.kind == .qemuUser && riscv.program?.hasSuffix("qemu-riscv64") == true)
        #expect(runners.runner(for: Target(goos: "linux", goarch: "arm64")).program?.hasSuffix("qemu-aarch64") == true)
        let js = runners.runner(for: Target(goos: "js", goarch: "wasm"))
        #expect(js.kind == .node && js.support?.hasSuffix("wasm_exec_node.js") == true)
        #expect(runners.runner(for: Target(goos: "wasip1", goarch: "wasm")).kind == .wasmtime)
        let darwin = runners.runner(for: Target(goos: "darwin", goarch: "arm64"))
        #expect(darwin.kind == .buildOnly && darwin.detail.contains("macOS"))
    }

    func detector(_ system: DescribedSystem, goroot: String = "/usr/local/go") async -> RunnerDetector {
        let toolchain = GoToolchain(goPath: goroot + "/bin/go",
                                    env: ["GOROOT": goroot, "GOHOSTOS": system.osName, "GOHOSTARCH": system.hardwareArch], distTargets: [])
        return await RunnerDetector.probe(system: system, toolchain: toolchain)
    }

    /// The text of /proc/sys/fs/binfmt_misc/qemu-riscv64 as Debian's qemu-user-binfmt registers it.
    static let riscvEntry = """
        enabled
        interpreter /usr/libexec/qemu-binfmt/riscv64-binfmt-P
        flags: POCF
        offset 0
        magic 7f454c460201010000000000000000000200f300
        mask ffffffffffffff00fffffffffffffffffeffffff
        """

    @Test func binfmtEntryParses() {
        let entry = BinfmtEntry.parse(name: "qemu-riscv64", text: Self.riscvEntry)
        #expect(entry.enabled && entry.interpreter == "/usr/libexec/qemu-binfmt/riscv64-binfmt-P")
        #expect(entry.elfMachine == 243 && entry.elfClass == 2)
    }

    @Test func linuxHostWithBinfmtAndWithoutQemu() async {
        let system = DescribedSystem(
            osName: "linux", environment: ["PATH": "/usr/bin"], executables: ["/usr/bin/node"],
            hardwareArch: "amd64", binfmt: [BinfmtEntry.parse(name: "qemu-riscv64", text: Self.riscvEntry)])
        let runners = await detector(system)
        let riscv = runners.runner(for: Target(goos: "linux", goarch: "riscv64"))
        #expect(riscv.kind == .binfmt && riscv.program == "/usr/libexec/qemu-binfmt/riscv64-binfmt-P")
        let arm = runners.runner(for: Target(goos: "linux", goarch: "arm64"))
        #expect(arm.kind == .buildOnly && arm.detail.contains("qemu-aarch64") && arm.fix?.contains("qemu-user") == true)
        // node without GOROOT's wasm_exec support file cannot run js/wasm; wasip1 falls back to node:wasi.
        #expect(runners.runner(for: Target(goos: "js", goarch: "wasm")).kind == .buildOnly)
        #expect(runners.runner(for: Target(goos: "wasip1", goarch: "wasm")).kind == .nodeWASI)
        #expect(runners.runner(for: Target(goos: "linux", goarch: "386")).kind == .native)
    }

    @Test func oldGorootKeepsWasmExecInMisc() async {
        let system = DescribedSystem(
            osName: "linux", environment: ["PATH": "/usr/bin"], files: ["/go121/misc/wasm/wasm_exec_node.js": "//"],
            executables: ["/usr/bin/node"], hardwareArch: "arm64")
        let js = await detector(system, goroot: "/go121").runner(for: Target(goos: "js", goarch: "wasm"))
        #expect(js.kind == .node && js.support == "/go121/misc/wasm/wasm_exec_node.js")
    }

    @Test func appleSiliconMac() async {
        let withRosetta = DescribedSystem(
            osName: "darwin", environment: ["PATH": "/opt/homebrew/bin:/usr/bin"],
            files: ["/Library/Apple/usr/libexec/oah/libRosettaRuntime": ""], executables: ["/opt/homebrew/bin/wasmtime"],
            hardwareArch: "arm64")
        let runners = await detector(withRosetta)
        #expect(runners.runner(for: Target(goos: "darwin", goarch: "arm64")).kind == .native)
        #expect(runners.runner(for: Target(goos: "darwin", goarch: "amd64")).kind == .rosetta)
        let linux = runners.runner(for: Target(goos: "linux", goarch: "riscv64"))
        #expect(linux.kind == .buildOnly && linux.detail.contains("Linux"))
        #expect(runners.runner(for: Target(goos: "wasip1", goarch: "wasm")).program == "/opt/homebrew/bin/wasmtime")
        let js = runners.runner(for: Target(goos: "js", goarch: "wasm"))
        #expect(js.kind == .buildOnly && js.fix == "brew install node")
    }
}
