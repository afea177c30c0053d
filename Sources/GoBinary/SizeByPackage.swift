// Size by package of a Go binary, from its bytes: the function table of the pclntab (which `-s -w` keeps,
// because the runtime needs it for stack traces) gives every function's extent and name; the data sections are
// listed as they are. For wasm, whose pclntab PCs are function indices, not byte offsets, the code section's
// function bodies are named through the pclntab in the data segments (exact import paths).
import Foundation

/// Code and data of one package (or one data section, named "(section NAME)").
public struct PackageBytes: Sendable, Equatable, Codable {
    public var package: String
    public var code: Int
    public var data: Int
}

/// The breakdown of one binary.
public struct SizeBreakdown: Sendable, Equatable {
    /// How the figures were read.
    public var method: String
    /// Largest first.
    public var packages: [PackageBytes]
    /// Size of the code section(s) (.text, __text, wasm code).
    public var textSize: Int
    /// Size of the file-backed data sections listed in `packages`.
    public var dataSize: Int
    /// Functions read.
    public var functions: Int
}

/// Why a breakdown could not be made.
public struct SizeByPackageError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

public enum SizeByPackage {
    /// Reads the file at `path`.
    public static func read(path: String) throws -> SizeBreakdown {
        guard let data = FileManager.default.contents(atPath: path) else { throw SizeByPackageError(description: "cannot read \(path)") }
        let image: BinaryImage
        do { image = try BinaryImage.read(MemorySource(Array(data))) } catch { throw SizeByPackageError(description: "\(error)") }
        guard let slice = image.slices.first else { throw SizeByPackageError(description: "no executable in \(path)") }
        return try read(bytes: Array(data), slice: slice)
    }

    public static func read(bytes: [UInt8], slice: BinarySlice) throws -> SizeBreakdown {
        if let wasm = slice.wasm { return try wasmBreakdown(bytes, wasm) }
        let sections: [SectionInfo]
        let textNames: Set<String>
        let dataNames: Set<String>
        let pclntabName: String?
        if let elf = slice.elf {
            sections = elf.sections
            textNames = [".text"]
            dataNames = [".rodata", ".typelink", ".itablink", ".gosymtab", ".gopclntab", ".go.buildinfo", ".go.fipsinfo", ".noptrdata", ".data",
                         ".data.rel.ro", ".go.module"]
            pclntabName = ".gopclntab"
        } else if let macho = slice.macho {
            sections = macho.sections.map { SectionInfo(name: $0.name, segment: $0.segment, offset: $0.offset + UInt64(slice.offset), size: $0.size, address: $0.address) }
            textNames = ["__text"]
            dataNames = ["__rodata", "__typelink", "__itablink", "__gosymtab", "__gopclntab", "__go_buildinfo", "__go_fipsinfo", "__noptrdata", "__data"]
            pclntabName = "__gopclntab"
        } else if let pe = slice.pe {
            sections = pe.sections
            textNames = [".text"]
            dataNames = [".rdata", ".data"]
            pclntabName = nil  // inside .rdata, found by its header
        } else {
            throw SizeByPackageError(description: "size by package reads ELF, Mach-O, PE and wasm, not \(slice.format.rawValue)")
        }
        let pcln = try pclnTable(bytes: bytes, slice: slice, sections: sections, searched: dataNames.union(textNames), pclntabName: pclntabName)
        var byPackage: [String: PackageBytes] = [:]
        let functions = try pcln.functions()
        for f in functions {
            let p = packageOf(f.name)
            byPackage[p, default: PackageBytes(package: p, code: 0, data: 0)].code += f.size
        }
        var dataSize = 0
        for s in sections where dataNames.contains(s.name) {
            let key = "(section \(s.name))"
            byPackage[key, default: PackageBytes(package: key, code: 0, data: 0)].data += Int(s.size)
            dataSize += Int(s.size)
        }
        let text = sections.filter { textNames.contains($0.name) }.reduce(0) { $0 + Int($1.size) }
        return SizeBreakdown(method: "pclntab function table (code by package) + data sections", packages: sorted(byPackage),
                             textSize: text, dataSize: dataSize, functions: functions.count)
    }

