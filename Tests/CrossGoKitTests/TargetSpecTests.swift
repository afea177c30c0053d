// Target names: pairs, levels, sets, triples and helpful errors, against the real toolchain's target list.
import CrossGoKit
import TestSupport
import Testing

@Suite struct TargetSpecTests {
    @Test(arguments: [
        ("aarch64-apple-darwin", "darwin/arm64"),
        ("arm64-apple-macosx14.0", "darwin/arm64"),
        ("arm64-apple-macos", "darwin/arm64"),
        ("x86_64-apple-darwin", "darwin/amd64"),
        ("x86_64-unknown-linux-gnu", "linux/amd64"),
        ("x86_64-unknown-linux-musl", "linux/amd64"),
        ("aarch64-unknown-linux-gnu", "linux/arm64"),
        ("aarch64-unknown-linux-musl", "linux/arm64"),
        ("riscv64gc-unknown-linux-gnu", "linux/riscv64"),
        ("riscv64-linux-gnu", "linux/riscv64"),
        ("x86_64-pc-windows-msvc", "windows/amd64"),
        ("x86_64-pc-windows-gnu", "windows/amd64"),
        ("aarch64-pc-windows-msvc", "windows/arm64"),
        ("wasm32-wasip1", "wasip1/wasm"),
        ("wasm32-wasi", "wasip1/wasm"),
        ("armv7-unknown-linux-gnueabihf", "linux/arm/7"),
        ("i686-unknown-linux-gnu", "linux/386"),
        ("powerpc64le-unknown-linux-gnu", "linux/ppc64le"),
        ("s390x-unknown-linux-gnu", "linux/s390x"),
        ("x86_64-unknown-freebsd", "freebsd/amd64"),
    ])
    func tripleAliasResolves(triple: String, expected: String) async throws {
        let resolver = TargetResolver(toolchain: try await realToolchain())
        let targets = try resolver.resolve(triple)
        #expect(targets.map(\.description) == [expected])
    }

    @Test func pairsListsAndLevels() async throws {
        let resolver = TargetResolver(toolchain: try await realToolchain())
        let targets = try resolver.resolve("linux/riscv64, js/wasm,linux/arm/v7 linux/amd64/V3,linux/riscv64")
        #expect(targets.map(\.description) == ["linux/riscv64", "js/wasm", "linux/arm/7", "linux/amd64/v3"])
        #expect(targets[2].environment == ["GOOS": "linux", "GOARCH": "arm", "GOARM": "7"])
        #expect(targets[3].environment["GOAMD64"] == "v3")
        #expect(try resolver.resolve("linux/arm64/v8.2,lse")[0].environment["GOARM64"] == "v8.2,lse")
    }

    @Test func extensions() {
        #expect(Target(goos: "windows", goarch: "arm64").executableExtension == ".exe")
        #expect(Target(goos: "js", goarch: "wasm").executableExtension == ".wasm")
        #expect(Target(goos: "wasip1", goarch: "wasm").executableExtension == ".wasm")
        #expect(Target(goos: "darwin", goarch: "arm64").executableExtension == "")
    }

    @Test func namedSets() async throws {
        let toolchain = try await realToolchain()
        let resolver = TargetResolver(toolchain: toolchain)
        let host = toolchain.host.description
        let defaults = try resolver.resolve("default").map(\.description)
        #expect(Set(defaults) == Set(["darwin/arm64", "linux/riscv64", "js/wasm", "wasip1/wasm", host]))
        let release = try resolver.resolve("release").map(\.description)
        #expect(Set(release) == Set(["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64",
                                     "windows/arm64", "linux/riscv64", "js/wasm", "wasip1/wasm"]))
        let firstClass = try resolver.resolve("first-class").map(\.pair)
        #expect(Set(firstClass) == Set(toolchain.distTargets.filter(\.firstClass).map(\.pair)))
        #expect(try resolver.resolve("all").count == toolchain.distTargets.count)
        #expect(try resolver.resolve("host").map(\.description) == [host])
        #expect(try resolver.resolve("linux/*").allSatisfy { $0.goos == "linux" })
    }

    @Test func typoSuggestsTheClosestTarget() async throws {
        let resolver = TargetResolver(toolchain: try await realToolchain())
        #expect(throws: TargetError.self) { try resolver.resolve("linux/risc64") }
        do {
            _ = try resolver.resolve("linux/risc64")
        } catch {
            #expect(error.description.contains("did you mean linux/riscv64"))
            #expect(!error.description.contains("\n"))
        }
        #expect(resolver.suggestions(for: "linux/aarch64").first == "linux/arm64")
        #expect(resolver.suggestions(for: "macos/arm64").first == "darwin/arm64")
        #expect(resolver.suggestions(for: "defualt").first == "default")
    }

    @Test(arguments: ["wasm32-unknown-unknown", "wasm32-wasip2", "windows/wasm", "linux/arm/8", "linux/riscv64/v3", "js/wasm/x", "", "plan10/amd64", "zz-unknown-linux-gnu"])
    func badNamesAreErrorsThatExplain(spec: String) async throws {
        let resolver = TargetResolver(toolchain: try await realToolchain())
        do {
            let targets = try resolver.resolve(spec)
            Issue.record("\(spec) resolved to \(targets)")
        } catch {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"))
            if spec == "wasm32-unknown-unknown" {
                #expect(error.description.contains("Rust target"))
                #expect(error.description.contains("js/wasm") && error.description.contains("wasip1/wasm"))
            }
            if spec == "linux/arm/8" { #expect(error.description.contains("GOARM accepts 5, 6, 7")) }
        }
    }
}
