// Universal (fat) Mach-O writer: thin slices of one Go program in, one file with a big-endian fat header out.

/// Why slices cannot be merged into a universal file. `description` is one line.
public struct FatMachOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A universal file needs at least two slices.
        case tooFewSlices(count: Int)
        /// The named input is not a thin Mach-O executable (it is another format, a universal file, or damaged).
        case notThinMachO(name: String, detail: String)
        /// Two inputs have the same CPU type and subtype.
        case duplicateArchitecture(arch: String, first: String, second: String)
        /// The named input carries no Go build information, so it cannot be shown to be the same program.
        case notGo(name: String)
        /// Two inputs are builds of different programs (their build info `path` differs).
        case differentPrograms(first: String, firstPath: String, second: String, secondPath: String)
        /// The slices do not fit the 32-bit offsets of a fat header.
        case tooLarge(bytes: UInt64)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .tooFewSlices(let count):
            return "a universal binary needs at least two slices, got \(count)"
        case .notThinMachO(let name, let detail):
            return "\(name): not a thin Mach-O executable: \(detail)"
        case .duplicateArchitecture(let arch, let first, let second):
            return "\(first) and \(second) are both \(arch): a universal binary holds one slice per architecture"
        case .notGo(let name):
            return "\(name): no Go build information, so it cannot be checked to be the same program as the other slices"
        case .differentPrograms(let first, let firstPath, let second, let secondPath):
            return "\(first) (\(firstPath)) and \(second) (\(secondPath)) are different programs: a universal binary holds one program"
        case .tooLarge(let bytes):
            return "the slices total \(bytes) bytes, more than a universal binary's 32-bit offsets can address"
        }
    }
}

/// Writes universal Mach-O files the way Apple's `lipo -create` lays them out:
///
/// - each slice's alignment (the fat_arch `align` field, a power of two) is the smallest alignment of its
///   segments' virtual addresses (a segment at address 0 does not count), clamped to 2^2 ... 2^15: for Go's
///   darwin/arm64 executables 2^14 (16 KiB pages), for darwin/amd64 2^12 (4 KiB pages);
/// - slices are ordered by alignment, smallest first, and arm64 always last;
/// - the first slice starts at the first multiple of its alignment after the header, each further slice at the
///   first multiple of its alignment after the previous one; the gaps are zero bytes;
/// - the header (`FAT_MAGIC` 0xcafebabe, the slice count, then cputype, cpusubtype, offset, size, align per slice)
///   is big-endian.
public enum FatMachOWriter {
    /// One input: a name for messages (usually the file's path) and the thin Mach-O file's bytes.
    public struct Slice: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// Where each slice goes: the fat header entries in file order, and the header's bytes.
    public struct Layout: Sendable, Equatable {
        /// Entries in file order, with each slice's input index.
        public var arches: [FatArch]
        public var order: [Int]
        /// The fat header and arch table (`8 + 20 * count` bytes).
        public var header: [UInt8]
        /// Total file size.
        public var size: UInt64
    }

    static let maxAlignment: UInt32 = 15
    static let minAlignment: UInt32 = 2

    /// Checks the slices and returns the universal file's bytes.
    public static func build(_ slices: [Slice]) throws(FatMachOError) -> [UInt8] {
        let layout = try plan(slices)
        var out = layout.header
        out.reserveCapacity(Int(layout.size))
        for (entry, index) in zip(layout.arches, layout.order) {
            out += [UInt8](repeating: 0, count: Int(entry.offset) - out.count)
            out += slices[index].bytes
        }
        return out
    }

