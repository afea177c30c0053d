// WebAssembly parser: sections, imports, exports, data segments, producers, and Go's module info in data.

/// A section of a wasm module.
public struct WasmSection: Sendable, Codable, Equatable {
    /// Section id (0 = custom, 2 = import, 10 = code, 11 = data, ...).
    public let id: UInt8
    /// Standard name (`type`, `import`, `code`, `data`, ...) or the custom section's own name.
    public let name: String
    /// Offset of the section's contents (after id and size) in the file.
    public let offset: Int
    public let size: Int
}

/// One import of a wasm module.
public struct WasmImport: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case function, table, memory, global, tag
    }
    public let module: String
    public let name: String
    public let kind: Kind
}

/// Which Go wasm port a module targets, told by its imports.
public enum WasmFlavor: String, Sendable, Codable {
    /// GOOS=js: imports module `gojs`, run by `wasm_exec.js`.
    case js
    /// GOOS=wasip1: imports module `wasi_snapshot_preview1`.
    case wasip1
}

/// One entry of the `producers` custom section (e.g. field `language`, name `Go`, version `go1.27.3`).
public struct WasmProducer: Sendable, Codable, Equatable {
    public let field: String
    public let name: String
    public let version: String
}

/// Facts read from a wasm module.
public struct WasmInfo: Sendable, Codable, Equatable {
    /// Binary format version (1).
    public let version: UInt32
    public let sections: [WasmSection]
    public let imports: [WasmImport]
    /// The distinct module names of the imports.
    public let importModules: Set<String>
    /// Exported names.
    public let exports: [String]
    /// Number of data segments declared by the data section.
    public let dataSegmentCount: Int
    /// Entries of the `producers` custom section.
    public let producers: [WasmProducer]
    /// js (imports `gojs`) or wasip1 (imports `wasi_snapshot_preview1`); nil when neither.
    public let flavor: WasmFlavor?
}

enum WasmParser {
    static let maxSections = 100_000
    static let maxImports = 1_000_000

