// Issue 14: cgo across targets with the real zig, qemu-user and Wine, on Examples/cgo. One fixture builds, runs and tests
// the example once (cold zig + cgo builds take minutes per target on 2 cores); the tests read what it made.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

/// Examples/cgo built with `--run` for the four cgo targets plus darwin/arm64 (no SDK), its tests run on the four, and
/// its tests again with the `breakriscv` tag (a C-side failure on riscv64 only); made once for the suite.
actor CgoFixture {
    static let shared = CgoFixture()
    static let targets = ["linux/amd64", "linux/arm64", "linux/riscv64", "windows/amd64"]
    /// The Wine tests' cache folder: the Wine prefix is made once per machine, and zig's cache stays warm between runs.
    static let cache = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path + "/crossgo-wine-tests-cache"
    static var environment: EnvironmentChanges { ["CROSSGO_CACHE": cache, "NO_COLOR": "1", "SDKROOT": nil] }

    struct Made: Sendable {
        var module: TempFolder
        var build: ProgramResult
        var outcome: BuildSummary
        var test: ProgramResult
        var broken: ProgramResult
        var gnu: ProgramResult
        var gnuOutcome: BuildSummary
    }

    /// The parts of the build summary the tests read.
    struct BuildSummary: Decodable, Sendable {
        var artifacts: [Artifact]
        var failures: [BuildFailure]
        var runs: [RunRecord]
    }

    private var task: Task<Made, any Error>?

    func get() async throws -> Made {
        if let task { return try await task.value }
        let task = Task { try await Self.make() }
        self.task = task
        return try await task.value
    }

    static func make() async throws -> Made {
        let module = try copyExample("cgo")
        let build = try await runCrossgo(["build", "--run", "--json", "--no-progress", "--target", (targets + ["darwin/arm64"]).joined(separator: ",")],
                                         in: module.path, environment: environment)
        let outcome = try summaryOutcome(BuildSummary.self, from: build.stdout)
        let test = try await runCrossgo(["test", "--json", "--no-cache", "--target", targets.joined(separator: ",")], in: module.path, environment: environment)
        let broken = try await runCrossgo(["test", "--json", "--no-cache", "--tags", "breakriscv", "--target", targets.joined(separator: ","), "./calc"],
                                          in: module.path, environment: environment)
        // libc: gnu for linux/arm64 through a per-target override, in a second copy (its own dist/).
        let gnuModule = try copyExample("cgo")
        defer { gnuModule.cleanup() }
        try gnuModule.write("crossgo.yaml", """
            cgo: true
            overrides:
              - targets: linux/arm64
                libc: gnu
            """)
        let gnu = try await runCrossgo(["build", "--run", "--json", "--no-progress", "--target", "linux/arm64"], in: gnuModule.path, environment: environment)
        let gnuOutcome = try summaryOutcome(BuildSummary.self, from: gnu.stdout)
        return Made(module: module, build: build, outcome: outcome, test: test, broken: broken, gnu: gnu, gnuOutcome: gnuOutcome)
    }
}

@Suite(.serialized, .requires("zig", "qemu-aarch64", "qemu-riscv64", "wine", "wineserver", "file"), .requiresHost("linux/amd64"))
struct CgoTests {
    static func results(_ stdout: String) throws -> [PackageResult] {
        try TestCommandTests.results(stdout)
    }

    @Test func buildRunPrintsTheCResultFromEveryTarget() async throws {
        let made = try await CgoFixture.shared.get()
        #expect(made.build.exitCode == 1, "darwin/arm64 has no SDK here, so the build as a whole fails: \(made.build.stderr.suffix(2000))")
        #expect(Set(made.outcome.artifacts.map(\.target)) == Set(CgoFixture.targets))
        let libc = ["linux/amd64": "glibc", "linux/arm64": "musl", "linux/riscv64": "musl", "windows/amd64": "mingw-w64"]
        for target in CgoFixture.targets {
            let run = try #require(made.outcome.runs.first { $0.target == target }, "\(target) ran")
            #expect(run.status == .passed, "\(target): \(run.output) \(run.reason ?? "")")
            #expect(run.output.contains("cgo on \(target): C says hypot(3, 4) = 5 (libc: \(libc[target]!))"), "\(target): \(run.output)")
            #expect(run.output.contains("localhost -> [") && run.output.contains("127.0.0.1"), "\(target): \(run.output)")
        }
        #expect(made.outcome.runs.first { $0.target == "linux/arm64" }?.runner == "qemu-user")
        #expect(made.outcome.runs.first { $0.target == "windows/amd64" }?.runner == "wine")
    }

