// Build plans: the argv and environment of every go build, decided without building.
import CrossGoKit
import TestSupport
import Testing

@Suite struct BuildPlanTests {
    @Test func argvAndEnvironment() async throws {
        let toolchain = try await realToolchain()
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let planner = BuildPlanner(toolchain: toolchain, moduleRoot: module.path, system: liveSystem(), cache: nil)
        var options = BuildOptions()
        options.ldflags = "-s -w"
        options.tags = ["netgo", "osusergo"]
        options.passthrough = ["-v"]
        let targets = try TargetResolver(toolchain: toolchain).resolve("linux/arm/7,windows/amd64,js/wasm")
        let jobs = try await planner.plan(options: options, config: nil, targets: targets, workingDirectory: module.path).jobs
        #expect(jobs.map(\.relativePath) == ["hello_linux_arm_7", "hello_windows_amd64.exe", "hello_js_wasm.wasm"])
        #expect(jobs[0].goArguments(output: "/o") == ["build", "-o", "/o", "-trimpath", "-ldflags=-s -w", "-tags=netgo,osusergo", "-v", "example.com/hello"])
        #expect(jobs[0].environment == ["GOOS": "linux", "GOARCH": "arm", "GOARM": "7", "CGO_ENABLED": "0"])
        options.trimpath = false
        let untrimmed = try await planner.plan(options: options, config: nil, targets: [targets[1]], workingDirectory: module.path).jobs
        #expect(!untrimmed[0].arguments.contains("-trimpath"))
    }

    @Test func templates() throws {
        let t = try OutputTemplate()
        #expect(try t.render(binary: "x", target: Target(goos: "linux", goarch: "amd64", variant: "v3")) == "x_linux_amd64_v3")
        #expect(try t.render(binary: "x", target: Target(goos: "linux", goarch: "amd64")) == "x_linux_amd64")
        #expect(try t.render(binary: "x", target: Target(goos: "linux", goarch: "arm64", variant: "v8.2,lse")) == "x_linux_arm64_v8.2+lse")
        #expect(throws: PlanError.self) { try OutputTemplate("{binary}/../../etc/{os}") }
        #expect(throws: PlanError.self) { try OutputTemplate("/abs/{binary}") }
        #expect(BuildPlanner.binaryName(importPath: "example.com/tool/v2") == "tool")
        #expect(BuildPlanner.binaryName(importPath: "example.com/cmd/server") == "server")
    }

    @Test func configParses() throws {
        let config = try BuildConfig.parse("""
            targets: release
            out: build
            jobs: 3
            trimpath: false
            builds:
              - main: ./cmd/a
                binary: a-tool
                tags: [x, y]
                env: {GOFLAGS: -mod=mod}
                flags: [-buildvcs=false]
            overrides:
              - target: darwin/arm64
                cgo: true
            """, file: "crossgo.yaml")
        #expect(config.targets == ["release"] && config.out == "build" && config.jobs == 3 && config.trimpath == false)
        var expected = BuildSpec(main: "./cmd/a", binary: "a-tool", tags: ["x", "y"], env: ["GOFLAGS": "-mod=mod"], flags: ["-buildvcs=false"])
        expected.line = 6
        #expect(config.builds == [expected])
        #expect(config.overrides.first?.cgo == true && config.overrides.first?.targets == ["darwin/arm64"])
        #expect(throws: ConfigError(file: "f.yaml", line: 1, key: "builds", message: "expected a list of builds")) {
            try BuildConfig.parse("builds: yes\n", file: "f.yaml")
        }
    }
}
