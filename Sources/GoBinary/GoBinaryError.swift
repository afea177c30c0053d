// GoBinaryError: the one error type of the GoBinary library, with one-line descriptions.

/// Why a file could not be read as a binary, or as a Go binary. `description` is a single
/// line suitable for "FILE: description" messages.
public struct GoBinaryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: Sendable, Equatable {
        /// The operating system refused to open or read the file (message from `strerror`).
        case io(String)
        /// The path names a directory.
        case isDirectory
        /// The path names a device, FIFO or socket.
        case notRegularFile
        /// The file has no bytes.
        case empty
        /// The file is not ELF, Mach-O, PE, wasm, XCOFF or Plan 9 a.out.
        case notABinary
        /// The file ends before a structure it declares: `needed` bytes at offset `at`.
        case truncated(at: Int, needed: Int)
        /// An offset or size field points outside the file or overflows.
        case badOffset(field: String)
        /// A field holds a value the format does not allow.
        case badValue(field: String, detail: String)
        /// A valid binary that carries no Go build information.
        case notGo
        /// The Go build information is present but malformed.
        case badBuildInfo(String)
        /// A well-formed but unsupported variant (e.g. a big-endian universal slice layout, 32-bit XCOFF).
        case unsupported(String)
        /// A slice of a universal file failed to parse (0-based index, architecture name).
        indirect case inSlice(index: Int, arch: String, GoBinaryError)
    }

    /// What went wrong.
    public let kind: Kind
    /// The container format being parsed when it went wrong, if known.
    public let format: BinaryFormat?

    public init(_ kind: Kind, format: BinaryFormat? = nil) {
        self.kind = kind
        self.format = format
    }

    /// The same error, attributed to `format` unless it already names one.
    func within(_ format: BinaryFormat) -> GoBinaryError {
        self.format == nil ? GoBinaryError(kind, format: format) : self
    }

    public var description: String {
        let prefix: String
        switch format {
        case .elf: prefix = "ELF: "
        case .machO: prefix = "Mach-O: "
        case .universal: prefix = "universal Mach-O: "
        case .pe: prefix = "PE: "
        case .wasm: prefix = "wasm: "
        case .xcoff: prefix = "XCOFF: "
        case .plan9: prefix = "Plan 9 a.out: "
        case nil: prefix = ""
        }
        switch kind {
        case .io(let message): return message
        case .isDirectory: return "is a directory"
        case .notRegularFile: return "not a regular file"
        case .empty: return "empty file"
        case .notABinary: return "not an executable (unrecognized file format)"
        case .truncated(let at, let needed):
            return prefix + "truncated file: needs \(needed) bytes at offset \(hex(at))"
        case .badOffset(let field): return prefix + "corrupt file: \(field) points outside the file"
        case .badValue(let field, let detail): return prefix + "corrupt file: bad \(field): \(detail)"
        case .notGo: return prefix + "not a Go binary (no Go build information)"
        case .badBuildInfo(let detail): return prefix + "corrupt Go build information: \(detail)"
        case .unsupported(let detail): return prefix + "unsupported: \(detail)"
        case .inSlice(let index, let arch, let inner): return prefix + "slice \(index) (\(arch)): \(inner.description)"
        }
    }

    // Convenience constructors named after the kinds.
    public static func truncated(at: Int, needed: Int) -> GoBinaryError { GoBinaryError(.truncated(at: at, needed: needed)) }
    public static func badOffset(field: String) -> GoBinaryError { GoBinaryError(.badOffset(field: field)) }
    public static var notABinary: GoBinaryError { GoBinaryError(.notABinary) }
    public static var notGo: GoBinaryError { GoBinaryError(.notGo) }
    public static var empty: GoBinaryError { GoBinaryError(.empty) }
}
