// PEWriter: a minimal PE32+ (x86-64) DLL writer: one section holding the code, an import table and an export table.
// Enough for small thunk DLLs (crossgo's bcryptprimitives.dll for Wine); read back with PEDirectories.

/// A function a DLL imports: `function` from `library` ("advapi32.dll").
public struct PEImport: Sendable, Equatable {
    public let library: String
    public let function: String
    public init(library: String, function: String) {
        self.library = library
        self.function = function
    }
}

/// A function a DLL exports: its machine code, and where that code calls through the import address table.
public struct PEExport: Sendable, Equatable {
    public let name: String
    public let code: [UInt8]
    /// (offset in `code` of a 32-bit RIP-relative displacement, index into the DLL's imports): the displacement
    /// is filled with the distance from the end of those four bytes to the import's address-table slot
    /// (as in `call qword ptr [rip+disp32]`, FF 15 disp32).
    public let importReferences: [(offset: Int, importIndex: Int)]

    public init(name: String, code: [UInt8], importReferences: [(offset: Int, importIndex: Int)] = []) {
        self.name = name
        self.code = code
        self.importReferences = importReferences
    }

    public static func == (a: PEExport, b: PEExport) -> Bool {
        a.name == b.name && a.code == b.code && a.importReferences.map(\.offset) == b.importReferences.map(\.offset)
            && a.importReferences.map(\.importIndex) == b.importReferences.map(\.importIndex)
    }
}

