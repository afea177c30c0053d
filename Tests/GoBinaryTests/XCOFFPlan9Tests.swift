// XCOFF (aix/ppc64) and Plan 9 a.out (plan9/386, amd64, arm) binaries built by the real Go toolchain.
import Foundation
import Testing
@testable import GoBinary

/// A copy of a Plan 9 a.out whose data segment starts at a 16-byte aligned file offset: zero bytes
/// are added to the end of text and the header's text size grows by as many. `debug/buildinfo`
/// aligns its search by file offset for Plan 9 (the data segment is aligned by address, not in the
/// file), so `go version -m` reads only such a copy (go.dev/issue/80193).
func plan9AlignedCopy(_ bytes: [UInt8]) -> [UInt8] {
    let word = { (i: Int) -> Int in Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
    let headerSize = word(0) & 0x8000 != 0 ? 40 : 32
    let text = word(4)
    let dataStart = headerSize + text
    let pad = (16 - dataStart % 16) % 16
    var out = Array(bytes[0 ..< dataStart]) + [UInt8](repeating: 0, count: pad) + Array(bytes[dataStart...])
    for k in 0 ..< 4 { out[4 + k] = UInt8(((text + pad) >> (24 - 8 * k)) & 0xff) }
    return out
}

@Suite("XCOFF and Plan 9 a.out binaries")
struct XCOFFPlan9Tests {
    @Test("Format, OS, architecture and build info agree with go version -m", arguments: exoticVariants)
    func agreesWithGoVersion(_ variant: Variant) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.path(variant.name)
        let image = try BinaryImage.read(path: file)
        #expect(image.format.rawValue == (variant.goos == "aix" ? "xcoff" : "plan9"))
        #expect(image.slices.count == 1)
        let slice = try #require(image.slices.first)
        #expect(slice.format == image.format)
        #expect(slice.goos == variant.goos)
        #expect(slice.goarch == variant.goarch)
        #expect(slice.goosSource == .header)
        let info = try #require(slice.buildInfo)
        #expect(info.goVersion == fixtures.goVersion)
        #expect(info.path == "example.com/hello")
        #expect(info.main == Module(path: "example.com/hello", version: "(devel)"))
        #expect(info.setting("GOOS") == variant.goos)
        #expect(info.setting("GOARCH") == variant.goarch)
        #expect(info.setting("CGO_ENABLED") == "0")
        #expect(info.setting("-trimpath") == (variant.flags.contains("-trimpath") ? "true" : nil))
        for (key, value) in variant.env { #expect(info.setting(key) == value) }
        #expect(info.deps.count == 3)

        // The file go version -m reads: the file itself, or for Plan 9 an aligned copy.
        var goFile = file
        if variant.goos == "plan9" {
            let copy = plan9AlignedCopy(try fixtures.bytes(variant.name))
            goFile = fixtures.directory + "/\(variant.name)-aligned"
            try Data(copy).write(to: URL(fileURLWithPath: goFile))
            // The copy reads the same with GoBinary.
            #expect(try BinaryImage.read(path: goFile).slices.first?.buildInfo == info)
        }
        let stripped = variant.goos == "aix" && variant.flags.contains { $0.contains("-s -w") }
        if stripped {
            // go version -m needs an XCOFF symbol table; the dependencies are those of the unstripped build.
            let go = try await goVersionText(file)
            #expect(go.status != 0 || go.stdout.isEmpty)
            let full = try await goVersionJSON(fixtures.path("aix-ppc64"))
            #expect(info.deps == (try BinaryImage.read(path: fixtures.path("aix-ppc64")).slices.first?.buildInfo?.deps))
            #expect(info.goVersion == full.GoVersion)
            #expect(info.setting("-ldflags") == nil)
        } else {
            expectAgreement(info, try await goVersionJSON(goFile), file: goFile)
            let text = try await goVersionText(goFile)
            #expect(text.status == 0)
            #expect(versionText(goFile, info) == text.stdout)
        }
    }

    @Test("XCOFF headers: executable, module type, sections, symbols", arguments: ["aix-ppc64", "aix-ppc64-stripped"])
    func xcoffHeaders(_ name: String) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let slice = try #require(try BinaryImage.read(path: fixtures.path(name)).slices.first)
        let x = try #require(slice.xcoff)
        #expect(slice.elf == nil && slice.plan9 == nil)
        #expect(x.magic == 0x01f7)
        #expect(x.isExecutable)
        #expect(x.auxiliaryHeaderSize == 120)
        #expect(x.moduleType == "1L")
        #expect(Array(x.sections.prefix(3).map(\.name)) == [".text", ".data", ".bss"])
        #expect(x.sections.contains { $0.name == ".loader" })
        let data = try #require(x.sections.first { $0.name == ".data" })
        let at = try #require(slice.buildInfoOffset)
        #expect(UInt64(at) >= data.offset && UInt64(at) < data.offset + data.size)
        #expect((data.address + UInt64(at) - data.offset) % 16 == 0)
        let entry = try #require(x.entry)
        #expect(entry >= data.address && entry < data.address + data.size, "the entry is a function descriptor in .data")
        if name.hasSuffix("stripped") {
            #expect(x.symbolCount == 0)
            #expect(!x.sections.contains { $0.name.hasPrefix(".dw") })
        } else {
            #expect(x.symbolCount > 0)
            #expect(x.sections.contains { $0.name == ".dwinfo" })
        }
    }

    @Test("Plan 9 headers: magic, segments, entry, and the data address go tool nm gives go:buildinfo",
          arguments: exoticVariants.filter { $0.goos == "plan9" })
    func plan9Headers(_ variant: Variant) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.path(variant.name)
        let bytes = try fixtures.bytes(variant.name)
        let slice = try #require(try BinaryImage.read(path: file).slices.first)
        let p = try #require(slice.plan9)
        #expect(slice.elf == nil && slice.xcoff == nil)
        let magic: [String: UInt32] = ["386": 0x01eb, "amd64": 0x8a97, "arm": 0x0647]
        #expect(p.magic == magic[variant.goarch])
        #expect(p.is64 == (variant.goarch == "amd64"))
        #expect(p.headerSize == (variant.goarch == "amd64" ? 40 : 32))
        #expect(p.sections.map(\.name) == ["text", "data", "syms", "spsz", "pcsz"])
        // The segments follow the header back to back and fill the file.
        #expect(p.sections.first?.offset == UInt64(p.headerSize))
        #expect(p.sections.last.map { $0.offset + $0.size } == UInt64(bytes.count))
        let text = p.sections[0], data = p.sections[1]
        #expect(p.entry >= text.address && p.entry < text.address + text.size)
        #expect(data.address % 4096 == 0 && data.address >= text.address + text.size)
        #expect((p.symbolsSize == 0) == variant.flags.contains { $0.contains("-s -w") })
        // The build info sits at the start of data: go:buildinfo in the symbol table has that address.
        let at = try #require(slice.buildInfoOffset)
        #expect(UInt64(at) == data.offset)
        if p.symbolsSize > 0 {
            let nm = try await runProcess(goTool, ["tool", "nm", file], environment: FixtureStore.environment(root: NSTemporaryDirectory()))
            #expect(nm.status == 0)
            let line = nm.stdout.split(separator: "\n").first { $0.hasSuffix(" D go:buildinfo") }
            let address = line.flatMap { UInt64($0.split(separator: " ").first ?? "", radix: 16) }
            #expect(address == data.address, "go tool nm: \(line ?? "no go:buildinfo")")
        }
    }

    @Test("Detection: the new magics; Plan 9 magics Go does not produce and 32-bit XCOFF are refused")
    func foreignMagic() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let bytes = try fixtures.bytes("plan9-386")
        // The ELF/Mach-O/PE detection never claims these files.
        #expect(BinaryImage.detect(Array(bytes.prefix(8))) == .plan9)
        #expect(BinaryImage.detect(Array(try fixtures.bytes("aix-ppc64").prefix(8))) == .xcoff)
        // Plan 9 magics Go does not produce (e.g. 68020, 0x0107) are not Plan 9 a.out files to GoBinary.
        var other = bytes
        other[2] = 0x01; other[3] = 0x07
        #expect(error(of: MemorySource(other))?.kind == .notABinary)
        // 32-bit XCOFF is recognized and refused as unsupported.
        let xcoff32: [UInt8] = [0x01, 0xdf] + [UInt8](repeating: 0, count: 62)
        if case .unsupported? = error(of: MemorySource(xcoff32))?.kind {} else { Issue.record("32-bit XCOFF not refused as unsupported") }
        #expect(error(of: MemorySource(xcoff32))?.format == .xcoff)
    }
}