    /// The pclntab: its own section where the format names one, else found by its header in the `searched` sections,
    /// else anywhere in the slice.
    static func pclnTable(bytes: [UInt8], slice: BinarySlice, sections: [SectionInfo], searched: Set<String>, pclntabName: String?) throws -> PCLNTable {
        let end = min(bytes.count, slice.offset + slice.size)
        var table: PCLNTable?
        if let name = pclntabName, let s = sections.first(where: { $0.name == name }) {
            table = PCLNTable(bytes, at: Int(s.offset), end: min(end, Int(s.offset + s.size)))
        }
        if table == nil {
            for s in sections where searched.contains(s.name) {
                if let t = PCLNTable.find(bytes, from: Int(s.offset), to: min(end, Int(s.offset + s.size))) { table = t; break }
            }
        }
        if table == nil { table = PCLNTable.find(bytes, from: slice.offset, to: end) }
        guard let table else { throw SizeByPackageError(description: "no Go 1.18+ pclntab found") }
        return table
    }

    static func sorted(_ d: [String: PackageBytes]) -> [PackageBytes] {
        d.values.sorted { ($0.code + $0.data, $1.package) > ($1.code + $1.data, $0.package) }
    }

    /// The package of a Go symbol name: up to the first dot after the last slash, generic arguments ignored
    /// ("example.com/x.(*T).M" -> "example.com/x", "runtime.gcStart.func1" -> "runtime", "type:.eq.T" -> "type:").
    public static func packageOf(_ symbol: String) -> String {
        var s = Substring(symbol)
        if let bracket = s.firstIndex(of: "[") { s = s[..<bracket] }
        let start = s.lastIndex(of: "/").map { s.index(after: $0) } ?? s.startIndex
        if let dot = s[start...].firstIndex(of: ".") { return String(s[..<dot]) }
        return String(s)
    }

    // MARK: wasm

    static func wasmBreakdown(_ bytes: [UInt8], _ wasm: WasmInfo) throws -> SizeBreakdown {
        guard let code = wasm.sections.first(where: { $0.id == 10 }) else { throw SizeByPackageError(description: "wasm module without a code section") }
        let imported = wasm.imports.filter { $0.kind == .function }.count
        var c = Reader(bytes, code.offset, code.offset + code.size)
        let count = try c.uleb()
        var bodies: [Int] = []
        bodies.reserveCapacity(min(count, 1 << 20))
        for _ in 0..<count {
            let at = c.position
            let size = try c.uleb()
            try c.skip(size)
            bodies.append(c.position - at)
        }
        // Names: the pclntab in the data segments holds each function's import path as written (its entry PC is
        // 0x1000 + the function's index among the module's own functions); the name section, which -s drops, has
        // them only with every character but [A-Za-z0-9_.] written as `_` (cmd/link/internal/wasm), which cannot
        // be read back into import paths.
        let method: String
        var names: [Int: String] = [:]
        if let table = try wasmPCLNTable(bytes, wasm) {
            for f in try table.functions() {
                let index = f.entry - wasmFuncValueOffset
                if index >= 0 && index < count { names[index] = f.name }
            }
            method = "wasm code section bodies named by the pclntab + data section"
        } else {
            for (index, name) in try wasmNameSection(bytes, wasm) where index >= imported { names[index - imported] = name }
            method = "wasm code section bodies named by the name section (import paths as the linker mangled them) + data section"
        }
        var byPackage: [String: PackageBytes] = [:]
        for (i, size) in bodies.enumerated() {
            let p = names[i].map(packageOf) ?? "(unnamed function)"
            byPackage[p, default: PackageBytes(package: p, code: 0, data: 0)].code += size
        }
        var dataSize = 0
        for s in wasm.sections where s.id == 11 {
            byPackage["(section data)", default: PackageBytes(package: "(section data)", code: 0, data: 0)].data += s.size
            dataSize += s.size
        }
        return SizeBreakdown(method: method, packages: sorted(byPackage), textSize: code.size, dataSize: dataSize, functions: count)
    }

    /// The PC of the module's first own function, in function units (cmd/link/internal/wasm's funcValueOffset).
    static let wasmFuncValueOffset = 0x1000

