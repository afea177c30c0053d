// Issue 23, test and bench: verdicts per target equal `go test -exec`'s (target-only packages and test files),
// bench reads crossgo.yaml as test does, a process-group SIGINT leaves nothing in TMPDIR and counts runs as
// interrupted, shards balance packages with tests, and --artifacts' peak RSS is the program's own.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.serialized, .requires("qemu-aarch64", "node", "wine", "wineserver"), .requiresHost("linux/amd64"))
struct TargetOnlyVerdictTests {
    /// The Wine tests' cache folder: crossgo's Wine prefix is made once per machine there.
    static let cache = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path + "/crossgo-wine-tests-cache"
    static var prefix: String { WineHost.prefixPath(environment: ["CROSSGO_CACHE": cache]) }

    /// Package -> "ok", "FAIL" or "no-tests" from `go test -json`'s package-level actions.
    static func goVerdicts(_ stdout: String) -> [String: String] {
        struct Event: Decodable { var Action: String; var Package: String?; var Test: String? }
        var out: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let e = try? JSONDecoder().decode(Event.self, from: Data(line.utf8)), e.Test == nil, let p = e.Package else { continue }
            switch e.Action {
            case "pass": out[p] = "ok"
            case "fail": out[p] = "FAIL"
            case "skip": out[p] = "no-tests"
            default: break
            }
        }
        return out
    }

    static func crossgoVerdict(_ r: PackageResult) -> String {
        switch r.status {
        case .passed: return "ok"
        case .failed, .buildFailed: return "FAIL"
        case .noTests: return "no-tests"
        default: return r.status.rawValue
        }
    }

    /// Every package of a module with js-only, windows-only and linux-only test files gets, on every target, the verdict
    /// `go test -exec` gives there (node's go_js_wasm_exec, a Wine wrapper, qemu); a package go does not list for a
    /// target is absent there, never a pass.
    @Test func everyPackageGetsGoTestExecsVerdictOnEveryTarget() async throws {
        let module = try copyFixture("targetonly")
        defer { module.cleanup() }
        let targets = ["linux/amd64", "linux/arm64", "windows/amd64", "js/wasm"]
        let run = try await runCrossgo(["test", "--target", targets.joined(separator: ","), "--json", "--no-cache"], in: module.path,
                                       environment: ["CROSSGO_CACHE": Self.cache, "NO_COLOR": "1"])
        #expect(run.exitCode == 1, "jsdom fails under node, linuxarch on arm64: \(run.stderr.suffix(2000))")
        let results = try TestCommandTests.results(run.stdout)

        let toolchain = try await realToolchain()
        let wrapper = try wineExecWrapper(in: module, prefix: Self.prefix)
        let execs = ["linux/amd64": nil, "linux/arm64": "qemu-aarch64", "windows/amd64": wrapper,
                     "js/wasm": toolchain.goroot + "/lib/wasm/go_js_wasm_exec"]
        for target in targets {
            let parts = target.split(separator: "/").map(String.init)
            let exec = execs[target] ?? nil
            let go = try await runProgram(toolchain.goPath, ["test", "-count=1", "-json"] + (exec.map { ["-exec", $0] } ?? []) + ["./..."],
                                          environment: ["GOOS": parts[0], "GOARCH": parts[1], "CGO_ENABLED": target == "linux/amd64" ? nil : "0"],
                                          workingDirectory: module.path, timeout: 1800)
            let reference = Self.goVerdicts(go.stdout)
            #expect(!reference.isEmpty, "\(target): \(go.stderr.suffix(1000))")
            let mine = results.filter { $0.target == target }
            for r in mine {
                if let verdict = reference[r.package] {
                    #expect(Self.crossgoVerdict(r) == verdict, "\(r.package) on \(target): crossgo \(r.status.rawValue), go test -exec \(verdict)")
                } else {
                    #expect(r.status == .absent && (r.message ?? "").contains("build constraints exclude all Go files"),
                            "\(r.package) on \(target): go lists no such package, crossgo says \(r.status.rawValue)")
                }
            }
            #expect(Set(reference.keys).isSubset(of: Set(mine.map(\.package))), "\(target): \(reference.keys.sorted()) vs \(mine.map(\.package))")
        }
        // The target-only verdicts themselves, so that agreement cannot come from both being empty.
        let cell = { (p: String, t: String) in results.first { $0.package == "example.com/targetonly/" + p && $0.target == t }?.status }
        #expect(cell("jsdom", "js/wasm") == .failed && cell("jsnode", "js/wasm") == .passed && cell("jsdom", "linux/amd64") == .absent)
        #expect(cell("win", "windows/amd64") == .passed && cell("win", "linux/amd64") == .noTests)
        #expect(cell("linuxarch", "linux/amd64") == .passed && cell("linuxarch", "linux/arm64") == .failed && cell("linuxarch", "windows/amd64") == .noTests)
    }
}

