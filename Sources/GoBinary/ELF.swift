// ELF parser: header, program headers (interpreter), section headers, and the .go.buildinfo section.

/// Facts read from an ELF header and its tables.
public struct ELFInfo: Sendable, Codable, Equatable {
    /// 32 or 64.
    public let elfClass: Int
    public let endianness: Endianness
    /// `e_machine`, e.g. 62 for x86-64.
    public let machine: UInt16
    /// Readable machine name, e.g. `x86-64`, `AArch64`, `RISC-V`, `S/390`.
    public let machineName: String
    /// `EI_OSABI`, e.g. 0 (System V), 9 (FreeBSD).
    public let osABI: UInt8
    public let osABIName: String
    /// `e_type`: 2 = EXEC, 3 = DYN (PIE or shared object).
    public let type: UInt16
    public let typeName: String
    /// `e_flags` (ABI details on ARM, MIPS, RISC-V, ...).
    public let flags: UInt32
    /// Program interpreter from `PT_INTERP`; nil for a statically linked file.
    public let interpreter: String?
    /// Shared libraries the dynamic section names (`DT_NEEDED`), in file order; empty for a static file.
    public let needed: [String]
    /// Versions required from each shared library (`.gnu.version_r`, SHT_GNU_verneed), in file order; empty for a
    /// static file or one whose section headers were stripped.
    public let versionNeeds: [ELFVersionNeed]
    /// Undefined dynamic symbols that ask for a version (`.dynsym` with `.gnu.version`), e.g. `getrandom@GLIBC_2.25`;
    /// at most `ELFParser.maxVersionedSymbols`.
    public let versionedSymbols: [ELFVersionedSymbol]
    /// The `.comment` section's strings: the C compiler and linker that made the file ("clang version ...",
    /// "GCC: (Debian 12.2.0-14) 12.2.0", "Linker: LLD ..."); empty when there is none (Go's own linker writes none).
    public let comment: [String]
    /// Number of program headers.
    public let programHeaderCount: Int
    /// Sections in header order.
    public let sections: [SectionInfo]
    /// Names of the note sections present (e.g. `.note.go.buildid`, `.note.netbsd.ident`).
    public var noteSections: [String] { sections.filter { $0.name.hasPrefix(".note") }.map(\.name) }
    /// True when the file has no program interpreter.
    public var isStatic: Bool { interpreter == nil }
    /// The highest `GLIBC_x.y` version required (e.g. `2.34`), or nil when none is.
    public var glibcFloor: String? { highestVersion(prefix: "GLIBC_") }

    /// The highest version with `prefix` (e.g. `GLIBC_`, `GLIBCXX_`, `GCC_`) among the needs, without the prefix.
    public func highestVersion(prefix: String) -> String? {
        let numbers = versionNeeds.flatMap(\.versions).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            .filter { v in !v.isEmpty && v.allSatisfy { $0.isNumber || $0 == "." } }
        return numbers.max { ELFVersionNeed.compare($0, $1) < 0 }
    }
}

/// One `Elf_Verneed` entry: a shared library and the version names it must provide (System V gABI, Linux
/// Standard Base "Symbol Versioning": `vn_file`, then the `Elf_Vernaux` chain's `vna_name`s).
public struct ELFVersionNeed: Sendable, Codable, Equatable {
    /// The library as named in the dynamic string table, e.g. `libc.so.6`.
    public let file: String
    /// Version names, e.g. `GLIBC_2.2.5`, `GLIBC_2.34`, in table order.
    public let versions: [String]

    /// Compares dotted version numbers part by part (`2.2.5` < `2.17` < `2.34`); -1, 0 or 1.
    public static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0 ..< max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}

/// An undefined dynamic symbol bound to a needed version, e.g. `getrandom` from `libc.so.6` at `GLIBC_2.25`.
public struct ELFVersionedSymbol: Sendable, Codable, Equatable {
    public let name: String
    public let file: String
    public let version: String
}

