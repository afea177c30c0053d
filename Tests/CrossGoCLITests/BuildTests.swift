// `crossgo build` with the real toolchain: the default set, failures, verification, interruption, configuration.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

@Suite(.serialized) struct BuildTests {
    static func manifest(_ dist: String) throws -> BuildManifest {
        try JSONDecoder().decode(BuildManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/manifest.json")))
    }

    @Test(.requires("sha256sum")) func defaultSetBuildsVerifiesAndRecords() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let toolchain = try await realToolchain()
        let result = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let dist = module.path + "/dist"
        let host = toolchain.host
        let expected: [String: Target] = [
            "hello_darwin_arm64": Target(goos: "darwin", goarch: "arm64"),
            "hello_linux_riscv64": Target(goos: "linux", goarch: "riscv64"),
            "hello_js_wasm.wasm": Target(goos: "js", goarch: "wasm"),
            "hello_wasip1_wasm.wasm": Target(goos: "wasip1", goarch: "wasm"),
            "hello_\(host.goos)_\(host.goarch)": host,
        ]
        #expect(Set(filesUnder(dist)) == Set(expected.keys).union([".gitignore", "SHA256SUMS", "manifest.json"]))
        // Our own reading of each file agrees with its target.
        for (name, target) in expected {
            let image = try BinaryImage.read(path: dist + "/" + name)
            let slice = try #require(image.slices.first)
            #expect(slice.goarch == target.goarch, "\(name)")
            #expect(slice.buildInfo?.setting("GOOS") == target.goos, "\(name)")
            #expect(slice.buildInfo?.setting("-trimpath") == "true", "\(name)")
            #expect(slice.buildInfo?.setting("CGO_ENABLED") == "0", "\(name)")
        }
        let sums = try await runProgram("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: dist)
        #expect(sums.exitCode == 0 && sums.stdout.components(separatedBy: ": OK").count - 1 == 5, "\(sums.stdout)")
        let manifest = try Self.manifest(dist)
        #expect(Set(manifest.artifacts.map(\.path)) == Set(expected.keys))
        #expect(manifest.go == toolchain.version && manifest.module == "example.com/hello" && manifest.failures.isEmpty)
        for artifact in manifest.artifacts {
            let attributes = try FileManager.default.attributesOfItem(atPath: dist + "/" + artifact.path)
            #expect((attributes[.size] as? Int) == artifact.size)
            #expect(try Builder.sha256(path: dist + "/" + artifact.path).1 == artifact.sha256)
            #expect(artifact.verification.passed && artifact.settings["GOARCH"] == artifact.goarch)
        }
        #expect(manifest.artifacts.first { $0.target == "darwin/arm64" }?.verification.confirmed.contains("code signature present") == true)
        #expect(manifest.artifacts.first { $0.target == "js/wasm" }?.verification.confirmed.contains("imports gojs") == true)
        #expect(manifest.artifacts.first { $0.target == "wasip1/wasm" }?.verification.confirmed.contains("imports wasi_snapshot_preview1") == true)
    }

    @Test(.requires("sha256sum")) func rebuildsKeepWhatIsUnchangedAndSeeEveryChange() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": module.path + "/.cache"]
        let args = ["build", "--no-progress", "--target", "linux/riscv64,wasip1/wasm"]
        let dist = module.path + "/dist"
        func digests() throws -> [String: String] {
            Dictionary(uniqueKeysWithValues: try Self.manifest(dist).artifacts.map { ($0.path, $0.sha256) })
        }
        func number(_ name: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: dist + "/" + name)[.systemFileNumber] as? Int
        }
        func sumsHold() async throws -> Bool {
            try await runProgram("sha256sum", ["-c", "--quiet", "SHA256SUMS"], workingDirectory: dist).exitCode == 0
        }
        #expect(try await runCrossgo(args, in: module.path, environment: env).exitCode == 0)
        let first = try digests()
        let inode = try number("hello_linux_riscv64")

        // Nothing changed: the same files stay in place, nothing half-written is left.
        let again = try await runCrossgo(args, in: module.path, environment: env)
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(try digests() == first)
        #expect(try number("hello_linux_riscv64") == inode)
        #expect(filesUnder(dist) == [".gitignore", "SHA256SUMS", "hello_linux_riscv64", "hello_wasip1_wasm.wasm", "manifest.json"])
        #expect(try await sumsHold())

        // A new main package: found although the package list of the unchanged tree was remembered.
        _ = try module.write("cmd/extra/main.go", "package main\n\nfunc main() { println(\"extra\") }\n")
        #expect(try await runCrossgo(args, in: module.path, environment: env).exitCode == 0)
        #expect(Set(try digests().keys) == ["hello_linux_riscv64", "hello_wasip1_wasm.wasm", "extra_linux_riscv64", "extra_wasip1_wasm.wasm"])

