// Tests against binaries built by the real Go toolchain: every field agrees with `go version -m`.
import Foundation
import Testing
@testable import GoBinary

/// Compares what GoBinary read with `go version -m -json` for the same file.
func expectAgreement(_ info: BuildInfo?, _ go: GoJSONBuildInfo, file: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let info else {
        Issue.record("\(file): no build info read", sourceLocation: sourceLocation)
        return
    }
    #expect(info.goVersion == go.GoVersion, sourceLocation: sourceLocation)
    #expect(info.path == go.Path, sourceLocation: sourceLocation)
    func convert(_ m: GoJSONModule?) -> Module? {
        guard let m, let path = m.Path, !path.isEmpty else { return nil }
        return Module(path: path, version: m.Version ?? "", sum: (m.Sum?.isEmpty ?? true) ? nil : m.Sum, replace: convert(m.Replace?.module))
    }
    #expect(info.main == convert(go.Main), sourceLocation: sourceLocation)
    #expect(info.deps == (go.Deps ?? []).compactMap(convert), sourceLocation: sourceLocation)
    #expect(info.settings == (go.Settings ?? []).map { BuildSetting(key: $0.Key, value: $0.Value) }, sourceLocation: sourceLocation)
}

/// The text `go version -m FILE` prints, rebuilt from what GoBinary read.
func versionText(_ file: String, _ info: BuildInfo) -> String {
    var text = "\(file): \(info.goVersion)\n"
    for line in info.moduleInfoText.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
        text += "\t\(line)\n"
    }
    return text
}

@Suite("Binaries built by the real Go toolchain")
struct RealBinaryTests {
    static let native = fixtureVariants.filter { !$0.isWasm }
    static let wasm = fixtureVariants.filter(\.isWasm)

    @Test("Agrees with go version -m on every field", arguments: native)
    func agreesWithGoVersion(_ variant: Variant) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.path(variant.name)
        let image = try BinaryImage.read(path: file)
        #expect(image.slices.count == 1)
        let slice = try #require(image.slices.first)
        let goJSON = try await goVersionJSON(file)
        expectAgreement(slice.buildInfo, goJSON, file: file)

        // The text form, quoting included, is identical.
        let text = try await goVersionText(file)
        #expect(text.status == 0)
        #expect(versionText(file, try #require(slice.buildInfo)) == text.stdout)