    @Test func darwinWithoutAnSDKIsOneLineNamingSDKROOT() async throws {
        let made = try await CgoFixture.shared.get()
        let failure = try #require(made.outcome.failures.first { $0.target == "darwin/arm64" })
        #expect(failure.stage == .build)
        #expect(!failure.message.contains("\n"), "one line, no linker output: \(failure.message)")
        #expect(failure.message.contains("SDKROOT") && failure.message.contains("--sdk"))
        #expect(failure.message.contains("Xcode or the Command Line Tools") && failure.message.contains("copy MacOSX.sdk"))
        #expect(!FileManager.default.fileExists(atPath: made.module.path + "/dist/cgocalc_darwin_arm64"))
        #expect(made.outcome.failures.count == 1, "the other targets are built: \(made.outcome.failures)")
    }

    @Test func muslArtifactsAreStaticAndWindowsImportsTheCRuntime() async throws {
        let made = try await CgoFixture.shared.get()
        let dist = made.module.path + "/dist/"
        for (target, arch) in [("linux_arm64", "ARM aarch64"), ("linux_riscv64", "RISC-V")] {
            let path = dist + "cgocalc_" + target
            let elf = try #require(try BinaryImage.read(path: path).slices.first?.elf)
            #expect(elf.interpreter == nil && elf.needed.isEmpty, "\(target): \(elf.interpreter ?? "") \(elf.needed)")
            let file = try await runProgram("file", ["-b", path])
            #expect(file.stdout.contains("statically linked") && file.stdout.contains(arch), "\(target): \(file.stdout)")
            let artifact = try #require(made.outcome.artifacts.first { $0.path == "cgocalc_" + target })
            #expect(artifact.verification.confirmed.contains("static (musl, no PT_INTERP)"))
            #expect(artifact.verification.confirmed.contains("build info CGO_ENABLED=1"))
            #expect(artifact.settings["CGO_ENABLED"] == "1")
            #expect(artifact.cgo?.zigTriple == (target == "linux_arm64" ? "aarch64-linux-musl" : "riscv64-linux-musl"))
        }
        // The host keeps its own C compiler (gcc, glibc): dynamic, with the glibc loader.
        let host = try #require(try BinaryImage.read(path: dist + "cgocalc_linux_amd64").slices.first?.elf)
        #expect(host.interpreter == "/lib64/ld-linux-x86-64.so.2" && host.needed.contains("libc.so.6"), "\(host.needed)")
        let windows = try PEDirectories.read(FileSource(path: dist + "cgocalc_windows_amd64.exe"))
        let runtime = windows.imports.keys.filter(ArtifactCheck.isCRuntimeDLL)
        #expect(!runtime.isEmpty, "\(windows.imports.keys.sorted())")
        let artifact = try #require(made.outcome.artifacts.first { $0.target == "windows/amd64" })
        #expect(artifact.verification.confirmed.contains { $0.hasPrefix("imports the C runtime") })
    }

    @Test func inspectShowsCgoTheCompilerAndDependencies() async throws {
        let made = try await CgoFixture.shared.get()
        let dist = made.module.path + "/dist/"
        let arm = try await runCrossgo(["inspect", dist + "cgocalc_linux_arm64"])
        #expect(arm.exitCode == 0, "\(arm.stderr)")
        #expect(arm.stdout.contains("CGO_ENABLED=1"), "\(arm.stdout)")
        #expect(arm.stdout.contains("C toolchain (.comment): clang version"), "zig's clang compiled the C code: \(arm.stdout)")
        #expect(arm.stdout.contains("dynamic dependencies: none (static)"), "\(arm.stdout)")
        let host = try await runCrossgo(["inspect", dist + "cgocalc_linux_amd64"])
        let deps = host.stdout.split(separator: "\n").first { $0.contains("dynamic dependencies:") } ?? ""
        #expect(deps.contains("libc.so.6") && host.stdout.contains("C toolchain (.comment): GCC:"), "\(host.stdout)")
        let windows = try await runCrossgo(["inspect", "--json", dist + "cgocalc_windows_amd64.exe"])
        #expect(windows.stdout.contains("\"dynamicDependencies\""), "\(windows.stdout)")
        #expect(windows.stdout.lowercased().contains("kernel32.dll"), "\(windows.stdout)")
    }

    @Test func testsPassOnTheFourTargets() async throws {
        let made = try await CgoFixture.shared.get()
        #expect(made.test.exitCode == 0, "\(made.test.stderr.suffix(3000))")
        let results = try Self.results(made.test.stdout)
        for target in CgoFixture.targets {
            for package in ["calc", "lookup"] {
                let cell = try #require(results.first { $0.package == "example.com/cgocalc/" + package && $0.target == target }, "\(package) \(target)")
                #expect(cell.status == .passed && cell.passedCount > 0, "\(package) on \(target): \(cell.status) \(cell.message ?? "")")
            }
        }
    }

