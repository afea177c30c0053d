// ELF symbol versioning: the versions a file needs from its shared libraries (the OS floor of a dynamic binary).
//
// Layout from the Linux Standard Base Core specification, "Symbol Versioning" (sections .gnu.version,
// .gnu.version_r) and the System V gABI ("Symbol Table"):
// - SHT_GNU_verneed (0x6ffffffe): sh_link = string table, sh_info = number of Elf_Verneed entries.
//   Elf_Verneed (16 bytes, both classes): vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
//   Elf_Vernaux (16 bytes): vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
//   vn_aux / vna_next / vn_next are byte offsets from the start of the entry they are in; 0 ends a chain.
// - SHT_GNU_versym (0x6fffffff): one u16 per .dynsym entry; bits 0-14 are the version index (0 local,
//   1 global, otherwise a vna_other or a definition's index); bit 15 marks a hidden version.
// - SHT_DYNSYM (11): Elf64_Sym (24 bytes: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value, st_size)
//   or Elf32_Sym (16 bytes: st_name, st_value, st_size u32, st_info u8, st_other u8, st_shndx u16);
//   st_shndx 0 (SHN_UNDEF) = a symbol the file needs from elsewhere.

extension ELFParser {
    /// The version requirements and the symbols bound to them. Best effort: a damaged table gives what could be
    /// read (or nothing), never an error; every count and chain is bounded.
    struct VersionTables {
        var needs: [ELFVersionNeed] = []
        var symbols: [ELFVersionedSymbol] = []

        static let maxEntries = 4096
        static let maxTableBytes = 64 << 20

        init<S: ByteSource>(source: S, sections: [RawSection], is64: Bool, bigEndian: Bool, limit: Int) {
            func bytes(_ s: RawSection) -> [UInt8]? {
                guard s.type != 8, s.size > 0, s.size <= UInt64(Self.maxTableBytes),  // not SHT_NOBITS
                      let r = try? checkedRange(offset: s.offset, size: s.size, field: "section", limit: limit) else { return nil }
                return try? source.bytes(at: r.offset, count: r.size)
            }
            func strings(_ index: UInt32) -> [UInt8]? {
                guard Int(index) < sections.count else { return nil }
                return bytes(sections[Int(index)])
            }
            func string(_ table: [UInt8], _ offset: UInt32) -> String? {
                let from = Int(offset)
                guard from < table.count else { return nil }
                let stop = min(table.count, from + 4096)
                let end = table[from ..< stop].firstIndex(of: 0) ?? stop
                return String(decoding: table[from ..< end], as: UTF8.self)
            }

            guard let needSection = sections.first(where: { $0.type == 0x6fff_fffe }), let table = bytes(needSection),
                  let names = strings(needSection.link) else { return }
            let view = ByteView(table, bigEndian: bigEndian)
            // Version index (vna_other) -> (library, version name), for the symbols below.
            var byIndex: [UInt16: (String, String)] = [:]
            var at = 0
            var seen = Set<Int>()
            for _ in 0 ..< min(Int(needSection.info == 0 ? UInt32(Self.maxEntries) : needSection.info), Self.maxEntries) {
                guard at + 16 <= table.count, seen.insert(at).inserted,
                      let count = try? view.u16(at + 2), let fileOffset = try? view.u32(at + 4),
                      let aux = try? view.u32(at + 8), let next = try? view.u32(at + 12),
                      let file = string(names, fileOffset) else { break }
                var versions: [String] = []
                var a = at + Int(aux)
                for _ in 0 ..< min(Int(count), Self.maxEntries) {
                    guard aux != 0, a + 16 <= table.count, let other = try? view.u16(a + 6), let nameOffset = try? view.u32(a + 8),
                          let auxNext = try? view.u32(a + 12), let name = string(names, nameOffset) else { break }
                    versions.append(name)
                    byIndex[other & 0x7fff] = (file, name)
                    if auxNext == 0 { break }
                    a += Int(auxNext)
                }
                needs.append(ELFVersionNeed(file: file, versions: versions))
                if next == 0 { break }
                at += Int(next)
            }

            // Which undefined symbols ask for which of those versions.
            guard !byIndex.isEmpty, let symSection = sections.first(where: { $0.type == 11 }),
                  let versym = sections.first(where: { $0.type == 0x6fff_ffff }),
                  let symbolBytes = bytes(symSection), let versionBytes = bytes(versym),
                  let symbolNames = strings(symSection.link) else { return }
            let entrySize = is64 ? 24 : 16
            let symbolView = ByteView(symbolBytes, bigEndian: bigEndian)
            let versionView = ByteView(versionBytes, bigEndian: bigEndian)
            let count = min(symbolBytes.count / entrySize, versionBytes.count / 2, ELFParser.maxVersionedSymbols)
            for i in 0 ..< count {
                let b = i * entrySize
                guard let nameOffset = try? symbolView.u32(b), let shndx = try? symbolView.u16(is64 ? b + 6 : b + 14),
                      shndx == 0, let index = try? versionView.u16(i * 2), let (file, version) = byIndex[index & 0x7fff],
                      let name = string(symbolNames, nameOffset), !name.isEmpty else { continue }
                symbols.append(ELFVersionedSymbol(name: name, file: file, version: version))
            }
        }
    }
}