enum ELFParser {
    /// A section header as read (System V gABI, "Sections": sh_name, sh_type, sh_addr, sh_offset, sh_size, sh_link,
    /// sh_info, sh_entsize).
    struct RawSection {
        let nameOffset: UInt32, type: UInt32, address: UInt64, offset: UInt64, size: UInt64
        let link: UInt32, info: UInt32, entrySize: UInt64
    }

    static let maxSections = 65_535
    static let maxVersionedSymbols = 65_536
    static let maxProgramHeaders = 65_535

    static func machineName(_ m: UInt16) -> String {
        switch m {
        case 2: return "SPARC"
        case 3: return "Intel 80386"
        case 8: return "MIPS"
        case 20: return "PowerPC"
        case 21: return "PowerPC64"
        case 22: return "S/390"
        case 40: return "ARM"
        case 43: return "SPARC V9"
        case 50: return "IA-64"
        case 62: return "x86-64"
        case 183: return "AArch64"
        case 243: return "RISC-V"
        case 247: return "BPF"
        case 258: return "LoongArch"
        default: return "machine \(m)"
        }
    }

    static func goarch(machine: UInt16, is64: Bool, bigEndian: Bool) -> String? {
        switch (machine, is64) {
        case (3, false): return "386"
        case (62, true): return "amd64"
        case (40, false): return "arm"
        case (183, true): return "arm64"
        case (8, false): return bigEndian ? "mips" : "mipsle"
        case (8, true): return bigEndian ? "mips64" : "mips64le"
        case (21, true): return bigEndian ? "ppc64" : "ppc64le"
        case (22, true): return "s390x"
        case (243, true): return "riscv64"
        case (258, true): return "loong64"
        case (43, true): return "sparc64"
        default: return nil
        }
    }

    static func osABIName(_ v: UInt8) -> String {
        switch v {
        case 0: return "SYSV"
        case 1: return "HP-UX"
        case 2: return "NetBSD"
        case 3: return "Linux"
        case 6: return "Solaris"
        case 7: return "AIX"
        case 9: return "FreeBSD"
        case 12: return "OpenBSD"
        case 97: return "ARM"
        case 255: return "Standalone"
        default: return "OS/ABI \(v)"
        }
    }

    static func typeName(_ t: UInt16) -> String {
        switch t {
        case 0: return "NONE"
        case 1: return "REL"
        case 2: return "EXEC"
        case 3: return "DYN"
        case 4: return "CORE"
        default: return "type \(hex(t))"
        }
    }

    static func read<S: ByteSource>(_ source: S, offset _: Int) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        let identBytes = try source.bytes(at: 0, count: min(limit, 64))
        guard identBytes.count >= 16 else { throw GoBinaryError.truncated(at: 0, needed: 16) }
        let elfClass = identBytes[4]
        let data = identBytes[5]
        guard elfClass == 1 || elfClass == 2 else { throw GoBinaryError(.badValue(field: "EI_CLASS", detail: "\(elfClass)")) }
        guard data == 1 || data == 2 else { throw GoBinaryError(.badValue(field: "EI_DATA", detail: "\(data)")) }
        let is64 = elfClass == 2
        let bigEndian = data == 2
        let headerSize = is64 ? 64 : 52
        guard identBytes.count >= headerSize else { throw GoBinaryError.truncated(at: 0, needed: headerSize) }
        let h = ByteView(identBytes, bigEndian: bigEndian)
        let osABI = identBytes[7]
        let type = try h.u16(16)
        let machine = try h.u16(18)
        let w = is64 ? 8 : 4
        let phoff = try h.word(24 + w, wide: is64)
        let shoff = try h.word(24 + 2 * w, wide: is64)
        let flags = try h.u32(24 + 3 * w)
        let phentsize = Int(try h.u16(24 + 3 * w + 6))
        var phnum = Int(try h.u16(24 + 3 * w + 8))
        let shentsize = Int(try h.u16(24 + 3 * w + 10))
        var shnum = Int(try h.u16(24 + 3 * w + 12))
        var shstrndx = Int(try h.u16(24 + 3 * w + 14))

        let minShent = is64 ? 64 : 40
        let minPhent = is64 ? 56 : 32

