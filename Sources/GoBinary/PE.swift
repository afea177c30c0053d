// PE parser: DOS stub, COFF and optional headers, section table, and build info in the first data section.

/// Facts read from a PE (Windows) image.
public struct PEInfo: Sendable, Codable, Equatable {
    /// COFF `Machine`, e.g. `0x8664` for AMD64.
    public let machine: UInt16
    /// Readable machine name, e.g. `AMD64`, `ARM64`, `I386`.
    public let machineName: String
    /// True for PE32+ (64-bit optional header), false for PE32.
    public let isPE32Plus: Bool
    /// Optional header `Subsystem`, e.g. 3 = Windows console.
    public let subsystem: UInt16
    /// Readable subsystem, e.g. `windows-cui`, `windows-gui`.
    public let subsystemName: String
    /// COFF `Characteristics` (0x2000 = DLL).
    public let characteristics: UInt16
    /// Optional header `DllCharacteristics` (0x40 = dynamic base, 0x100 = NX compatible, ...).
    public let dllCharacteristics: UInt16
    public let imageBase: UInt64
    /// Optional header `MajorOperatingSystemVersion.MinorOperatingSystemVersion` (e.g. `6.1`).
    public let osVersion: String
    /// Optional header `MajorSubsystemVersion.MinorSubsystemVersion`: the oldest Windows the loader accepts (e.g. `6.1`).
    public let subsystemVersion: String
    /// The certificate table (data directory 4, IMAGE_DIRECTORY_ENTRY_SECURITY): Authenticode signature(s).
    public let authenticode: AuthenticodeInfo
    /// Sections; `offset`/`size` are the raw data in the file, `address` the RVA.
    public let sections: [SectionInfo]
    /// True when the image is a DLL.
    public var isDLL: Bool { characteristics & 0x2000 != 0 }
}

/// The PE certificate table as found (PE/COFF specification, "The Attribute Certificate Table (Image Only)"):
/// data directory 4 holds a *file offset* and size; the table is a list of WIN_CERTIFICATE entries
/// (dwLength u32, wRevision u16, wCertificateType u16 — 0x0002 = WIN_CERT_TYPE_PKCS_SIGNED_DATA, Authenticode).
public struct AuthenticodeInfo: Sendable, Codable, Equatable {
    /// File offset and size from data directory 4 (0, 0 when the image is not signed).
    public let offset: UInt32
    public let size: UInt32
    /// `wCertificateType` of the first WIN_CERTIFICATE, when the table could be read.
    public let certificateType: UInt16?
    /// Whether the table is non-empty and its first entry is a PKCS#7 SignedData certificate inside the file.
    /// The signature itself is not validated.
    public var isSigned: Bool { size > 0 && certificateType == 2 }
    /// Why a non-empty table is not counted as a signature; nil when signed or empty.
    public let problem: String?

    static let none = AuthenticodeInfo(offset: 0, size: 0, certificateType: nil, problem: nil)
}

enum PEParser {
    static let maxSections = 96  // the PE specification's loader limit

    static func machineName(_ m: UInt16) -> String {
        switch m {
        case 0x14c: return "I386"
        case 0x8664: return "AMD64"
        case 0x1c0: return "ARM"
        case 0x1c4: return "ARMNT"
        case 0xaa64: return "ARM64"
        case 0xa641: return "ARM64EC"
        case 0x5064: return "RISCV64"
        case 0x6264: return "LOONGARCH64"
        case 0x200: return "IA64"
        default: return "machine \(hex(m))"
        }
    }

    static func goarch(_ m: UInt16) -> String? {
        switch m {
        case 0x14c: return "386"
        case 0x8664: return "amd64"
        case 0x1c0, 0x1c4: return "arm"
        case 0xaa64: return "arm64"
        case 0x5064: return "riscv64"
        case 0x6264: return "loong64"
        default: return nil
        }
    }

    static func subsystemName(_ s: UInt16) -> String {
        // Name tables are switches, not dictionaries: a first Dictionary of a type costs a conformance lookup over the
        // whole binary (inspect of 34 small files spent ~5% there).
        switch s {
        case 1: "native"
        case 2: "windows-gui"
        case 3: "windows-cui"
        case 5: "os2-cui"
        case 7: "posix-cui"
        case 9: "windows-ce-gui"
        case 10: "efi-application"
        case 11: "efi-boot-service-driver"
        case 12: "efi-runtime-driver"
        case 13: "efi-rom"
        case 14: "xbox"
        case 16: "windows-boot-application"
        default: "subsystem \(s)"
        }
    }

