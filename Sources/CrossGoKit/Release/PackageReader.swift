// Reads back the files a .deb or .rpm installs, for `crossgo verify`: the ar members and data.tar of a .deb (deb(5)),
// the lead, headers and cpio payload of an .rpm (RPM's format_v4 documentation), gzip-compressed (RFC 1952).
// It reads what crossgo's writers write and what dpkg-deb and rpmbuild write with gzip; nothing else.
import Crypto
import Foundation
import ZIPFoundation

enum PackageReader {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// Installed path (`/usr/bin/hello`) -> contents, of every regular file in the package.
    static func files(of data: Data, format: String) throws -> [String: Data] {
        switch format {
        case "deb": return try debFiles(data)
        case "rpm": return try rpmFiles(data)
        default: throw Unreadable(description: "not a package format crossgo reads: \(format)")
        }
    }

    // MARK: - .deb

    static func debFiles(_ data: Data) throws -> [String: Data] {
        let bytes = [UInt8](data)
        guard bytes.starts(with: Array("!<arch>\n".utf8)) else { throw Unreadable(description: "not an ar archive") }
        var offset = 8
        while offset + 60 <= bytes.count {
            let name = String(decoding: bytes[offset..<offset + 16], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let size = Int(String(decoding: bytes[offset + 48..<offset + 58], as: UTF8.self).trimmingCharacters(in: .whitespaces)),
                  offset + 60 + size <= bytes.count else { throw Unreadable(description: "a damaged ar member header") }
            let member = Data(bytes[offset + 60..<offset + 60 + size])
            if name.hasPrefix("data.tar") {
                guard name == "data.tar.gz" else { throw Unreadable(description: "\(name): crossgo reads gzip data only") }
                return try tarFiles(gunzip(member))
            }
            offset += 60 + size + size % 2
        }
        throw Unreadable(description: "no data.tar member")
    }

    /// Regular files of a ustar stream (names without the leading `.`).
    static func tarFiles(_ data: Data) throws -> [String: Data] {
        let bytes = [UInt8](data)
        var out: [String: Data] = [:]
        var offset = 0
        var longName: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            func text(_ from: Int, _ length: Int) -> String {
                let field = bytes[offset + from..<offset + from + length]
                return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let size = Int(text(124, 12).trimmingCharacters(in: .whitespaces), radix: 8) else { throw Unreadable(description: "a damaged tar header") }
            let type = bytes[offset + 156]
            let start = offset + 512
            guard start + size <= bytes.count else { throw Unreadable(description: "a truncated tar member") }
            let body = Data(bytes[start..<start + size])
            if type == UInt8(ascii: "x") {
                for record in String(decoding: body, as: UTF8.self).split(separator: "\n") where record.contains(" path=") {
                    longName = String(record[record.range(of: " path=")!.upperBound...])
                }
            } else {
                let prefix = text(345, 155)
                var name = longName ?? (prefix.isEmpty ? text(0, 100) : prefix + "/" + text(0, 100))
                longName = nil
                if type == UInt8(ascii: "0") || type == 0 {
                    if name.hasPrefix("./") { name.removeFirst() }
                    if !name.hasPrefix("/") { name = "/" + name }
                    out[name] = body
                }
            }
            offset = start + size + (512 - size % 512) % 512
        }
        return out
    }

    // MARK: - .rpm

    /// A header structure's bytes and its entries (tag -> (type, offset, count)) with its data store.
    struct Header {
        var bytes: Data
        var entries: [UInt32: (type: UInt32, offset: Int, count: Int)]
        var store: [UInt8]

        func string(_ tag: UInt32) -> String? {
            guard let entry = entries[tag], entry.offset < store.count else { return nil }
            return String(decoding: store[entry.offset...].prefix { $0 != 0 }, as: UTF8.self)
        }

        /// A BIN entry's bytes.
        func binary(_ tag: UInt32) -> [UInt8]? {
            guard let entry = entries[tag], entry.type == 7, entry.offset + entry.count <= store.count else { return nil }
            return Array(store[entry.offset ..< entry.offset + entry.count])
        }

        /// The first value of an INT32 entry.
        func int32(_ tag: UInt32) -> Int? {
            guard let entry = entries[tag], entry.type == 4, entry.offset + 4 <= store.count else { return nil }
            return store[entry.offset ..< entry.offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }

        func strings(_ tag: UInt32) -> [String] {
            guard let entry = entries[tag] else { return [] }
            var out: [String] = []
            var position = entry.offset
            for _ in 0..<entry.count where position < store.count {
                let value = store[position...].prefix { $0 != 0 }
                out.append(String(decoding: value, as: UTF8.self))
                position += value.count + 1
            }
            return out
        }
    }

    static func header(_ bytes: [UInt8], at offset: Int) throws -> Header {
        guard offset + 16 <= bytes.count, bytes[offset..<offset + 4].elementsEqual([0x8e, 0xad, 0xe8, 0x01]) else {
            throw Unreadable(description: "no RPM header at byte \(offset)")
        }
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        let count = be32(offset + 8), size = be32(offset + 12)
        let storeStart = offset + 16 + count * 16
        guard count < 65536, size < 256 << 20, storeStart + size <= bytes.count else { throw Unreadable(description: "a damaged RPM header") }
        var entries: [UInt32: (type: UInt32, offset: Int, count: Int)] = [:]
        for i in 0..<count {
            let at = offset + 16 + i * 16
            entries[UInt32(be32(at))] = (UInt32(be32(at + 4)), be32(at + 8), be32(at + 12))
        }
        return Header(bytes: Data(bytes[offset..<storeStart + size]), entries: entries, store: Array(bytes[storeStart..<storeStart + size]))
    }

    /// An .rpm's signature header, main header and payload.
    static func rpmParts(_ data: Data) throws -> (signature: Header, header: Header, payload: Data) {
        let bytes = [UInt8](data)
        guard bytes.count > 96, bytes.starts(with: [0xed, 0xab, 0xee, 0xdb]) else { throw Unreadable(description: "no RPM lead") }
        let signature = try header(bytes, at: 96)
        let mainStart = 96 + signature.bytes.count + (8 - signature.bytes.count % 8) % 8
        let main = try header(bytes, at: mainStart)
        return (signature, main, Data(bytes[(mainStart + main.bytes.count)...]))
    }

    /// The OpenPGP signature of an .rpm's main header (RPMSIGTAG_DSA 267 or RPMSIGTAG_RSA 268) and the header's bytes it signs.
    static func rpmHeaderSignature(_ data: Data) throws -> (signature: [UInt8]?, header: Data) {
        let parts = try rpmParts(data)
        return ((parts.signature.binary(267) ?? parts.signature.binary(268)), parts.header.bytes)
    }

    /// The files of an .rpm; its header's SHA-256 and its payload digest must be recorded, and agree.
    static func rpmFiles(_ data: Data) throws -> [String: Data] {
        let (signature, main, payload) = try rpmParts(data)
        guard let headerDigest = signature.string(273) else { throw Unreadable(description: "its signature header records no SHA-256 of the header") }
        guard SHA256.hash(data: main.bytes).hex == headerDigest else {
            throw Unreadable(description: "the header's SHA-256 is not the one its signature header records")
        }
        guard main.entries[5093]?.type == 4, let payloadDigest = main.strings(5092).first else {
            throw Unreadable(description: "its header records no payload digest")
        }
        guard SHA256.hash(data: payload).hex == payloadDigest else {
            throw Unreadable(description: "the payload's SHA-256 is not the one its header records")
        }
        guard main.string(1125) == "gzip" else { throw Unreadable(description: "payload compressor \(main.string(1125) ?? "?"): crossgo reads gzip only") }
        return try cpioFiles(gunzip(payload))
    }

    /// Regular files of a newc cpio archive.
    static func cpioFiles(_ data: Data) throws -> [String: Data] {
        let bytes = [UInt8](data)
        var out: [String: Data] = [:]
        var offset = 0
        while offset + 110 <= bytes.count {
            guard bytes[offset..<offset + 6].elementsEqual(Array("070701".utf8)) else { throw Unreadable(description: "a damaged cpio header") }
            func field(_ i: Int) -> Int { Int(String(decoding: bytes[offset + 6 + i * 8..<offset + 14 + i * 8], as: UTF8.self), radix: 16) ?? -1 }
            let mode = field(1), size = field(6), nameSize = field(11)
            guard size >= 0, nameSize > 0, offset + 110 + nameSize <= bytes.count else { throw Unreadable(description: "a damaged cpio header") }
            var name = String(decoding: bytes[offset + 110..<offset + 110 + nameSize - 1], as: UTF8.self)
            if name == "TRAILER!!!" { break }
            let start = offset + 110 + nameSize + (4 - (110 + nameSize) % 4) % 4
            guard start + size <= bytes.count else { throw Unreadable(description: "a truncated cpio member") }
            if mode & 0o170000 == 0o100000 {
                if name.hasPrefix("./") { name.removeFirst() }
                out[name] = Data(bytes[start..<start + size])
            }
            offset = start + size + (4 - size % 4) % 4
        }
        return out
    }

    // MARK: - gzip

    /// The contents of one gzip member (RFC 1952), its CRC-32 and size checked.
    static func gunzip(_ data: Data) throws -> Data {
        let bytes = [UInt8](data)
        guard bytes.count >= 18, bytes[0] == 0x1f, bytes[1] == 0x8b, bytes[2] == 8 else { throw Unreadable(description: "not gzip data") }
        let flags = bytes[3]
        var offset = 10
        if flags & 4 != 0 { offset += 2 + Int(bytes[10]) | Int(bytes[11]) << 8 }  // FEXTRA
        if flags & 8 != 0 { while offset < bytes.count, bytes[offset] != 0 { offset += 1 }; offset += 1 }  // FNAME
        if flags & 16 != 0 { while offset < bytes.count, bytes[offset] != 0 { offset += 1 }; offset += 1 }  // FCOMMENT
        if flags & 2 != 0 { offset += 2 }  // FHCRC
        guard offset < bytes.count - 8 else { throw Unreadable(description: "truncated gzip data") }
        let deflated = Data(bytes[offset..<bytes.count - 8])
        let chunk = 1 << 16
        var out = Data()
        do {
            _ = try Data.decompress(size: Int64(deflated.count), bufferSize: chunk, skipCRC32: true, provider: { position, size in
                // ZIPFoundation's zlib path hands zlib a whole buffer: give it one, zero-filled past the end.
                guard Int(position) < deflated.count else { throw Unreadable(description: "truncated deflate data") }
                var part = deflated.subdata(in: Int(position)..<min(deflated.count, Int(position) + size))
                if part.count < size { part.append(Data(count: size - part.count)) }
                return part
            }, consumer: { out.append($0) })
        } catch {
            throw Unreadable(description: "damaged gzip data (\(error))")
        }
        let trailer = bytes[(bytes.count - 8)...].map(UInt32.init)
        let crc = trailer[0] | trailer[1] << 8 | trailer[2] << 16 | trailer[3] << 24
        let size = trailer[4] | trailer[5] << 8 | trailer[6] << 16 | trailer[7] << 24
        guard out.crc32(checksum: 0) == crc, UInt32(truncatingIfNeeded: out.count) == size else {
            throw Unreadable(description: "damaged gzip data (CRC-32 or size differs)")
        }
        return out
    }
}
