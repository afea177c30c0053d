// Mach-O parser: thin 32/64-bit images, universal (fat and fat64) files, load commands, __go_buildinfo.

/// One load command of a Mach-O image.
public struct LoadCommand: Sendable, Codable, Equatable {
    /// Raw `cmd` value, e.g. `0x19` for LC_SEGMENT_64.
    public let cmd: UInt32
    /// Symbolic name, e.g. `LC_SEGMENT_64`, or `LC_0x...` when unknown.
    public let name: String
    public let size: UInt32
}

/// Facts read from a Mach-O image's header and load commands.
public struct MachOInfo: Sendable, Codable, Equatable {
    public let is64: Bool
    public let endianness: Endianness
    /// `cputype`, e.g. `0x0100000c` for arm64.
    public let cpuType: UInt32
    /// `cpusubtype` with capability bits masked off.
    public let cpuSubtype: UInt32
    /// Readable CPU name, e.g. `arm64`, `x86_64`.
    public let cpuName: String
    /// `filetype`: 2 = MH_EXECUTE, 6 = MH_DYLIB, ...
    public let fileType: UInt32
    public let fileTypeName: String
    /// Header `flags` (MH_PIE = 0x200000, ...).
    public let flags: UInt32
    /// Load commands in order.
    public let loadCommands: [LoadCommand]
    /// Sections of all segments, in order.
    public let sections: [SectionInfo]
    /// Whether an LC_CODE_SIGNATURE load command is present (required to run on Apple Silicon).
    public let hasCodeSignature: Bool
    /// File range (within the slice) of the code signature blob, if present.
    public let codeSignatureOffset: UInt32?
    public let codeSignatureSize: UInt32?
    /// The code signature's kind, flags and team, from its SuperBlob (`.unsigned` without LC_CODE_SIGNATURE).
    public let codeSignature: CodeSignatureInfo
    /// Platform from LC_BUILD_VERSION (1 = macOS, 2 = iOS, 7 = iOS simulator, ...).
    public let platform: UInt32?
    public let platformName: String?
    /// Minimum OS and SDK versions (`14.0`, `13.5.1`) from LC_BUILD_VERSION or LC_VERSION_MIN_*.
    public let minOS: String?
    public let sdk: String?
    /// Which load command gave `minOS`/`sdk`: `LC_BUILD_VERSION` or `LC_VERSION_MIN_MACOSX` (and kin); nil when none.
    public let versionSource: String?
    /// Dynamic libraries named by LC_LOAD_DYLIB and friends.
    public let dylibs: [String]
    /// The dynamic linker named by LC_LOAD_DYLINKER, if any.
    public let dylinker: String?
}

enum MachOParser {
    static let maxFatArches: UInt32 = 30
    static let maxLoadCommands = 1 << 16

    static func cpuName(_ type: UInt32, _ subtype: UInt32) -> String {
        switch type {
        case 7: return "i386"
        case 0x0100_0007: return subtype & 0xff == 8 ? "x86_64h" : "x86_64"
        case 12: return "arm"
        case 0x0100_000c: return subtype & 0xff == 2 ? "arm64e" : "arm64"
        case 0x0200_000c: return "arm64_32"
        case 18: return "ppc"
        case 0x0100_0012: return "ppc64"
        default: return "cpu \(hex(type))"
        }
    }

    static func goarch(_ type: UInt32) -> String? {
        switch type {
        case 7: return "386"
        case 0x0100_0007: return "amd64"
        case 12: return "arm"
        case 0x0100_000c: return "arm64"
        case 18: return "ppc"
        case 0x0100_0012: return "ppc64"
        default: return nil
        }
    }

    static func fileTypeName(_ t: UInt32) -> String {
        // Name tables are switches, not dictionaries: a first Dictionary of a type costs a conformance lookup over the
        // whole binary (inspect of 34 small files spent ~5% there).
        switch t {
        case 1: "MH_OBJECT"
        case 2: "MH_EXECUTE"
        case 3: "MH_FVMLIB"
        case 4: "MH_CORE"
        case 5: "MH_PRELOAD"
        case 6: "MH_DYLIB"
        case 7: "MH_DYLINKER"
        case 8: "MH_BUNDLE"
        case 9: "MH_DYLIB_STUB"
        case 10: "MH_DSYM"
        case 11: "MH_KEXT_BUNDLE"
        case 12: "MH_FILESET"
        default: "filetype \(t)"
        }
    }

    static func platformName(_ p: UInt32) -> String {
        switch p {
        case 1: "macOS"
        case 2: "iOS"
        case 3: "tvOS"
        case 4: "watchOS"
        case 5: "bridgeOS"
        case 6: "Mac Catalyst"
        case 7: "iOS simulator"
        case 8: "tvOS simulator"
        case 9: "watchOS simulator"
        case 10: "DriverKit"
        case 11: "visionOS"
        case 12: "visionOS simulator"
        default: "platform \(p)"
        }
    }

