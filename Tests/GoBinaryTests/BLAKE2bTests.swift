// BLAKE2b against RFC 7693 Appendix A and the BLAKE2 reference package's keyed known-answer tests.
import Foundation
import GoBinary
import Testing

func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(text.utf8).filter { $0 != UInt8(ascii: " ") }[...]
    while chars.count >= 2 {
        out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
        chars = chars.dropFirst(2)
    }
    return out
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

@Suite struct BLAKE2bTests {
    /// RFC 7693 Appendix A: BLAKE2b-512("abc").
    @Test func rfc7693AppendixA() {
        let expected = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        #expect(hexString(BLAKE2b.hash(Array("abc".utf8))) == expected)
    }

    /// BLAKE2b-512 of the empty message and BLAKE2b-256 of the empty message (the digest length is a parameter,
    /// so the 32-byte digest is not a prefix of the 64-byte one).
    @Test func emptyMessageAndShortDigest() {
        #expect(hexString(BLAKE2b.hash([])) == "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
            + "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce")
        #expect(hexString(BLAKE2b.hash([], outputLength: 32)) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    }

    /// Entries of blake2b-kat.txt (BLAKE2 reference package, testvectors/): key = 00..3f, input = 00..(n-1).
    static let keyedKAT: [(Int, String)] = [
        (0, "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568"),
        (1, "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd"),
        (2, "da2cfbe2d8409a0f38026113884f84b50156371ae304c4430173d08a99d9fb1b983164a3770706d537f49e0c916d9f32b95cc37a95b99d857436f0232c88a965"),
        (127, "76d2d819c92bce55fa8e092ab1bf9b9eab237a25267986cacf2b8ee14d214d730dc9a5aa2d7b596e86a1fd8fa0804c77402d2fcd45083688b218b1cdfa0dcbcb"),
        (128, "72065ee4dd91c2d8509fa1fc28a37c7fc9fa7d5b3f8ad3d0d7a25626b57b1b44788d4caf806290425f9890a3a2a35a905ab4b37acfd0da6e4517b2525c9651e4"),
        (129, "64475dfe7600d7171bea0b394e27c9b00d8e74dd1e416a79473682ad3dfdbb706631558055cfc8a40e07bd015a4540dcdea15883cbbf31412df1de1cd4152b91"),
        (255, "142709d62e28fcccd0af97fad0f8465b971e82201dc51070faa0372aa43e92484be1c1e73ba10906d5d1853db6a4106e0a7bf9800d373d6dee2d46d62ef2a461"),
    ]

    @Test(arguments: keyedKAT.map { $0.0 })
    func keyedKnownAnswers(length: Int) {
        let expected = BLAKE2bTests.keyedKAT.first { $0.0 == length }!.1
        let key = (0 ..< 64).map { UInt8($0) }
        let input = (0 ..< length).map { UInt8($0) }
        #expect(hexString(BLAKE2b.hash(input, key: key)) == expected)
    }

    /// Feeding the message in pieces that end before, at and after block boundaries gives the one-shot digest,
    /// keyed and unkeyed, for every digest length class.
    @Test(arguments: [127, 128, 129])
    func streamingMatchesOneShot(split: Int) {
        let message = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        for key in [[], Array("secret".utf8)] {
            for length in [1, 20, 32, 64] {
                let oneShot = BLAKE2b.hash(message, outputLength: length, key: key)
                var hasher = BLAKE2b(outputLength: length, key: key)
                var rest = message[...]
                var piece = split
                while !rest.isEmpty {
                    hasher.update(rest.prefix(piece))
                    rest = rest.dropFirst(piece)
                    piece = piece == split ? 1 : split  // alternate a long and a one-byte piece
                }
                #expect(hasher.finalize() == oneShot, "split \(split), key \(key.count) bytes, length \(length)")
            }
        }
        // A non-contiguous sequence takes the same path as bytes in place.
        var lazy = BLAKE2b()
        lazy.update(message.lazy.map { $0 })
        #expect(lazy.finalize() == BLAKE2b.hash(message))
    }

    /// The keyed KAT message of 255 bytes, fed one byte at a time and via raw buffers.
    @Test func byteByByteKeyed() {
        let key = (0 ..< 64).map { UInt8($0) }
        var hasher = BLAKE2b(key: key)
        for b in 0 ..< 255 { hasher.update([UInt8(b)]) }
        #expect(hexString(hasher.finalize()) == BLAKE2bTests.keyedKAT.last!.1)
        var raw = BLAKE2b(key: key)
        let message = (0 ..< 255).map { UInt8($0) }
        message.withUnsafeBytes { raw.update($0) }
        #expect(hexString(raw.finalize()) == BLAKE2bTests.keyedKAT.last!.1)
    }

    /// A 3 MB file hashed in 64 KiB pieces gives what coreutils' `b2sum` (BLAKE2b-512) prints.
    @Test(.enabled(if: findTool("b2sum") != nil, "needs b2sum (coreutils)"))
    func agreesWithB2sumOnALargeFile() async throws {
        let path = NSTemporaryDirectory() + "/crossgo-b2-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        let data = (0 ..< 3_000_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(data).write(to: URL(fileURLWithPath: path))
        var hasher = BLAKE2b()
        var offset = 0
        while offset < data.count {
            hasher.update(data[offset ..< min(offset + 65536, data.count)])
            offset += 65536
        }
        let ours = hexString(hasher.finalize())
        let b2sum = try await runProcess(findTool("b2sum")!, [path])
        #expect(b2sum.status == 0)
        #expect(b2sum.stdout.hasPrefix(ours + " "), "\(b2sum.stdout)")
    }
}
