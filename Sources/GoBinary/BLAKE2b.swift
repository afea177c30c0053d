// BLAKE2b (RFC 7693): the hash minisign uses for prehashed signatures and key checksums.

/// BLAKE2b from RFC 7693, keyed or unkeyed, with a digest of 1...64 bytes, fed in pieces.
///
/// The state lives in fixed-size storage and each 128-byte block is compressed in place: feeding a
/// large file costs no allocation per byte or per block.
///
/// ```swift
/// var hasher = BLAKE2b()            // BLAKE2b-512, unkeyed
/// hasher.update(chunk1)
/// hasher.update(chunk2)
/// let digest = hasher.finalize()    // 64 bytes
/// ```
public struct BLAKE2b: Sendable {
    /// Size of one message block in bytes.
    public static let blockSize = 128
    /// Largest digest and key length in bytes.
    public static let maxOutputLength = 64
    public static let maxKeyLength = 64

    /// The digest length this hasher produces.
    public let outputLength: Int
    private var h: Words8
    /// Bytes compressed so far (the 128-bit counter `t`; its high half only matters past 2^64 bytes).
    private var counterLow: UInt64 = 0
    private var counterHigh: UInt64 = 0
    /// The block not yet compressed: BLAKE2b compresses the last block with a flag, so a full buffer
    /// waits until more input arrives or `finalize()` is called.
    private var buffer: Block = Block()
    private var buffered = 0
    private var finished = false

