// Issue 11: crossgo never says what the toolchain would contradict. Each test reproduces one defect found
// on real modules, with the real toolchain.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

@Suite struct TruthTests {
    static func manifest(_ dist: String) throws -> BuildManifest {
        try JSONDecoder().decode(BuildManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/manifest.json")))
    }

    static func git(_ args: [String], in dir: String) async throws -> ProgramResult {
        try await runProgram("git", args, environment: ["GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                                                        "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
                                                        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"], workingDirectory: dir)
    }

    /// Defect 1: crossgo's own dist/ must not make go stamp artifacts as modified.
    @Test(.requires("git")) func aCleanCheckoutStaysCleanAndBuildsReproducibly() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]] {
            #expect(try await Self.git(args, in: module.path).exitCode == 0)
        }
        let args = ["build", "--no-progress", "--target", "host,linux/riscv64,wasip1/wasm"]
        let first = try await runCrossgo(args, in: module.path)
        #expect(first.exitCode == 0, "\(first.stderr)")
        let sums1 = try String(contentsOfFile: module.path + "/dist/SHA256SUMS", encoding: .utf8)
        let manifest = try Self.manifest(module.path + "/dist")
        #expect(manifest.treeDirty == false)
        #expect(manifest.artifacts.count == 3 && manifest.artifacts.allSatisfy { $0.settings["vcs.modified"] == "false" },
                "\(manifest.artifacts.map { $0.settings["vcs.modified"] ?? "none" })")
        #expect(try await Self.git(["status", "--porcelain"], in: module.path).stdout.isEmpty)
        let second = try await runCrossgo(args + ["--clean"], in: module.path)
        #expect(second.exitCode == 0)
        #expect(try String(contentsOfFile: module.path + "/dist/SHA256SUMS", encoding: .utf8) == sums1)
        // A change before crossgo starts is recorded as such.
        try module.write("NOTES.txt", "uncommitted")
        #expect(try await runCrossgo(args, in: module.path).exitCode == 0)
        #expect(try Self.manifest(module.path + "/dist").treeDirty == true)
    }

    /// Defect 3: programs behind build constraints are found with the build's tags and target.
    @Test func programsExistPerTargetAndTags() async throws {
        let module = try copyFixture("truth")
        defer { module.cleanup() }
        let tagged = try await runCrossgo(["build", "./cmd/special", "--tags", "special", "--target", "host", "--no-progress"], in: module.path)
        #expect(tagged.exitCode == 0, "\(tagged.stderr)")
        let untagged = try await runCrossgo(["build", "./cmd/special", "--target", "host", "--no-progress"], in: module.path)
        #expect(untagged.exitCode == 2 && untagged.stderr.contains("build constraints exclude them all"), "\(untagged.stderr)")
        let all = try await runCrossgo(["build", "--target", "host,windows/amd64", "--no-progress"], in: module.path)
        #expect(all.exitCode == 0, "\(all.stderr)")
        let manifest = try Self.manifest(module.path + "/dist")
        #expect(Set(manifest.artifacts.map(\.path)) == ["plain_linux_amd64", "plain_windows_amd64.exe", "winonly_windows_amd64.exe"])
        #expect(manifest.absent?.map { "\($0.binary) \($0.target)" } == ["winonly linux/amd64"])
        #expect(all.stdout.contains("absent winonly linux/amd64"))
    }

    /// Defect 2 and 10: flags crossgo owns are refused; dist/ holds exactly the manifest.
    @Test func distHoldsExactlyTheManifest() async throws {
        let module = try copyFixture("truth")
        defer { module.cleanup() }
        let dist = module.path + "/dist"
        #expect(try await runCrossgo(["build", "./cmd/plain", "--target", "host,linux/riscv64", "--no-progress"], in: module.path).exitCode == 0)
        #expect(filesUnder(dist) == [".gitignore", "SHA256SUMS", "manifest.json", "plain_linux_amd64", "plain_linux_riscv64"])
        // -o is refused before anything is built: the artifact in dist/ is never stale.
        let redirected = try await runCrossgo(["build", "./cmd/plain", "--target", "host", "--", "-o", module.path + "/elsewhere"], in: module.path)
        #expect(redirected.exitCode == 2 && !FileManager.default.fileExists(atPath: module.path + "/elsewhere"))
        // riscv64 now fails to build: its previous artifact does not survive beside a manifest that omits it.
        try module.write("cmd/plain/broken_riscv64.go", "package main\n\nvar x int = \"not an int\"\n")
        let failing = try await runCrossgo(["build", "./cmd/plain", "--target", "host,linux/riscv64", "--no-progress"], in: module.path)
        #expect(failing.exitCode == 1)
        let manifest = try Self.manifest(dist)
        #expect(manifest.artifacts.map(\.path) == ["plain_linux_amd64"] && manifest.failures.map(\.target) == ["linux/riscv64"])
        #expect(filesUnder(dist) == [".gitignore", "SHA256SUMS", "manifest.json", "plain_linux_amd64"])
    }

    /// Defect 8: a GOFLAGS meant for go build does not break crossgo's own go queries.
    @Test func goflagsForGoBuildDoNotBreakCrossgo() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let result = try await runCrossgo(["build", "--target", "host", "--no-progress"], in: module.path, environment: ["GOFLAGS": "-ldflags=-s -w", "CROSSGO_CACHE": "off"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let targets = try await runCrossgo(["targets", "--target", "host"], in: module.path, environment: ["GOFLAGS": "-ldflags=-s -w", "CROSSGO_CACHE": "off"])
        #expect(targets.exitCode == 0, "\(targets.stderr)")
    }

    /// Defect 9: an empty --ldflags= value takes nothing else with it.
    @Test func emptyLdflagsSwallowNothing() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let result = try await runCrossgo(["build", "--ldflags=", "--tags", "netgo", "--target", "host", "--json"], in: module.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let manifest = try Self.manifest(module.path + "/dist")
        let args = try #require(manifest.artifacts.first?.goArguments)
        #expect(args.contains("-tags=netgo") && !args.contains { $0.hasPrefix("-ldflags") }, "\(args)")
        try module.write("crossgo.yaml", "builds:\n  - main: .\n    ldflags: \"\"\n")
        let fromConfig = try await runCrossgo(["build", "--target", "host", "--no-progress"], in: module.path)
        #expect(fromConfig.exitCode == 0, "\(fromConfig.stderr)")
        #expect(try Self.manifest(module.path + "/dist").artifacts.first?.goArguments.contains { $0.hasPrefix("-ldflags") } == false)
    }

    /// Defect 13: arguments for --run, general target globs.
    @Test(.requires("wasmtime")) func runArgumentsAndGlobs() async throws {
        let module = try copyFixture("truth")
        defer { module.cleanup() }
        let ran = try await runCrossgo(["build", "./cmd/plain", "--target", "host,wasip1/wasm", "--run", "--arg", "-x", "--arg", "two words", "--no-progress"], in: module.path)
        #expect(ran.exitCode == 0, "\(ran.stderr)")
        #expect(ran.stdout.components(separatedBy: "args: -x,two words").count == 3, "\(ran.stdout)")
        let none = try await runCrossgo(["targets", "--target", "linux/mips?"], in: module.path)
        #expect(none.exitCode == 2 && none.stderr.contains("target pattern 'linux/mips?' matches no target"), "\(none.stderr)")
        let globs = try await runCrossgo(["targets", "--target", "linux/arm*,linux/mips??", "--json"], in: module.path)
        #expect(globs.exitCode == 0, "\(globs.stderr)")
        let line = try #require(globs.stdout.split(separator: "\n").last)
        struct Summary: Decodable { struct Outcome: Decodable { struct Row: Decodable { var target: String }; var targets: [Row] }; var outcome: Outcome }
        let rows = try JSONDecoder().decode(Summary.self, from: Data(line.utf8)).outcome.targets.map(\.target)
        #expect(Set(rows) == ["linux/arm", "linux/arm64", "linux/mips64", "linux/mipsle"], "\(rows)")
    }

    /// Defects 5, 11 and 13: wasip1 verdicts as go's own wrapper gives them; a missing runner is not a pass;
    /// the skip reason survives into JUnit; --timeout 0 means no limit.
    @Test(.requires("wasmtime", "node", "qemu-riscv64")) func testVerdictsAgreeWithGo() async throws {
        let module = try copyFixture("truth")
        defer { module.cleanup() }
        let junit = module.path + "/junit.xml"
        let result = try await runCrossgo(["test", "./lookup", "./goenv", "--target", "wasip1/wasm,host,linux/riscv64,js/wasm", "--no-cache", "--timeout", "0",
                                           "--junit", junit, "--no-progress"], in: module.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<skipped message=\"lookup_test.go:19: needs a printer\"/>"), "\(xml)")
        #expect(result.stdout.contains("example.com/truth/goenv") && !result.stdout.contains("FAIL"), "\(result.stdout)")
        // The same package with no qemu on PATH: linux/riscv64 is not run, and that is not a success.
        // A PATH with go alone: no qemu-user anywhere (the machine's /bin is /usr/bin on Debian, where qemu lives).
        let bin = try TempFolder("crossgo-bin")
        defer { bin.cleanup() }
        let env: EnvironmentChanges = ["PATH": bin.path, "CROSSGO_GO": try await realToolchain().goPath]
        let missing = try await runCrossgo(["test", "./lookup", "--target", "linux/riscv64", "--no-progress"], in: module.path, environment: env)
        #expect(missing.exitCode == 1, "\(missing.stderr)")
        #expect(missing.stdout.contains("NOT RUN") && missing.stdout.contains("1 not run"), "\(missing.stdout)")
        let accepted = try await runCrossgo(["test", "./lookup", "--target", "linux/riscv64", "--allow-not-run", "--no-progress"], in: module.path, environment: env)
        #expect(accepted.exitCode == 0, "\(accepted.stderr)")
    }

    /// Defect 11: a package that fails without a failing test (build error, TestMain) is counted as failed.
    @Test func brokenPackagesAreCounted() async throws {
        let module = try TempFolder("crossgo-broken-tests")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/broken\n\ngo 1.22\n")
        try module.write("a/a_test.go", "package a\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { undefinedCall() }\n")
        try module.write("b/b_test.go", "package b\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) { os.Exit(3) }\n\nfunc TestY(t *testing.T) {}\n")
        let result = try await runCrossgo(["test", "--target", "host", "--json"], in: module.path)
        #expect(result.exitCode == 1)
        let summary = try #require(result.stdout.split(separator: "\n").last)
        let event = try JSONDecoder().decode(EventLine.self, from: Data(summary.utf8))
        #expect(event.counts?["packagesFailed"] == 2, "\(summary)")
        let text = try await runCrossgo(["test", "--target", "host", "--no-progress"], in: module.path)
        #expect(text.stdout.contains("2 package run(s) failed") && text.stdout.contains("undefined: undefinedCall"), "\(text.stdout)")
    }

    /// Defects 4 and 6: benchmarks pass as in go test -bench; build flags after `--` reach go test -c, test flags the binary.
    @Test func benchmarksAndBuildFlagsAsGoTestReadsThem() async throws {
        let module = try copyFixture("truth")
        defer { module.cleanup() }
        let bench = try await runCrossgo(["test", "./lookup", "--target", "host", "--json", "--", "-bench=.", "-benchtime=1x", "-run=^$"], in: module.path)
        #expect(bench.exitCode == 0, "\(bench.stdout.suffix(2000))")
        let events = try bench.stdout.split(separator: "\n").map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(events.last?.counts?["failed"] == 0 && events.last?.counts?["passed"] == 1)
        #expect(events.contains { $0.event == "job-finished" && $0.status == "passed" })
        // -tags is a build flag: a test file behind a tag runs only with it; -v would otherwise break test2json framing.
        try module.write("lookup/tagged_test.go", "//go:build extra\n\npackage lookup\n\nimport \"testing\"\n\nfunc TestTagged(t *testing.T) {}\n")
        let tagged = try await runCrossgo(["test", "./lookup", "--target", "host", "--no-cache", "--json", "--", "-tags=extra", "-v", "-run=TestTagged"], in: module.path)
        #expect(tagged.exitCode == 0, "\(tagged.stdout.suffix(2000))")
        let names = try tagged.stdout.split(separator: "\n").compactMap { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)).test2json }
            .filter { $0.Action == "pass" }.compactMap(\.Test)
        #expect(names == ["TestTagged"], "\(names)")
        // -coverprofile: one merged profile per target, which go tool cover reads.
        let cover = try await runCrossgo(["test", "./lookup", "--target", "host", "--no-progress", "--", "-run=TestLocalhost", "-coverprofile=cover.out"], in: module.path)
        #expect(cover.exitCode == 0, "\(cover.stderr)")
        let profile = try String(contentsOfFile: module.path + "/cover.out", encoding: .utf8)
        #expect(profile.hasPrefix("mode: "), "\(profile)")
    }
}