@Suite(.serialized) struct TestBenchTruthTests {
    /// Shards balance the package runs that have tests: a package without tests for its target costs nothing.
    @Test func shardsSplitThePackagesWithTests() async throws {
        let module = try copyFixture("targetonly")
        defer { module.cleanup() }
        var withTests: [Int] = []
        for k in 1...2 {
            let r = try await runCrossgo(["test", "--target", "host", "--shard", "\(k)/2", "--json", "--no-cache"], in: module.path,
                                         environment: ["NO_COLOR": "1"])
            #expect(r.exitCode == 0, "\(r.stderr.suffix(1000))")
            withTests.append(try TestCommandTests.results(r.stdout).filter { $0.status == .passed }.count)
        }
        #expect(withTests == [1, 1], "alpha and linuxarch have tests on the host: one per shard, not \(withTests)")
    }

    /// bench builds as test does: crossgo.yaml is read and checked (exit 2 naming the file and key), and --cgo exists.
    @Test(.requires("go")) func benchReadsCrossgoYamlAndTakesCgo() async throws {
        let module = try copyFixture("targetonly")
        defer { module.cleanup() }
        _ = try module.write("crossgo.yaml", "cgo: false\ntargetz: [linux/amd64]\n")
        let broken = try await runCrossgo(["bench", "./alpha"], in: module.path, environment: ["NO_COLOR": "1"])
        #expect(broken.exitCode == 2 && broken.stderr.contains("crossgo.yaml") && broken.stderr.contains("targetz"), "\(broken.exitCode) \(broken.stderr)")
        let test = try await runCrossgo(["test", "./alpha", "--target", "host"], in: module.path, environment: ["NO_COLOR": "1"])
        #expect(test.exitCode == 2 && test.stderr.contains("targetz"), "\(test.stderr)")
        _ = try module.write("crossgo.yaml", "cgo: false\n")
        let cgo = try await runCrossgo(["bench", "./alpha", "--cgo", "--json"], in: module.path, environment: ["NO_COLOR": "1"])
        #expect(cgo.exitCode == 0, "\(cgo.stderr)")
        let notices = try TestCommandTests.notices(cgo.stdout)
        #expect(notices.contains { $0.hasPrefix("cgo \(hostPair):") }, "bench --cgo sets cgo up as test does: \(notices)")
    }

    /// A module whose test and benchmark say they are running (a marker file) and then wait.
    static func slowModule() throws -> TempFolder {
        let module = try TempFolder("crossgo-interrupt")
        _ = try module.write("go.mod", "module example.com/slow\n\ngo 1.22\n")
        _ = try module.write("slow/slow_test.go", """
            package slow

            import (
            \t_ "net/http"
            \t"os"
            \t"testing"
            \t"time"
            )

            func TestSlow(t *testing.T) {
            \tos.WriteFile(os.Getenv("SLOW_MARKER"), nil, 0o644)
            \ttime.Sleep(60 * time.Second)
            }

            func BenchmarkSlow(b *testing.B) {
            \tos.WriteFile(os.Getenv("SLOW_MARKER"), nil, 0o644)
            \ttime.Sleep(60 * time.Second)
            }
            """)
        _ = try module.write("quick/quick_test.go", "package quick\n\nimport \"testing\"\n\nfunc TestQuick(t *testing.T) {}\n")
        return module
    }