    /// A hasher producing `outputLength` bytes (1...64), keyed with `key` (0...64 bytes; empty means unkeyed).
    /// Lengths out of range are programming errors and stop the program.
    public init(outputLength: Int = 64, key: [UInt8] = []) {
        precondition((1 ... BLAKE2b.maxOutputLength).contains(outputLength), "BLAKE2b output length must be 1...64")
        precondition(key.count <= BLAKE2b.maxKeyLength, "BLAKE2b key must be at most 64 bytes")
        self.outputLength = outputLength
        h = BLAKE2b.iv
        // Parameter block word 0: digest length, key length, fanout 1, depth 1 (RFC 7693 section 2.5).
        h.w0 ^= 0x0101_0000 ^ (UInt64(key.count) << 8) ^ UInt64(outputLength)
        if !key.isEmpty {
            // The key, zero-padded to a whole block, is the first block of the message.
            key.withUnsafeBytes { update($0) }
            buffered = BLAKE2b.blockSize
        }
    }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "BLAKE2b.update after finalize")
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            if buffered == BLAKE2b.blockSize {
                incrementCounter(by: BLAKE2b.blockSize)
                compress(last: false)
                buffered = 0
            }
            let take = min(BLAKE2b.blockSize - buffered, remaining)
            let start = buffered
            withUnsafeMutableBytes(of: &buffer) { block in
                block.baseAddress!.advanced(by: start).copyMemory(from: base, byteCount: take)
            }
            buffered += take
            base += take
            remaining -= take
        }
    }

    /// Feeds the bytes of `sequence` (contiguous collections such as `[UInt8]` and `Data` are read in place).
    public mutating func update<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        let done: Void? = sequence.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in sequence {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBytes { update($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { update($0) }
    }

    /// Compresses the last block and returns the digest (`outputLength` bytes). Call it once.
    public mutating func finalize() -> [UInt8] {
        precondition(!finished, "BLAKE2b.finalize called twice")
        finished = true
        incrementCounter(by: buffered)
        let start = buffered
        withUnsafeMutableBytes(of: &buffer) { block in
            for i in start ..< BLAKE2b.blockSize { block[i] = 0 }
        }
        compress(last: true)
        var out = [UInt8](repeating: 0, count: outputLength)
        let words = [h.w0, h.w1, h.w2, h.w3, h.w4, h.w5, h.w6, h.w7]
        for i in 0 ..< outputLength {
            out[i] = UInt8(truncatingIfNeeded: words[i / 8] >> (8 * UInt64(i % 8)))
        }
        return out
    }

    /// The digest of `data` in one call.
    public static func hash(_ data: [UInt8], outputLength: Int = 64, key: [UInt8] = []) -> [UInt8] {
        var hasher = BLAKE2b(outputLength: outputLength, key: key)
        hasher.update(data)
        return hasher.finalize()
    }

    // MARK: - The compression function F (RFC 7693 section 3.2)

    private mutating func incrementCounter(by n: Int) {
        let (sum, overflow) = counterLow.addingReportingOverflow(UInt64(n))
        counterLow = sum
        if overflow { counterHigh &+= 1 }
    }

    private mutating func compress(last: Bool) {
        let t0 = counterLow, t1 = counterHigh
        var state = h
        var current = buffer
        withUnsafeBytes(of: &current) { block in
            withUnsafeMutableBytes(of: &state) { hRaw in
                let hw = hRaw.bindMemory(to: UInt64.self)
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { scratch in
                    let m = UnsafeMutableBufferPointer(rebasing: scratch[0 ..< 16])
                    let v = UnsafeMutableBufferPointer(rebasing: scratch[16 ..< 32])
                    for i in 0 ..< 16 {
                        m[i] = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    }
                    for i in 0 ..< 8 { v[i] = hw[i] }
                    v[8] = BLAKE2b.iv.w0; v[9] = BLAKE2b.iv.w1; v[10] = BLAKE2b.iv.w2; v[11] = BLAKE2b.iv.w3
                    v[12] = BLAKE2b.iv.w4 ^ t0
                    v[13] = BLAKE2b.iv.w5 ^ t1
                    v[14] = last ? ~BLAKE2b.iv.w6 : BLAKE2b.iv.w6
                    v[15] = BLAKE2b.iv.w7
                    BLAKE2b.sigma.withUnsafeBufferPointer { sigma in
                        for round in 0 ..< 12 {
                            let s = (round % 10) * 16
                            BLAKE2b.mix(v, 0, 4, 8, 12, m[Int(sigma[s + 0])], m[Int(sigma[s + 1])])
                            BLAKE2b.mix(v, 1, 5, 9, 13, m[Int(sigma[s + 2])], m[Int(sigma[s + 3])])
                            BLAKE2b.mix(v, 2, 6, 10, 14, m[Int(sigma[s + 4])], m[Int(sigma[s + 5])])
                            BLAKE2b.mix(v, 3, 7, 11, 15, m[Int(sigma[s + 6])], m[Int(sigma[s + 7])])
                            BLAKE2b.mix(v, 0, 5, 10, 15, m[Int(sigma[s + 8])], m[Int(sigma[s + 9])])
                            BLAKE2b.mix(v, 1, 6, 11, 12, m[Int(sigma[s + 10])], m[Int(sigma[s + 11])])
                            BLAKE2b.mix(v, 2, 7, 8, 13, m[Int(sigma[s + 12])], m[Int(sigma[s + 13])])
                            BLAKE2b.mix(v, 3, 4, 9, 14, m[Int(sigma[s + 14])], m[Int(sigma[s + 15])])
                        }
                    }
                    for i in 0 ..< 8 { hw[i] ^= v[i] ^ v[i + 8] }
                }
            }
        }
        h = state
    }

    /// The mixing function G.
    @inline(__always)
    private static func mix(_ v: UnsafeMutableBufferPointer<UInt64>, _ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
        v[a] = v[a] &+ v[b] &+ x
        v[d] = (v[d] ^ v[a]).rotatedRight(32)
        v[c] = v[c] &+ v[d]
        v[b] = (v[b] ^ v[c]).rotatedRight(24)
        v[a] = v[a] &+ v[b] &+ y
        v[d] = (v[d] ^ v[a]).rotatedRight(16)
        v[c] = v[c] &+ v[d]
        v[b] = (v[b] ^ v[c]).rotatedRight(63)
    }

    /// Eight 64-bit words stored inline (no heap allocation).
    private struct Words8: Sendable {
        var w0, w1, w2, w3, w4, w5, w6, w7: UInt64
    }

    /// One 128-byte block stored inline.
    private struct Block: Sendable {
        var a = Words8(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0, w5: 0, w6: 0, w7: 0)
        var b = Words8(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0, w5: 0, w6: 0, w7: 0)
    }

    /// The initialisation vector (the SHA-512 IV, RFC 7693 section 2.6).
    private static let iv = Words8(
        w0: 0x6a09_e667_f3bc_c908, w1: 0xbb67_ae85_84ca_a73b, w2: 0x3c6e_f372_fe94_f82b, w3: 0xa54f_f53a_5f1d_36f1,
        w4: 0x510e_527f_ade6_82d1, w5: 0x9b05_688c_2b3e_6c1f, w6: 0x1f83_d9ab_fb41_bd6b, w7: 0x5be0_cd19_137e_2179)

    /// The message word schedule SIGMA (RFC 7693 section 2.7); rounds 10 and 11 reuse rows 0 and 1.
    private static let sigma: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ]
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedRight(_ n: UInt64) -> UInt64 { (self >> n) | (self << (64 - n)) }
}
