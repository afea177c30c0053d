// XCOFF parser (AIX): 64-bit file header, auxiliary header, section table, and build info in the data section.

/// Facts read from a 64-bit XCOFF (AIX) file.
public struct XCOFFInfo: Sendable, Codable, Equatable {
    /// `f_magic`: 0x01F7 for 64-bit XCOFF.
    public let magic: UInt16
    /// `f_flags` (0x0002 = F_EXEC, 0x1000 = F_DYNLOAD, 0x2000 = F_SHROBJ, ...).
    public let flags: UInt16
    /// True when `F_EXEC` is set: the file is an executable, not an object or shared object.
    public var isExecutable: Bool { flags & 0x0002 != 0 }
    /// Size of the auxiliary (optional) header; 120 for a 64-bit executable, 0 for an object file.
    public let auxiliaryHeaderSize: Int
    /// `o_modtype` of the auxiliary header (e.g. `1L`); nil when the header is too short to hold it.
    public let moduleType: String?
    /// `o_entry`: address of the entry point's function descriptor; nil without an auxiliary header.
    public let entry: UInt64?
    /// Number of symbol table entries (0 for a stripped file).
    public let symbolCount: UInt32
    /// Sections in header order (`.text`, `.data`, `.bss`, `.loader`, DWARF sections, ...).
    public let sections: [SectionInfo]
}

enum XCOFFParser {
    /// `f_magic` of 64-bit XCOFF (U64_TOCMAGIC, 0767 octal).
    static let magic64: UInt16 = 0x01f7
    /// `f_magic` of 32-bit XCOFF (U802TOCMAGIC, 0737 octal): recognized but not read (Go has no 32-bit AIX port).
    static let magic32: UInt16 = 0x01df
    static let fileHeaderSize = 24
    static let sectionHeaderSize = 72
    static let symbolEntrySize = 18
    /// `s_flags` section types.
    static let typeData: UInt32 = 0x0040
    static let typeBSS: UInt32 = 0x0080

    static func read<S: ByteSource>(_ source: S) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        guard limit >= fileHeaderSize else { throw GoBinaryError.truncated(at: 0, needed: fileHeaderSize) }
        let h = ByteView(try source.bytes(at: 0, count: fileHeaderSize), bigEndian: true)
        let magic = try h.u16(0)
        if magic == magic32 { throw GoBinaryError(.unsupported("32-bit XCOFF (only 64-bit XCOFF, aix/ppc64, is read)")) }
        guard magic == magic64 else { throw GoBinaryError(.badValue(field: "f_magic", detail: hex(magic))) }
        let nscns = Int(try h.u16(2))
        let symptr = try h.u64(8)
        let opthdr = Int(try h.u16(16))
        let flags = try h.u16(18)
        let nsyms = try h.u32(20)

        // The auxiliary header and the section table follow the file header.
        let tableSize = opthdr + nscns * sectionHeaderSize
        guard tableSize <= limit - fileHeaderSize else { throw GoBinaryError.truncated(at: fileHeaderSize, needed: tableSize) }
        let t = ByteView(try source.bytes(at: fileHeaderSize, count: tableSize), at: fileHeaderSize, bigEndian: true)

        // Auxiliary header fields Go's linker fills in (o_modtype at 48, o_entry at 80).
        var moduleType: String?
        var entry: UInt64?
        if opthdr >= 50 { moduleType = try t.fixedString(48, 2) }
        if opthdr >= 88 { entry = try t.u64(80) }

        // The symbol table (absent when stripped) must lie inside the file.
        if symptr != 0 {
            _ = try checkedRange(offset: symptr, size: UInt64(nsyms) * UInt64(symbolEntrySize), field: "symbol table (f_symptr)", limit: limit)
        }

        var sections: [SectionInfo] = []
        var addressMap = AddressMap()
        var dataRegion: MappedRange?
        for i in 0 ..< nscns {
            let b = opthdr + i * sectionHeaderSize
            let name = try t.fixedString(b, 8)
            let address = try t.u64(b + 16)
            let size = try t.u64(b + 24)
            let offset = try t.u64(b + 32)
            let type = try t.u32(b + 64)
            sections.append(SectionInfo(name: name, segment: nil, offset: offset, size: size, address: address))
            // A section without file bytes (.bss) has offset 0.
            guard offset != 0 && type != typeBSS else { continue }
            let r = try checkedRange(offset: offset, size: size, field: "section \(name)", limit: limit)
            if address != 0 {
                addressMap.ranges.append(MappedRange(address: address, fileOffset: r.offset, size: r.size))
            }
            // Like debug/buildinfo: the build info is searched in the first section of type STYP_DATA.
            if dataRegion == nil && type == typeData {
                dataRegion = MappedRange(address: address, fileOffset: r.offset, size: r.size)
            }
        }

        let info = XCOFFInfo(
            magic: magic, flags: flags, auxiliaryHeaderSize: opthdr, moduleType: moduleType, entry: entry,
            symbolCount: symptr == 0 ? 0 : nsyms, sections: sections)

        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let region = dataRegion, let found = try BuildInfoReader.read(source, region: region, addressMap: addressMap) {
            buildInfo = found.info
            buildInfoOffset = found.offset
        }
        // Go's only XCOFF target is aix/ppc64 (64-bit, big-endian PowerPC).
        return BinarySlice(
            format: .xcoff, goos: "aix", goosSource: .header, goarch: "ppc64", offset: 0, size: limit,
            elf: nil, macho: nil, pe: nil, wasm: nil, xcoff: info, plan9: nil,
            buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }
}