    /// SIGINT to crossgo's whole process group while a test binary runs (as `timeout -s INT` and CI cancellation send
    /// it): crossgo exits 130 (the time it took is printed), TMPDIR holds nothing crossgo or go made, and the stopped run is
    /// "interrupted", counted as not run, never a failure.
    /// `phase` "run": the signal comes while a test binary runs; "build": while go compiles (a cold Go build cache, the
    /// signal sent once go has made its first go-build folder).
    @Test(arguments: [("test", "run"), ("bench", "run"), ("test", "build"), ("bench", "build")])
    func processGroupInterruptLeavesNothingBehind(_ command: String, _ phase: String) async throws {
        let module = try Self.slowModule()
        defer { module.cleanup() }
        let tmp = module.path + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let marker = module.path + "/running"
        let args = command == "test" ? ["test", "./...", "--target", "host", "--no-cache", "--no-progress", "--jobs", "1"] : ["bench", "./slow", "--target", "host", "--no-progress"]
        var env: [String: String] = [:]
        env["SLOW_MARKER"] = marker
        env["TMPDIR"] = tmp
        env["NO_COLOR"] = "1"
        env["CROSSGO_CACHE"] = module.path + "/cache"
        if phase == "build" { env["GOCACHE"] = module.path + "/gocache" }
        let run = try GroupInterrupt(arguments: args, in: module.path, environment: env)
        func goIsBuilding() -> Bool { filesUnder(tmp).contains { $0.contains("go-build") } }
        let (code, seconds) = try run.interrupt(until: { phase == "run" ? FileManager.default.fileExists(atPath: marker) : goIsBuilding() },
                                                describing: phase == "run" ? "the test binary running" : "go building")
        print("\(command) (\(phase)): ended \(String(format: "%.2f", seconds)) s after SIGINT to the process and its group")
        let out = run.output  // stdout and stderr, together
        #expect(code == 130, "exit \(code): \(out.suffix(1500))")
        #expect(filesUnder(tmp).isEmpty && ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? ["?"]).isEmpty,
                "left in TMPDIR: \((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [])")
        #expect(!out.contains("CancellationError"), "\(out)")
        if phase == "build" {
            #expect(!out.contains("--- FAIL") && !out.contains("BUILD FAILED"), "\(out)")
        } else if command == "test" {
            #expect(out.contains("interrupted") && out.contains("1 passed, 0 failed") && !out.contains("package run(s) failed") && out.contains("1 not run"),
                    "\(out)")
        } else {
            #expect(!out.contains("--- FAIL"), "\(out)")
        }
    }
}

extension Measuring {
    /// `bench --artifacts` peak RSS is the program's own, as `/usr/bin/time -f %M` reads it, not crossgo's.
    @Suite(.serialized, .requires("go"), .requiresHost("linux/amd64")) struct PeakRSSTests {
        @Test func peakRSSIsTheProgramsOwnAsTimeSaysIt() async throws {
            #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "scripts/setup --all installs Debian's time")
            let module = try TempFolder("crossgo-rss")
            defer { module.cleanup() }
            _ = try module.write("go.mod", "module example.com/rss\n\ngo 1.22\n")
            _ = try module.write("main.go", """
                // Touches N MiB (the first argument), then exits.
                package main

                import (
                \t"fmt"
                \t"os"
                \t"strconv"
                )

                func main() {
                \tn, _ := strconv.Atoi(os.Args[1])
                \tb := make([]byte, n<<20)
                \tfor i := 0; i < len(b); i += 4096 {
                \t\tb[i] = 1
                \t}
                \tfmt.Println(len(b))
                }
                """)
            let build = try await runCrossgo(["build", "--target", "host", "--no-progress"], in: module.path)
            #expect(build.exitCode == 0, "\(build.stderr)")
            struct Outcome: Decodable { var artifacts: [ArtifactMeasurement] }
            var figures: [Int: Double] = [:]
            for mib in [0, 64] {
                let bench = try await runCrossgo(["bench", "--artifacts", "--count", "3", "--arg", "\(mib)", "--json"], in: module.path)
                #expect(bench.exitCode == 0, "\(bench.stderr)")
                let artifact = try #require(try summaryOutcome(Outcome.self, from: bench.stdout).artifacts.first)
                let samples = try #require(artifact.peakRSS).map(Double.init)
                let crossgo = samples.sorted()[samples.count / 2] / 1024
                let time = try await runProgram("/usr/bin/time", ["-f", "%M", module.path + "/dist/" + artifact.path, "\(mib)"], timeout: 120)
                let kib = try #require(Double(time.stderr.split(separator: "\n").last.map(String.init) ?? ""), "\(time.stderr)")
                #expect(abs(crossgo - kib) <= max(2048, kib * 0.15), "\(mib) MiB: crossgo \(crossgo) KiB, /usr/bin/time \(kib) KiB")
                figures[mib] = crossgo
            }
            let small = try #require(figures[0]), large = try #require(figures[64])
            #expect(large - small > 60 * 1024, "64 MiB more touched: \(small) KiB vs \(large) KiB")
        }
    }
}
