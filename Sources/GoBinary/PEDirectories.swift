// PEDirectories: a PE image's export and import tables (names only), read through the section table.

/// What a PE image exports and imports.
public struct PEDirectories: Sendable, Equatable {
    /// The name the export directory gives the DLL ("bcryptprimitives.dll"); nil without an export table.
    public let dllName: String?
    /// Exported names -> the RVA of their code (forwarders are listed with the RVA of their forwarder string).
    public let exports: [String: UInt32]
    /// Imported library (as written) -> the functions imported by name, in table order.
    public let imports: [String: [String]]
    /// AddressOfEntryPoint (0 when the image has none).
    public let entryPoint: UInt32
    /// COFF Machine.
    public let machine: UInt16

    static let maxEntries = 1 << 16

    /// Reads the export and import directories of the PE image in `source`.
    public static func read(_ source: some ByteSource) throws(GoBinaryError) -> PEDirectories {
        do {
            return try readUnwrapped(source)
        } catch {
            throw error.within(.pe)
        }
    }

    private static func readUnwrapped(_ source: some ByteSource) throws(GoBinaryError) -> PEDirectories {
        let limit = source.count
        guard limit >= 64 else { throw GoBinaryError.truncated(at: 0, needed: 64) }
        let dos = ByteView(try source.bytes(at: 0, count: 64))
        guard try dos.u8(0) == UInt8(ascii: "M"), try dos.u8(1) == UInt8(ascii: "Z") else { throw GoBinaryError.notABinary }
        let pe = Int(try dos.u32(0x3c))
        guard pe <= limit - 24 else { throw GoBinaryError(.badOffset(field: "e_lfanew (PE header offset)")) }
        let coff = ByteView(try source.bytes(at: pe, count: 24), at: pe)
        guard try coff.u32(0) == 0x0000_4550 else { throw GoBinaryError(.badValue(field: "PE signature", detail: "missing at \(hex(pe))")) }
        let machine = try coff.u16(4)
        let nsections = Int(try coff.u16(6))
        let optSize = Int(try coff.u16(20))
        guard nsections <= PEParser.maxSections else { throw GoBinaryError(.badValue(field: "NumberOfSections", detail: "\(nsections)")) }
        let needed = 24 + optSize + 40 * nsections
        guard needed <= limit - pe else { throw GoBinaryError.truncated(at: pe, needed: needed) }
        let h = ByteView(try source.bytes(at: pe, count: needed), at: pe)
        let o = 24
        let magic = try h.u16(o)
        guard magic == 0x10b || magic == 0x20b else { throw GoBinaryError(.badValue(field: "optional header magic", detail: hex(magic))) }
        let plus = magic == 0x20b
        let entryPoint = optSize >= 20 ? try h.u32(o + 16) : 0
        let countField = o + (plus ? 108 : 92)
        let dirCount = optSize >= countField - o + 4 ? Int(try h.u32(countField)) : 0
        let dirs = countField + 4
        func directory(_ i: Int) throws(GoBinaryError) -> (rva: UInt32, size: UInt32)? {
            guard i < dirCount, dirs + 8 * i + 8 <= o + optSize else { return nil }
            let rva = try h.u32(dirs + 8 * i), size = try h.u32(dirs + 8 * i + 4)
            return rva == 0 ? nil : (rva, size)
        }
        var sections: [(rva: UInt32, size: UInt32, offset: UInt32, raw: UInt32)] = []
        for i in 0 ..< nsections {
            let b = o + optSize + 40 * i
            sections.append((try h.u32(b + 12), try h.u32(b + 8), try h.u32(b + 20), try h.u32(b + 16)))
        }
        /// The file offset of an RVA, checked against the section's bytes in the file.
        func offset(_ rva: UInt32, _ count: Int, _ field: String) throws(GoBinaryError) -> Int {
            for s in sections where rva >= s.rva && UInt64(rva) < UInt64(s.rva) + UInt64(max(s.size, s.raw)) {
                let inSection = UInt64(rva - s.rva)
                guard inSection + UInt64(count) <= UInt64(s.raw) else { throw GoBinaryError(.badOffset(field: field)) }
                let r = try checkedRange(offset: UInt64(s.offset) + inSection, size: UInt64(count), field: field, limit: limit)
                return r.offset
            }
            throw GoBinaryError(.badOffset(field: field))
        }
        func u32(_ rva: UInt32, _ field: String) throws(GoBinaryError) -> UInt32 {
            ByteView(try source.bytes(at: try offset(rva, 4, field), count: 4)).bytesLE32
        }
        func u64(_ rva: UInt32, _ field: String) throws(GoBinaryError) -> UInt64 {
            let v = ByteView(try source.bytes(at: try offset(rva, 8, field), count: 8))
            return try v.u64(0)
        }
        /// The bytes of the section holding `rva` that are in the file from `rva` on (0 when none).
        func room(_ rva: UInt32) -> Int {
            for s in sections where rva >= s.rva && UInt64(rva) < UInt64(s.rva) + UInt64(max(s.size, s.raw)) {
                let inSection = UInt64(rva - s.rva), start = UInt64(s.offset) + inSection
                guard inSection < UInt64(s.raw), start < UInt64(limit) else { return 0 }
                return Int(min(UInt64(s.raw) - inSection, UInt64(limit) - start))
            }
            return 0
        }
        /// A NUL-terminated name, read up to 64 bytes at a time (names are short; one read each, not one per byte).
        func string(_ rva: UInt32, _ field: String) throws(GoBinaryError) -> String {
            var bytes: [UInt8] = []
            var at = rva
            while bytes.count < 512 {
                let n = max(1, min(64, room(at), 512 - bytes.count))
                let chunk = try source.bytes(at: try offset(at, n, field), count: n)
                if let nul = chunk.firstIndex(of: 0) {
                    bytes += chunk[..<nul]
                    return String(decoding: bytes, as: UTF8.self)
                }
                bytes += chunk
                at &+= UInt32(n)
            }
            throw GoBinaryError(.badValue(field: field, detail: "no terminating NUL in 512 bytes"))
        }

        var dllName: String?
        var exports: [String: UInt32] = [:]
        if let e = try directory(0) {
            let d = ByteView(try source.bytes(at: try offset(e.rva, 40, "export directory"), count: 40))
            dllName = try string(try d.u32(12), "export DLL name")
            let functionCount = Int(try d.u32(20)), nameCount = Int(try d.u32(24))
            guard functionCount <= maxEntries, nameCount <= maxEntries else {
                throw GoBinaryError(.badValue(field: "export directory", detail: "\(functionCount) functions, \(nameCount) names"))
            }
            let functions = try d.u32(28), names = try d.u32(32), ordinals = try d.u32(36)
            for k in 0 ..< nameCount {
                let name = try string(try u32(names &+ UInt32(4 * k), "export name pointer"), "export name")
                let ordinalBytes = ByteView(try source.bytes(at: try offset(ordinals &+ UInt32(2 * k), 2, "export ordinal"), count: 2))
                let ordinal = Int(try ordinalBytes.u16(0))
                guard ordinal < functionCount else { throw GoBinaryError(.badValue(field: "export ordinal", detail: "\(ordinal) of \(functionCount)")) }
                exports[name] = try u32(functions &+ UInt32(4 * ordinal), "export address")
            }
        }
        var imports: [String: [String]] = [:]
        if let i = try directory(1) {
            var at = i.rva
            for _ in 0 ..< maxEntries {
                let d = ByteView(try source.bytes(at: try offset(at, 20, "import descriptor"), count: 20))
                let lookup = try d.u32(0), nameRVA = try d.u32(12), iat = try d.u32(16)
                if lookup == 0 && nameRVA == 0 && iat == 0 { break }
                let library = try string(nameRVA, "import library name")
                var functions: [String] = []
                var entry = lookup != 0 ? lookup : iat
                for _ in 0 ..< maxEntries {
                    let value = plus ? try u64(entry, "import lookup entry") : UInt64(try u32(entry, "import lookup entry"))
                    if value == 0 { break }
                    let byOrdinal = plus ? value >> 63 == 1 : value >> 31 == 1
                    functions.append(byOrdinal ? "#\(value & 0xffff)" : try string(UInt32(truncatingIfNeeded: value) &+ 2, "import name"))
                    entry &+= plus ? 8 : 4
                }
                imports[library, default: []] += functions
                at &+= 20
            }
        }
        return PEDirectories(dllName: dllName, exports: exports, imports: imports, entryPoint: entryPoint, machine: machine)
    }
}