/// Writes a PE32+ AMD64 DLL. The output is deterministic (no time stamps), position independent (code must use
/// RIP-relative addressing only, so no base relocations are needed) and laid out as the PE/COFF specification asks:
/// headers in the first 0x200 bytes, one section at RVA 0x1000.
public struct PEDLLWriter: Sendable {
    public var name: String
    public var exports: [PEExport]
    public var imports: [PEImport]
    /// Code of the entry point (DllMain); by default `mov eax, 1; ret` (TRUE for every reason).
    public var entryCode: [UInt8] = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3]

    static let sectionRVA = 0x1000
    static let fileAlignment = 0x200
    static let sectionAlignment = 0x1000
    static let imageBase: UInt64 = 0x1_8000_0000

    public enum WriteError: Error, Equatable, CustomStringConvertible {
        case badImportReference(export: String, offset: Int, importIndex: Int)
        case duplicateExport(String)
        public var description: String {
            switch self {
            case .badImportReference(let e, let o, let i): return "export \(e): import reference at \(o) to import \(i) is out of range"
            case .duplicateExport(let e): return "export \(e) is defined twice"
            }
        }
    }

    public init(name: String, exports: [PEExport], imports: [PEImport]) {
        self.name = name
        self.exports = exports
        self.imports = imports
    }

    /// The DLL's bytes.
    public func bytes() throws(WriteError) -> [UInt8] {
        var seen = Set<String>()
        for e in exports where !seen.insert(e.name).inserted { throw .duplicateExport(e.name) }
        var s = SectionBuilder(base: Self.sectionRVA)
        // Code first: the entry point, then each export, 16-byte aligned.
        let entry = s.append(entryCode)
        var exportRVAs: [Int] = []
        for e in exports {
            s.align(16)
            exportRVAs.append(s.append(e.code))
        }
        // Import table: one descriptor per library (plus a null one), then per library its lookup table and address table.
        s.align(8)
        var libraries: [String] = []
        for i in imports where !libraries.contains(where: { $0.lowercased() == i.library.lowercased() }) { libraries.append(i.library) }
        let importDirectory = s.reserve(20 * (libraries.count + 1))
        var iatSlot: [Int: Int] = [:]  // import index -> RVA of its IAT slot
        var iatStart: Int?
        var iatEnd = 0
        var descriptors: [(lookup: Int, name: Int, iat: Int)] = []
        var hintNames: [Int: Int] = [:]
        for (index, i) in imports.enumerated() {
            s.align(2)
            hintNames[index] = s.append([0, 0] + Array(i.function.utf8) + [0])
        }
        var libraryNames: [Int] = []
        for library in libraries { libraryNames.append(s.append(Array(library.utf8) + [0])) }
        for (n, library) in libraries.enumerated() {
            let members = imports.indices.filter { imports[$0].library.lowercased() == library.lowercased() }
            s.align(8)
            let lookup = s.reserve(8 * (members.count + 1))
            let iat = s.reserve(8 * (members.count + 1))
            iatStart = iatStart ?? iat
            iatEnd = iat + 8 * (members.count + 1)
            for (k, index) in members.enumerated() {
                s.put64(UInt64(hintNames[index]!), at: lookup + 8 * k)
                s.put64(UInt64(hintNames[index]!), at: iat + 8 * k)
                iatSlot[index] = iat + 8 * k
            }
            descriptors.append((lookup, libraryNames[n], iat))
        }
        for (n, d) in descriptors.enumerated() {
            let at = importDirectory + 20 * n
            s.put32(UInt32(d.lookup), at: at)
            s.put32(UInt32(d.name), at: at + 12)
            s.put32(UInt32(d.iat), at: at + 16)
        }
        // Import references in the code.
        for (e, rva) in zip(exports, exportRVAs) {
            for ref in e.importReferences {
                guard ref.offset >= 0, ref.offset + 4 <= e.code.count, let slot = iatSlot[ref.importIndex] else {
                    throw .badImportReference(export: e.name, offset: ref.offset, importIndex: ref.importIndex)
                }
                let from = rva + ref.offset + 4
                s.put32(UInt32(bitPattern: Int32(slot - from)), at: rva + ref.offset)
            }
        }
        // Export table: directory, address table, name pointers (sorted by name, as the loader's binary search needs), ordinals.
        s.align(4)
        let exportDirectory = s.reserve(40)
        let functions = s.reserve(4 * exports.count)
        let namePointers = s.reserve(4 * exports.count)
        let ordinals = s.reserve(2 * exports.count)
        let dllName = s.append(Array(name.utf8) + [0])
        for (k, rva) in exportRVAs.enumerated() { s.put32(UInt32(rva), at: functions + 4 * k) }
        let sorted = exports.indices.sorted { Array(exports[$0].name.utf8).lexicographicallyPrecedes(Array(exports[$1].name.utf8)) }
        for (k, index) in sorted.enumerated() {
            let nameRVA = s.append(Array(exports[index].name.utf8) + [0])
            s.put32(UInt32(nameRVA), at: namePointers + 4 * k)
            s.put16(UInt16(index), at: ordinals + 2 * k)
        }
        s.put32(UInt32(dllName), at: exportDirectory + 12)
        s.put32(1, at: exportDirectory + 16)  // ordinal base
        s.put32(UInt32(exports.count), at: exportDirectory + 20)
        s.put32(UInt32(exports.count), at: exportDirectory + 24)
        s.put32(UInt32(functions), at: exportDirectory + 28)
        s.put32(UInt32(namePointers), at: exportDirectory + 32)
        s.put32(UInt32(ordinals), at: exportDirectory + 36)
        let exportSize = s.end - exportDirectory

        let virtualSize = s.data.count
        let rawSize = roundUp(virtualSize, Self.fileAlignment)
        let imageSize = Self.sectionRVA + roundUp(virtualSize, Self.sectionAlignment)
        var out = [UInt8](repeating: 0, count: Self.fileAlignment + rawSize)
        func put16(_ v: UInt16, _ at: Int) { out[at] = UInt8(v & 0xff); out[at + 1] = UInt8(v >> 8) }
        func put32(_ v: UInt32, _ at: Int) { for k in 0 ..< 4 { out[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xff) } }
        func put64(_ v: UInt64, _ at: Int) { for k in 0 ..< 8 { out[at + k] = UInt8((v >> (8 * UInt64(k))) & 0xff) } }
        // DOS header: "MZ" and e_lfanew.
        out[0] = UInt8(ascii: "M"); out[1] = UInt8(ascii: "Z")
        put32(0x40, 0x3c)
        // PE signature and COFF header.
        let pe = 0x40
        out[pe] = UInt8(ascii: "P"); out[pe + 1] = UInt8(ascii: "E")
        put16(0x8664, pe + 4)       // Machine: AMD64
        put16(1, pe + 6)            // NumberOfSections
        put16(240, pe + 20)         // SizeOfOptionalHeader (PE32+, 16 data directories)
        put16(0x2022, pe + 22)      // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
        // Optional header (PE32+).
        let o = pe + 24
        put16(0x20b, o)
        out[o + 2] = 1              // linker version 1.0
        put32(UInt32(rawSize), o + 4)   // SizeOfCode
        put32(UInt32(entry), o + 16)  // AddressOfEntryPoint
        put32(UInt32(Self.sectionRVA), o + 20)          // BaseOfCode
        put64(Self.imageBase, o + 24)
        put32(UInt32(Self.sectionAlignment), o + 32)
        put32(UInt32(Self.fileAlignment), o + 36)
        put16(6, o + 40)            // OS version 6.0
        put16(6, o + 48)            // subsystem version 6.0
        put32(UInt32(imageSize), o + 56)
        put32(UInt32(Self.fileAlignment), o + 60)       // SizeOfHeaders
        put16(3, o + 68)            // Subsystem: Windows console
        put16(0x0160, o + 70)       // HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT
        put64(0x10_0000, o + 72); put64(0x1000, o + 80); put64(0x10_0000, o + 88); put64(0x1000, o + 96)
        put32(16, o + 108)          // NumberOfRvaAndSizes
        let dirs = o + 112
        if !exports.isEmpty { put32(UInt32(exportDirectory), dirs); put32(UInt32(exportSize), dirs + 4) }
        if !libraries.isEmpty {
            put32(UInt32(importDirectory), dirs + 8); put32(UInt32(20 * (libraries.count + 1)), dirs + 12)
            if let iatStart { put32(UInt32(iatStart), dirs + 12 * 8); put32(UInt32(iatEnd - iatStart), dirs + 12 * 8 + 4) }
        }
        // The section header.
        let sh = o + 240
        for (k, c) in ".text".utf8.enumerated() { out[sh + k] = c }
        put32(UInt32(virtualSize), sh + 8)
        put32(UInt32(Self.sectionRVA), sh + 12)
        put32(UInt32(rawSize), sh + 16)
        put32(UInt32(Self.fileAlignment), sh + 20)
        // CODE | INITIALIZED_DATA | EXECUTE | READ | WRITE (the loader fills the import address table in place).
        put32(0xE000_0060, sh + 36)
        out.replaceSubrange(Self.fileAlignment ..< Self.fileAlignment + s.data.count, with: s.data)
        return out
    }
}

private func roundUp(_ v: Int, _ a: Int) -> Int { (v + a - 1) / a * a }

/// The section's bytes, built front to back; every position is an RVA (the section starts at `base`).
private struct SectionBuilder {
    let base: Int
    var data: [UInt8] = []
    var end: Int { base + data.count }

    mutating func align(_ a: Int) { while data.count % a != 0 { data.append(0) } }
    mutating func append(_ bytes: [UInt8]) -> Int { let at = end; data += bytes; return at }
    mutating func reserve(_ n: Int) -> Int { append([UInt8](repeating: 0, count: n)) }
    mutating func put16(_ v: UInt16, at: Int) { data[at - base] = UInt8(v & 0xff); data[at - base + 1] = UInt8(v >> 8) }
    mutating func put32(_ v: UInt32, at: Int) {
        for k in 0 ..< 4 { data[at - base + k] = UInt8((v >> (8 * UInt32(k))) & 0xff) }
    }
    mutating func put64(_ v: UInt64, at: Int) {
        for k in 0 ..< 8 { data[at - base + k] = UInt8((v >> (8 * UInt64(k))) & 0xff) }
    }
}
