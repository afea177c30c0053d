// Truncated, corrupted and non-binary inputs: always a GoBinaryError, never a crash or hang.
import Foundation
import Testing
@testable import GoBinary

/// The first `count` bytes of another source (a truncated file without copying it).
struct PrefixSource: ByteSource {
    let base: MemorySource
    let count: Int
    func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        try checkRead(offset: offset, count: count, available: self.count)
        return try base.bytes(at: offset, count: count)
    }
}

/// Another source with some bytes overwritten.
struct PatchedSource: ByteSource {
    let base: MemorySource
    let patches: [Int: UInt8]
    var count: Int { base.count }
    func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        var b = try base.bytes(at: offset, count: count)
        for (i, v) in patches where i >= offset && i < offset + count { b[i - offset] = v }
        return b
    }
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

func readResult(_ source: some ByteSource) -> Result<BinaryImage, GoBinaryError> {
    do { return .success(try BinaryImage.read(source)) } catch { return .failure(error) }
}

func error(of source: some ByteSource) -> GoBinaryError? {
    if case .failure(let e) = readResult(source) { return e }
    return nil
}

/// Little-endian / big-endian integer patches.
func patch(_ value: UInt64, at offset: Int, size: Int, bigEndian: Bool = false) -> [Int: UInt8] {
    var out: [Int: UInt8] = [:]
    for i in 0 ..< size {
        let shift = bigEndian ? (size - 1 - i) * 8 : i * 8
        out[offset + i] = UInt8((value >> UInt64(shift)) & 0xff)
    }
    return out
}

@Suite("Damaged and foreign input")
struct RobustnessTests {
    static let samples = ["linux-s390x", "linux-arm", "darwin-amd64", "darwin-arm64", "windows-386", "wasip1-wasm", "js-wasm",
                          "aix-ppc64", "aix-ppc64-stripped", "plan9-386", "plan9-amd64", "plan9-arm"]

