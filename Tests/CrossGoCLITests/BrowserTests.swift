// js/wasm in headless Chromium (--browser) with the real chromium: a test that builds a DOM element through
// syscall/js passes in the browser and fails under node, and stdout/exit come back through crossgo's page protocol.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.serialized, .requires("chromium", "node")) struct BrowserTests {
    struct Line: Decodable {
        var event: String
        var record: PackageResult?
    }

    static func results(_ stdout: String) throws -> [PackageResult] {
        try stdout.split(separator: "\n").compactMap { try JSONDecoder().decode(Line.self, from: Data($0.utf8)).record }
    }

    @Test func domTestPassesInChromiumAndFailsUnderNode() async throws {
        let module = try copyFixture("browserdom")
        defer { module.cleanup() }
        let browser = try await runCrossgo(["test", "--target", "js/wasm", "--browser", "--json", "--no-cache"], in: module.path)
        #expect(browser.exitCode == 0, "\(browser.stdout.suffix(2000)) \(browser.stderr.suffix(2000))")
        let inBrowser = try #require(try Self.results(browser.stdout).first)
        #expect(inBrowser.status == .passed && inBrowser.tests.map(\.name) == ["TestCreatesElement"])

        let node = try await runCrossgo(["test", "--target", "js/wasm", "--json", "--no-cache"], in: module.path)
        #expect(node.exitCode == 1)
        let underNode = try #require(try Self.results(node.stdout).first)
        #expect(underNode.status == .failed && underNode.tests.first?.output.contains("needs a browser") == true, "\(underNode)")
    }

    @Test func buildRunBrowser() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let r = try await runCrossgo(["build", "--target", "js/wasm", "--run", "--browser", "--json"], in: module.path)
        #expect(r.exitCode == 0, "\(r.stderr.suffix(1000))")
        struct Runs: Decodable { var runs: [RunRecord] }
        let run = try #require(try summaryOutcome(Runs.self, from: r.stdout).runs.first)
        #expect(run.runner == "browser" && run.status == .passed && run.output.contains("js/wasm"), "\(run)")
        let bad = try await runCrossgo(["build", "--target", "js/wasm", "--browser"], in: module.path)
        #expect(bad.exitCode == 2 && bad.stderr.contains("--browser is for the programs --run starts"))
    }

    /// The page's protocol on its own: stdout, stderr and a non-zero exit code come back; Chromium and the server stop.
    @Test(.requires("chromium")) func exitCodeAndStreamsComeBack() async throws {
        let toolchain = try await realToolchain()
        let folder = try TempFolder("crossgo-browser")
        defer { folder.cleanup() }
        try folder.write("go.mod", "module example.com/p\n\ngo 1.21\n")
        try folder.write("main.go", """
            package main

            import (
            \t"fmt"
            \t"os"
            )

            func main() {
            \tfmt.Println("args:", os.Args[1:], "env:", os.Getenv("CROSSGO_PROBE"))
            \tfmt.Fprintln(os.Stderr, "to stderr")
            \tos.Exit(3)
            }
            """)
        let wasm = folder.path + "/p.wasm"
        let build = try await runProgram(toolchain.goPath, ["build", "-o", wasm, "."], environment: ["GOOS": "js", "GOARCH": "wasm"],
                                         workingDirectory: folder.path, timeout: 600)
        #expect(build.succeeded, "\(build.stderr)")
        let chromium = try #require(Chromium.names.compactMap { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }.first)
        let result = try await BrowserRun.run(chromium: Chromium(program: chromium), wasmExec: toolchain.goroot + "/lib/wasm/wasm_exec.js",
                                              binary: wasm, arguments: ["a", "b c"], environment: ["CROSSGO_PROBE": "42"], timeout: 120)
        #expect(result.exitCode == 3)
        #expect(result.stdout == "args: [a b c] env: 42\n")
        #expect(result.stderr == "to stderr\n")
    }
}
