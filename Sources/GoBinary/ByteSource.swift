// Byte sources (memory, sub-ranges) and bounds-checked integer decoding used by all parsers.

/// Random access to the bytes of one file (or a part of one). Every read is bounded:
/// asking for bytes outside `0..<count` throws instead of returning short data.
public protocol ByteSource: Sendable {
    /// Total number of bytes available.
    var count: Int { get }
    /// Returns exactly `count` bytes starting at `offset`, or throws
    /// `GoBinaryError` (`.truncated` when the range runs past the end, `.io` on read errors).
    func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8]
}

/// Validates a read request against the number of available bytes.
@inline(__always)
func checkRead(offset: Int, count: Int, available: Int) throws(GoBinaryError) {
    if offset < 0 || count < 0 { throw GoBinaryError(.badOffset(field: "read offset")) }
    if offset > available || count > available - offset {
        throw GoBinaryError(.truncated(at: offset, needed: count))
    }
}

/// A `ByteSource` over bytes already in memory.
public struct MemorySource: ByteSource {
    public let storage: [UInt8]
    public var count: Int { storage.count }
    public init(_ bytes: [UInt8]) { self.storage = bytes }
    public func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        try checkRead(offset: offset, count: count, available: storage.count)
        return Array(storage[offset ..< offset + count])
    }
}

/// A window `[base, base+count)` of another source, used for the slices of a universal Mach-O file.
/// Offsets read inside a slice are relative to the slice, as in the Mach-O format.
struct SubSource<Base: ByteSource>: ByteSource {
    let base: Base
    let start: Int
    let count: Int
    init(_ base: Base, start: Int, count: Int) throws(GoBinaryError) {
        try checkRead(offset: start, count: count, available: base.count)
        self.base = base
        self.start = start
        self.count = count
    }
    func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        try checkRead(offset: offset, count: count, available: self.count)
        do {
            return try base.bytes(at: start + offset, count: count)
        } catch {
            if case .truncated = error.kind { throw GoBinaryError(.truncated(at: offset, needed: count)) }
            throw error
        }
    }
}

/// Bounds-checked little/big-endian integer decoding from a byte array that was read
/// from `fileOffset` of the source (used only to make error messages precise).
struct ByteView {
    let bytes: [UInt8]
    let fileOffset: Int
    let bigEndian: Bool

    init(_ bytes: [UInt8], at fileOffset: Int = 0, bigEndian: Bool = false) {
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.bigEndian = bigEndian
    }

    var count: Int { bytes.count }

    @inline(__always)
    private func check(_ index: Int, _ size: Int) throws(GoBinaryError) {
        if index < 0 || size > bytes.count || index > bytes.count - size {
            throw GoBinaryError(.truncated(at: fileOffset + index, needed: size))
        }
    }

    func u8(_ i: Int) throws(GoBinaryError) -> UInt8 {
        try check(i, 1)
        return bytes[i]
    }

    func u16(_ i: Int) throws(GoBinaryError) -> UInt16 {
        try check(i, 2)
        let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
        return bigEndian ? (a << 8 | b) : (b << 8 | a)
    }

    func u32(_ i: Int) throws(GoBinaryError) -> UInt32 {
        try check(i, 4)
        var v: UInt32 = 0
        if bigEndian {
            for k in 0 ..< 4 { v = v << 8 | UInt32(bytes[i + k]) }
        } else {
            for k in (0 ..< 4).reversed() { v = v << 8 | UInt32(bytes[i + k]) }
        }
        return v
    }

    func u64(_ i: Int) throws(GoBinaryError) -> UInt64 {
        try check(i, 8)
        var v: UInt64 = 0
        if bigEndian {
            for k in 0 ..< 8 { v = v << 8 | UInt64(bytes[i + k]) }
        } else {
            for k in (0 ..< 8).reversed() { v = v << 8 | UInt64(bytes[i + k]) }
        }
        return v
    }

    /// A 4- or 8-byte unsigned word.
    func word(_ i: Int, wide: Bool) throws(GoBinaryError) -> UInt64 {
        wide ? try u64(i) : UInt64(try u32(i))
    }

    func slice(_ i: Int, _ n: Int) throws(GoBinaryError) -> ArraySlice<UInt8> {
        try check(i, n)
        return bytes[i ..< i + n]
    }

    /// A NUL-padded fixed-size name field (ELF/Mach-O/PE style), decoded leniently.
    func fixedString(_ i: Int, _ n: Int) throws(GoBinaryError) -> String {
        let raw = try slice(i, n)
        let end = raw.firstIndex(of: 0) ?? raw.endIndex
        return String(decoding: raw[raw.startIndex ..< end], as: UTF8.self)
    }
}

/// Converts a size or offset read from a file into an `Int`, refusing values that
/// cannot address anything inside a source of `limit` bytes.
@inline(__always)
func checkedInt(_ value: UInt64, field: String, limit: Int) throws(GoBinaryError) -> Int {
    if value > UInt64(limit) { throw GoBinaryError(.badOffset(field: field)) }
    return Int(value)
}

