// PEDLLWriter against PEDirectories and BinaryImage: a DLL written here reads back with its exports, imports and
// code references right; the directory reader also reads a real Go windows binary's imports; damage is an error.
import GoBinary
import Testing

@Suite struct PEWriterTests {
    /// Two exports (one calling two imports from two libraries), written and read back.
    static let writer = PEDLLWriter(
        name: "sample.dll",
        exports: [
            PEExport(name: "Zeta", code: [0xB8, 0x07, 0, 0, 0, 0xC3]),
            PEExport(name: "Alpha", code: [0xFF, 0x15, 0, 0, 0, 0, 0xFF, 0x15, 0, 0, 0, 0, 0xC3],
                     importReferences: [(offset: 2, importIndex: 1), (offset: 8, importIndex: 0)]),
        ],
        imports: [PEImport(library: "advapi32.dll", function: "SystemFunction036"),
                  PEImport(library: "KERNEL32.dll", function: "ExitProcess")])

    @Test func writtenDLLReadsBack() throws {
        let bytes = try Self.writer.bytes()
        #expect(bytes.count % 0x200 == 0)
        let image = try BinaryImage.read(MemorySource(bytes))
        let pe = try #require(image.slices.first?.pe)
        #expect(image.format == .pe && pe.isDLL && pe.isPE32Plus && pe.machineName == "AMD64")
        #expect(image.slices.first?.goarch == "amd64" && image.slices.first?.buildInfo == nil)
        #expect(pe.sections.map(\.name) == [".text"])

        let dirs = try PEDirectories.read(MemorySource(bytes))
        #expect(dirs.dllName == "sample.dll")
        #expect(dirs.exports.keys.sorted() == ["Alpha", "Zeta"])
        #expect(dirs.imports == ["advapi32.dll": ["SystemFunction036"], "KERNEL32.dll": ["ExitProcess"]])
        #expect(dirs.entryPoint == 0x1000)

        // Each call's displacement lands on its import's address-table slot, found through the import table itself:
        // the slot's initial value points at the hint/name entry of the function named.
        let section = try #require(pe.sections.first)
        func fileOffset(_ rva: UInt32) -> Int { Int(section.offset) + Int(UInt64(rva) - section.address) }
        func u32(_ at: Int) -> UInt32 { (0 ..< 4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
        func cString(_ at: Int) -> String { String(decoding: bytes[at...].prefix { $0 != 0 }, as: UTF8.self) }
        let alpha = try #require(dirs.exports["Alpha"])
        for (offset, function) in [(2, "ExitProcess"), (8, "SystemFunction036")] {
            let displacement = Int32(bitPattern: u32(fileOffset(alpha) + offset))
            let slot = UInt32(Int(alpha) + offset + 4 + Int(displacement))
            let hintName = u32(fileOffset(slot))
            #expect(cString(fileOffset(hintName) + 2) == function)
        }
        // The export's code is in place.
        let zeta = try #require(dirs.exports["Zeta"])
        #expect(Array(bytes[fileOffset(zeta) ..< fileOffset(zeta) + 6]) == [0xB8, 0x07, 0, 0, 0, 0xC3])
        // Deterministic: the same input gives the same bytes.
        #expect(try Self.writer.bytes() == bytes)
    }

    @Test func badInputIsRefused() throws {
        var twice = Self.writer
        twice.exports.append(PEExport(name: "Zeta", code: [0xC3]))
        #expect(throws: PEDLLWriter.WriteError.duplicateExport("Zeta")) { try twice.bytes() }
        var dangling = Self.writer
        dangling.exports = [PEExport(name: "F", code: [0xFF, 0x15, 0, 0, 0, 0], importReferences: [(offset: 2, importIndex: 5)])]
        #expect(throws: PEDLLWriter.WriteError.badImportReference(export: "F", offset: 2, importIndex: 5)) { try dangling.bytes() }
    }

    @Test func damagedDirectoriesAreErrors() throws {
        let bytes = try Self.writer.bytes()
        // Cut inside the section: the export directory's RVA now points past the file.
        #expect(throws: GoBinaryError.self) { try PEDirectories.read(MemorySource(Array(bytes.prefix(0x210)))) }
        // Not a PE file at all.
        #expect(throws: GoBinaryError.self) { try PEDirectories.read(MemorySource([UInt8](repeating: 0x41, count: 256))) }
        // A NumberOfNames far beyond any real DLL.
        let image = try BinaryImage.read(MemorySource(bytes))
        let section = try #require(image.slices.first?.pe?.sections.first)
        var broken = bytes
        let field = 0x40 + 24 + 112
        var exportRVA = 0
        for k in 0 ..< 4 { exportRVA |= Int(bytes[field + k]) << (8 * k) }
        let names = Int(section.offset) + exportRVA - Int(section.address) + 24
        broken[names + 3] = 0x7f
        #expect(throws: GoBinaryError.self) { try PEDirectories.read(MemorySource(broken)) }
    }

    /// Go's own windows/amd64 and windows/386 binaries import their system calls from kernel32.dll by name.
    @Test func readsRealGoImports() async throws {
        let fixtures = try await FixtureStore.shared.get()
        for name in ["windows-amd64", "windows-386"] {
            let dirs = try PEDirectories.read(MemorySource(try fixtures.bytes(name)))
            let kernel32 = dirs.imports.first { $0.key.lowercased() == "kernel32.dll" }?.value ?? []
            #expect(kernel32.contains("LoadLibraryExW") || kernel32.contains("LoadLibraryW"), "\(name): \(dirs.imports)")
            #expect(dirs.dllName == nil && dirs.entryPoint != 0)
        }
    }
}
