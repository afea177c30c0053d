// Plan 9 a.out parser: the big-endian exec header, the five segments that follow it, and build info in data.

/// Facts read from a Plan 9 a.out executable's header.
public struct Plan9Info: Sendable, Codable, Equatable {
    /// The header's magic word, e.g. 0x01EB (386), 0x8A97 (amd64), 0x0647 (arm).
    public let magic: UInt32
    /// Readable machine name, e.g. `Intel 386`, `AMD64`, `ARM`.
    public let machineName: String
    /// True when the 64-bit header flag (0x8000) is set: the entry point is an extra 8-byte word.
    public let is64: Bool
    /// Header size in bytes: 32, or 40 with the 64-bit entry word.
    public let headerSize: Int
    /// Sizes of the text, initialized data and (not in the file) bss segments.
    public let textSize: UInt32
    public let dataSize: UInt32
    public let bssSize: UInt32
    /// Sizes of the symbol table, the pc/sp offset table and the pc/line table.
    public let symbolsSize: UInt32
    public let spszSize: UInt32
    public let pcszSize: UInt32
    /// Entry point address.
    public let entry: UInt64
    /// The file's parts in order: `text`, `data`, `syms`, `spsz`, `pcsz`. `address` is the
    /// load address Go's linker gives text and data by default (0 for the tables).
    public let sections: [SectionInfo]
}

enum Plan9Parser {
    /// The 64-bit header flag: the header is followed by an 8-byte entry point.
    static let flag64: UInt32 = 0x8000

    /// Magic words of the architectures Go supports on Plan 9, with Go's GOARCH, a readable name,
    /// and the default load address and segment rounding of Go's linker (text starts at the load
    /// address plus the header size, data at the end of text rounded up).
    static let architectures: [UInt32: (goarch: String, name: String, loadAddress: UInt64, round: UInt64)] = [
        0x0000_01eb: ("386", "Intel 386", 0x1000, 0x1000),
        0x0000_8a97: ("amd64", "AMD64", 0x20_0000, 0x20_0000),
        0x0000_0647: ("arm", "ARM", 0x1000, 0x1000),
    ]

    /// True when the first four bytes are the magic of a Plan 9 executable Go can produce.
    static func hasMagic(_ head: [UInt8]) -> Bool {
        guard head.count >= 4 else { return false }
        let m = (UInt32(head[0]) << 24) | (UInt32(head[1]) << 16) | (UInt32(head[2]) << 8) | UInt32(head[3])
        return architectures[m] != nil
    }

    static func read<S: ByteSource>(_ source: S) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        guard limit >= 32 else { throw GoBinaryError.truncated(at: 0, needed: 32) }
        let h = ByteView(try source.bytes(at: 0, count: min(limit, 40)), bigEndian: true)
        let magic = try h.u32(0)
        guard let arch = architectures[magic] else { throw GoBinaryError(.badValue(field: "a.out magic", detail: hex(magic))) }
        let is64 = magic & flag64 != 0
        let headerSize = is64 ? 40 : 32
        guard limit >= headerSize else { throw GoBinaryError.truncated(at: 0, needed: headerSize) }
        let text = try h.u32(4), data = try h.u32(8), bss = try h.u32(12), syms = try h.u32(16)
        let spsz = try h.u32(24), pcsz = try h.u32(28)
        let entry = is64 ? try h.u64(32) : UInt64(try h.u32(20))

        // The segments follow the header back to back; all of them must be in the file.
        let sizes: [(String, UInt32)] = [("text", text), ("data", data), ("syms", syms), ("spsz", spsz), ("pcsz", pcsz)]
        let total = sizes.reduce(UInt64(headerSize)) { $0 + UInt64($1.1) }
        if total > UInt64(limit) {
            throw GoBinaryError.truncated(at: headerSize, needed: Int(min(total, UInt64(Int.max))) - headerSize)
        }
        let textAddress = arch.loadAddress + UInt64(headerSize)
        let dataAddress = (textAddress + UInt64(text) + arch.round - 1) / arch.round * arch.round
        var sections: [SectionInfo] = []
        var offset = UInt64(headerSize)
        for (name, size) in sizes {
            let address = name == "text" ? textAddress : (name == "data" ? dataAddress : 0)
            sections.append(SectionInfo(name: name, segment: nil, offset: offset, size: UInt64(size), address: address))
            offset += UInt64(size)
        }

        let info = Plan9Info(
            magic: magic, machineName: arch.name, is64: is64, headerSize: headerSize, textSize: text, dataSize: data,
            bssSize: bss, symbolsSize: syms, spszSize: spsz, pcszSize: pcsz, entry: entry, sections: sections)

        // The build info is at the start of the data segment, 16-byte aligned by address. The
        // segment's address is page-aligned, so the search steps from its first byte in the file
        // (which is not 16-byte aligned: the header and text sizes decide where data begins).
        let textRange = MappedRange(address: textAddress, fileOffset: headerSize, size: Int(text))
        let dataRange = MappedRange(address: dataAddress, fileOffset: headerSize + Int(text), size: Int(data))
        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let found = try BuildInfoReader.read(source, region: dataRange, addressMap: AddressMap(ranges: [textRange, dataRange])) {
            buildInfo = found.info
            buildInfoOffset = found.offset
        }
        return BinarySlice(
            format: .plan9, goos: "plan9", goosSource: .header, goarch: arch.goarch, offset: 0, size: limit,
            elf: nil, macho: nil, pe: nil, wasm: nil, xcoff: nil, plan9: info,
            buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }
}