/// Validates that `[offset, offset+size)` lies inside a source of `limit` bytes: an offset or
/// size beyond the file is a lie (`.badOffset`), a range that starts inside the file but ends
/// past it means the file was cut short (`.truncated`).
@inline(__always)
func checkedRange(offset: UInt64, size: UInt64, field: String, limit: Int) throws(GoBinaryError) -> (offset: Int, size: Int) {
    let o = try checkedInt(offset, field: field, limit: limit)
    let s = try checkedInt(size, field: field, limit: limit)
    if s > limit - o { throw GoBinaryError(.truncated(at: o, needed: s)) }
    return (o, s)
}

/// Sequential reader over a range of a source, buffered in bounded chunks. Used for
/// the wasm module, whose structure is a stream of LEB128-prefixed records.
struct StreamCursor<Source: ByteSource> {
    let source: Source
    private(set) var position: Int
    let end: Int
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// How much to read ahead at a time: large for scanning, small for hopping between headers.
    let chunkSize: Int

    init(_ source: Source, from start: Int, to end: Int, chunkSize: Int = 64 * 1024) {
        self.source = source
        self.position = start
        self.end = end
        self.chunkSize = chunkSize
    }

    var remaining: Int { end - position }
    var atEnd: Bool { position >= end }

    private mutating func fill(_ needed: Int) throws(GoBinaryError) {
        if position + needed > end { throw GoBinaryError(.truncated(at: position, needed: needed)) }
        let available = min(max(needed, chunkSize), end - position)
        buffer = try source.bytes(at: position, count: available)
        bufferStart = position
    }

    @inline(__always)
    private func buffered(_ needed: Int) -> Bool {
        position >= bufferStart && position + needed <= bufferStart + buffer.count
    }

    mutating func byte() throws(GoBinaryError) -> UInt8 {
        if !buffered(1) { try fill(1) }
        let b = buffer[position - bufferStart]
        position += 1
        return b
    }

    /// Unsigned LEB128 of at most `bits` bits (32 or 64).
    mutating func uleb(bits: Int = 32) throws(GoBinaryError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            let b = try byte()
            if shift >= UInt64(bits) || (shift > 0 && shift + 7 > UInt64(bits) && (UInt64(b & 0x7f) >> (UInt64(bits) - shift)) != 0) {
                throw GoBinaryError(.badValue(field: "LEB128 at \(hex(start))", detail: "too long"))
            }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Signed LEB128 of at most `bits` bits; only validated for length.
    mutating func sleb(bits: Int = 64) throws(GoBinaryError) -> Int64 {
        var result: Int64 = 0
        var shift: Int64 = 0
        let start = position
        while true {
            let b = try byte()
            if shift >= Int64(bits) { throw GoBinaryError(.badValue(field: "LEB128 at \(hex(start))", detail: "too long")) }
            result |= Int64(b & 0x7f) << shift
            shift += 7
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 { result |= ~Int64(0) << shift }
                return result
            }
        }
    }

    /// Reads `n` bytes; `n` must fit in the cursor's range, so it is bounded by the file.
    mutating func bytes(_ n: Int) throws(GoBinaryError) -> [UInt8] {
        if n < 0 || n > end - position { throw GoBinaryError(.truncated(at: position, needed: n)) }
        if buffered(n) {
            let s = position - bufferStart
            position += n
            return Array(buffer[s ..< s + n])
        }
        if n <= chunkSize {
            try fill(n)
            position += n
            return Array(buffer[0 ..< n])
        }
        let out = try source.bytes(at: position, count: n)
        position += n
        return out
    }

    /// A wasm `name`: a LEB128 length then that many UTF-8 bytes (capped at `limit`).
    mutating func name(limit: Int = 1 << 16) throws(GoBinaryError) -> String {
        let at = position
        let n = try uleb()
        if n > UInt64(min(limit, remaining)) { throw GoBinaryError(.badValue(field: "name length at \(hex(at))", detail: "\(n) bytes")) }
        return String(decoding: try bytes(Int(n)), as: UTF8.self)
    }

    mutating func skip(_ n: Int) throws(GoBinaryError) {
        if n < 0 || n > end - position { throw GoBinaryError(.truncated(at: position, needed: n)) }
        position += n
    }

    mutating func seek(_ to: Int) throws(GoBinaryError) {
        if to < 0 || to > end { throw GoBinaryError(.badOffset(field: "seek")) }
        position = to
    }
}

/// `0x`-prefixed lowercase hexadecimal, for messages.
func hex<T: BinaryInteger>(_ value: T) -> String {
    "0x" + String(value, radix: 16)
}

/// Finds `needle` in `haystack` starting at `from`; a simple first-byte scan.
func indexOf(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
    guard let first = needle.first, needle.count <= haystack.count else { return nil }
    var i = max(0, from)
    let last = haystack.count - needle.count
    return haystack.withUnsafeBufferPointer { h -> Int? in
        needle.withUnsafeBufferPointer { n -> Int? in
            while i <= last {
                if h[i] == first {
                    var k = 1
                    while k < n.count && h[i + k] == n[k] { k += 1 }
                    if k == n.count { return i }
                }
                i += 1
            }
            return nil
        }
    }
}
