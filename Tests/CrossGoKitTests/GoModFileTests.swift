// go.mod and go.work as crossgo reads them (GoModFile), against go's own reading of the same files (`go mod edit -json`),
// and where the module is from GOMOD.
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct GoModFileTests {
    /// Every directive and form of the go.mod reference: comments (whole lines, trailing, right after a token), blocks,
    /// quoted paths, `// indirect` (also with more after a `;`), replacements with and without versions, exclusions,
    /// retractions (a version, an interval) with the rationale from the comment above, beside or above their block.
    static let edge = """
        // The header comment is no rationale: a blank line follows it.

        module "example.com/edge" // a trailing comment

        go 1.22.1
        toolchain go1.23.4
        godebug default=go1.21
        godebug (
        \tpanicnil=1
        \tasynctimerchan=0 // comment
        )

        require example.com/one v1.0.0
        require (
        \t// a whole-line comment in a block
        \texample.com/two v1.2.3 // indirect
        \texample.com/raw v0.1.0
        \t"example.com/quoted" v0.2.0 // indirect; kept by a tool
        \texample.com/three/v3 v3.0.0// indirect
        )

        replace example.com/one v1.0.0 => example.com/fork v1.0.1
        replace (
        \texample.com/two => ../two
        \t"example.com/quoted" v0.2.0 => ./local // from a checkout
        )
        exclude example.com/one v0.9.0
        exclude (
        \texample.com/two v1.1.0
        )

        // Published by mistake.
        retract v1.0.0
        retract [v1.1.0, v1.1.5] // broken builds
        // Applies to the block
        retract (
        \tv0.9.0
        \t// Its own reason
        \tv0.8.0
        )
        tool example.com/one/cmd/gen

        """

    @Test func everyDirectiveAndForm() {
        let mod = GoModFile(Self.edge)
        #expect(mod.module == "example.com/edge" && mod.moduleLine == 3)
        #expect(mod.go == "1.22.1" && mod.goLine == 5)
        #expect(mod.toolchain == "go1.23.4" && mod.toolchainLine == 6)
        #expect(mod.godebug.map { "\($0.key)=\($0.value)" } == ["default=go1.21", "panicnil=1", "asynctimerchan=0"])
        #expect(mod.requires.map(\.path) == ["example.com/one", "example.com/two", "example.com/raw", "example.com/quoted", "example.com/three/v3"])
        #expect(mod.requires.map(\.indirect) == [false, true, false, true, true])
        #expect(mod.requires.map(\.line) == [13, 16, 17, 18, 19])
        #expect(mod.requireLine("example.com/quoted") == 18 && mod.requireLine("example.com/absent") == nil)
        #expect(mod.replaces == [
            .init(oldPath: "example.com/one", oldVersion: "v1.0.0", newPath: "example.com/fork", newVersion: "v1.0.1", line: 22),
            .init(oldPath: "example.com/two", oldVersion: nil, newPath: "../two", newVersion: nil, line: 24),
            .init(oldPath: "example.com/quoted", oldVersion: "v0.2.0", newPath: "./local", newVersion: nil, line: 25),
        ])
        #expect(mod.replaced == ["example.com/one", "example.com/two", "example.com/quoted"] && mod.replaceLine("example.com/two") == 24)
        #expect(mod.excludes.map { "\($0.path)@\($0.version):\($0.line)" } == ["example.com/one@v0.9.0:27", "example.com/two@v1.1.0:29"])
        #expect(mod.retracts == [
            .init(low: "v1.0.0", high: "v1.0.0", rationale: "Published by mistake.", line: 33),
            .init(low: "v1.1.0", high: "v1.1.5", rationale: "broken builds", line: 34),
            .init(low: "v0.9.0", high: "v0.9.0", rationale: "Applies to the block", line: 37),
            .init(low: "v0.8.0", high: "v0.8.0", rationale: "Its own reason", line: 39),
        ])
        #expect(mod.tools == ["example.com/one/cmd/gen"] && mod.uses.isEmpty)
    }

    @Test func commentsNeverBecomeValues() {
        let mod = GoModFile("module example.com/m// no space before the comment\n// go 1.99\ngo 1.21 // toolchain go1.30.0\n")
        #expect(mod.module == "example.com/m")
        #expect(mod.go == "1.21" && mod.goLine == 3)
        #expect(mod.toolchain == nil)
        let quoted = GoModFile("module \"example.com/with // inside quotes\"\n")
        #expect(quoted.module == "example.com/with // inside quotes")
    }

    @Test func windowsLineEndingsTabsAndAnUnclosedBlock() {
        let mod = GoModFile("module\texample.com/crlf\r\n\r\ngo\t1.21\r\nrequire (\r\n\texample.com/a v1.0.0\r\n")
        #expect(mod.module == "example.com/crlf" && mod.go == "1.21" && mod.goLine == 3)
        #expect(mod.requires.map { "\($0.path) \($0.version)" } == ["example.com/a v1.0.0"])
    }

    @Test func malformedLinesAreLeftOut() {
        let mod = GoModFile("module\ngo\nrequire example.com/a\nreplace example.com/a\nreplace example.com/a => \nretract [v1.0.0, v1.1.0\nexclude x\n")
        #expect(mod.module == nil && mod.go == nil)
        #expect(mod.requires.isEmpty && mod.replaces.isEmpty && mod.retracts.isEmpty && mod.excludes.isEmpty)
    }

    @Test func goWorkUses() {
        let work = GoModFile("go 1.22\n\nuse ./app\nuse (\n\t../lib // the library\n\t\"/abs/other\"\n)\n")
        #expect(work.go == "1.22")
        #expect(work.uses == ["./app", "../lib", "/abs/other"])
        #expect(work.module == nil)
    }

    @Test func whereTheModuleIs() throws {
        func toolchain(_ gomod: String?) -> GoToolchain {
            GoToolchain(goPath: "/go/bin/go", env: gomod.map { ["GOMOD": $0] } ?? [:], distTargets: [])
        }
        #expect(toolchain("/src/app/go.mod").moduleRoot == "/src/app")
        #expect(toolchain("/src/app/go.mod").goModPath == "/src/app/go.mod")
        for outside in [nil, "", "/dev/null", "NUL"] {
            #expect(toolchain(outside).moduleRoot == nil, "GOMOD=\(outside ?? "unset")")
        }
        #expect(throws: PlanError.notInModule) { try BuildPlanner.moduleRoot(toolchain: toolchain("/dev/null")) }
        #expect(try BuildPlanner.moduleRoot(toolchain: toolchain("/src/app/go.mod")) == "/src/app")
    }

    @Test func readThroughTheHost() {
        let system = DescribedSystem(osName: "linux", files: ["/src/app/go.mod": "// header\nmodule example.com/app // the app\n\ngo 1.21\n"],
                                     directories: ["/src", "/src/app", "/src/app/cmd"], hardwareArch: "amd64")
        let toolchain = GoToolchain(goPath: "/go/bin/go", env: ["GOMOD": "/src/app/go.mod"], distTargets: [])
        #expect(toolchain.modulePath(system: system) == "example.com/app")
        #expect(GoModFile.read("/src/other/go.mod", system: system) == nil)
        #expect(findUpward("go.mod", from: "/src/app/cmd", system: system) == "/src/app/go.mod")
        #expect(findUpward("go.work", from: "/src/app/cmd", system: system) == nil)
    }

    @Test func absolutePaths() {
        #expect(absolutePath("dist", against: "/w/m") == "/w/m/dist")
        #expect(absolutePath("./out/../dist/", against: "/w/m") == "/w/m/dist")
        #expect(absolutePath("../lib", against: "/w/m") == "/w/lib")
        #expect(absolutePath("/abs/x", against: "/w/m") == "/abs/x")
        #expect(absolutePath(".", against: "/w/m") == "/w/m")
        // The same as Foundation's URL standardizing, which it replaces, on the awkward spellings.
        let base = "/work/main/Examples"
        for path in ["a/b", "./a", "../a", "a/../../b", "/x/./y/", "/", "a//b", "..", ".", "a/b/..", "/../x", "", "ü/é",
                     "a/./b/../c/", "../../../../..", "/a/b/../../..", "a/...", "..a/b", "a/.b", "//x", "/x//", "a b/c"] {
            let foundation = URL(fileURLWithPath: path.hasPrefix("/") ? path : base + "/" + path).standardizedFileURL.path
            #expect(absolutePath(path, against: base) == foundation, "\(path)")
        }
    }

    @Test func parentFolders() {
        #expect(parentFolder("/go/bin/go") == "/go/bin")
        #expect(parentFolder("/go") == "/")
        #expect(parentFolder("go") == "")
        #expect(parentFolder("a/") == "")
        #expect(parentFolder(".") == "")
        // Only slashes is the root (NSString here says "").
        #expect(parentFolder("//") == "/")
        // The same as NSString's deletingLastPathComponent, which it replaces, on the awkward spellings. (Not on a
        // one-character name such as "a" or ".": this Foundation traps on those.)
        for path in ["/", "", "/a", "/a/", "/a/b", "/a/b/", "a/b", "a//b", "/a//b", "//a", "/a/b//", "ü/é/ß", "./a", "../a",
                     "/a/./b", "a b/c d", "/.", "/..", "..", "a/..", "ab", "ab/", "/ab//cd"] {
            #expect(parentFolder(path) == (path as NSString).deletingLastPathComponent, "\(path)")
        }
    }

    /// What `go mod edit -json` says of a go.mod, in the fields crossgo reads.
    struct GoEdit: Decodable, Equatable {
        struct ModulePath: Decodable, Equatable { var Path: String; var Version: String? }
        struct Requirement: Decodable, Equatable { var Path: String; var Version: String; var Indirect: Bool? }
        struct Replacement: Decodable, Equatable { var Old: ModulePath; var New: ModulePath }
        struct Retraction: Decodable, Equatable { var Low: String; var High: String; var Rationale: String? }
        struct ToolEntry: Decodable, Equatable { var Path: String }
        struct Debug: Decodable, Equatable { var Key: String; var Value: String }
        var Module: ModulePath?
        var Go: String?
        var Toolchain: String?
        var GoDebug: [Debug]?
        var Require: [Requirement]?
        var Exclude: [ModulePath]?
        var Replace: [Replacement]?
        var Retract: [Retraction]?
        var Tool: [ToolEntry]?

        /// The same fields from crossgo's reading.
        init(_ mod: GoModFile) {
            func list<T>(_ items: [T]) -> [T]? { items.isEmpty ? nil : items }
            Module = mod.module.map { ModulePath(Path: $0, Version: nil) }
            Go = mod.go
            Toolchain = mod.toolchain
            GoDebug = list(mod.godebug.map { Debug(Key: $0.key, Value: $0.value) })
            Require = list(mod.requires.map { Requirement(Path: $0.path, Version: $0.version, Indirect: $0.indirect ? true : nil) })
            Exclude = list(mod.excludes.map { ModulePath(Path: $0.path, Version: $0.version) })
            Replace = list(mod.replaces.map { Replacement(Old: ModulePath(Path: $0.oldPath, Version: $0.oldVersion), New: ModulePath(Path: $0.newPath, Version: $0.newVersion)) })
            Retract = list(mod.retracts.map { Retraction(Low: $0.low, High: $0.high, Rationale: $0.rationale.isEmpty ? nil : $0.rationale) })
            Tool = list(mod.tools.map { ToolEntry(Path: $0) })
        }
    }

    @Test(.requires("go")) func agreesWithGoModEditJSON() async throws {
        let toolchain = try await realToolchain()
        let folder = try TempFolder("crossgo-gomod")
        defer { folder.cleanup() }
        let edge = try folder.write("edge/go.mod", Self.edge)
        let real = filesUnder(repositoryRoot + "/Examples").filter { $0.hasSuffix("/go.mod") }.map { repositoryRoot + "/Examples/" + $0 }
            + filesUnder(repositoryRoot + "/Tests/Fixtures").filter { $0.hasSuffix("go.mod") }.map { repositoryRoot + "/Tests/Fixtures/" + $0 }
        #expect(real.count >= 8, "\(real)")
        for path in [edge] + real {
            let result = try await runProgram(toolchain.goPath, ["mod", "edit", "-json", path], environment: ["GOTOOLCHAIN": "local", "GOFLAGS": ""],
                                              workingDirectory: folder.path, timeout: 60)
            try #require(result.exitCode == 0, "\(path): \(result.stderr)")
            let go = try JSONDecoder().decode(GoEdit.self, from: Data(result.stdout.utf8))
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(GoEdit(GoModFile(text)) == go, "\(path)")
        }
    }
}

/// The table every listing is laid out with (targets, report, bench).
@Suite struct TableTests {
    @Test func columnsAreAsWideAsTheirWidestCellAndColourDoesNotCount() {
        let painter = Painter(enabled: true)
        let table = renderTable(["TARGET", "CGO", "RUNS HERE"], [
            ["linux/amd64", "yes", "native"],
            ["js/wasm", painter.dim("-"), painter.dim("build only: no node")],
            ["windows/arm64", "-"],
        ])
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines == [
            "TARGET         CGO  RUNS HERE",
            "linux/amd64    yes  native",
            "js/wasm        \u{1B}[2m-\u{1B}[0m    \u{1B}[2mbuild only: no node\u{1B}[0m",
            "windows/arm64  -",
        ])
        #expect(renderTable(["A"], []) == "A")
    }
}
