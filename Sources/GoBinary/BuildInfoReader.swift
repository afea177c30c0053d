// Locates and decodes the `\xff Go buildinf:` blob inside a section of an ELF, Mach-O, PE or XCOFF image (or a Plan 9 segment).

/// A range of file bytes that is mapped at a virtual address (a segment or section).
struct MappedRange {
    let address: UInt64
    let fileOffset: Int
    let size: Int
}

/// Translates virtual addresses into file offsets (needed only for the pre-1.18 pointer layout).
struct AddressMap {
    var ranges: [MappedRange] = []

    /// File offset of `count` bytes at `address`, if they lie inside one mapped range.
    func fileOffset(of address: UInt64, count: UInt64) -> Int? {
        for r in ranges where address >= r.address {
            let delta = address - r.address
            if delta < UInt64(r.size) && count <= UInt64(r.size) - delta {
                return r.fileOffset + Int(delta)
            }
        }
        return nil
    }
}

/// Facts about Go's build-info blob (from the Go linker's documented layout; see go-facts.md).
enum GoBuildInfoLayout {
    /// `\xff Go buildinf:`, 14 bytes.
    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
    static let headerSize = 32
    static let alignment = 16
    static let flagsBigEndian: UInt8 = 0x1
    static let flagsInline: UInt8 = 0x2
    /// Sentinels framing the module info string (cmd/go/internal/modload infoStart/infoEnd).
    static let infoStart: [UInt8] = [0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]
    static let infoEnd: [UInt8] = [0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]
    /// Upper bound for the version and module strings; real ones are a few KiB.
    static let maxStringSize = 16 << 20

    /// Removes the 16-byte sentinels as `debug/buildinfo` does: only when the string is long
    /// enough and a newline precedes the end sentinel; otherwise the module info is empty.
    static func stripFraming(_ mod: [UInt8]) -> [UInt8] {
        if mod.count >= 33 && mod[mod.count - 17] == UInt8(ascii: "\n") {
            return Array(mod[16 ..< mod.count - 16])
        }
        return []
    }
}

enum BuildInfoReader {
    /// Searches `[region.fileOffset, +size)` for the 16-byte-aligned (by virtual address)
    /// build-info magic and decodes the blob. Returns nil when the region holds no magic.
    static func read<S: ByteSource>(
        _ source: S, region: MappedRange, addressMap: AddressMap
    ) throws(GoBinaryError) -> (info: BuildInfo, offset: Int)? {
        let align = UInt64(GoBuildInfoLayout.alignment)
        let size = region.size
        let header = GoBuildInfoLayout.headerSize
        // First candidate: the first address in the region that is 16-byte aligned.
        let misalign = Int((align - region.address % align) % align)
        if misalign >= size { return nil }
        var chunkStart = misalign
        let chunkSize = 64 * 1024
        while chunkStart + header <= size {
            // The first chunk is small: the magic normally sits at the very start.
            let want = min(chunkStart == misalign ? 8 * 1024 : chunkSize, size - chunkStart)
            let chunk = try source.bytes(at: region.fileOffset + chunkStart, count: want)
            var i = 0
            while i + GoBuildInfoLayout.magic.count <= chunk.count {
                if chunk[i] == 0xff && matchesMagic(chunk, at: i) {
                    let at = chunkStart + i
                    if size - at < header { throw GoBinaryError(.badBuildInfo("build info header runs past the end of its section")) }
                    let info = try decode(source, region: region, at: at, prefetched: Array(chunk[i...]), addressMap: addressMap)
                    return (info, region.fileOffset + at)
                }
                i += GoBuildInfoLayout.alignment
            }
            chunkStart += want  // `want` is a multiple of 16 unless this was the last chunk
            if want % GoBuildInfoLayout.alignment != 0 { break }
        }
        return nil
    }

    @inline(__always)
    private static func matchesMagic(_ b: [UInt8], at i: Int) -> Bool {
        let m = GoBuildInfoLayout.magic
        if i + m.count > b.count { return false }
        for k in 0 ..< m.count where b[i + k] != m[k] { return false }
        return true
    }