        // Extended numbering: section 0 carries the real counts when the header fields overflow.
        if shoff != 0 && (shnum == 0 || shstrndx == 0xffff || phnum == 0xffff) {
            guard shentsize >= minShent else { throw GoBinaryError(.badValue(field: "e_shentsize", detail: "\(shentsize)")) }
            let s0off = try checkedRange(offset: shoff, size: UInt64(shentsize), field: "section header table (e_shoff)", limit: limit).offset
            let s0 = ByteView(try source.bytes(at: s0off, count: minShent), at: s0off, bigEndian: bigEndian)
            if shnum == 0 {
                let size = try s0.word(is64 ? 32 : 20, wide: is64)
                guard size <= UInt64(maxSections) else { throw GoBinaryError(.badValue(field: "section count", detail: "\(size)")) }
                shnum = Int(size)
            }
            if shstrndx == 0xffff { shstrndx = Int(try s0.u32(is64 ? 40 : 24)) }
            if phnum == 0xffff {
                let n = Int(try s0.u32(is64 ? 44 : 28))
                guard n <= maxProgramHeaders else { throw GoBinaryError(.badValue(field: "program header count", detail: "\(n)")) }
                phnum = n
            }
        }

        // Program headers: PT_INTERP and PT_LOAD (for address translation).
        var interpreter: String?
        var dynamic: (offset: Int, size: Int)?
        var addressMap = AddressMap()
        if phnum > 0 {
            guard phentsize >= minPhent else { throw GoBinaryError(.badValue(field: "e_phentsize", detail: "\(phentsize)")) }
            let table = try checkedRange(offset: phoff, size: UInt64(phnum) * UInt64(phentsize), field: "program header table (e_phoff)", limit: limit)
            let ph = ByteView(try source.bytes(at: table.offset, count: table.size), at: table.offset, bigEndian: bigEndian)
            for i in 0 ..< phnum {
                let b = i * phentsize
                let pType = try ph.u32(b)
                let pOffset: UInt64, pVaddr: UInt64, pFilesz: UInt64
                if is64 {
                    pOffset = try ph.u64(b + 8)
                    pVaddr = try ph.u64(b + 16)
                    pFilesz = try ph.u64(b + 32)
                } else {
                    pOffset = UInt64(try ph.u32(b + 4))
                    pVaddr = UInt64(try ph.u32(b + 8))
                    pFilesz = UInt64(try ph.u32(b + 16))
                }
                if pType == 3 {  // PT_INTERP
                    let r = try checkedRange(offset: pOffset, size: pFilesz, field: "PT_INTERP", limit: limit)
                    guard r.size <= 4096 else { throw GoBinaryError(.badValue(field: "PT_INTERP size", detail: "\(r.size) bytes")) }
                    let bytes = try source.bytes(at: r.offset, count: r.size)
                    let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
                    interpreter = String(decoding: bytes[..<end], as: UTF8.self)
                } else if pType == 2, let r = try? checkedRange(offset: pOffset, size: pFilesz, field: "PT_DYNAMIC", limit: limit) {
                    dynamic = (r.offset, r.size)
                } else if pType == 1 {
                    let r = try checkedRange(offset: pOffset, size: pFilesz, field: "PT_LOAD segment", limit: limit)
                    addressMap.ranges.append(MappedRange(address: pVaddr, fileOffset: r.offset, size: r.size))
                }
            }
        }

