// The names of every function a Go binary holds code of, compiled on its own or inlined into a caller.
//
// Facts (Go's runtime/symtab.go and cmd/link/internal/ld/pcln.go, Go 1.18+): the pclntab header's words are nfunc,
// nfiles, textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset; the function name table runs
// from funcnameOffset to cuOffset and holds NUL-terminated names. The linker writes into it the name of every function
// in the function table and the name of every function inlined into one of them (each inline tree entry refers to
// its callee's name by an offset into this table), so a function that exists only inlined (a small method such as
// net/url's URL.JoinPath) is named there though it has no entry, symbol or code of its own. Stripping (-s -w) keeps
// the pclntab: the runtime needs it for stack traces.
import Foundation

public enum FunctionNames {
    /// Every function name of the first Go slice of the file at `path` (each slice of a universal file is one binary).
    public static func read(path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else { throw SizeByPackageError(description: "cannot read \(path)") }
        let bytes = Array(data)
        let image: BinaryImage
        do { image = try BinaryImage.read(MemorySource(bytes)) } catch { throw SizeByPackageError(description: "\(error)") }
        guard let slice = image.slices.first else { throw SizeByPackageError(description: "no executable in \(path)") }
        return try read(bytes: bytes, slice: slice)
    }

    /// Every function name of one slice (ELF, Mach-O, PE or wasm).
    public static func read(bytes: [UInt8], slice: BinarySlice) throws -> Set<String> {
        let table: PCLNTable
        if let wasm = slice.wasm {
            guard let t = try SizeByPackage.wasmPCLNTable(bytes, wasm) else { throw SizeByPackageError(description: "no pclntab in the wasm data segments") }
            table = t
        } else if let elf = slice.elf {
            table = try SizeByPackage.pclnTable(bytes: bytes, slice: slice, sections: elf.sections, searched: [".rodata", ".data.rel.ro", ".noptrdata"],
                                                pclntabName: ".gopclntab")
        } else if let macho = slice.macho {
            let sections = macho.sections.map { SectionInfo(name: $0.name, segment: $0.segment, offset: $0.offset + UInt64(slice.offset), size: $0.size, address: $0.address) }
            table = try SizeByPackage.pclnTable(bytes: bytes, slice: slice, sections: sections, searched: ["__rodata"], pclntabName: "__gopclntab")
        } else if let pe = slice.pe {
            table = try SizeByPackage.pclnTable(bytes: bytes, slice: slice, sections: pe.sections, searched: [".rdata", ".data"], pclntabName: nil)
        } else {
            throw SizeByPackageError(description: "function names are read from ELF, Mach-O, PE and wasm, not \(slice.format.rawValue)")
        }
        return try table.functionNames()
    }

    /// A function name as the Go vulnerability database writes symbols: the package's own part, with the receiver's
    /// pointer and generic arguments dropped ("net/url.(*URL).JoinPath" -> ("net/url", "URL.JoinPath"),
    /// "example.com/x.Map[...]" -> ("example.com/x", "Map")).
    public static func symbol(_ name: String) -> (package: String, symbol: String) {
        let package = SizeByPackage.packageOf(name)
        var rest = name.hasPrefix(package + ".") ? String(name.dropFirst(package.count + 1)) : name
        // Generic arguments, possibly nested: "[...]" after a name.
        var out = ""
        var depth = 0
        for c in rest {
            if c == "[" { depth += 1; continue }
            if c == "]" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(c) }
        }
        rest = out.replacingOccurrences(of: "(*", with: "").replacingOccurrences(of: ")", with: "")
        return (package, rest)
    }
}

extension PCLNTable {
    /// The NUL-terminated names of the function name table (funcnameOffset ..< cuOffset).
    func functionNames() throws -> Set<String> {
        let from = start + funcnameOffset
        let to = cuOffset > funcnameOffset ? min(end, start + cuOffset) : end
        guard from < to else { throw SizeByPackageError(description: "pclntab has an empty function name table") }
        var names = Set<String>()
        var i = from
        while i < to {
            var j = i
            while j < to && bytes[j] != 0 { j += 1 }
            if j > i { names.insert(String(decoding: bytes[i..<j], as: UTF8.self)) }
            i = j + 1
        }
        // Cross-check: every function of the function table is named in it.
        for f in try functions().prefix(64) where !names.contains(f.name) {
            throw SizeByPackageError(description: "pclntab function name table does not hold \(f.name)")
        }
        return names
    }
}
