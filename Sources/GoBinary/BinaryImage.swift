// BinaryImage and BinarySlice: format detection and the public result of reading a file.

/// The container format of a file or slice.
public enum BinaryFormat: String, Sendable, Codable {
    case elf
    case machO = "mach-o"
    case universal = "mach-o-universal"
    case pe
    case wasm
    /// 64-bit XCOFF, the AIX format (aix/ppc64).
    case xcoff
    /// Plan 9 a.out (plan9/386, plan9/amd64, plan9/arm).
    case plan9
}

/// Byte order of a binary.
public enum Endianness: String, Sendable, Codable {
    case little, big
}

/// Where a slice's `goos` came from: the file's own headers, or (when the headers cannot
/// tell, e.g. a static ELF with OS/ABI 0) the `GOOS` build setting, or a default guess.
public enum GOOSSource: String, Sendable, Codable {
    case header, buildInfo = "build-info", assumed
}

/// A section (ELF, PE, Mach-O, XCOFF) or segment (Plan 9 a.out) as listed in the file's headers.
public struct SectionInfo: Sendable, Codable, Equatable {
    /// Section name, e.g. `.go.buildinfo`, `.data`, `__go_buildinfo`.
    public let name: String
    /// Mach-O segment name (e.g. `__DATA`); nil for the other formats.
    public let segment: String?
    /// Offset of the section's bytes in the file (relative to the slice for universal files).
    public let offset: UInt64
    /// Size of the section's bytes in the file.
    public let size: UInt64
    /// Virtual address (relative to the image base for PE).
    public let address: UInt64
}

/// One executable image. A universal Mach-O file holds several; every other file holds one.
public struct BinarySlice: Sendable {
    /// `.elf`, `.machO`, `.pe`, `.wasm`, `.xcoff` or `.plan9`.
    public let format: BinaryFormat
    /// Go's name of the operating system, e.g. `linux`, `darwin`, `windows`, `freebsd`, `js`, `wasip1`, `aix`, `plan9`.
    public let goos: String?
    /// How `goos` was determined.
    public let goosSource: GOOSSource
    /// Go's name of the architecture, e.g. `amd64`, `arm64`, `riscv64`, `ppc64`, `mipsle`, `wasm`.
    public let goarch: String?
    /// Offset of the slice in the file (non-zero only inside universal files).
    public let offset: Int
    /// Size of the slice in bytes.
    public let size: Int
    public let elf: ELFInfo?
    public let macho: MachOInfo?
    public let pe: PEInfo?
    public let wasm: WasmInfo?
    public let xcoff: XCOFFInfo?
    public let plan9: Plan9Info?
    /// Go build information, or nil when the slice is not a Go binary.
    public let buildInfo: BuildInfo?
    /// File offset (within the slice) where the build information was found.
    public let buildInfoOffset: Int?
}

/// Description of one architecture entry of a universal (fat) Mach-O header.
public struct FatArch: Sendable, Codable, Equatable {
    public let cpuType: UInt32
    public let cpuSubtype: UInt32
    public let offset: UInt64
    public let size: UInt64
    public let align: UInt32
}

/// A file read as an executable: its format and its slices (one, except universal Mach-O).
public struct BinaryImage: Sendable {
    /// The file's format; `.universal` for fat Mach-O files.
    public let format: BinaryFormat
    /// The images in the file, in header order.
    public let slices: [BinarySlice]
    /// For universal files: whether the fat64 layout is used, and each entry of the fat header.
    public let fatArches: [FatArch]
    public let isFat64: Bool

    /// True when at least one slice carries Go build information.
    public var isGo: Bool { slices.contains { $0.buildInfo != nil } }