    @Test func aCSideFailureShowsInItsColumnOnly() async throws {
        let made = try await CgoFixture.shared.get()
        #expect(made.broken.exitCode == 1, "\(made.broken.stderr.suffix(2000))")
        let results = try Self.results(made.broken.stdout)
        for target in CgoFixture.targets {
            let cell = try #require(results.first { $0.package == "example.com/cgocalc/calc" && $0.target == target })
            if target == "linux/riscv64" {
                #expect(cell.status == .failed && cell.tests.filter { $0.status == .failed }.map(\.name) == ["TestSelfCheck"], "\(cell.tests)")
                #expect(cell.tests.first { $0.name == "TestSelfCheck" }?.output.contains("the C self-check returned 41") == true)
            } else {
                #expect(cell.status == .passed, "\(target): \(cell.status)")
            }
        }
    }

    @Test func glibcOnArm64RunsUnderQemuWithTheCrossLibc() async throws {
        let made = try await CgoFixture.shared.get()
        #expect(made.gnu.exitCode == 0, "\(made.gnu.stderr.suffix(2000))")
        let run = try #require(made.gnuOutcome.runs.first)
        #expect(run.status == .passed && run.output.contains("(libc: glibc)"), "\(run.output)")
        let artifact = try #require(made.gnuOutcome.artifacts.first)
        #expect(artifact.verification.confirmed.contains("glibc interpreter /lib/ld-linux-aarch64.so.1"), "\(artifact.verification.confirmed)")
        #expect(artifact.cgo?.zigTriple == "aarch64-linux-gnu")
    }

    @Test func aMissingZigIsOneLinePerCgoTargetAndTheHostStillBuilds() async throws {
        let module = try copyExample("cgo")
        defer { module.cleanup() }
        var env = CgoFixture.environment
        env["CROSSGO_ZIG"] = "/nonexistent/zig"
        let result = try await runCrossgo(["build", "--json", "--no-progress", "--target", "linux/amd64,linux/arm64,windows/amd64"], in: module.path, environment: env)
        #expect(result.exitCode == 1, "\(result.stderr)")
        let outcome = try summaryOutcome(CgoFixture.BuildSummary.self, from: result.stdout)
        #expect(outcome.artifacts.map(\.target) == ["linux/amd64"])
        #expect(Set(outcome.failures.map(\.target)) == ["linux/arm64", "windows/amd64"])
        for failure in outcome.failures {
            #expect(!failure.message.contains("\n") && failure.message.contains("CROSSGO_ZIG=/nonexistent/zig is not an executable")
                    && failure.message.contains("pip install ziglang"), "\(failure.message)")
        }
    }

    @Test func aUserCCWinsAndThePlanAndTheDoctorSaySo() async throws {
        let module = try copyExample("cgo")
        defer { module.cleanup() }
        try module.write("crossgo.yaml", """
            cgo: true
            overrides:
              - targets: linux/arm64
                env: {CC: /nonexistent/aarch64-linux-gnu-gcc}
            """)
        let build = try await runCrossgo(["build", "--json", "--no-progress", "--target", "linux/arm64"], in: module.path, environment: CgoFixture.environment)
        #expect(build.exitCode == 1, "the user's CC does not exist, and go says so: \(build.stderr)")
        #expect(build.stdout.contains("cgo linux/arm64: CC=/nonexistent/aarch64-linux-gnu-gcc from crossgo.yaml wins over zig"), "\(build.stdout.prefix(3000))")
        let outcome = try summaryOutcome(CgoFixture.BuildSummary.self, from: build.stdout)
        #expect(outcome.failures.first?.message.contains("/nonexistent/aarch64-linux-gnu-gcc") == true, "\(outcome.failures)")
        let doctor = try await runCrossgo(["doctor", "--json"], in: module.path, environment: CgoFixture.environment)
        let findings = try doctorFindings(from: doctor.stdout)
        let cgo = try #require(findings.first { $0.id == "cgo" })
        #expect(cgo.evidence.contains("crossgo.yaml: CC=/nonexistent/aarch64-linux-gnu-gcc for linux/arm64 wins over zig"), "\(cgo.evidence)")
        #expect(cgo.evidence.contains { $0.hasPrefix("cgo for other targets (crossgo --cgo): zig = /") && $0.hasSuffix("/zig") }, "\(cgo.evidence)")
        #expect(cgo.evidence.contains { $0.hasPrefix("darwin targets with cgo: SDKROOT unset") }, "\(cgo.evidence)")
    }
}