    static func commandName(_ cmd: UInt32) -> String {
        switch cmd {
        case 0x1: "LC_SEGMENT"
        case 0x2: "LC_SYMTAB"
        case 0x3: "LC_SYMSEG"
        case 0x4: "LC_THREAD"
        case 0x5: "LC_UNIXTHREAD"
        case 0xb: "LC_DYSYMTAB"
        case 0xc: "LC_LOAD_DYLIB"
        case 0xd: "LC_ID_DYLIB"
        case 0xe: "LC_LOAD_DYLINKER"
        case 0xf: "LC_ID_DYLINKER"
        case 0x10: "LC_PREBOUND_DYLIB"
        case 0x11: "LC_ROUTINES"
        case 0x12: "LC_SUB_FRAMEWORK"
        case 0x16: "LC_TWOLEVEL_HINTS"
        case 0x17: "LC_PREBIND_CKSUM"
        case 0x8000_0018: "LC_LOAD_WEAK_DYLIB"
        case 0x19: "LC_SEGMENT_64"
        case 0x1a: "LC_ROUTINES_64"
        case 0x1b: "LC_UUID"
        case 0x8000_001c: "LC_RPATH"
        case 0x1d: "LC_CODE_SIGNATURE"
        case 0x1e: "LC_SEGMENT_SPLIT_INFO"
        case 0x8000_001f: "LC_REEXPORT_DYLIB"
        case 0x20: "LC_LAZY_LOAD_DYLIB"
        case 0x21: "LC_ENCRYPTION_INFO"
        case 0x22: "LC_DYLD_INFO"
        case 0x8000_0022: "LC_DYLD_INFO_ONLY"
        case 0x8000_0023: "LC_LOAD_UPWARD_DYLIB"
        case 0x24: "LC_VERSION_MIN_MACOSX"
        case 0x25: "LC_VERSION_MIN_IPHONEOS"
        case 0x26: "LC_FUNCTION_STARTS"
        case 0x27: "LC_DYLD_ENVIRONMENT"
        case 0x8000_0028: "LC_MAIN"
        case 0x29: "LC_DATA_IN_CODE"
        case 0x2a: "LC_SOURCE_VERSION"
        case 0x2b: "LC_DYLIB_CODE_SIGN_DRS"
        case 0x2c: "LC_ENCRYPTION_INFO_64"
        case 0x2d: "LC_LINKER_OPTION"
        case 0x2e: "LC_LINKER_OPTIMIZATION_HINT"
        case 0x2f: "LC_VERSION_MIN_TVOS"
        case 0x30: "LC_VERSION_MIN_WATCHOS"
        case 0x31: "LC_NOTE"
        case 0x32: "LC_BUILD_VERSION"
        case 0x8000_0033: "LC_DYLD_EXPORTS_TRIE"
        case 0x8000_0034: "LC_DYLD_CHAINED_FIXUPS"
        case 0x8000_0035: "LC_FILESET_ENTRY"
        case 0x36: "LC_ATOM_INFO"
        default: "LC_\(hex(cmd))"
        }
    }