    /// Reads `source`. Throws `.empty` or `.notABinary` for files that are no executable, and
    /// `.truncated`, `.badOffset`, `.badValue` or `.badBuildInfo` for damaged ones. A valid
    /// executable without Go build information is returned with `buildInfo == nil`.
    public static func read(_ source: some ByteSource) throws(GoBinaryError) -> BinaryImage {
        if source.count == 0 { throw GoBinaryError.empty }
        guard source.count >= 4 else { throw GoBinaryError.notABinary }
        let head = try source.bytes(at: 0, count: min(source.count, 8))
        switch detect(head) {
        case .elf:
            return BinaryImage(format: .elf, slices: [try wrap(.elf) { () throws(GoBinaryError) in try ELFParser.read(source, offset: 0) }], fatArches: [], isFat64: false)
        case .machO:
            return BinaryImage(format: .machO, slices: [try wrap(.machO) { () throws(GoBinaryError) in try MachOParser.read(source, offset: 0) }], fatArches: [], isFat64: false)
        case .pe:
            return BinaryImage(format: .pe, slices: [try wrap(.pe) { () throws(GoBinaryError) in try PEParser.read(source) }], fatArches: [], isFat64: false)
        case .wasm:
            return BinaryImage(format: .wasm, slices: [try wrap(.wasm) { () throws(GoBinaryError) in try WasmParser.read(source) }], fatArches: [], isFat64: false)
        case .xcoff:
            return BinaryImage(format: .xcoff, slices: [try wrap(.xcoff) { () throws(GoBinaryError) in try XCOFFParser.read(source) }], fatArches: [], isFat64: false)
        case .plan9:
            return BinaryImage(format: .plan9, slices: [try wrap(.plan9) { () throws(GoBinaryError) in try Plan9Parser.read(source) }], fatArches: [], isFat64: false)
        case .universal:
            return try wrap(.universal) { () throws(GoBinaryError) in try MachOParser.readUniversal(source) }
        default:
            throw GoBinaryError.notABinary
        }
    }

    /// Opens and reads the file at `path` (see `read(_:)`).
    public static func read(path: String) throws(GoBinaryError) -> BinaryImage {
        try read(try FileSource(path: path))
    }

    /// Like `read(path:)`, but also throws `.notGo` when no slice carries Go build information.
    public static func readGo(path: String) throws(GoBinaryError) -> BinaryImage {
        let image = try read(path: path)
        guard image.isGo else { throw GoBinaryError(.notGo, format: image.format) }
        return image
    }

    /// Identifies the format from the first bytes of a file, without validating anything else.
    public static func detect(_ head: [UInt8]) -> BinaryFormat? {
        guard head.count >= 4 else { return nil }
        let m = (UInt32(head[0]) << 24) | (UInt32(head[1]) << 16) | (UInt32(head[2]) << 8) | UInt32(head[3])
        switch m {
        case 0x7f45_4c46: return .elf
        case 0xfeed_face, 0xfeed_facf, 0xcefa_edfe, 0xcffa_edfe: return .machO
        case 0xcafe_babe, 0xcafe_babf:
            // Java class files share 0xcafebabe; their next word (a version >= 45) is far
            // larger than any real architecture count.
            if head.count >= 8 {
                let n = (UInt32(head[4]) << 24) | (UInt32(head[5]) << 16) | (UInt32(head[6]) << 8) | UInt32(head[7])
                if n == 0 || n > MachOParser.maxFatArches { return nil }
            }
            return .universal
        case 0x0061_736d: return .wasm
        default:
            if head[0] == UInt8(ascii: "M") && head[1] == UInt8(ascii: "Z") { return .pe }
            // XCOFF has a 2-byte magic: 0x01F7 (64-bit) or 0x01DF (32-bit, refused as unsupported).
            let m16 = UInt16(head[0]) << 8 | UInt16(head[1])
            if m16 == XCOFFParser.magic64 || m16 == XCOFFParser.magic32 { return .xcoff }
            if Plan9Parser.hasMagic(head) { return .plan9 }
            return nil
        }
    }

    private static func wrap<T>(_ format: BinaryFormat, _ body: () throws(GoBinaryError) -> T) throws(GoBinaryError) -> T {
        do { return try body() } catch { throw error.within(format) }
    }
}