    /// Checks the slices (thin Mach-O, Go, one program, one slice per architecture) and lays them out.
    public static func plan(_ slices: [Slice]) throws(FatMachOError) -> Layout {
        guard slices.count >= 2 else { throw FatMachOError(.tooFewSlices(count: slices.count)) }
        var parsed: [(slice: BinarySlice, align: UInt32)] = []
        for input in slices {
            let image: BinaryImage
            do {
                image = try BinaryImage.read(MemorySource(input.bytes))
            } catch {
                throw FatMachOError(.notThinMachO(name: input.name, detail: error.description))
            }
            guard image.format == .machO, let slice = image.slices.first, let macho = slice.macho else {
                let what = image.format == .universal ? "it is already a universal file" : "it is \(formatName(image.format))"
                throw FatMachOError(.notThinMachO(name: input.name, detail: what))
            }
            let align: UInt32
            do {
                align = try segmentAlignment(input.bytes, macho)
            } catch {
                throw FatMachOError(.notThinMachO(name: input.name, detail: error.description))
            }
            parsed.append((slice, align))
        }
        for i in parsed.indices {
            for j in parsed.indices where j < i {
                let a = parsed[j].slice.macho!, b = parsed[i].slice.macho!
                if a.cpuType == b.cpuType, a.cpuSubtype == b.cpuSubtype {
                    throw FatMachOError(.duplicateArchitecture(arch: b.cpuName, first: slices[j].name, second: slices[i].name))
                }
            }
        }
        var programPath: (name: String, path: String)?
        for (i, p) in parsed.enumerated() {
            guard let info = p.slice.buildInfo else { throw FatMachOError(.notGo(name: slices[i].name)) }
            let path = info.path ?? ""
            if let first = programPath {
                guard first.path == path else {
                    throw FatMachOError(.differentPrograms(first: first.name, firstPath: first.path, second: slices[i].name, secondPath: path))
                }
            } else {
                programPath = (slices[i].name, path)
            }
        }

        // lipo's order: arm64 last, otherwise by alignment (stable for equal keys).
        let arm64: UInt32 = 0x0100_000c
        let order = parsed.indices.sorted { x, y in
            let ax = parsed[x].slice.macho!.cpuType == arm64, ay = parsed[y].slice.macho!.cpuType == arm64
            if ax != ay { return ay }
            if parsed[x].align != parsed[y].align { return parsed[x].align < parsed[y].align }
            return x < y
        }
        var arches: [FatArch] = []
        var offset = UInt64(8 + 20 * slices.count)
        for index in order {
            let align = parsed[index].align
            let unit = UInt64(1) << UInt64(align)
            offset = (offset + unit - 1) / unit * unit
            let size = UInt64(slices[index].bytes.count)
            let macho = parsed[index].slice.macho!
            // The header's cpusubtype keeps the capability bits the reader masks off.
            let rawSubtype = rawCPUSubtype(slices[index].bytes, macho)
            arches.append(FatArch(cpuType: macho.cpuType, cpuSubtype: rawSubtype, offset: offset, size: size, align: align))
            offset += size
        }
        guard offset <= UInt64(UInt32.max) else { throw FatMachOError(.tooLarge(bytes: offset)) }

        var header: [UInt8] = []
        func be32(_ v: UInt32) { header += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        be32(0xcafe_babe)
        be32(UInt32(arches.count))
        for a in arches {
            be32(a.cpuType); be32(a.cpuSubtype); be32(UInt32(a.offset)); be32(UInt32(a.size)); be32(a.align)
        }
        return Layout(arches: arches, order: order, header: header, size: offset)
    }

    /// The alignment (a power of two) lipo gives a linked image: the lowest set bit of its segments' addresses.
    static func segmentAlignment(_ bytes: [UInt8], _ macho: MachOInfo) throws(GoBinaryError) -> UInt32 {
        let view = ByteView(bytes, bigEndian: macho.endianness == .big)
        var p = macho.is64 ? 32 : 28
        var align = maxAlignment
        for command in macho.loadCommands {
            if command.cmd == 0x19 || command.cmd == 0x1 {
                let vmaddr = try view.word(p + 24, wide: command.cmd == 0x19)
                if vmaddr != 0 { align = min(align, UInt32(vmaddr.trailingZeroBitCount)) }
            }
            p += Int(command.size)
        }
        return max(minAlignment, align)
    }

    static func rawCPUSubtype(_ bytes: [UInt8], _ macho: MachOInfo) -> UInt32 {
        (try? ByteView(bytes, bigEndian: macho.endianness == .big).u32(8)) ?? macho.cpuSubtype
    }

    static func formatName(_ format: BinaryFormat) -> String {
        switch format {
        case .elf: return "an ELF file"
        case .pe: return "a PE (Windows) file"
        case .wasm: return "a WebAssembly module"
        case .xcoff: return "an XCOFF file"
        case .plan9: return "a Plan 9 a.out file"
        case .machO: return "a Mach-O file"
        case .universal: return "a universal file"
        }
    }
}