        // Section headers and their names.
        var sections: [SectionInfo] = []
        var rawSections: [ELFParser.RawSection] = []
        if shoff != 0 && shnum > 0 {
            guard shentsize >= minShent else { throw GoBinaryError(.badValue(field: "e_shentsize", detail: "\(shentsize)")) }
            let table = try checkedRange(offset: shoff, size: UInt64(shnum) * UInt64(shentsize), field: "section header table (e_shoff)", limit: limit)
            let sh = ByteView(try source.bytes(at: table.offset, count: table.size), at: table.offset, bigEndian: bigEndian)
            for i in 0 ..< shnum {
                let b = i * shentsize
                if is64 {
                    rawSections.append(RawSection(nameOffset: try sh.u32(b), type: try sh.u32(b + 4), address: try sh.u64(b + 16),
                                                  offset: try sh.u64(b + 24), size: try sh.u64(b + 32), link: try sh.u32(b + 40),
                                                  info: try sh.u32(b + 44), entrySize: try sh.u64(b + 56)))
                } else {
                    rawSections.append(RawSection(nameOffset: try sh.u32(b), type: try sh.u32(b + 4), address: UInt64(try sh.u32(b + 12)),
                                                  offset: UInt64(try sh.u32(b + 16)), size: UInt64(try sh.u32(b + 20)), link: try sh.u32(b + 24),
                                                  info: try sh.u32(b + 28), entrySize: UInt64(try sh.u32(b + 36))))
                }
            }
            var names: [UInt8] = []
            if shstrndx != 0 {
                guard shstrndx < rawSections.count else { throw GoBinaryError(.badValue(field: "e_shstrndx", detail: "\(shstrndx) of \(rawSections.count) sections")) }
                let s = rawSections[shstrndx]
                let r = try checkedRange(offset: s.offset, size: s.size, field: "section name table", limit: limit)
                guard r.size <= 16 << 20 else { throw GoBinaryError(.badValue(field: "section name table size", detail: "\(r.size) bytes")) }
                names = try source.bytes(at: r.offset, count: r.size)
            }
            for s in rawSections {
                var name = ""
                let start = Int(s.nameOffset)
                if start < names.count {
                    // Bounded: a name table without NULs must not make this quadratic.
                    let stop = min(names.count, start + 4096)
                    let end = names[start ..< stop].firstIndex(of: 0) ?? stop
                    name = String(decoding: names[start ..< end], as: UTF8.self)
                } else if !names.isEmpty || s.nameOffset != 0 {
                    throw GoBinaryError(.badOffset(field: "section name offset \(s.nameOffset)"))
                }
                sections.append(SectionInfo(name: name, segment: nil, offset: s.offset, size: s.size, address: s.address))
            }
        }

        let versions = VersionTables(source: source, sections: rawSections, is64: is64, bigEndian: bigEndian, limit: limit)
        let info = ELFInfo(
            elfClass: is64 ? 64 : 32, endianness: bigEndian ? .big : .little, machine: machine,
            machineName: machineName(machine), osABI: osABI, osABIName: osABIName(osABI), type: type,
            typeName: typeName(type), flags: flags, interpreter: interpreter,
            needed: dynamic.map { neededLibraries(source, dynamic: $0, is64: is64, bigEndian: bigEndian, addressMap: addressMap) } ?? [],
            versionNeeds: versions.needs, versionedSymbols: versions.symbols,
            comment: commentStrings(source, sections: sections, limit: limit),
            programHeaderCount: phnum,
            sections: sections)

        // Build info lives at the start of .go.buildinfo.
        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let i = sections.firstIndex(where: { $0.name == ".go.buildinfo" }), rawSections[i].type != 8 {
            let s = sections[i]
            let r = try checkedRange(offset: s.offset, size: s.size, field: ".go.buildinfo section", limit: limit)
            if let found = try BuildInfoReader.read(source, region: MappedRange(address: s.address, fileOffset: r.offset, size: r.size), addressMap: addressMap) {
                buildInfo = found.info
                buildInfoOffset = found.offset
            }
        }

        let (goos, goosSource) = elfGOOS(info: info, buildInfo: buildInfo)
        return BinarySlice(
            format: .elf, goos: goos, goosSource: goosSource,
            goarch: goarch(machine: machine, is64: is64, bigEndian: bigEndian),
            offset: 0, size: limit, elf: info, macho: nil, pe: nil, wasm: nil, xcoff: nil, plan9: nil,
            buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }

    /// The NUL-separated strings of `.comment` (first 4 KiB, duplicates dropped); empty when unreadable.
    static func commentStrings<S: ByteSource>(_ source: S, sections: [SectionInfo], limit: Int) -> [String] {
        guard let s = sections.first(where: { $0.name == ".comment" }),
              let r = try? checkedRange(offset: s.offset, size: min(s.size, 4096), field: ".comment", limit: limit),
              let bytes = try? source.bytes(at: r.offset, count: r.size) else { return [] }
        var out: [String] = []
        for part in bytes.split(separator: 0) {
            let trimmed = part.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
            let text = String(decoding: Array(trimmed), as: UTF8.self)
            if !text.isEmpty && !out.contains(text) { out.append(text) }
        }
        return out
    }

