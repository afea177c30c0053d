// OpenPGP, as much as an .rpm's header signature needs: an Ed25519 signing key, its public key block (what
// `rpmkeys --import` and `gpg --import` read), binary-document signatures, and checking one.
//
// Format facts (RFC 4880 "OpenPGP Message Format", with the EdDSA key of RFC 9580's "legacy" v4 form that rpm 4.x
// and GnuPG read):
// - packets (§4.2): a new-format header 0xC0|tag, then a length of one octet (< 192) or two (192..8383:
//   ((len - 192) >> 8) + 192, (len - 192) & 0xff); tags: 2 signature, 6 public key, 13 user ID;
// - multiprecision integers (§3.2): a two-octet bit count, then the octets without leading zeros;
// - a v4 public key (§5.5.2): 4, creation time (4 octets), algorithm 22 (EdDSA), the curve OID's length and octets
//   (Ed25519: 2B 06 01 04 01 DA 47 0F 01), and the point as an MPI of 0x40 followed by the 32-byte public key;
// - its fingerprint (§12.2) is SHA-1 of 0x99, the body's two-octet length and the body; the key ID is its last 8 octets;
// - a v4 signature (§5.2.3): 4, type, algorithm 22, hash algorithm 8 (SHA-256), the hashed subpackets with their
//   two-octet length, the unhashed ones likewise, the hash's first two octets, and the EdDSA R and S as MPIs;
//   the hash covers the signed data (a binary document, type 0x00; for a certification, type 0x13, 0x99 + length +
//   key body then 0xB4 + four-octet length + user ID), then the signature's version through its hashed subpackets,
//   then 04 FF and the four-octet length of that part; EdDSA signs the hash value;
// - subpackets (§5.2.3.1): a length (one octet here), the type and its data: 2 creation time, 16 issuer key ID,
//   27 key flags, 33 issuer fingerprint (4 + the 20-octet fingerprint);
// - ASCII armor (§6.2): a BEGIN line, a blank line, base64 in lines of 64, "=" and the base64 of the CRC-24
//   (§6.1: initial value 0xB704CE, generator 0x1864CFB) of the binary, an END line.
import Crypto
import Foundation