    static func read<S: ByteSource>(_ source: S) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        let dos = ByteView(try source.bytes(at: 0, count: min(limit, 64)))
        guard dos.count >= 64 else { throw GoBinaryError.truncated(at: 0, needed: 64) }
        let peOffset = Int(try dos.u32(0x3c))
        guard peOffset <= limit - 24 else { throw GoBinaryError(.badOffset(field: "e_lfanew (PE header offset)")) }
        // Signature, COFF header and (usually) the optional header and section table in one read.
        let first = try source.bytes(at: peOffset, count: min(limit - peOffset, 24 + 240 + 40 * 24))
        let coff = ByteView(first, at: peOffset)
        guard first[0] == 0x50, first[1] == 0x45, first[2] == 0, first[3] == 0 else {
            throw GoBinaryError(.badValue(field: "PE signature", detail: "missing at \(hex(peOffset))"))
        }
        let machine = try coff.u16(4)
        let nsections = Int(try coff.u16(6))
        let symbolTable = try coff.u32(12)
        let symbolCount = try coff.u32(16)
        let optSize = Int(try coff.u16(20))
        let characteristics = try coff.u16(22)
        guard nsections <= maxSections else { throw GoBinaryError(.badValue(field: "NumberOfSections", detail: "\(nsections)")) }
        let needed = 24 + optSize + 40 * nsections
        guard needed <= limit - peOffset else { throw GoBinaryError.truncated(at: peOffset, needed: needed) }
        let hdr = first.count >= needed ? coff : ByteView(try source.bytes(at: peOffset, count: needed), at: peOffset)

        guard optSize >= 2 else { throw GoBinaryError(.badValue(field: "SizeOfOptionalHeader", detail: "\(optSize)")) }
        let o = 24
        let optMagic = try hdr.u16(o)
        let isPlus: Bool
        switch optMagic {
        case 0x10b: isPlus = false
        case 0x20b: isPlus = true
        default: throw GoBinaryError(.badValue(field: "optional header magic", detail: hex(optMagic)))
        }
        guard optSize >= (isPlus ? 72 : 72) else { throw GoBinaryError(.badValue(field: "SizeOfOptionalHeader", detail: "\(optSize)")) }
        let imageBase = isPlus ? try hdr.u64(o + 24) : UInt64(try hdr.u32(o + 28))
        let subsystem = try hdr.u16(o + 68)
        let dllCharacteristics = try hdr.u16(o + 70)
        // PE/COFF specification, "Optional Header Windows-Specific Fields": the same offsets in PE32 and PE32+.
        let osVersion = "\(try hdr.u16(o + 40)).\(try hdr.u16(o + 42))"
        let subsystemVersion = "\(try hdr.u16(o + 48)).\(try hdr.u16(o + 50))"
        let authenticode = try certificateTable(source, header: hdr, optional: o, optSize: optSize, isPlus: isPlus)

        // Long section names ("/123") point into the COFF string table after the symbols.
        var stringTable: [UInt8]?
        func longName(_ index: Int) throws(GoBinaryError) -> String? {
            if stringTable == nil {
                let start = UInt64(symbolTable) + UInt64(symbolCount) * 18
                guard symbolTable != 0, start + 4 <= UInt64(limit) else { stringTable = []; return nil }
                let s = Int(start)
                let size = Int(ByteView(try source.bytes(at: s, count: 4)).bytesLE32)
                guard size >= 4, size <= limit - s, size <= 1 << 20 else { stringTable = []; return nil }
                stringTable = try source.bytes(at: s, count: size)
            }
            guard let table = stringTable, index >= 4, index < table.count else { return nil }
            let stop = min(table.count, index + 1024)
            let end = table[index ..< stop].firstIndex(of: 0) ?? stop
            return String(decoding: table[index ..< end], as: UTF8.self)
        }