@Suite("Damaged XCOFF and Plan 9 a.out files")
struct XCOFFPlan9RobustnessTests {

    // Truncation and random corruption of these formats run in RobustnessTests with the other formats' samples.

    @Test("Lying XCOFF and Plan 9 headers give typed errors")
    func lyingHeaders() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let aix = MemorySource(try fixtures.bytes("aix-ppc64"))
        #expect(error(of: PrefixSource(base: aix, count: 20)) == GoBinaryError(.truncated(at: 0, needed: 24), format: .xcoff))
        // 0xffff sections: the section table runs past the end of the file.
        if case .truncated? = error(of: PatchedSource(base: aix, patches: patch(0xffff, at: 2, size: 2, bigEndian: true)))?.kind {} else { Issue.record("f_nscns") }
        // The symbol table pointer far beyond the file.
        #expect(error(of: PatchedSource(base: aix, patches: patch(0x7fff_ffff_ffff_0000, at: 8, size: 8, bigEndian: true)))?.kind
            == .badOffset(field: "symbol table (f_symptr)"))
        // The .data section's file offset (s_scnptr of the second section header) beyond the file.
        let dataHeader = 24 + 120 + 72
        #expect(error(of: PatchedSource(base: aix, patches: patch(0x7fff_ffff_0000, at: dataHeader + 32, size: 8, bigEndian: true)))?.kind
            == .badOffset(field: "section .data"))

        let plan9 = MemorySource(try fixtures.bytes("plan9-amd64"))
        // The 64-bit header needs its 8-byte entry word.
        #expect(error(of: PrefixSource(base: plan9, count: 36)) == GoBinaryError(.truncated(at: 0, needed: 40), format: .plan9))
        #expect(error(of: PrefixSource(base: plan9, count: 3)) == GoBinaryError(.notABinary))
        // A text size of 4 GiB: the segments no longer fit in the file.
        if case .truncated(let at, _)? = error(of: PatchedSource(base: plan9, patches: patch(0xffff_ffff, at: 4, size: 4, bigEndian: true)))?.kind {
            #expect(at == 40)
        } else {
            Issue.record("text size")
        }
        // A build-info string length far beyond the data segment.
        let at = try #require(try BinaryImage.read(plan9).slices[0].buildInfoOffset)
        let length: [Int: UInt8] = [at + 32: 0xff, at + 33: 0xff, at + 34: 0xff, at + 35: 0xff, at + 36: 0x0f]
        if case .badBuildInfo? = error(of: PatchedSource(base: plan9, patches: length))?.kind {} else { Issue.record("string length not rejected") }
        #expect(GoBinaryError(.truncated(at: 0, needed: 40), format: .plan9).description == "Plan 9 a.out: truncated file: needs 40 bytes at offset 0x0")
        #expect(GoBinaryError(.badOffset(field: "section .data"), format: .xcoff).description == "XCOFF: corrupt file: section .data points outside the file")
    }
}