    /// The `DT_NEEDED` names of a dynamic section. Bounded: at most 4096 entries and names of 4096 bytes; a damaged
    /// table gives what could be read, never an error (the rest of the file is still worth reporting).
    static func neededLibraries<S: ByteSource>(_ source: S, dynamic: (offset: Int, size: Int), is64: Bool, bigEndian: Bool,
                                               addressMap: AddressMap) -> [String] {
        let entrySize = is64 ? 16 : 8
        let count = min(dynamic.size / entrySize, 4096)
        guard count > 0, let bytes = try? source.bytes(at: dynamic.offset, count: count * entrySize) else { return [] }
        let view = ByteView(bytes, at: dynamic.offset, bigEndian: bigEndian)
        var neededOffsets: [UInt64] = []
        var strtab: UInt64?
        var strsz: UInt64 = 0
        for i in 0 ..< count {
            let b = i * entrySize
            guard let tag = try? (is64 ? view.u64(b) : UInt64(view.u32(b))),
                  let value = try? (is64 ? view.u64(b + 8) : UInt64(view.u32(b + 4))) else { break }
            if tag == 0 { break }  // DT_NULL
            switch tag {
            case 1: neededOffsets.append(value)  // DT_NEEDED
            case 5: strtab = value  // DT_STRTAB
            case 10: strsz = value  // DT_STRSZ
            default: break
            }
        }
        guard let strtab, strsz > 0, strsz <= 16 << 20, let start = addressMap.fileOffset(of: strtab, count: strsz),
              let table = try? source.bytes(at: start, count: Int(strsz)) else { return [] }
        return neededOffsets.compactMap { offset in
            guard offset < UInt64(table.count) else { return nil }
            let from = Int(offset)
            let stop = min(table.count, from + 4096)
            let end = table[from ..< stop].firstIndex(of: 0) ?? stop
            return String(decoding: table[from ..< end], as: UTF8.self)
        }
    }

    /// The OS an ELF file is for, from OS/ABI, OS notes and the interpreter path; when the
    /// header says only "System V" and nothing else tells, the `GOOS` build setting decides.
    static func elfGOOS(info: ELFInfo, buildInfo: BuildInfo?) -> (String?, GOOSSource) {
        switch info.osABI {
        case 2: return ("netbsd", .header)
        case 3: return ("linux", .header)
        case 9: return ("freebsd", .header)
        case 12: return ("openbsd", .header)
        default: break
        }
        let notes = Set(info.noteSections)
        if notes.contains(".note.netbsd.ident") { return ("netbsd", .header) }
        if notes.contains(".note.openbsd.ident") { return ("openbsd", .header) }
        let fromBuild = buildInfo?.setting("GOOS")
        if let interp = info.interpreter {
            if interp.hasPrefix("/system/bin/linker") { return ("android", .header) }
            if interp.hasSuffix("/ld-elf.so.2") { return ("dragonfly", .header) }
            if interp.hasSuffix("/ld-elf.so.1") { return ("freebsd", .header) }
            if interp.hasSuffix("/ld.elf_so") { return ("netbsd", .header) }
            if interp == "/usr/libexec/ld.so" { return ("openbsd", .header) }
            if interp.hasPrefix("/lib/amd64/ld.so.1") || interp == "/usr/lib/amd64/ld.so.1" {
                return (fromBuild == "illumos" ? "illumos" : "solaris", fromBuild == "illumos" ? .buildInfo : .header)
            }
            if interp.contains("ld-linux") || interp.contains("ld-musl") || interp.hasPrefix("/lib64/ld64.so") {
                return ("linux", .header)
            }
        }
        // OS/ABI 0 is used for linux, android, dragonfly, solaris and illumos.
        if let g = fromBuild, ["linux", "android", "dragonfly", "solaris", "illumos"].contains(g) {
            return (g, .buildInfo)
        }
        return ("linux", .assumed)
    }
}
