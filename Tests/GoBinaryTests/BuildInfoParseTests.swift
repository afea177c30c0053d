// Unit tests for the module-info text parser, Go quoting, and the pre-1.18 pointer layout.
import Foundation
import Testing
@testable import GoBinary

@Suite("Module info text")
struct BuildInfoParseTests {
    @Test("Lines are parsed into typed fields, replacements attach to the previous module")
    func parse() throws {
        let text = """
            path\texample.com/x/cmd/tool
            mod\texample.com/x\tv1.2.3\th1:abc=
            =>\t../x\t\t
            dep\tgolang.org/x/text\tv0.14.0\th1:aaa=
            dep\texample.com/y\tv0.1.0
            =>\texample.com/z\tv0.2.0\th1:zzz=
            build\t-buildmode=exe
            build\t-ldflags="-X main.v=1 -s -w"
            build\t"quoted key"=value
            build\tDefaultGODEBUG=panicnil=1
            build\tvcs.time=2024-01-02T03:04:05Z
            build\tempty=
            build\t-gcflags=`all=-N -l`
            future\tignored line

            """
        let info = try BuildInfo.parse(goVersion: "go1.27.3", moduleInfo: text)
        #expect(info.path == "example.com/x/cmd/tool")
        #expect(info.main == Module(path: "example.com/x", version: "v1.2.3", sum: "h1:abc=", replace: Module(path: "../x", version: "")))
        #expect(info.deps == [
            Module(path: "golang.org/x/text", version: "v0.14.0", sum: "h1:aaa="),
            Module(path: "example.com/y", version: "v0.1.0", replace: Module(path: "example.com/z", version: "v0.2.0", sum: "h1:zzz=")),
        ])
        #expect(info.setting("-ldflags") == "-X main.v=1 -s -w")
        #expect(info.setting("quoted key") == "value")
        #expect(info.setting("DefaultGODEBUG") == "panicnil=1")
        #expect(info.setting("empty") == "")
        #expect(info.setting("-gcflags") == "all=-N -l")
        #expect(info.settings.count == 7)
        // Re-serialised the way Go prints it.
        #expect(info.moduleInfoText.contains("build\t-ldflags=\"-X main.v=1 -s -w\"\n"))
        #expect(info.moduleInfoText.contains("build\t\"quoted key\"=value\n"))
        #expect(info.moduleInfoText.contains("build\t-gcflags=\"all=-N -l\"\n"))
        // Go's BuildInfo.String() leaves an empty line after each replacement; so does go version -m.
        #expect(info.moduleInfoText.hasPrefix("path\texample.com/x/cmd/tool\nmod\texample.com/x\tv1.2.3\n=>\t../x\t\t\n\ndep\t"))
    }

    @Test("A last line without newline is ignored, as Go does")
    func unterminated() throws {
        let info = try BuildInfo.parse(goVersion: "go1.22.0", moduleInfo: "path\tp\nbuild\tGOOS=linux")
        #expect(info.path == "p")
        #expect(info.settings.isEmpty)
    }

    @Test("Lines split on the byte \\n, like Go: CR stays in the value, non-ASCII passes through")
    func bytewiseLines() throws {
        let info = try BuildInfo.parse(goVersion: "go1.22.0", moduleInfo: "path\tp\r\nmod\tm\tv1\t\nbuild\tk=\"é\\u00e9\\x41\"\n")
        #expect(info.path == "p\r")
        #expect(info.main == Module(path: "m", version: "v1"))
        #expect(info.setting("k") == "ééA")
    }

    @Test("Malformed lines are errors naming the line", arguments: [
        ("mod\tonly\n", "line 1: expected 2 or 3 columns; got 1"),
        ("path\tp\n=>\ta\tb\tc\n", "line 2: replacement with no module on previous line"),
        ("dep\ta\tb\n=>\ta\tb\n", "line 2: expected 3 columns for replacement; got 2"),
        ("build\t=x\n", "line 1: build line with missing key"),
        ("build\tnoequals\n", "line 1: build line missing '=' after key"),
        ("build\tk=two words\n", "line 1: unquoted value \"two words\" must be quoted"),
        ("build\t\"k\"x\n", "line 1: unexpected character after quoted key"),
        ("build\tk=\"unterminated\n", "line 1: invalid quoted value in build line"),
        ("build\t\n", "line 1: build line missing '='"),
    ])
    func malformed(_ text: String, _ message: String) {
        #expect(throws: GoBinaryError(.badBuildInfo(message))) { try BuildInfo.parse(goVersion: "go1.22.0", moduleInfo: text) }
    }

    @Test("Go string literals unquote like strconv.Unquote")
    func unquote() {
        func u(_ s: String) -> String? { GoQuote.unquote(Array(s.utf8)[...]) }
        #expect(u(#""a\tb\n\\\"c""#) == "a\tb\n\\\"c")
        #expect(u(#""\x41\101\u00e9\U0001F600""#) == "AAé😀")
        #expect(u("`raw \\n`") == "raw \\n")
        #expect(u(#""\q""#) == nil)
        #expect(u(#""\'""#) == nil)
        #expect(u(#""\400""#) == nil)
        #expect(u(#""\ud800""#) == nil)
        #expect(u("\"a") == nil)
        #expect(u("\"a\nb\"") == nil)
        #expect(GoQuote.quote("a \"b\"\t\u{7f}é") == #""a \"b\"\t\x7fé""#)
        #expect(GoQuote.quotedPrefixLength(Array(#""a\"b"=c"#.utf8)[...]) == 6)
    }

    @Test("JSON field names are stable")
    func json() throws {
        let info = try BuildInfo.parse(goVersion: "go1.27.3", moduleInfo: "path\tp\nmod\tp\t(devel)\t\ndep\ta\tv1\th1:x\n=>\tb\tv2\th1:y\nbuild\tGOOS=linux\n")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(info), as: UTF8.self)
        #expect(text.contains(#""deps":[{"path":"a","replace":{"path":"b","sum":"h1:y","version":"v2"},"sum":"h1:x","version":"v1"}]"#))
        #expect(text.contains(#""settings":[{"key":"GOOS","value":"linux"}]"#))
        #expect(try JSONDecoder().decode(BuildInfo.self, from: Data(text.utf8)) == info)
    }
}

