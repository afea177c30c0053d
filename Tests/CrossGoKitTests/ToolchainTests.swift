// Toolchain discovery order and the facts read from the real `go`.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct ToolchainTests {
    /// A Linux machine with a `go` in several places; each case removes the ones that should win before it.
    func machine(env: [String: String], executables: Set<String>, directories: Set<String> = []) -> DescribedSystem {
        DescribedSystem(osName: "linux", environment: env, executables: executables, directories: directories, hardwareArch: "amd64")
    }

    @Test func discoveryOrder() throws {
        let all: Set<String> = ["/opt/flag/go", "/opt/env/go", "/usr/local/go/bin/go", "/repo/.tools/bin/go"]
        let env = ["PATH": "/usr/bin:/usr/local/go/bin", "CROSSGO_GO": "/opt/env/go"]
        let anchors = ["/repo/sub/dir"]
        var system = machine(env: env, executables: all)
        #expect(try ToolchainLocator(system: system, anchors: anchors).locate(explicit: "/opt/flag/go") == "/opt/flag/go")
        #expect(try ToolchainLocator(system: system, anchors: anchors).locate(explicit: nil) == "/opt/env/go")
        system.environment["CROSSGO_GO"] = nil
        #expect(try ToolchainLocator(system: system, anchors: anchors).locate(explicit: nil) == "/usr/local/go/bin/go")
        system.environment["PATH"] = "/usr/bin"
        #expect(try ToolchainLocator(system: system, anchors: anchors).locate(explicit: nil) == "/repo/.tools/bin/go")
        system.executables = []
        #expect(throws: ToolchainError.self) { try ToolchainLocator(system: system, anchors: anchors).locate(explicit: nil) }
        #expect(throws: ToolchainError.explicitMissing("/nope/go", origin: "--go")) {
            try ToolchainLocator(system: system, anchors: anchors).locate(explicit: "/nope/go")
        }
    }

    @Test func missingGoMessageSaysHowToGetOne() {
        let message = ToolchainError.notFound(searched: []).description
        #expect(message.contains("no `go` found"))
        #expect(message.contains("scripts/setup") && message.contains("go.dev/dl"))
        #expect(!message.contains("\n"))
    }

    /// Any host: the toolchain's host is the machine the tests run on, whichever that is.
    @Test func realToolchainFacts() async throws {
        let toolchain = try await realToolchain()
        #expect(toolchain.version.hasPrefix("go1."))
        #expect(FileManager.default.fileExists(atPath: toolchain.goroot + "/bin/go"))
        #expect(toolchain.host.pair == hostPair)
        #expect(toolchain.distTargets.count > 30)
        #expect(toolchain.dist("linux", "riscv64") != nil)
        #expect(toolchain.dist("windows", "wasm") == nil)
        #expect((toolchain.minorVersion ?? 0) >= 21)
    }

    @Test func versions() {
        #expect(GoVersion("go1.27.3")! > GoVersion("go1.9.12")!)
        #expect(GoVersion("1.22")?.description == "go1.22.0")
        #expect(GoVersion("go1.21rc2")?.minor == 21)
        #expect(GoVersion("devel +abc") == nil)
    }

    @Test func programTimeoutStopsTheChild() async throws {
        let start = Date()
        await #expect(throws: ProgramError.timedOut(program: "/bin/sleep", seconds: 0.5)) {
            _ = try await runProgram("/bin/sleep", ["300"], timeout: 0.5)
        }
        #expect(Date().timeIntervalSince(start) < 150)  // stopped, not waited for: the child would sleep 300 s
        let result = try await runProgram("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.exitCode == 3 && result.stdout == "out\n" && result.stderr == "err\n")
        let killed = try await runProgram("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.signal == 9 && !killed.succeeded)
        await #expect(throws: ProgramError.self) { _ = try await runProgram("/nonexistent/prog", []) }
    }
}