    /// The data section's active segments laid out as memory, and the pclntab found in it; nil when there is none.
    static func wasmPCLNTable(_ bytes: [UInt8], _ wasm: WasmInfo) throws -> PCLNTable? {
        guard let data = wasm.sections.first(where: { $0.id == 11 }) else { return nil }
        var r = Reader(bytes, data.offset, data.offset + data.size)
        let count = try r.uleb()
        var segments: [(address: Int, start: Int, size: Int)] = []
        for _ in 0..<count {
            let flags = try r.uleb()
            guard flags == 0, try r.byte() == 0x41 else { return nil }  // active, memory 0, i32.const
            let address = try r.sleb()
            guard try r.byte() == 0x0b, address >= 0 else { return nil }
            let size = try r.uleb()
            let start = r.position
            try r.skip(size)
            segments.append((address, start, size))
        }
        guard let lowest = segments.map(\.address).min(), let high = segments.map({ $0.address + $0.size }).max(),
              high - lowest <= 1 << 31 else { return nil }
        let low = lowest & ~7  // the table's alignment is kept
        var memory = [UInt8](repeating: 0, count: high - low)
        for s in segments { memory.replaceSubrange((s.address - low)..<(s.address - low + s.size), with: bytes[s.start..<(s.start + s.size)]) }
        return PCLNTable.find(memory, from: 0, to: memory.count)
    }

    /// Function names of the name section (subsection 1), by function index (imports included).
    static func wasmNameSection(_ bytes: [UInt8], _ wasm: WasmInfo) throws -> [Int: String] {
        guard let names = wasm.sections.first(where: { $0.id == 0 && $0.name == "name" }) else {
            throw SizeByPackageError(description: "wasm module without a pclntab or a name section: functions cannot be named")
        }
        var r = Reader(bytes, names.offset, names.offset + names.size)
        let nameLength = try r.uleb()
        try r.skip(nameLength)  // "name"
        var functionNames: [Int: String] = [:]
        while !r.atEnd {
            let id = try r.byte()
            let size = try r.uleb()
            let next = r.position + size
            if id == 1 {
                let count = try r.uleb()
                for _ in 0..<count {
                    let index = try r.uleb()
                    let n = try r.uleb()
                    functionNames[index] = try r.string(n)
                }
            }
            r.position = next
        }
        return functionNames
    }

    /// A bounds-checked little reader for the wasm parts.
    struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int
        init(_ bytes: [UInt8], _ start: Int, _ end: Int) { self.bytes = bytes; position = start; self.end = min(end, bytes.count) }
        var atEnd: Bool { position >= end }
        mutating func byte() throws -> UInt8 {
            guard position < end else { throw SizeByPackageError(description: "wasm section ends early at \(position)") }
            defer { position += 1 }
            return bytes[position]
        }
        mutating func uleb() throws -> Int {
            var result = 0, shift = 0
            while true {
                let b = try byte()
                result |= Int(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                guard shift < 35 else { throw SizeByPackageError(description: "bad LEB128 at \(position)") }
            }
        }
        mutating func sleb() throws -> Int {
            var result = 0, shift = 0
            while true {
                let b = try byte()
                result |= Int(b & 0x7f) << shift
                shift += 7
                if b & 0x80 == 0 { return shift < 64 && b & 0x40 != 0 ? result | (-1 << shift) : result }
                guard shift < 35 else { throw SizeByPackageError(description: "bad LEB128 at \(position)") }
            }
        }
        mutating func skip(_ n: Int) throws {
            guard n >= 0, position + n <= end else { throw SizeByPackageError(description: "wasm section ends early at \(position)") }
            position += n
        }
        mutating func string(_ n: Int) throws -> String {
            let start = position
            try skip(n)
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }
}

/// Go 1.18+ pclntab: header, function table and function names.
struct PCLNTable {
    let bytes: [UInt8]
    let start: Int
    let end: Int
    let bigEndian: Bool
    let ptrSize: Int
    let nfunc: Int
    let funcnameOffset: Int
    /// Where the function name table ends (the compilation unit table follows it).
    let cuOffset: Int
    let pclnOffset: Int