    @Test("Truncated prefixes fail cleanly or still give the same build info", arguments: samples)
    func truncated(_ name: String) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let bytes = try fixtures.bytes(name)
        let full = try BinaryImage.read(MemorySource(bytes))
        let slice = try #require(full.slices.first)
        let memory = MemorySource(bytes)
        var lengths = Set(0 ..< 600)
        var rng = SplitMix(state: 42)
        for _ in 0 ..< 400 { lengths.insert(Int.random(in: 0 ..< bytes.count, using: &rng)) }
        // Around the build info and the end of the file, byte by byte.
        if let at = slice.buildInfoOffset { for d in -40 ..< 700 where at + d > 0 && at + d < bytes.count { lengths.insert(at + d) } }
        for d in 1 ..< 200 { lengths.insert(bytes.count - d) }
        var failures = 0
        for n in lengths.sorted() {
            switch readResult(PrefixSource(base: memory, count: n)) {
            case .failure(let e):
                failures += 1
                #expect(!e.description.isEmpty && !e.description.contains("\n"))
                if n == 0 { #expect(e.kind == .empty) }
                else if n >= 8 { #expect(e.format == nil || e.format == full.format, "prefix \(n): \(e)") }
            case .success(let image):
                // A prefix that still holds every structure read must give the same answer (an XCOFF file cut
                // in its string table, which nothing reads, included). Only a
                // wasm module cut exactly between two sections is a valid (shorter, non-Go) module.
                let info = image.slices.first?.buildInfo
                #expect(info == slice.buildInfo || (info == nil && full.format == .wasm), "prefix \(n)")
            }
        }
        #expect(failures > 600)
    }

    @Test("Random corruption of headers and build info never crashes", arguments: samples)
    func mutations(_ name: String) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let bytes = try fixtures.bytes(name)
        let memory = MemorySource(bytes)
        let full = try BinaryImage.read(memory)
        let slice = try #require(full.slices.first)
        var hot: [Range<Int>] = [0 ..< min(4096, bytes.count)]
        if let at = slice.buildInfoOffset { hot.append(max(0, at - 64) ..< min(bytes.count, at + 1024)) }
        // The code signature's SuperBlob and CodeDirectory header (darwin/arm64).
        if let m = slice.macho, let at = m.codeSignatureOffset.map(Int.init) { hot.append(at ..< min(bytes.count, at + 256)) }
        if let sections = slice.elf?.sections, let last = sections.last {
            // The ELF section header table follows the last section's data.
            let end = Int(last.offset + last.size)
            hot.append(max(0, end - 256) ..< bytes.count)
        }
        // A seed fixed by the fixture's name (FNV-1a: the same in every process, unlike hashValue), printed on failure.
        let seed = name.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var rng = SplitMix(state: seed)
        let interesting: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
        for _ in 0 ..< 1000 {
            var patches: [Int: UInt8] = [:]
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                let range = hot.randomElement(using: &rng)!
                let at = Int.random(in: range, using: &rng)
                let width = [1, 2, 4, 8].randomElement(using: &rng)!
                for k in 0 ..< width where at + k < bytes.count {
                    patches[at + k] = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0 ... 255, using: &rng)
                }
            }
            // A corrupt file must not make the parser hang: a read of a few MB that takes a minute is a loop.
            // (How fast reads are belongs to scripts/bench-inspect, not to a timed test.)
            let start = ContinuousClock.now
            _ = readResult(PatchedSource(base: memory, patches: patches))
            #expect(ContinuousClock.now - start < .seconds(60), "hang-like read (seed \(seed)) with patches \(patches.sorted { $0.key < $1.key })")
        }
    }

    @Test("Lying ELF offsets and counts give typed errors")
    func lyingELF() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let bytes = try fixtures.bytes("linux-ppc64")  // 64-bit big-endian
        let m = MemorySource(bytes)
        let shoff = patch(0x7fff_ffff_ffff_0000, at: 0x28, size: 8, bigEndian: true)
        #expect(error(of: PatchedSource(base: m, patches: shoff))?.kind == .badOffset(field: "section header table (e_shoff)"))
        let phoff = patch(UInt64(bytes.count - 8), at: 0x20, size: 8, bigEndian: true)
        #expect(error(of: PatchedSource(base: m, patches: phoff))?.kind == .truncated(at: bytes.count - 8, needed: 56 * (Int(bytes[0x38]) << 8 | Int(bytes[0x39]))))
        let shstrndx = patch(0xfff0, at: 0x3e, size: 2, bigEndian: true)
        if case .badValue(let field, _)? = error(of: PatchedSource(base: m, patches: shstrndx))?.kind { #expect(field == "e_shstrndx") } else { Issue.record("e_shstrndx") }
        let shentsize = patch(8, at: 0x3a, size: 2, bigEndian: true)
        #expect(error(of: PatchedSource(base: m, patches: shentsize)) != nil)
        let elfClass = [4: UInt8(7)]
        #expect(error(of: PatchedSource(base: m, patches: elfClass))?.kind == .badValue(field: "EI_CLASS", detail: "7"))

        // A build-info string length far beyond the section.
        let at = try #require(try BinaryImage.read(m).slices[0].buildInfoOffset)
        let length: [Int: UInt8] = [at + 32: 0xff, at + 33: 0xff, at + 34: 0xff, at + 35: 0xff, at + 36: 0x0f]
        if case .badBuildInfo? = error(of: PatchedSource(base: m, patches: length))?.kind {} else { Issue.record("string length not rejected") }
        // An overlong varint.
        var overlong: [Int: UInt8] = [:]
        for i in 0 ..< 11 { overlong[at + 32 + i] = 0xff }
        if case .badBuildInfo? = error(of: PatchedSource(base: m, patches: overlong))?.kind {} else { Issue.record("overlong varint not rejected") }
        // Module info without the newline before the end sentinel reads as no module info, like debug/buildinfo.
        let blob = try m.bytes(at: at, count: 64)
        let versionLength = Int(blob[32])
        let p = 33 + versionLength
        let modLength = Int(blob[p] & 0x7f) | Int(blob[p + 1]) << 7
        #expect(blob[p] & 0x80 != 0 && blob[p + 1] & 0x80 == 0)
        let unframed = try BinaryImage.read(PatchedSource(base: m, patches: [at + p + 2 + modLength - 17: 0x41]))
        #expect(unframed.slices[0].buildInfo?.path == nil)
        #expect(unframed.slices[0].buildInfo?.goVersion == fixtures.goVersion)
    }

    @Test("Lying Mach-O, universal, PE and wasm headers give typed errors")
    func lyingOthers() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let macho = MemorySource(try fixtures.bytes("darwin-arm64"))
        #expect(error(of: PatchedSource(base: macho, patches: patch(0x7fff_fff0, at: 20, size: 4))) != nil)
        if case .badValue? = error(of: PatchedSource(base: macho, patches: patch(0, at: 32 + 4, size: 4)))?.kind {} else { Issue.record("cmdsize 0") }
        #expect(error(of: PatchedSource(base: macho, patches: patch(0x00ff_ffff, at: 16, size: 4))) != nil)

        let pe = MemorySource(try fixtures.bytes("windows-amd64"))
        #expect(error(of: PatchedSource(base: pe, patches: patch(0xffff_fff0, at: 0x3c, size: 4)))?.kind == .badOffset(field: "e_lfanew (PE header offset)"))
        let lfanew = Int(try ByteView(pe.bytes(at: 0x3c, count: 4)).u32(0))
        if case .badValue? = error(of: PatchedSource(base: pe, patches: patch(0xffff, at: lfanew + 6, size: 2)))?.kind {} else { Issue.record("NumberOfSections") }
        #expect(error(of: PatchedSource(base: pe, patches: [lfanew: 0x51])) != nil)

        let wasm = MemorySource(try fixtures.bytes("js-wasm"))
        if case .truncated? = error(of: PatchedSource(base: wasm, patches: [9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0x07]))?.kind {} else { Issue.record("wasm section size") }
        #expect(error(of: PatchedSource(base: wasm, patches: [4: 2])) != nil)

        // A universal header whose slice lies beyond the end of the file.
        var fat: [UInt8] = [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1, 1, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0x40, 0, 0x7f, 0, 0, 0, 0, 0, 0, 14]
        fat += [UInt8](repeating: 0, count: 0x4000)
        if case .inSlice(0, "arm64", let inner)? = error(of: MemorySource(fat))?.kind {
            #expect(inner.kind == .badOffset(field: "slice offset/size"))
        } else {
            Issue.record("universal slice offset")
        }
    }

    @Test("Empty files, directories, text files, devices and FIFOs are refused with clear errors")
    func nonBinaries() throws {
        let dir = NSTemporaryDirectory() + "/gobinary-nonbin-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func kind(_ path: String) -> GoBinaryError.Kind? {
            do { _ = try BinaryImage.read(path: path); return nil } catch { return error.kind }
        }
        _ = FileManager.default.createFile(atPath: dir + "/empty", contents: Data())
        #expect(kind(dir + "/empty") == .empty)
        #expect(kind(dir) == .isDirectory)
        _ = FileManager.default.createFile(atPath: dir + "/text", contents: Data("#!/bin/sh\necho hello\n".utf8))
        #expect(kind(dir + "/text") == .notABinary)
        _ = FileManager.default.createFile(atPath: dir + "/tiny", contents: Data([0x7f, 0x45]))
        #expect(kind(dir + "/tiny") == .notABinary)
        _ = FileManager.default.createFile(atPath: dir + "/java", contents: Data([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41] + [UInt8](repeating: 0, count: 64)))
        #expect(kind(dir + "/java") == .notABinary)
        _ = FileManager.default.createFile(atPath: dir + "/elfhead", contents: Data([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))
        #expect(kind(dir + "/elfhead") == .truncated(at: 0, needed: 16))
        #expect(kind("/dev/null") == .notRegularFile)
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        #expect(kind(dir + "/fifo") == .notRegularFile)
        if case .io(let message)? = kind(dir + "/missing") { #expect(message.contains("No such file")) } else { Issue.record("missing file") }
        // One-line messages.
        for k in [GoBinaryError.Kind.empty, .isDirectory, .notABinary, .truncated(at: 16, needed: 48)] {
            #expect(!GoBinaryError(k, format: .elf).description.contains("\n"))
        }
        #expect(GoBinaryError(.truncated(at: 0x40, needed: 64), format: .elf).description == "ELF: truncated file: needs 64 bytes at offset 0x40")
    }

    @Test("Every format's reader is bounded: small random files never crash")
    func noise() {
        var rng = SplitMix(state: 7)
        let magics: [[UInt8]] = [[0x7f, 0x45, 0x4c, 0x46], [0xcf, 0xfa, 0xed, 0xfe], [0xce, 0xfa, 0xed, 0xfe], [0xfe, 0xed, 0xfa, 0xcf],
                                 [0xca, 0xfe, 0xba, 0xbe], [0xca, 0xfe, 0xba, 0xbf], [0x4d, 0x5a], [0x00, 0x61, 0x73, 0x6d],
                                 [0x01, 0xf7], [0x00, 0x00, 0x01, 0xeb], [0x00, 0x00, 0x8a, 0x97], [0x00, 0x00, 0x06, 0x47]]
        for i in 0 ..< 4000 {
            let size = Int.random(in: 0 ..< 2048, using: &rng)
            var b = (0 ..< size).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            let magic = magics[i % magics.count]
            for (k, v) in magic.enumerated() where k < b.count { b[k] = v }
            if i % 3 == 0 && b.count > 4 { for k in 4 ..< min(b.count, 64) where Bool.random(using: &rng) { b[k] = 0 } }
            _ = readResult(MemorySource(b))
        }
    }
}