    static func version(_ v: UInt32) -> String {
        let major = v >> 16, minor = (v >> 8) & 0xff, patch = v & 0xff
        return patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)"
    }

    /// Reads a thin Mach-O image that fills `source` (a whole file or one slice).
    static func read<S: ByteSource>(_ source: S, offset sliceOffset: Int) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        let head = try source.bytes(at: 0, count: min(limit, 32))
        guard head.count >= 28 else { throw GoBinaryError.truncated(at: 0, needed: 28) }
        let magicBE = ByteView(head, bigEndian: true)
        let magic = try magicBE.u32(0)
        let is64: Bool, bigEndian: Bool
        switch magic {
        case 0xfeed_face: is64 = false; bigEndian = true
        case 0xfeed_facf: is64 = true; bigEndian = true
        case 0xcefa_edfe: is64 = false; bigEndian = false
        case 0xcffa_edfe: is64 = true; bigEndian = false
        default: throw GoBinaryError(.badValue(field: "magic", detail: hex(magic)))
        }
        let headerSize = is64 ? 32 : 28
        guard head.count >= headerSize else { throw GoBinaryError.truncated(at: 0, needed: headerSize) }
        let h = ByteView(head, bigEndian: bigEndian)
        let cpuType = try h.u32(4)
        let cpuSubtype = try h.u32(8) & 0x00ff_ffff
        let fileType = try h.u32(12)
        let ncmds = Int(try h.u32(16))
        let sizeofcmds = Int(try h.u32(20))
        let flags = try h.u32(24)
        guard ncmds <= maxLoadCommands else { throw GoBinaryError(.badValue(field: "ncmds", detail: "\(ncmds)")) }
        guard sizeofcmds <= limit - headerSize else {
            throw GoBinaryError(.truncated(at: headerSize, needed: sizeofcmds))
        }
        let cmds = ByteView(try source.bytes(at: headerSize, count: sizeofcmds), at: headerSize, bigEndian: bigEndian)

        var loadCommands: [LoadCommand] = []
        var sections: [SectionInfo] = []
        var zeroFill: [Bool] = []
        var addressMap = AddressMap()
        var codeSignature: (UInt32, UInt32)?
        var platform: UInt32?
        var minOS: String?, sdk: String?, versionSource: String?
        var versionMinGOOS: String?
        var dylibs: [String] = []
        var dylinker: String?

        func lcString(_ base: Int, _ size: Int, _ field: String) throws(GoBinaryError) -> String {
            let off = Int(try cmds.u32(base + 8))
            guard off >= 12, off < size else { throw GoBinaryError(.badOffset(field: "\(field) name")) }
            let raw = try cmds.slice(base + off, size - off)
            let end = raw.firstIndex(of: 0) ?? raw.endIndex
            return String(decoding: raw[raw.startIndex ..< end], as: UTF8.self)
        }

        var p = 0
        for i in 0 ..< ncmds {
            guard p + 8 <= sizeofcmds else { throw GoBinaryError(.truncated(at: headerSize + p, needed: 8)) }
            let cmd = try cmds.u32(p)
            let size = Int(try cmds.u32(p + 4))
            guard size >= 8, size <= sizeofcmds - p else {
                throw GoBinaryError(.badValue(field: "size of load command \(i)", detail: "\(size)"))
            }
            loadCommands.append(LoadCommand(cmd: cmd, name: commandName(cmd), size: UInt32(size)))
            switch cmd {
            case 0x1, 0x19:  // LC_SEGMENT, LC_SEGMENT_64
                let wide = cmd == 0x19
                let segname = try cmds.fixedString(p + 8, 16)
                let vmaddr = try cmds.word(p + 24, wide: wide)
                let fileoff = try cmds.word(wide ? p + 40 : p + 32, wide: wide)
                let filesize = try cmds.word(wide ? p + 48 : p + 36, wide: wide)
                let nsects = Int(try cmds.u32(wide ? p + 64 : p + 48))
                let sectSize = wide ? 80 : 68
                let first = wide ? 72 : 56
                guard size >= first, nsects <= (size - first) / sectSize else {
                    throw GoBinaryError(.badValue(field: "section count of segment \(segname)", detail: "\(nsects)"))
                }
                if segname != "__PAGEZERO", filesize > 0 {
                    let r = try checkedRange(offset: fileoff, size: filesize, field: "segment \(segname)", limit: limit)
                    addressMap.ranges.append(MappedRange(address: vmaddr, fileOffset: r.offset, size: r.size))
                }
                for k in 0 ..< nsects {
                    let s = p + first + k * sectSize
                    let sectname = try cmds.fixedString(s, 16)
                    let seg = try cmds.fixedString(s + 16, 16)
                    let addr = try cmds.word(s + 32, wide: wide)
                    let ssize = try cmds.word(s + 32 + (wide ? 8 : 4), wide: wide)
                    let soff = UInt64(try cmds.u32(s + (wide ? 48 : 40)))
                    let sflags = try cmds.u32(s + (wide ? 64 : 56))
                    let type = sflags & 0xff
                    zeroFill.append(type == 0x1 || type == 0xc || type == 0x12)
                    sections.append(SectionInfo(name: sectname, segment: seg, offset: soff, size: ssize, address: addr))
                }
            case 0x1d:  // LC_CODE_SIGNATURE
                codeSignature = (try cmds.u32(p + 8), try cmds.u32(p + 12))
            case 0x32:  // LC_BUILD_VERSION
                platform = try cmds.u32(p + 8)
                minOS = version(try cmds.u32(p + 12))
                sdk = version(try cmds.u32(p + 16))
                versionSource = "LC_BUILD_VERSION"
            case 0x24, 0x25, 0x2f, 0x30:  // LC_VERSION_MIN_*
                let v = version(try cmds.u32(p + 8)), s = version(try cmds.u32(p + 12))
                // LC_BUILD_VERSION wins when both are present (mach-o/loader.h: version_min_command is its predecessor).
                if versionSource != "LC_BUILD_VERSION" { minOS = v; sdk = s; versionSource = commandName(cmd) }
                versionMinGOOS = cmd == 0x24 ? "darwin" : (cmd == 0x25 ? "ios" : nil)
            case 0xc, 0xd, 0x8000_0018, 0x8000_001f, 0x20, 0x8000_0023:
                dylibs.append(try lcString(p, size, commandName(cmd)))
            case 0xe:
                dylinker = try lcString(p, size, "LC_LOAD_DYLINKER")
            default:
                break
            }
            p += size
        }

        let info = MachOInfo(
            is64: is64, endianness: bigEndian ? .big : .little, cpuType: cpuType, cpuSubtype: cpuSubtype,
            cpuName: cpuName(cpuType, cpuSubtype), fileType: fileType, fileTypeName: fileTypeName(fileType),
            flags: flags, loadCommands: loadCommands, sections: sections, hasCodeSignature: codeSignature != nil,
            codeSignatureOffset: codeSignature?.0, codeSignatureSize: codeSignature?.1,
            codeSignature: codeSignature.map { CodeSignatureInfo.read(source, offset: $0.0, size: $0.1) } ?? .unsigned,
            platform: platform, platformName: platform.map(platformName), minOS: minOS, sdk: sdk,
            versionSource: versionSource, dylibs: dylibs, dylinker: dylinker)

        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let i = sections.firstIndex(where: { $0.name == "__go_buildinfo" }), !zeroFill[i] {
            let s = sections[i]
            let r = try checkedRange(offset: s.offset, size: s.size, field: "__go_buildinfo section", limit: limit)
            if let found = try BuildInfoReader.read(source, region: MappedRange(address: s.address, fileOffset: r.offset, size: r.size), addressMap: addressMap) {
                buildInfo = found.info
                buildInfoOffset = found.offset
            }
        }

        let goos: String?
        let goosSource: GOOSSource
        switch platform {
        case 1?: (goos, goosSource) = ("darwin", .header)
        case 2?, 7?: (goos, goosSource) = ("ios", .header)
        case nil:
            if let v = versionMinGOOS {
                (goos, goosSource) = (v, .header)
            } else if let g = buildInfo?.setting("GOOS"), g == "darwin" || g == "ios" {
                (goos, goosSource) = (g, .buildInfo)
            } else {
                (goos, goosSource) = ("darwin", .assumed)
            }
        default: (goos, goosSource) = (nil, .header)
        }
        return BinarySlice(
            format: .machO, goos: goos, goosSource: goosSource, goarch: goarch(cpuType),
            offset: sliceOffset, size: limit, elf: nil, macho: info, pe: nil, wasm: nil, xcoff: nil, plan9: nil,
            buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }

    /// Reads a universal file: the fat header, then each slice as a thin image.
    static func readUniversal<S: ByteSource>(_ source: S) throws(GoBinaryError) -> BinaryImage {
        let limit = source.count
        let h = ByteView(try source.bytes(at: 0, count: min(limit, 8)), bigEndian: true)
        let magic = try h.u32(0)
        let is64 = magic == 0xcafe_babf
        let n = try h.u32(4)
        guard n > 0, n <= maxFatArches else { throw GoBinaryError(.badValue(field: "architecture count", detail: "\(n)")) }
        let entrySize = is64 ? 32 : 20
        let tableSize = Int(n) * entrySize
        guard tableSize <= limit - 8 else { throw GoBinaryError.truncated(at: 8, needed: tableSize) }
        let t = ByteView(try source.bytes(at: 8, count: tableSize), at: 8, bigEndian: true)
        var arches: [FatArch] = []
        var slices: [BinarySlice] = []
        for i in 0 ..< Int(n) {
            let b = i * entrySize
            let arch: FatArch
            if is64 {
                arch = FatArch(cpuType: try t.u32(b), cpuSubtype: try t.u32(b + 4) & 0x00ff_ffff, offset: try t.u64(b + 8),
                               size: try t.u64(b + 16), align: try t.u32(b + 24))
            } else {
                arch = FatArch(cpuType: try t.u32(b), cpuSubtype: try t.u32(b + 4) & 0x00ff_ffff, offset: UInt64(try t.u32(b + 8)),
                               size: UInt64(try t.u32(b + 12)), align: try t.u32(b + 16))
            }
            arches.append(arch)
            let name = cpuName(arch.cpuType, arch.cpuSubtype)
            do throws(GoBinaryError) {
                let r = try checkedRange(offset: arch.offset, size: arch.size, field: "slice offset/size", limit: limit)
                guard r.offset >= 8 + tableSize else { throw GoBinaryError(.badOffset(field: "slice offset \(hex(r.offset))")) }
                let sub = try SubSource(source, start: r.offset, count: r.size)
                let head = try sub.bytes(at: 0, count: min(r.size, 4))
                guard BinaryImage.detect(head) == .machO else { throw GoBinaryError(.notABinary, format: .machO) }
                slices.append(try read(sub, offset: r.offset))
            } catch {
                throw GoBinaryError(.inSlice(index: i, arch: name, error.within(.machO)))
            }
        }
        return BinaryImage(format: .universal, slices: slices, fatArches: arches, isFat64: is64)
    }
}
