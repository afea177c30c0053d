// Reproducible release archives: tar.gz (tar and gzip framing written here, deflate from ZIPFoundation) and zip
// (ZIPFoundation). The same entries and modification time give the same bytes, whoever owns the sources, whatever
// their mtimes and the time zone.
import Foundation
import ZIPFoundation

/// One file to put into an archive.
public struct ArchiveEntry: Sendable, Equatable {
    /// The path inside the archive, with `/` separators (e.g. `hello` or `docs/README.md`).
    public var name: String
    /// The file whose bytes are stored. Only its contents count: its owner, mode and times are not copied.
    public var source: URL
    /// Stored with mode 0755 when true, 0644 otherwise.
    public var executable: Bool

    public init(name: String, source: URL, executable: Bool) {
        self.name = name
        self.source = source
        self.executable = executable
    }
}

/// Why an archive could not be written. One line, naming the file or entry.
public enum ArchiveError: ClassifiedError, Equatable {
    /// An entry name that is empty, absolute, has `.`/`..`/empty components, a NUL or a backslash.
    case badName(String)
    /// Two entries with one name.
    case duplicateName(String)
    /// No entries at all.
    case empty(archive: String)
    /// A source file could not be read.
    case unreadable(path: String, reason: String)
    /// The archive could not be written.
    case cannotWrite(path: String, reason: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .badName, .duplicateName, .empty: return .usage
        case .unreadable, .cannotWrite: return .environment
        }
    }

    public var description: String {
        switch self {
        case .badName(let name): return "archive entry \"\(name)\": not a relative path of plain names"
        case .duplicateName(let name): return "archive entry \"\(name)\" is given twice"
        case .empty(let archive): return "\(archive): no files to archive"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Writes tar.gz and zip archives that are byte-for-byte reproducible:
///
/// - entries sorted by name (byte order of their UTF-8), files only;
/// - mode 0755 for executables and 0644 otherwise; uid and gid 0; no user or group names;
/// - every entry's modification time is the caller's (`SOURCE_DATE_EPOCH`, a commit time, or 0);
/// - tar: POSIX ustar, with a pax extended header (`path=`, `size=`) only for a name over 100 bytes or a file
///   over 8 GiB; padded to whole 10240-byte records;
/// - gzip: no file name, mtime 0, XFL 0, OS 255 (unknown), deflate from ZIPFoundation (zlib on Linux);
/// - zip (ZIPFoundation): deflated entries, "version made by" Unix, the Unix mode in the external attributes,
///   no extra fields (so no extended timestamps); the DOS time is the caller's time in UTC (2-second steps,
///   times before 1980 stored as 1980-01-01 00:00).
///
/// Both are written to a temporary sibling and renamed into place.
public enum ReproducibleArchive {
    static let chunkSize = 1 << 16

    /// Writes a gzip-compressed tar archive of `entries` to `url`.
    public static func writeTarGz(entries: [ArchiveEntry], to url: URL, modificationTime: Int64,
                                  system: any HostSystem = liveSystem()) throws(ArchiveError) {
        let sorted = try validated(entries, archive: url.path)
        var members: [TarMember] = []
        for entry in sorted {
            members.append(TarMember(name: entry.name, mode: entry.executable ? 0o755 : 0o644, contents: try read(entry.source)))
        }
        let tar = tar(members, mtime: modificationTime)
        let gz = try gzip(tar, path: url.path)
        try writeAtomically(url, system: system) { temp throws(ArchiveError) in
            do { try gz.write(to: temp) } catch { throw .cannotWrite(path: url.path, reason: reason(error)) }
        }
    }

    /// Writes a zip archive of `entries` to `url` through ZIPFoundation.
    public static func writeZip(entries: [ArchiveEntry], to url: URL, modificationTime: Int64,
                                system: any HostSystem = liveSystem()) throws(ArchiveError) {
        let sorted = try validated(entries, archive: url.path)
        let date = Date(timeIntervalSince1970: TimeInterval(modificationTime))
        try writeAtomically(url, system: system) { temp throws(ArchiveError) in
            let archive: Archive
            do { archive = try Archive(url: temp, accessMode: .create) } catch {
                throw .cannotWrite(path: url.path, reason: reason(error))
            }
            for entry in sorted {
                let contents = try read(entry.source)
                do {
                    try archive.addEntry(
                        with: entry.name, type: .file, uncompressedSize: Int64(contents.count), modificationDate: date,
                        permissions: entry.executable ? 0o755 : 0o644, compressionMethod: .deflate, bufferSize: chunkSize
                    ) { position, size in
                        contents.subdata(in: Int(position) ..< Int(position) + size)
                    }
                } catch {
                    throw .cannotWrite(path: url.path, reason: reason(error))
                }
            }
        }
    }

    // MARK: - Entries

    static func validated(_ entries: [ArchiveEntry], archive: String) throws(ArchiveError) -> [ArchiveEntry] {
        guard !entries.isEmpty else { throw .empty(archive: archive) }
        var seen: Set<String> = []
        for entry in entries {
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            guard !entry.name.isEmpty, !entry.name.contains("\0"), !entry.name.contains("\\"),
                  parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
            else { throw .badName(entry.name) }
            guard seen.insert(entry.name).inserted else { throw .duplicateName(entry.name) }
        }
        return entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    static func read(_ url: URL) throws(ArchiveError) -> Data {
        do { return try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: reason(error)) }
    }

    // MARK: - tar

    /// One member of a tar stream written by `tar(_:mtime:owner:)`: a regular file with its bytes, or a folder.
    struct TarMember {
        var name: String
        var mode: Int
        /// nil for a folder.
        var contents: Data?
    }

    /// A tar stream of `members` in the order given (the caller sorts), every one owned by 0/0 and carrying `owner` as
    /// its user and group name ("" for none), dated `mtime`, ending with two zero blocks, padded to whole 10240-byte
    /// records. The package writers use it for control.tar and data.tar (folders included, `./` names).
    static func tar(_ members: [TarMember], mtime: Int64, owner: String = "") -> Data {
        var tar = Data()
        for member in members {
            let size = UInt64(member.contents?.count ?? 0)
            tar.append(contentsOf: tarHeaders(name: member.name, size: size, mode: member.mode, mtime: mtime,
                                              type: UInt8(ascii: member.contents == nil ? "5" : "0"), owner: owner))
            if let contents = member.contents {
                tar.append(contents)
                tar.append(contentsOf: [UInt8](repeating: 0, count: padding(contents.count, to: 512)))
            }
        }
        tar.append(contentsOf: [UInt8](repeating: 0, count: 1024))  // two zero blocks end the archive
        tar.append(contentsOf: [UInt8](repeating: 0, count: padding(tar.count, to: 10240)))
        return tar
    }

    /// The header block(s) for one regular file: a pax extended header first when ustar cannot hold the name or size.
    static func tarHeaders(name: String, size: UInt64, mode: Int, mtime: Int64, type: UInt8 = UInt8(ascii: "0"), owner: String = "") -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let sizeFits = size < 0o777_7777_7777  // 11 octal digits
        var out: [UInt8] = []
        var storedName = nameBytes
        if nameBytes.count > 100 || !sizeFits {
            var records = ""
            if nameBytes.count > 100 { records += paxRecord("path", name) }
            if !sizeFits { records += paxRecord("size", String(size)) }
            let body = Array(records.utf8)
            out += ustarHeader(name: Array("PaxHeaders/".utf8) + Array(nameBytes.suffix(80)), size: UInt64(body.count),
                               mode: 0o644, mtime: mtime, type: UInt8(ascii: "x"))
            out += body + [UInt8](repeating: 0, count: padding(body.count, to: 512))
            storedName = Array(nameBytes.suffix(100))
        }
        out += ustarHeader(name: storedName, size: sizeFits ? size : 0, mode: mode, mtime: mtime, type: type, owner: owner)
        return out
    }

    /// A pax record: "<length> <key>=<value>\n", where the length counts the whole record including its own digits.
    static func paxRecord(_ key: String, _ value: String) -> String {
        let rest = " \(key)=\(value)\n".utf8.count
        var digits = String(rest).count
        while String(rest + digits).count != digits { digits += 1 }
        return "\(rest + digits) \(key)=\(value)\n"
    }

    static func ustarHeader(name: [UInt8], size: UInt64, mode: Int, mtime: Int64, type: UInt8, owner: String = "") -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, max: Int) {
            for (i, b) in bytes.prefix(max).enumerated() { h[offset + i] = b }
        }
        func octal(_ value: UInt64, digits: Int) -> [UInt8] {
            var text = String(value, radix: 8)
            if text.count < digits { text = String(repeating: "0", count: digits - text.count) + text }
            return Array(text.suffix(digits).utf8) + [0]
        }
        put(Array(name.prefix(100)), at: 0, max: 100)
        put(octal(UInt64(mode), digits: 7), at: 100, max: 8)
        put(octal(0, digits: 7), at: 108, max: 8)  // uid
        put(octal(0, digits: 7), at: 116, max: 8)  // gid
        put(octal(size, digits: 11), at: 124, max: 12)
        put(octal(UInt64(clamping: max(0, mtime)), digits: 11), at: 136, max: 12)
        put(Array("        ".utf8), at: 148, max: 8)  // checksum field counts as spaces while summing
        h[156] = type
        put(Array("ustar".utf8) + [0], at: 257, max: 6)
        put(Array("00".utf8), at: 263, max: 2)
        // uname and gname (265, 297): empty for release archives, "root" in packages (Debian policy 10.9: root-owned files).
        put(Array(owner.utf8), at: 265, max: 31)
        put(Array(owner.utf8), at: 297, max: 31)
        put(octal(0, digits: 7), at: 329, max: 8)  // devmajor
        put(octal(0, digits: 7), at: 337, max: 8)  // devminor
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(UInt64(sum), digits: 6) + [UInt8(ascii: " ")], at: 148, max: 8)
        return h
    }

    static func padding(_ count: Int, to unit: Int) -> Int { (unit - count % unit) % unit }

    // MARK: - gzip (RFC 1952)

    /// `data` in a gzip member: fixed header, raw deflate from ZIPFoundation, CRC-32 and size trailer.
    static func gzip(_ data: Data, path: String) throws(ArchiveError) -> Data {
        var out = Data([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])  // no flags, mtime 0, XFL 0, OS unknown
        do {
            _ = try Data.compress(size: Int64(data.count), bufferSize: chunkSize, provider: { position, size in
                data.subdata(in: Int(position) ..< Int(position) + size)
            }, consumer: { out.append($0) })
        } catch {
            throw .cannotWrite(path: path, reason: "deflate failed: \(error)")
        }
        let crc = data.crc32(checksum: 0)
        let size = UInt32(truncatingIfNeeded: data.count)
        for v in [crc, size] { out.append(contentsOf: (0 ..< 4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }) }
        return out
    }

    // MARK: - Files

    /// Runs `write` on a temporary sibling of `url` and renames it over `url` through `system`; the temporary file is
    /// removed on failure.
    static func writeAtomically(_ url: URL, system: any HostSystem, _ write: (URL) throws(ArchiveError) -> Void) throws(ArchiveError) {
        let temp = url.deletingLastPathComponent().appendingPathComponent(Builder.partialPrefix + "\(UUID().uuidString.prefix(8))-\(url.lastPathComponent)")
        do throws(ArchiveError) {
            try write(temp)
            do { try system.moveItem(temp.path, to: url.path) } catch { throw ArchiveError.cannotWrite(path: url.path, reason: reason(error)) }
        } catch {
            try? system.removeItem(temp.path)
            throw error
        }
    }
}