        // Headers say the requested target.
        #expect(slice.goos == variant.goos)
        #expect(slice.goarch == variant.goarch)
        #expect(slice.buildInfo?.setting("GOOS") == variant.goos)
        #expect(slice.buildInfo?.setting("GOARCH") == variant.goarch)
        #expect(slice.buildInfo?.setting("CGO_ENABLED") == "0")
        #expect(slice.buildInfo?.goVersion == fixtures.goVersion)
        switch variant.goos {
        case "darwin":
            #expect(image.format == .machO)
            let macho = try #require(slice.macho)
            #expect(macho.is64)
            #expect(macho.fileTypeName == "MH_EXECUTE")
            #expect(macho.platformName == "macOS")
            #expect(macho.dylibs.contains("/usr/lib/libSystem.B.dylib"))
            #expect(macho.loadCommands.contains { $0.name == "LC_SEGMENT_64" })
            if variant.goarch == "arm64" { #expect(macho.hasCodeSignature) }
            #expect(slice.goosSource == .header)
        case "windows":
            #expect(image.format == .pe)
            let pe = try #require(slice.pe)
            #expect(pe.isPE32Plus == (variant.goarch != "386"))
            #expect(pe.subsystemName == (variant.flags.contains { $0.contains("windowsgui") } ? "windows-gui" : "windows-cui"))
            #expect(pe.sections.contains { $0.name == ".data" })
            #expect(pe.sections.contains { $0.name.hasPrefix(".debug_") } || variant.flags.contains { $0.contains("-s") })
        default:
            #expect(image.format == .elf)
            let elf = try #require(slice.elf)
            let is32 = ["386", "arm", "mips", "mipsle"].contains(variant.goarch)
            #expect(elf.elfClass == (is32 ? 32 : 64))
            #expect(elf.endianness == (["s390x", "ppc64", "mips", "mips64"].contains(variant.goarch) ? .big : .little))
            #expect(elf.sections.contains { $0.name == ".go.buildinfo" })
            switch variant.name {
            case "linux-arm64-pie":
                #expect(elf.typeName == "DYN")
                #expect(elf.interpreter == "/lib/ld-linux-aarch64.so.1")
            case "openbsd-arm64":
                #expect(elf.interpreter == "/usr/libexec/ld.so")
            case "illumos-amd64":
                #expect(elf.interpreter == "/lib/amd64/ld.so.1")
                #expect(slice.goosSource == .buildInfo)
            default:
                #expect(elf.isStatic, "\(variant.name): interpreter \(elf.interpreter ?? "")")
                #expect(elf.typeName == "EXEC")
            }
            if ["freebsd", "netbsd", "openbsd"].contains(variant.goos) { #expect(slice.goosSource == .header) }
        }
    }

    @Test("wasm: Go version, main module, target and settings are read where go version -m fails", arguments: wasm)
    func wasmBuildInfo(_ variant: Variant) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.path(variant.name)
        let image = try BinaryImage.read(path: file)
        #expect(image.format == .wasm)
        let slice = try #require(image.slices.first)
        let wasm = try #require(slice.wasm)
        let info = try #require(slice.buildInfo)
        #expect(slice.goos == variant.goos)
        #expect(slice.goarch == "wasm")
        #expect(slice.goosSource == .header)
        #expect(wasm.flavor?.rawValue == variant.goos)
        #expect(wasm.importModules.contains(variant.goos == "js" ? "gojs" : "wasi_snapshot_preview1"))
        #expect(wasm.dataSegmentCount > 0)
        #expect(wasm.sections.contains { $0.name == "data" })
        #expect(wasm.producers.contains { $0.field == "language" && $0.name == "Go" })
        #expect(info.goVersion == fixtures.goVersion)
        #expect(info.path == "example.com/hello")
        #expect(info.main == Module(path: "example.com/hello", version: "(devel)"))
        #expect(info.setting("GOOS") == variant.goos)
        #expect(info.setting("GOARCH") == "wasm")
        #expect(info.setting("CGO_ENABLED") == "0")
        #expect(info.setting("-compiler") == "gc")
        if variant.flags.contains("-trimpath") { #expect(info.setting("-trimpath") == "true") }
        if variant.flags.contains("-tags=extra") { #expect(info.setting("-tags") == "extra") }
        if variant.flags.contains(where: { $0.hasPrefix("-ldflags=") }) { #expect(info.setting("-ldflags") == "-X main.v=1 -s -w") }
        if variant.flags.contains("-trimpath") { #expect(info.setting("-ldflags") == nil) }

        // The dependencies are those go version -m reports for a native build of the same module.
        let native = try await goVersionJSON(fixtures.path("linux-amd64"))
        expectAgreement(
            BuildInfo(goVersion: native.GoVersion, path: native.Path, main: info.main, deps: info.deps,
                      settings: (native.Settings ?? []).map { BuildSetting(key: $0.Key, value: $0.Value) }, rawModuleInfo: ""),
            native, file: file)
        #expect(info.deps.count == 3)
        #expect(info.deps.first { $0.path == "example.com/dep" }?.replace?.path == "../dep")

        // go version -m cannot read it.
        let go = try await goVersionText(file)
        #expect(go.status != 0 || go.stdout.isEmpty)
    }

    @Test("Dependencies carry versions, sums and both kinds of replacement")
    func dependencies() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let info = try #require(try BinaryImage.read(path: fixtures.path("linux-ppc64")).slices.first?.buildInfo)
        let byPath = Dictionary(uniqueKeysWithValues: info.deps.map { ($0.path, $0) })
        let dep = try #require(byPath["example.com/dep"])
        #expect(dep.version == "v0.0.0")
        #expect(dep.replace == Module(path: "../dep", version: "(devel)"))
        let lib = try #require(byPath["example.com/lib"])
        #expect(lib.version == "v1.0.0")
        #expect(lib.sum?.hasPrefix("h1:") == true)
        #expect(lib.replace == nil)
        let old = try #require(byPath["example.com/old"])
        #expect(old.replace?.path == "example.com/lib")
        #expect(old.replace?.version == "v1.1.0")
        #expect(old.replace?.sum?.hasPrefix("h1:") == true)
        #expect(old.sum == nil)
    }

    @Test("Quoted ldflags are unquoted like debug.ParseBuildInfo does")
    func quotedSettings() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let mips = try #require(try BinaryImage.read(path: fixtures.path("linux-mips")).slices.first?.buildInfo)
        #expect(mips.setting("-ldflags") == "-X 'main.v=a b'")
        #expect(mips.rawModuleInfo.contains("build\t-ldflags=\"-X 'main.v=a b'\"\n"))
        let amd64 = try #require(try BinaryImage.read(path: fixtures.path("linux-amd64")).slices.first?.buildInfo)
        // With -trimpath the go command leaves -ldflags out (it may hold local paths, go.dev/issue/52372).
        #expect(amd64.setting("-ldflags") == nil)
        #expect(amd64.setting("GOAMD64") == "v3")
        #expect(amd64.setting("-tags") == "extra")
        #expect(amd64.setting("-trimpath") == "true")
        let i386 = try #require(try BinaryImage.read(path: fixtures.path("linux-386")).slices.first?.buildInfo)
        #expect(i386.setting("-tags") == "extra,other")
        #expect(i386.setting("GO386") == "softfloat")
        let arm = try #require(try BinaryImage.read(path: fixtures.path("linux-arm")).slices.first?.buildInfo)
        #expect(arm.setting("GOARM") == "7")
    }

    @Test("A universal Mach-O assembled from two darwin slices lists both with build info", arguments: [false, true])
    func universal(fat64: Bool) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let parts = [try fixtures.bytes("darwin-amd64"), try fixtures.bytes("darwin-arm64")]
        let cpus: [(UInt32, UInt32)] = [(0x0100_0007, 3), (0x0100_000c, 0)]
        var file: [UInt8] = []
        func be32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { file.append(UInt8((v >> UInt32(s)) & 0xff)) } }
        func be64(_ v: UInt64) { be32(UInt32(v >> 32)); be32(UInt32(v & 0xffff_ffff)) }
        be32(fat64 ? 0xcafe_babf : 0xcafe_babe)
        be32(2)
        let align = 1 << 14
        var offsets: [Int] = []
        var next = align
        for p in parts {
            offsets.append(next)
            next = (next + p.count + align - 1) / align * align
        }
        for (i, p) in parts.enumerated() {
            be32(cpus[i].0)
            be32(cpus[i].1)
            if fat64 {
                be64(UInt64(offsets[i])); be64(UInt64(p.count)); be32(14); be32(0)
            } else {
                be32(UInt32(offsets[i])); be32(UInt32(p.count)); be32(14)
            }
        }
        for (i, p) in parts.enumerated() {
            file += [UInt8](repeating: 0, count: offsets[i] - file.count)
            file += p
        }
        let path = fixtures.directory + "/universal\(fat64 ? "64" : "")"
        try Data(file).write(to: URL(fileURLWithPath: path))

        let image = try BinaryImage.read(path: path)
        #expect(image.format == .universal)
        #expect(image.isFat64 == fat64)
        #expect(image.fatArches.count == 2)
        #expect(image.slices.map(\.goarch) == ["amd64", "arm64"])
        #expect(image.slices.map(\.goos) == ["darwin", "darwin"])
        #expect(image.slices.map(\.offset) == offsets)
        for (i, name) in ["darwin-amd64", "darwin-arm64"].enumerated() {
            let thin = try BinaryImage.read(path: fixtures.path(name)).slices[0]
            #expect(image.slices[i].buildInfo == thin.buildInfo)
            #expect(image.slices[i].buildInfo != nil)
            #expect(image.slices[i].macho == thin.macho)
            expectAgreement(image.slices[i].buildInfo, try await goVersionJSON(fixtures.path(name)), file: path)
        }
        #expect(image.slices[1].macho?.hasCodeSignature == true)
        // go version -m reads only the first slice (and no fat64 file).
        if !fat64 {
            #expect(try await goVersionJSON(path).Settings?.contains(GoJSONSetting(Key: "GOARCH", Value: "amd64")) == true)
        }
    }

    @Test("The toolchain's own go and gofmt binaries are read correctly", arguments: ["bin/go", "bin/gofmt"])
    func toolchainBinaries(_ relative: String) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.goroot + "/" + relative
        let image = try BinaryImage.read(path: file)
        let slice = try #require(image.slices.first)
        expectAgreement(slice.buildInfo, try await goVersionJSON(file), file: file)
        let text = try await goVersionText(file)
        #expect(versionText(file, try #require(slice.buildInfo)) == text.stdout)
        #expect(slice.buildInfo?.path == "cmd/" + relative.split(separator: "/").last!)
        #expect(slice.goos == slice.buildInfo?.setting("GOOS"))
        #expect(slice.goarch == slice.buildInfo?.setting("GOARCH"))
    }

    @Test("A non-Go binary of the system reads without build info")
    func systemBinary() throws {
        for path in ["/bin/sh", "/usr/bin/env"] where FileManager.default.fileExists(atPath: path) {
            let image = try BinaryImage.read(path: path)
            #expect(!image.isGo)
            #expect(image.slices.first?.buildInfo == nil)
            #expect(throws: GoBinaryError.self) { try BinaryImage.readGo(path: path) }
        }
    }
}