        // Changed source: new artifacts, recorded as they are.
        let main = try String(contentsOfFile: module.path + "/main.go", encoding: .utf8)
        _ = try module.write("main.go", main.replacingOccurrences(of: "func main() {", with: "func main() {\n\tprintln(\"changed\")"))
        #expect(try await runCrossgo(args, in: module.path, environment: env).exitCode == 0)
        #expect(try digests()["hello_linux_riscv64"] != first["hello_linux_riscv64"])
        #expect(try await sumsHold())

        // An artifact changed behind crossgo's back keeps its build ID, so go would keep it; crossgo builds it afresh.
        let before = try digests()
        let handle = try #require(FileHandle(forWritingAtPath: dist + "/hello_linux_riscv64"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("tampered".utf8))
        try handle.close()
        #expect(try await runCrossgo(args, in: module.path, environment: env).exitCode == 0)
        #expect(try digests() == before)
        #expect(try await sumsHold())
    }

    @Test func oneTargetFailingLeavesTheOthersIntact() async throws {
        let module = try TempFolder("crossgo-winfail")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/tool\n\ngo 1.21\n")
        try module.write("main.go", "package main\n\nfunc main() { println(platformName()) }\n")
        try module.write("name_other.go", "//go:build !windows\n\npackage main\n\nfunc platformName() string { return \"unix-like\" }\n")
        try module.write("name_windows.go", "package main\n\nfunc platformName() string { return missingWindowsHelper() }\n")
        let result = try await runCrossgo(["build", "--no-progress", "--target", "linux/amd64,windows/amd64,linux/arm64,wasip1/wasm"], in: module.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("FAILED tool windows/amd64 (build):"))
        #expect(result.stdout.contains("undefined: missingWindowsHelper"))
        let dist = module.path + "/dist"
        #expect(filesUnder(dist) == [".gitignore", "SHA256SUMS", "manifest.json", "tool_linux_amd64", "tool_linux_arm64", "tool_wasip1_wasm.wasm"])
        let manifest = try Self.manifest(dist)
        #expect(manifest.artifacts.count == 3 && manifest.artifacts.allSatisfy(\.verification.passed))
        #expect(manifest.failures.map(\.target) == ["windows/amd64"])
    }

    @Test func verificationCatchesAGoThatWritesTheWrongArchitecture() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let toolchain = try await realToolchain()
        // A `go` that quietly builds arm64 whatever it is asked for.
        let wrapper = try module.write("liar/go", "#!/bin/sh\nif [ \"$1\" = build ]; then export GOARCH=arm64; fi\nexec \(toolchain.goPath) \"$@\"\n", executable: true)
        let result = try await runCrossgo(["build", "--no-progress", "--go", wrapper, "--target", "linux/riscv64,linux/arm64"], in: module.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("FAILED hello linux/riscv64 (verify):"))
        #expect(result.stdout.contains("expected riscv64 code, the header says arm64"))
        #expect(filesUnder(module.path + "/dist") == [".gitignore", "SHA256SUMS", "hello_linux_arm64", "manifest.json"])
    }

    @Test func interruptLeavesNoPartialFiles() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let cache = try TempFolder("crossgo-cold-cache")
        defer { cache.cleanup() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: crossgoExecutable)
        process.arguments = ["build", "--no-progress", "--jobs", "4", "--target", "linux/amd64,linux/arm64,linux/riscv64,windows/amd64,js/wasm,wasip1/wasm,linux/s390x,linux/ppc64le"]
        process.currentDirectoryURL = URL(fileURLWithPath: module.path)
        var env = ProcessInfo.processInfo.environment
        env["GOCACHE"] = cache.path  // cold: builds take long enough to interrupt
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once the builds are under way (the output folder exists), however loaded the machine is.
        let started = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: module.path + "/dist/.gitignore") && process.isRunning && Date() < started {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        process.interrupt()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 130)
        let dist = module.path + "/dist"
        let files = filesUnder(dist)
        #expect(!files.contains { $0.contains(".crossgo-partial") })
        // Whatever finished is complete and recorded; nothing else is there.
        let manifest = try Self.manifest(dist)
        #expect(Set(files) == Set(manifest.artifacts.map(\.path)).union([".gitignore", "SHA256SUMS", "manifest.json"]))
        #expect(manifest.artifacts.count < 8)
    }

    @Test(arguments: [
        ("targets: [linux/amd64]\ntragets: [linux/arm64]\n", "crossgo.yaml:2: tragets: unknown key (did you mean targets?)"),
        ("targets:\n  - linux/amd64\n  - linux/risc64\n", "crossgo.yaml:2: targets: unknown target 'linux/risc64': did you mean linux/riscv64?"),
        ("targets: host\noutput: \"../{binary}{ext}\"\n", "crossgo.yaml:2: output: output template '../{binary}{ext}': would write outside the output folder"),
        ("targets: host\njobs: many\n", "crossgo.yaml:2: jobs: expected a positive whole number"),
        ("builds:\n  - main: .\n    ldflag: -s\n", "crossgo.yaml:3: builds[0].ldflag: unknown key (did you mean ldflags?)"),
        ("overrides:\n  - targets: linux/amd64\n    env: [1, 2]\n", "crossgo.yaml:3: overrides[0].env: expected a mapping"),
    ])
    func configErrorsNameFileLineAndKey(yaml: String, expected: String) async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("crossgo.yaml", yaml)
        let result = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(result.exitCode == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(module.path + "/" + expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: module.path + "/dist/manifest.json"))
    }

    @Test func configIsAppliedAndFlagsOverrideIt() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("crossgo.yaml", """
            targets: [linux/riscv64, linux/arm/7]
            output: "{os}-{arch}/{binary}_{variant}{ext}"
            builds:
              - main: .
                binary: greeter
                ldflags: -s -w
            overrides:
              - targets: linux/riscv64
                tags: [special]
            """)
        let result = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let dist = module.path + "/dist"
        #expect(filesUnder(dist) == [".gitignore", "SHA256SUMS", "linux-arm/greeter_7", "linux-riscv64/greeter", "manifest.json"])
        let manifest = try Self.manifest(dist)
        let arm = try #require(manifest.artifacts.first { $0.target == "linux/arm/7" })
        #expect(arm.settings["GOARM"] == "7", "\(arm.settings)")
        // go omits -ldflags from build info under -trimpath; the manifest keeps the arguments, and -s shows in the file.
        #expect(arm.goArguments.contains("-ldflags=-s -w"))
        let armImage = try BinaryImage.read(path: dist + "/" + arm.path)
        #expect(armImage.slices.first?.elf?.sections.contains { $0.name == ".symtab" } == false)
        #expect(arm.settings["-tags"] == nil)
        let riscv = try #require(manifest.artifacts.first { $0.goarch == "riscv64" })
        #expect(riscv.settings["-tags"] == "special")
        // Flags win over the file.
        let flagged = try await runCrossgo(["build", "--no-progress", "--target", "wasip1/wasm", "--ldflags=-X main.v=2", "--output", "{binary}{ext}"], in: module.path)
        #expect(flagged.exitCode == 0, "\(flagged.stderr)")
        let wasm = try #require(try Self.manifest(dist).artifacts.first)
        #expect(wasm.path == "greeter.wasm" && wasm.goArguments.contains("-ldflags=-X main.v=2"))
    }

    @Test func cleanRemovesOnlyWhatTheManifestListed() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let first = try await runCrossgo(["build", "--no-progress", "--target", "linux/arm64,linux/amd64"], in: module.path)
        #expect(first.exitCode == 0)
        try module.write("dist/NOTES.txt", "mine")
        let second = try await runCrossgo(["build", "--no-progress", "--clean", "--target", "wasip1/wasm", "--", "-tags=viaPassthrough"], in: module.path)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(filesUnder(module.path + "/dist") == [".gitignore", "NOTES.txt", "SHA256SUMS", "hello_wasip1_wasm.wasm", "manifest.json"])
        #expect(try Self.manifest(module.path + "/dist").artifacts.first?.settings["-tags"] == "viaPassthrough")
    }

    @Test func badFlagsAreOneLine() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        for (args, needle) in [(["--output", "/tmp/{binary}"], "must be relative"), (["--output", "{binary}{oops}"], "unknown placeholder"),
                               (["--target", "linux/risc64"], "did you mean linux/riscv64"), (["./nonexistent"], "go list failed")] {
            let result = try await runCrossgo(["build", "--no-progress"] + args, in: module.path)
            #expect(result.exitCode == 2)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(args): \(result.stderr)")
            #expect(result.stderr.contains(needle), "\(args): \(result.stderr)")
        }
    }

    @Test(.requires("qemu-riscv64", "node", "wasmtime")) func jsonEventsAndRunningWhatTheHostCan() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let json = try await runCrossgo(["build", "--json", "--target", "linux/riscv64,darwin/arm64"], in: module.path)
        #expect(json.exitCode == 0)
        let events = try json.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let kinds = events.compactMap { $0["event"] as? String }
        #expect(kinds.filter { $0 == "job-started" }.count == 2 && kinds.filter { $0 == "job-finished" }.count == 2)
        #expect(kinds.last == "summary")
        #expect(json.stderr.isEmpty)
        let run = try await runCrossgo(["build", "--no-progress", "--run", "--target", "linux/riscv64,js/wasm,wasip1/wasm,darwin/arm64,host"], in: module.path)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("linux/riscv64 [qemu-user]: hello from linux/riscv64"))
        #expect(run.stdout.contains("js/wasm [node]: hello from js/wasm"))
        #expect(run.stdout.contains("wasip1/wasm [wasmtime]: hello from wasip1/wasm"))
        #expect(run.stdout.contains("darwin/arm64: built and verified; not run: darwin binaries run only on macOS"))
    }
}