    /// Decodes the blob at region offset `at`. `prefetched` holds bytes from `at` onward.
    private static func decode<S: ByteSource>(
        _ source: S, region: MappedRange, at: Int, prefetched: [UInt8], addressMap: AddressMap
    ) throws(GoBinaryError) -> BuildInfo {
        let header = GoBuildInfoLayout.headerSize
        let available = region.size - at
        var blob = prefetched
        if blob.count < header {
            blob = try source.bytes(at: region.fileOffset + at, count: min(available, 8 * 1024))
        }
        let ptrSize = Int(blob[14])
        let flags = blob[15]
        var version: [UInt8]
        var mod: [UInt8]
        if flags & GoBuildInfoLayout.flagsInline != 0 {
            var pos = header
            // Varint-prefixed strings follow the header inline; extend the buffer on demand.
            func ensure(_ n: Int) throws(GoBinaryError) {
                if pos + n <= blob.count { return }
                if pos + n > available {
                    throw GoBinaryError(.badBuildInfo("string at \(hex(region.fileOffset + at + pos)) runs past the end of its section"))
                }
                blob = try source.bytes(at: region.fileOffset + at, count: min(available, max(pos + n, 2 * blob.count)))
            }
            func string() throws(GoBinaryError) -> [UInt8] {
                try ensure(min(10, available - pos))
                var length: UInt64 = 0
                var shift: UInt64 = 0
                var n = 0
                while true {
                    guard pos + n < blob.count, n < 10 else {
                        throw GoBinaryError(.badBuildInfo("bad string length at \(hex(region.fileOffset + at + pos))"))
                    }
                    let b = blob[pos + n]
                    n += 1
                    if n == 10 && b > 1 { throw GoBinaryError(.badBuildInfo("string length overflows")) }
                    length |= UInt64(b & 0x7f) << shift
                    if b & 0x80 == 0 { break }
                    shift += 7
                }
                pos += n
                guard length <= UInt64(GoBuildInfoLayout.maxStringSize), Int(length) <= available - pos else {
                    throw GoBinaryError(.badBuildInfo("string of \(length) bytes at \(hex(region.fileOffset + at + pos)) runs past the end of its section"))
                }
                try ensure(Int(length))
                let s = Array(blob[pos ..< pos + Int(length)])
                pos += Int(length)
                return s
            }
            version = try string()
            mod = try string()
        } else {
            // Pre-Go 1.18: the header holds pointers to two Go string headers.
            guard ptrSize == 4 || ptrSize == 8 else {
                throw GoBinaryError(.badBuildInfo("pointer size \(ptrSize) in build info header"))
            }
            let view = ByteView(blob, at: region.fileOffset + at, bigEndian: flags & GoBuildInfoLayout.flagsBigEndian != 0)
            let wide = ptrSize == 8
            func readString(_ pointer: UInt64, _ what: String) throws(GoBinaryError) -> [UInt8] {
                guard let h = addressMap.fileOffset(of: pointer, count: UInt64(2 * ptrSize)) else {
                    throw GoBinaryError(.badBuildInfo("\(what) pointer \(hex(pointer)) is not mapped"))
                }
                let hv = ByteView(try source.bytes(at: h, count: 2 * ptrSize), at: h, bigEndian: view.bigEndian)
                let dataAddress = try hv.word(0, wide: wide)
                let length = try hv.word(ptrSize, wide: wide)
                guard length <= UInt64(GoBuildInfoLayout.maxStringSize) else {
                    throw GoBinaryError(.badBuildInfo("\(what) string of \(length) bytes"))
                }
                if length == 0 { return [] }
                guard let d = addressMap.fileOffset(of: dataAddress, count: length) else {
                    throw GoBinaryError(.badBuildInfo("\(what) string at \(hex(dataAddress)) is not mapped"))
                }
                return try source.bytes(at: d, count: Int(length))
            }
            version = try readString(try view.word(16, wide: wide), "version")
            mod = try readString(try view.word(16 + ptrSize, wide: wide), "module info")
        }
        if version.isEmpty { throw GoBinaryError.notGo }
        let moduleInfo = String(decoding: GoBuildInfoLayout.stripFraming(mod), as: UTF8.self)
        return try BuildInfo.parse(goVersion: String(decoding: version, as: UTF8.self), moduleInfo: moduleInfo)
    }
}