public enum OpenPGP {
    static let ed25519OID: [UInt8] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01]
    static let eddsa: UInt8 = 22
    static let sha256: UInt8 = 8

    /// A signature that does not check; says why.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// An Ed25519 signing key with the creation time and user ID its public key block carries.
    public struct SigningKey: Sendable {
        let key: Curve25519.Signing.PrivateKey
        /// Seconds since 1970; part of the fingerprint, so fixed for a key.
        public let created: UInt32
        public let userID: String

        public init(key: Curve25519.Signing.PrivateKey, created: UInt32, userID: String) {
            self.key = key
            self.created = created
            self.userID = userID
        }

        public var publicKey: PublicKey { PublicKey(key: Array(key.publicKey.rawRepresentation), created: created) }

        /// The armored public key block: the key, its user ID and the key's signature of both.
        public var armoredPublicKey: String {
            let pub = publicKey
            let uid = Array(userID.utf8)
            let certified = [0x99] + be16(pub.body.count) + pub.body + [0xB4] + be32(uid.count) + uid
            let selfSignature = signature(type: 0x13, over: certified, time: created, extra: [subpacket(27, [0x03])])  // may certify and sign
            return armor("PGP PUBLIC KEY BLOCK", packet(6, pub.body) + packet(13, uid) + selfSignature)
        }

        /// A signature packet of a binary document (type 0x00) made at `time`.
        public func signature(of data: [UInt8], time: UInt32) -> [UInt8] { signature(type: 0x00, over: data, time: time, extra: []) }

        func signature(type: UInt8, over data: [UInt8], time: UInt32, extra: [[UInt8]]) -> [UInt8] {
            let pub = publicKey
            let hashed = ([subpacket(2, be32(Int(time))), subpacket(33, [4] + pub.fingerprint)] + extra).flatMap { $0 }
            let head: [UInt8] = [4, type, eddsa, sha256] + be16(hashed.count) + hashed
            let digest = Array(SHA256.hash(data: data + head + [4, 0xFF] + be32(head.count)))
            // Ed25519 signing cannot fail for a valid key and a 32-byte message.
            let rs = Array((try? key.signature(for: digest)) ?? Data(count: 64))
            let unhashed = subpacket(16, pub.keyID)
            return packet(2, head + be16(unhashed.count) + unhashed + digest[0 ..< 2] + mpi(Array(rs[0 ..< 32])) + mpi(Array(rs[32 ..< 64])))
        }
    }

    /// An Ed25519 public key as OpenPGP v4 names it.
    public struct PublicKey: Sendable, Equatable {
        public let key: [UInt8]
        public let created: UInt32

        /// The v4 public key packet's body.
        var body: [UInt8] { [4] + be32(Int(created)) + [eddsa, UInt8(ed25519OID.count)] + ed25519OID + mpi([0x40] + key) }
        public var fingerprint: [UInt8] { Array(Insecure.SHA1.hash(data: [0x99] + be16(body.count) + body)) }
        public var keyID: [UInt8] { Array(fingerprint.suffix(8)) }
        public var keyIDHex: String { keyID.map { String(format: "%02x", $0) }.joined() }

        /// The first public key of an armored (or binary) key block; nil when it holds no Ed25519 key.
        public static func read(_ text: String) -> PublicKey? {
            guard let bytes = dearmor(text) ?? (text.utf8.first.map { $0 & 0x80 != 0 } == true ? Array(text.utf8) : nil),
                  let (tag, body) = try? packets(bytes).first, tag == 6, body.count > 6, body[0] == 4, body[5] == eddsa else { return nil }
            let created = UInt32(body[1]) << 24 | UInt32(body[2]) << 16 | UInt32(body[3]) << 8 | UInt32(body[4])
            let oidLength = Int(body[6])
            guard body.count >= 7 + oidLength + 2 + 33, Array(body[7 ..< 7 + oidLength]) == ed25519OID else { return nil }
            let point = Array(body[(7 + oidLength + 2)...])
            guard point.count == 33, point[0] == 0x40 else { return nil }
            return PublicKey(key: Array(point[1...]), created: created)
        }

        /// Checks a signature packet of a binary document made by this key; returns its creation time.
        @discardableResult
        public func verify(signature packetBytes: [UInt8], of data: [UInt8]) throws(Invalid) -> UInt32 {
            guard let (tag, body) = try? OpenPGP.packets(packetBytes).first, tag == 2 else { throw Invalid(description: "not an OpenPGP signature packet") }
            guard body.count > 6, body[0] == 4 else { throw Invalid(description: "not a v4 signature") }
            guard body[1] == 0x00 else { throw Invalid(description: "signature type \(body[1]), not a binary document's") }
            guard body[2] == eddsa, body[3] == sha256 else { throw Invalid(description: "algorithms \(body[2])/\(body[3]), not EdDSA/SHA-256") }
            let hashedLength = Int(body[4]) << 8 | Int(body[5])
            let headEnd = 6 + hashedLength
            guard body.count >= headEnd + 2 else { throw Invalid(description: "a truncated signature") }
            let unhashedLength = Int(body[headEnd]) << 8 | Int(body[headEnd + 1])
            var at = headEnd + 2 + unhashedLength
            guard body.count >= at + 2 else { throw Invalid(description: "a truncated signature") }
            let head = Array(body[0 ..< headEnd])
            let subpackets = OpenPGP.subpackets(Array(body[6 ..< headEnd]))
            if let issuer = subpackets[33], issuer != [4] + fingerprint {
                throw Invalid(description: "made by key \(issuer.suffix(8).map { String(format: "%02x", $0) }.joined()), not \(keyIDHex)")
            }
            let time = subpackets[2].map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } } ?? 0
            let digest = Array(SHA256.hash(data: data + head + [4, 0xFF] + be32(head.count)))
            guard Array(body[at ..< at + 2]) == Array(digest[0 ..< 2]) else { throw Invalid(description: "the signed data's digest differs") }
            at += 2
            var halves: [[UInt8]] = []
            for _ in 0 ..< 2 {
                guard body.count >= at + 2 else { throw Invalid(description: "a truncated signature") }
                let length = (Int(body[at]) << 8 | Int(body[at + 1]) + 7) / 8
                guard length <= 32, body.count >= at + 2 + length else { throw Invalid(description: "a malformed EdDSA value") }
                halves.append([UInt8](repeating: 0, count: 32 - length) + body[at + 2 ..< at + 2 + length])
                at += 2 + length
            }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: key),
                  key.isValidSignature(halves[0] + halves[1], for: digest) else {
                throw Invalid(description: "the EdDSA signature does not check with key \(keyIDHex)")
            }
            return time
        }
    }

    // MARK: - Encoding

    static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    static func be32(_ v: Int) -> [UInt8] { [UInt8((v >> 24) & 0xff), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func packet(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length: [UInt8] = body.count < 192 ? [UInt8(body.count)] : [UInt8((body.count - 192) >> 8 + 192), UInt8((body.count - 192) & 0xff)]
        return [0xC0 | tag] + length + body
    }

    static func subpacket(_ type: UInt8, _ data: [UInt8]) -> [UInt8] { [UInt8(data.count + 1), type] + data }

    static func mpi(_ bytes: [UInt8]) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        let bits = trimmed.first.map { (trimmed.count - 1) * 8 + (8 - $0.leadingZeroBitCount) } ?? 0
        return be16(bits) + trimmed
    }

    /// Tag and body of each packet (new-format headers, and old-format ones with 1-, 2- or 4-octet lengths).
    static func packets(_ bytes: [UInt8]) throws(Invalid) -> [(UInt8, [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        var at = 0
        while at < bytes.count {
            let first = bytes[at]
            guard first & 0x80 != 0 else { throw Invalid(description: "not an OpenPGP packet at octet \(at)") }
            var length = 0, tag: UInt8
            if first & 0x40 != 0 {
                tag = first & 0x3f
                guard at + 1 < bytes.count else { throw Invalid(description: "a truncated packet") }
                let l0 = Int(bytes[at + 1])
                if l0 < 192 { length = l0; at += 2 } else if l0 < 224, at + 2 < bytes.count {
                    length = (l0 - 192) << 8 + Int(bytes[at + 2]) + 192; at += 3
                } else if l0 == 255, at + 5 < bytes.count {
                    length = bytes[at + 2 ..< at + 6].reduce(0) { $0 << 8 | Int($1) }; at += 6
                } else { throw Invalid(description: "a partial-length packet") }
            } else {
                tag = (first >> 2) & 0x0f
                let size = [1, 2, 4, 0][Int(first & 3)]
                guard size > 0, at + size < bytes.count else { throw Invalid(description: "an indeterminate-length packet") }
                length = bytes[at + 1 ... at + size].reduce(0) { $0 << 8 | Int($1) }
                at += 1 + size
            }
            guard at + length <= bytes.count else { throw Invalid(description: "a truncated packet") }
            out.append((tag, Array(bytes[at ..< at + length])))
            at += length
        }
        return out
    }

    /// Subpacket type -> data (one-octet lengths, as crossgo writes; longer ones are read too).
    static func subpackets(_ bytes: [UInt8]) -> [UInt8: [UInt8]] {
        var out: [UInt8: [UInt8]] = [:]
        var at = 0
        while at < bytes.count {
            var length = Int(bytes[at])
            if length >= 192, length < 255, at + 1 < bytes.count { length = (length - 192) << 8 + Int(bytes[at + 1]) + 192; at += 2 }
            else if length == 255, at + 4 < bytes.count { length = bytes[at + 1 ... at + 4].reduce(0) { $0 << 8 | Int($1) }; at += 5 }
            else { at += 1 }
            guard length >= 1, at + length <= bytes.count else { break }
            out[bytes[at] & 0x7f] = Array(bytes[at + 1 ..< at + length])
            at += length
        }
        return out
    }

    // MARK: - Armor

    static func crc24(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xB704CE
        for byte in bytes {
            crc ^= UInt32(byte) << 16
            for _ in 0 ..< 8 {
                crc <<= 1
                if crc & 0x1000000 != 0 { crc ^= 0x1864CFB }
            }
        }
        return crc & 0xFFFFFF
    }

    static func armor(_ kind: String, _ bytes: [UInt8]) -> String {
        let base64 = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index ..< end]))
            index = end
        }
        let crc = crc24(bytes)
        let checksum = Data([UInt8(crc >> 16), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)]).base64EncodedString()
        return "-----BEGIN \(kind)-----\n\n" + lines.joined(separator: "\n") + "\n=\(checksum)\n-----END \(kind)-----\n"
    }

    /// The binary of an armored block whose CRC-24 checks; nil otherwise.
    static func dearmor(_ text: String) -> [UInt8]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN PGP") }),
              let end = lines.firstIndex(where: { $0.hasPrefix("-----END PGP") }), end > begin,
              let blank = lines[begin ..< end].firstIndex(of: "") else { return nil }
        var body = Array(lines[(blank + 1) ..< end])
        var checksum: String?
        if let last = body.last, last.hasPrefix("=") { checksum = String(last.dropFirst()); body.removeLast() }
        guard let data = Data(base64Encoded: body.joined()) else { return nil }
        let bytes = Array(data)
        if let checksum {
            let crc = crc24(bytes)
            guard Data(base64Encoded: checksum) == Data([UInt8(crc >> 16), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)]) else { return nil }
        }
        return bytes
    }
}