    /// The table starting at `at`, when its header is a Go 1.18+ one (magic 0xfffffff0 or 0xfffffff1).
    init?(_ bytes: [UInt8], at: Int, end: Int) {
        guard at >= 0, at + 64 <= end, end <= bytes.count else { return nil }
        let b = bytes
        let le = b[at] >= 0xf0 && b[at + 1] == 0xff && b[at + 2] == 0xff && b[at + 3] == 0xff
        let be = b[at] == 0xff && b[at + 1] == 0xff && b[at + 2] == 0xff && b[at + 3] >= 0xf0
        guard le || be else { return nil }
        let magicLow = le ? b[at] : b[at + 3]
        guard magicLow == 0xf0 || magicLow == 0xf1, b[at + 4] == 0, b[at + 5] == 0, [1, 2, 4].contains(b[at + 6]), [4, 8].contains(b[at + 7]) else { return nil }
        // Eight header words follow the first 8 bytes.
        guard at + 8 + 8 * Int(b[at + 7]) <= end else { return nil }
        self.bytes = bytes
        start = at
        self.end = end
        bigEndian = be && !le
        ptrSize = Int(b[at + 7])
        func word(_ i: Int) -> Int {
            var v: UInt64 = 0
            for k in 0..<Int(b[at + 7]) {
                let byte = UInt64(b[at + 8 + i * Int(b[at + 7]) + k])
                v |= (be && !le) ? byte << UInt64(8 * (Int(b[at + 7]) - 1 - k)) : byte << UInt64(8 * k)
            }
            return v > UInt64(Int.max) ? -1 : Int(v)
        }
        nfunc = word(0)
        funcnameOffset = word(3)
        cuOffset = word(4)
        pclnOffset = word(7)
        guard nfunc > 0, nfunc < 10_000_000, funcnameOffset > 0, pclnOffset > 0,
              at + pclnOffset + (nfunc + 1) * 8 <= end, at + funcnameOffset < end else { return nil }
    }

    /// Scans [from, to) for a table header (aligned to 4 bytes, as the linker places it).
    static func find(_ bytes: [UInt8], from: Int, to: Int) -> PCLNTable? {
        var i = (from + 3) & ~3
        let stop = min(to, bytes.count) - 64
        while i < stop {
            if bytes[i + 1] == 0xff && bytes[i + 2] == 0xff && (bytes[i] == 0xf1 || bytes[i] == 0xf0 || bytes[i + 3] == 0xf1 || bytes[i + 3] == 0xf0),
               let t = PCLNTable(bytes, at: i, end: min(to, bytes.count)), (try? t.functions().count) ?? 0 > 0 {
                return t
            }
            i += 4
        }
        return nil
    }

    func u32(_ at: Int) throws -> UInt32 {
        guard at >= start, at + 4 <= end else { throw SizeByPackageError(description: "pclntab read out of bounds at \(at)") }
        let b = bytes
        return bigEndian
            ? UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
            : UInt32(b[at + 3]) << 24 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 1]) << 8 | UInt32(b[at])
    }

    func cString(_ at: Int) throws -> String {
        guard at >= start, at < end else { throw SizeByPackageError(description: "pclntab name out of bounds at \(at)") }
        var i = at
        while i < end && bytes[i] != 0 { i += 1 }
        guard i < end, i - at < 4096 else { throw SizeByPackageError(description: "pclntab name unterminated at \(at)") }
        return String(decoding: bytes[at..<i], as: UTF8.self)
    }

    /// Every function: name and size (the distance to the next function's entry; the last ends at the table's end PC).
    func functions() throws -> [(entry: Int, name: String, size: Int)] {
        let functab = start + pclnOffset
        var out: [(Int, String, Int)] = []
        out.reserveCapacity(nfunc)
        var previousEntry = -1
        for i in 0..<nfunc {
            let entry = Int(try u32(functab + 8 * i))
            let funcOff = Int(try u32(functab + 8 * i + 4))
            let next = Int(try u32(functab + 8 * (i + 1)))
            guard entry > previousEntry || i == 0, next >= entry else { throw SizeByPackageError(description: "pclntab function table out of order at \(i)") }
            previousEntry = entry
            let nameOff = Int(try u32(functab + funcOff + 4))
            out.append((entry, try cString(start + funcnameOffset + nameOff), next - entry))
        }
        return out
    }
}