@Suite("Pre-Go 1.18 build info (pointer layout)")
struct PointerLayoutTests {
    /// Rewrites the build-info blob of a real binary into the old layout: the header points at
    /// two string headers which point at the version and module strings.
    func rewrite(_ name: String, pointerSize: Int, bigEndian: Bool) async throws -> BinaryImage {
        let fixtures = try await FixtureStore.shared.get()
        var bytes = try fixtures.bytes(name)
        let slice = try BinaryImage.read(MemorySource(bytes)).slices[0]
        let section = try #require(slice.elf?.sections.first { $0.name == ".go.buildinfo" })
        let at = Int(section.offset)
        let base = section.address
        let version = Array("go1.17.13".utf8)
        let mod = GoBuildInfoLayout.infoStart + Array("path\told/cmd\nmod\told\t(devel)\t\nbuild\tGOOS=linux\n".utf8) + GoBuildInfoLayout.infoEnd
        func put(_ v: UInt64, _ offset: Int) {
            for i in 0 ..< pointerSize {
                let shift = bigEndian ? (pointerSize - 1 - i) * 8 : i * 8
                bytes[at + offset + i] = UInt8((v >> UInt64(shift)) & 0xff)
            }
        }
        let headers = 32, strings = 32 + 4 * pointerSize
        #expect(strings + version.count + mod.count <= Int(section.size))
        bytes[at + 14] = UInt8(pointerSize)
        bytes[at + 15] = bigEndian ? 1 : 0
        put(base + UInt64(headers), 16)
        put(base + UInt64(headers + 2 * pointerSize), 16 + pointerSize)
        put(base + UInt64(strings), headers)
        put(UInt64(version.count), headers + pointerSize)
        put(base + UInt64(strings + version.count), headers + 2 * pointerSize)
        put(UInt64(mod.count), headers + 3 * pointerSize)
        bytes.replaceSubrange(at + strings ..< at + strings + version.count, with: version)
        bytes.replaceSubrange(at + strings + version.count ..< at + strings + version.count + mod.count, with: mod)
        return try BinaryImage.read(MemorySource(bytes))
    }

    @Test("64-bit little endian, 64-bit big endian, 32-bit", arguments: [("linux-amd64", 8, false), ("linux-s390x", 8, true), ("linux-386", 4, false), ("linux-mips", 4, true)])
    func pointerLayout(_ name: String, _ size: Int, _ bigEndian: Bool) async throws {
        let info = try #require(try await rewrite(name, pointerSize: size, bigEndian: bigEndian).slices[0].buildInfo)
        #expect(info.goVersion == "go1.17.13")
        #expect(info.path == "old/cmd")
        #expect(info.main == Module(path: "old", version: "(devel)"))
        #expect(info.setting("GOOS") == "linux")
    }
}