    static func sectionName(_ id: UInt8) -> String {
        let names = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start",
                     "element", "code", "data", "datacount", "tag"]
        return Int(id) < names.count ? names[Int(id)] : "section \(id)"
    }

    static func read<S: ByteSource>(_ source: S) throws(GoBinaryError) -> BinarySlice {
        let limit = source.count
        guard limit >= 8 else { throw GoBinaryError.truncated(at: 0, needed: 8) }
        let version = ByteView(try source.bytes(at: 4, count: 4), at: 4).bytesLE32
        guard version == 1 else { throw GoBinaryError(.badValue(field: "version", detail: "\(version)")) }

        // Section headers are a few bytes each, separated by the (skipped) section contents.
        var cursor = StreamCursor(source, from: 8, to: limit, chunkSize: 256)
        var sections: [WasmSection] = []
        while !cursor.atEnd {
            guard sections.count < maxSections else { throw GoBinaryError(.badValue(field: "section count", detail: "more than \(maxSections)")) }
            let at = cursor.position
            let id = try cursor.byte()
            let size = try cursor.uleb()
            guard size <= UInt64(cursor.remaining) else {
                throw GoBinaryError(.truncated(at: at, needed: Int(truncatingIfNeeded: size)))
            }
            let start = cursor.position
            var name = sectionName(id)
            if id == 0 {
                var c = StreamCursor(source, from: start, to: start + Int(size), chunkSize: 256)
                name = try c.name(limit: 1024)
            }
            sections.append(WasmSection(id: id, name: name, offset: start, size: Int(size)))
            try cursor.seek(start + Int(size))
        }

        var imports: [WasmImport] = []
        var exports: [String] = []
        var producers: [WasmProducer] = []
        var dataSegmentCount = 0
        var dataSection: WasmSection?
        for s in sections {
            var c = StreamCursor(source, from: s.offset, to: s.offset + s.size)
            switch s.id {
            case 2: imports = try readImports(&c)
            case 7: exports = try readExports(&c)
            case 11:
                dataSegmentCount = Int(try c.uleb())
                dataSection = s
            case 0 where s.name == "producers":
                producers = try readProducers(&c)
            default: break
            }
        }
        let modules = Set(imports.map(\.module))
        let flavor: WasmFlavor? = modules.contains("gojs") ? .js : (modules.contains("wasi_snapshot_preview1") ? .wasip1 : nil)
        let info = WasmInfo(
            version: version, sections: sections, imports: imports, importModules: modules, exports: exports,
            dataSegmentCount: dataSegmentCount, producers: producers, flavor: flavor)

        var buildInfo: BuildInfo?
        var buildInfoOffset: Int?
        if let data = dataSection {
            let goProducer = producers.first { $0.field == "language" && $0.name == "Go" }?.version
            if let found = try GoWasmData.scan(source, section: data, producerVersion: goProducer) {
                buildInfo = found.info
                buildInfoOffset = found.offset
            }
        }
        let goos: String?
        let goosSource: GOOSSource
        if let flavor {
            (goos, goosSource) = (flavor.rawValue, .header)
        } else if let g = buildInfo?.setting("GOOS") {
            (goos, goosSource) = (g, .buildInfo)
        } else {
            (goos, goosSource) = (nil, .assumed)
        }
        return BinarySlice(
            format: .wasm, goos: goos, goosSource: goosSource, goarch: "wasm", offset: 0, size: limit,
            elf: nil, macho: nil, pe: nil, wasm: info, xcoff: nil, plan9: nil, buildInfo: buildInfo, buildInfoOffset: buildInfoOffset)
    }

    static func readLimits(_ c: inout StreamCursor<some ByteSource>) throws(GoBinaryError) {
        let flags = try c.uleb()
        let bits = flags & 0x4 != 0 ? 64 : 32
        _ = try c.uleb(bits: bits)
        if flags & 0x1 != 0 { _ = try c.uleb(bits: bits) }
    }

    static func readImports(_ c: inout StreamCursor<some ByteSource>) throws(GoBinaryError) -> [WasmImport] {
        let count = try c.uleb()
        guard count <= UInt64(min(maxImports, c.remaining)) else { throw GoBinaryError(.badValue(field: "import count", detail: "\(count)")) }
        var out: [WasmImport] = []
        for _ in 0 ..< Int(count) {
            let module = try c.name()
            let name = try c.name()
            let kindByte = try c.byte()
            let kind: WasmImport.Kind
            switch kindByte {
            case 0:
                kind = .function
                _ = try c.uleb()
            case 1:
                kind = .table
                _ = try c.byte()
                try readLimits(&c)
            case 2:
                kind = .memory
                try readLimits(&c)
            case 3:
                kind = .global
                _ = try c.byte()
                _ = try c.byte()
            case 4:
                kind = .tag
                _ = try c.byte()
                _ = try c.uleb()
            default:
                throw GoBinaryError(.badValue(field: "import kind", detail: "\(kindByte)"))
            }
            out.append(WasmImport(module: module, name: name, kind: kind))
        }
        return out
    }

    static func readExports(_ c: inout StreamCursor<some ByteSource>) throws(GoBinaryError) -> [String] {
        let count = try c.uleb()
        guard count <= UInt64(min(maxImports, c.remaining)) else { throw GoBinaryError(.badValue(field: "export count", detail: "\(count)")) }
        var out: [String] = []
        for _ in 0 ..< Int(count) {
            out.append(try c.name())
            _ = try c.byte()
            _ = try c.uleb()
        }
        return out
    }

    static func readProducers(_ c: inout StreamCursor<some ByteSource>) throws(GoBinaryError) -> [WasmProducer] {
        _ = try c.name()  // "producers"
        let fields = try c.uleb()
        guard fields <= UInt64(c.remaining) else { throw GoBinaryError(.badValue(field: "producers field count", detail: "\(fields)")) }
        var out: [WasmProducer] = []
        for _ in 0 ..< Int(fields) {
            let field = try c.name()
            let n = try c.uleb()
            guard n <= UInt64(c.remaining) else { throw GoBinaryError(.badValue(field: "producers value count", detail: "\(n)")) }
            for _ in 0 ..< Int(n) {
                let name = try c.name()
                let version = try c.name()
                out.append(WasmProducer(field: field, name: name, version: version))
            }
        }
        return out
    }
}

/// Finds Go's build information in a wasm data section. The Go linker writes no build-info
/// header for wasm, but the framed module info string (`runtime.modinfo`) and the runtime's
/// version string (`runtime.buildVersion`) are in the data segments.
enum GoWasmData {
    /// Upper bound on the module info string.
    static let maxModuleInfo = 16 << 20

    /// A data segment's location: linear-memory address and file range.
    struct Segment {
        let address: UInt64
        let fileOffset: Int
        let size: Int
    }