        var sections: [SectionInfo] = []
        var dataRegion: MappedRange?
        var addressMap = AddressMap()
        for i in 0 ..< nsections {
            let b = o + optSize + 40 * i
            var name = try hdr.fixedString(b, 8)
            if name.hasPrefix("/"), let index = Int(name.dropFirst()), let long = try longName(index) { name = long }
            let virtualSize = try hdr.u32(b + 8)
            let virtualAddress = try hdr.u32(b + 12)
            let rawSize = try hdr.u32(b + 16)
            let rawOffset = try hdr.u32(b + 20)
            let flags = try hdr.u32(b + 36)
            sections.append(SectionInfo(name: name, segment: nil, offset: UInt64(rawOffset), size: UInt64(rawSize), address: UInt64(virtualAddress)))
            let inFile = min(rawSize, virtualSize == 0 ? rawSize : virtualSize)
            if rawSize > 0 {
                let whole = try checkedRange(offset: UInt64(rawOffset), size: UInt64(rawSize), field: "section \(name)", limit: limit)
                let r = (offset: whole.offset, size: Int(inFile))
                addressMap.ranges.append(MappedRange(address: imageBase &+ UInt64(virtualAddress), fileOffset: r.offset, size: r.size))
                // Go's build info sits in the first initialized, readable, writable data section.
                let dataFlags: UInt32 = 0x40 | 0x4000_0000 | 0x8000_0000
                if dataRegion == nil && virtualAddress != 0 && virtualSize != 0 && flags & ~0x0060_0000 == dataFlags {
                    dataRegion = MappedRange(address: imageBase &+ UInt64(virtualAddress), fileOffset: r.offset, size: r.size)
                }
            }
        }

        let info = PEInfo(
            machine: machine, machineName: machineName(machine), isPE32Plus: isPlus, subsystem: subsystem,
            subsystemName: subsystemName(subsystem), characteristics: characteristics,
            dllCharacteristics: dllCharacteristics, imageBase: imageBase, osVersion: osVersion,
            subsystemVersion: subsystemVersion, authenticode: authenticode, sections: sections)

        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let region = dataRegion, let found = try BuildInfoReader.read(source, region: region, addressMap: addressMap) {
            buildInfo = found.info
            buildInfoOffset = found.offset
        }
        return BinarySlice(
            format: .pe, goos: "windows", goosSource: .header, goarch: goarch(machine), offset: 0, size: limit,
            elf: nil, macho: nil, pe: info, wasm: nil, xcoff: nil, plan9: nil, buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }
}

extension PEParser {
    /// Data directory 4 and the first WIN_CERTIFICATE header it points to. NumberOfRvaAndSizes sits at optional-header
    /// offset 92 (PE32) or 108 (PE32+), the directories follow it, 8 bytes each (PE/COFF specification, "Optional
    /// Header Data Directories"). A directory beyond NumberOfRvaAndSizes or the optional header is absent.
    static func certificateTable<S: ByteSource>(_ source: S, header: ByteView, optional o: Int, optSize: Int, isPlus: Bool) throws(GoBinaryError) -> AuthenticodeInfo {
        let countAt = isPlus ? 108 : 92
        guard optSize >= countAt + 4 else { return .none }
        let count = try header.u32(o + countAt)
        let entry = countAt + 4 + 4 * 8
        guard count > 4, optSize >= entry + 8 else { return .none }
        let offset = try header.u32(o + entry), size = try header.u32(o + entry + 4)
        guard size > 0 else { return .none }
        guard UInt64(offset) + 8 <= UInt64(source.count), UInt64(offset) + UInt64(size) <= UInt64(source.count), size >= 8 else {
            return AuthenticodeInfo(offset: offset, size: size, certificateType: nil,
                                    problem: "the certificate table (offset \(offset), size \(size)) lies outside the file")
        }
        let w = ByteView(try source.bytes(at: Int(offset), count: 8), at: Int(offset))
        let length = try w.u32(0), type = try w.u16(6)
        let problem: String? = length < 8 || length > size ? "WIN_CERTIFICATE length \(length) does not fit the table"
            : (type == 2 ? nil : "certificate type \(hex(type)) is not PKCS#7 SignedData")
        return AuthenticodeInfo(offset: offset, size: size, certificateType: problem == nil ? type : (length < 8 || length > size ? nil : type),
                                problem: problem)
    }
}

extension ByteView {
    /// The first four bytes as a little-endian word (0 when shorter).
    var bytesLE32: UInt32 { (try? ByteView(bytes).u32(0)) ?? 0 }
}