    static func scan<S: ByteSource>(_ source: S, section: WasmSection, producerVersion: String?) throws(GoBinaryError) -> (info: BuildInfo, offset: Int)? {
        var c = StreamCursor(source, from: section.offset, to: section.offset + section.size)
        let count = try c.uleb()
        var segments: [Segment] = []
        var moduleInfo: (bytes: [UInt8], offset: Int)?
        var version: String?
        var startSegment: Int?  // index of the segment holding infoStart, while collecting
        var collected: [UInt8] = []
        var collectedOffset = 0
        var searchFrom = 0
        let versionNeedle = producerVersion.map { Array($0.utf8) }

        for index in 0 ..< count {
            let flags = try c.uleb()
            var address: UInt64 = 0
            switch flags {
            case 0: address = try constExpr(&c)
            case 1: break
            case 2:
                _ = try c.uleb()
                address = try constExpr(&c)
            default: throw GoBinaryError(.badValue(field: "data segment \(index) flags", detail: "\(flags)"))
            }
            let size = try c.uleb()
            guard size <= UInt64(c.remaining) else { throw GoBinaryError(.truncated(at: c.position, needed: Int(truncatingIfNeeded: size))) }
            let segment = Segment(address: address, fileOffset: c.position, size: Int(size))
            let bytes = try c.bytes(Int(size))
            segments.append(segment)

            if moduleInfo == nil {
                if startSegment != nil {
                    // Continue a module info string that spans segments; gaps are zero bytes.
                    let previous = segments[segments.count - 2]
                    let gap = segment.address &- (previous.address &+ UInt64(previous.size))
                    if segment.address < previous.address || gap > UInt64(maxModuleInfo) || collected.count + Int(gap) + bytes.count > maxModuleInfo {
                        startSegment = nil
                        collected = []
                    } else {
                        searchFrom = max(0, collected.count - GoBuildInfoLayout.infoEnd.count + 1)
                        collected += [UInt8](repeating: 0, count: Int(gap))
                        collected += bytes
                    }
                } else if let at = indexOf(GoBuildInfoLayout.infoStart, in: bytes) {
                    startSegment = segments.count - 1
                    collected = Array(bytes[(at + 16)...])
                    collectedOffset = segment.fileOffset + at
                    searchFrom = 0
                }
                // Only the newly added bytes can complete the end sentinel: no quadratic rescans.
                if startSegment != nil, let end = indexOf(GoBuildInfoLayout.infoEnd, in: collected, from: searchFrom) {
                    moduleInfo = (Array(collected[0 ..< end]), collectedOffset)
                    startSegment = nil
                    collected = []
                }
            }
            if version == nil {
                version = findVersion(in: bytes, producerVersion: versionNeedle)
            }
            if moduleInfo != nil && version != nil { break }
        }
        guard let moduleInfo else { return nil }
        // The producers section records the toolchain version too; use it if the data had none.
        guard let goVersion = version ?? producerVersion else {
            throw GoBinaryError(.badBuildInfo("module information found but no Go version string"))
        }
        // Apply the same framing rule as for other formats (a newline must end the text).
        let framed = GoBuildInfoLayout.infoStart + moduleInfo.bytes + GoBuildInfoLayout.infoEnd
        let text = String(decoding: GoBuildInfoLayout.stripFraming(framed), as: UTF8.self)
        return (try BuildInfo.parse(goVersion: goVersion, moduleInfo: text), moduleInfo.offset)
    }

    /// A constant init expression: `i32.const`, `i64.const` or `global.get`, then `end`.
    static func constExpr(_ c: inout StreamCursor<some ByteSource>) throws(GoBinaryError) -> UInt64 {
        let op = try c.byte()
        var value: UInt64 = 0
        switch op {
        case 0x41: value = UInt64(UInt32(truncatingIfNeeded: try c.sleb(bits: 32)))
        case 0x42: value = UInt64(bitPattern: try c.sleb(bits: 64))
        case 0x23: _ = try c.uleb()
        default: throw GoBinaryError(.badValue(field: "data segment offset expression", detail: "opcode \(hex(op))"))
        }
        let end = try c.byte()
        guard end == 0x0b else { throw GoBinaryError(.badValue(field: "data segment offset expression", detail: "unsupported")) }
        return value
    }

    /// Looks for the runtime's version string (`go1.N[.M]`, `devel ...`), possibly with an
    /// ` X:`/`-X:` experiment suffix. With the producers' version known, only strings starting
    /// with it count; otherwise the string must end at a zero byte or the end of the segment.
    static func findVersion(in bytes: [UInt8], producerVersion: [UInt8]?) -> String? {
        if let needle = producerVersion, !needle.isEmpty {
            var from = 0
            while let at = indexOf(needle, in: bytes, from: from) {
                var end = at + needle.count
                if end == bytes.count || bytes[end] == 0 || !isVersionByte(bytes[end]) {
                    return String(decoding: bytes[at ..< end], as: UTF8.self)
                }
                // An experiment suffix: " X:name,name" or "-X:name".
                if end + 3 <= bytes.count, bytes[end] == 0x20 || bytes[end] == 0x2d, bytes[end + 1] == 0x58, bytes[end + 2] == 0x3a {
                    end += 3
                    while end < bytes.count, isExperimentByte(bytes[end]) { end += 1 }
                    if end == bytes.count || bytes[end] == 0 {
                        return String(decoding: bytes[at ..< end], as: UTF8.self)
                    }
                }
                from = at + 1
            }
            return nil
        }
        let prefix = Array("go1.".utf8)
        var from = 0
        while let at = indexOf(prefix, in: bytes, from: from) {
            var end = at + prefix.count
            while end < bytes.count, isVersionByte(bytes[end]) || bytes[end] == 0x20 || bytes[end] == 0x3a || bytes[end] == 0x2c { end += 1 }
            let candidate = bytes[at ..< end]
            if (end == bytes.count || bytes[end] == 0) && candidate.count > 4 && (at == 0 || bytes[at - 1] == 0 || bytes[at - 1] > 0x7f || bytes[at - 1] < 0x20) {
                if let d = candidate.dropFirst(4).first, d >= 0x30, d <= 0x39 {
                    return String(decoding: candidate, as: UTF8.self)
                }
            }
            from = at + 1
        }
        return nil
    }

    static func isVersionByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b == 0x2e || b == 0x2d
    }

    static func isExperimentByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x2c || b == 0x5f
    }
}
