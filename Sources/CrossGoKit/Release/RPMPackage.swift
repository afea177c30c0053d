// The .rpm writer: an RPM v4 binary package written without rpmbuild, so that a Mac can make one too.
//
// Format facts (RPM's "Package format" documentation, docs/manual/format_v4.md, and the tag list in rpmtag.h):
// - the file is a lead, a signature header padded to a multiple of 8 bytes, the main header and the payload;
// - lead (96 bytes): magic ed ab ee db, format 3.0, type 0 (binary), arch number, the NEVR (66 bytes, NUL padded),
//   os number 1 (linux), signature type 5 (a header), 16 reserved bytes;
// - a header: magic 8e ad e8 01, 4 reserved bytes, the index count and data size (big-endian), 16-byte index entries
//   (tag, type, offset, count) and the data store; entries are sorted by tag, their data laid out in that order with
//   the alignment of their type; the first entry is the region tag (62 signature, 63 main header) pointing to a
//   16-byte trailer at the end of the data whose offset is minus the index size;
// - signature header: SHA-256 of the main header (tag 273, hex), MD5 of header and payload (1004), sizes (1000 header
//   and payload, 1007 uncompressed payload);
// - main header: name, version, release, summary, description, build time, size, license, group, URL, os, arch,
//   scripts, the file list (sizes, modes, mtimes, SHA-256 digests with FILEDIGESTALGO 8, users, groups, flags,
//   inodes, base names + folder names + folder indexes), the rpmlib() features used, payload format cpio,
//   compressor gzip, and the payload's SHA-256 (PAYLOADDIGEST 5092, algorithm 5093);
// - payload: a cpio archive in the "new ASCII" (newc, 070701) format of every file with `./` names (cpio(5)),
//   ending with TRAILER!!!, gzip-compressed.
//
// The same package value gives the same bytes: sorted files, one time, owner root, gzip without name or time.
import Crypto
import Foundation

public enum RPMPackage {
    /// `<name>-<version>-<release>.<arch>.rpm`, as rpmbuild names it.
    public static func fileName(_ package: LinuxPackage, arch: String) -> String {
        "\(package.name)-\(LinuxPackage.packageVersion(package.version))-\(package.revision).\(arch).rpm"
    }

    /// The bytes of the .rpm of `package` for RPM architecture `arch`.
    public static func make(_ package: LinuxPackage, arch: String) throws -> Data {
        let version = LinuxPackage.packageVersion(package.version)
        let release = package.revision
        let mtime = Int32(clamping: package.modificationTime)
        // The package owns its files and its own documentation folder; the standard folders belong to the system.
        let owned = package.tree().filter { entry in entry.file != nil || entry.path.hasPrefix("/usr/share/doc/\(package.name)") }
        guard !owned.isEmpty else { throw PackageError("\(fileName(package, arch: arch)): no files to package") }

        // The payload: a newc cpio archive, gzip-compressed.
        var cpio = Data()
        for (index, entry) in owned.enumerated() {
            let mode = (entry.file == nil ? 0o040000 : 0o100000) | (entry.file?.mode ?? 0o755)
            cpio.append(cpioEntry(name: "." + entry.path, inode: index + 1, mode: mode, nlink: entry.file == nil ? 2 : 1, mtime: Int(mtime),
                                  contents: entry.file?.contents ?? Data()))
        }
        cpio.append(cpioEntry(name: "TRAILER!!!", inode: 0, mode: 0, nlink: 1, mtime: 0, contents: Data()))
        let payload: Data
        do { payload = try ReproducibleArchive.gzip(cpio, path: "payload") } catch { throw PackageError("\(fileName(package, arch: arch)): \(error)") }

        // The main header.
        var h = HeaderBuilder()
        h.add(100, .stringArray(["C"]))  // HEADERI18NTABLE
        h.add(1000, .string(package.name))
        h.add(1001, .string(version))
        h.add(1002, .string(release))
        h.add(1004, .i18n(package.summary))
        h.add(1005, .i18n(package.description.isEmpty ? package.summary : package.description))
        h.add(1006, .int32([mtime]))  // BUILDTIME
        h.add(1007, .string("crossgo"))  // BUILDHOST
        h.add(1009, .int32([Int32(clamping: owned.reduce(0) { $0 + ($1.file?.contents.count ?? 4096) })]))  // SIZE
        h.add(1014, .string(package.license))
        h.add(1015, .string(package.maintainer))  // PACKAGER
        h.add(1016, .i18n("Applications/System"))  // GROUP (rpmlint takes rpm's "Unspecified" for none)
        if let homepage = package.homepage { h.add(1020, .string(homepage)) }
        h.add(1021, .string("linux"))
        h.add(1022, .string(arch))
        if let script = package.postinstall { h.add(1024, .string(script)); h.add(1086, .string("/bin/sh")) }  // POSTIN, POSTINPROG
        if let script = package.preremove { h.add(1025, .string(script)); h.add(1087, .string("/bin/sh")) }  // PREUN, PREUNPROG
        h.add(1028, .int32(owned.map { Int32(clamping: $0.file?.contents.count ?? 4096) }))  // FILESIZES
        h.add(1030, .int16(owned.map { UInt16(($0.file == nil ? 0o040000 : 0o100000) | ($0.file?.mode ?? 0o755)) }))  // FILEMODES
        h.add(1033, .int16(owned.map { _ in 0 }))  // FILERDEVS
        h.add(1034, .int32(owned.map { _ in mtime }))  // FILEMTIMES
        h.add(1035, .stringArray(owned.map { entry in entry.file.map { SHA256.hash(data: $0.contents).hex } ?? "" }))  // FILEDIGESTS
        h.add(1036, .stringArray(owned.map { _ in "" }))  // FILELINKTOS
        // FILEFLAGS: RPMFILE_CONFIG 1 | RPMFILE_NOREPLACE 16; RPMFILE_DOC 2.
        h.add(1037, .int32(owned.map { entry in Int32((entry.file?.config == true ? 1 | 16 : 0) | (entry.file?.doc == true ? 2 : 0)) }))
        h.add(1039, .stringArray(owned.map { _ in "root" }))  // FILEUSERNAME
        h.add(1040, .stringArray(owned.map { _ in "root" }))  // FILEGROUPNAME
        h.add(1044, .string("\(package.name)-\(version)-\(release).src.rpm"))  // SOURCERPM: its presence marks a binary package
        let provides = [(package.name, 8, "\(version)-\(release)")]
        h.add(1047, .stringArray(provides.map(\.0)))  // PROVIDENAME
        let requires = package.depends.map(relation) + rpmlibFeatures
        h.add(1048, .int32(requires.map { Int32(bitPattern: $0.1) }))  // REQUIREFLAGS
        h.add(1049, .stringArray(requires.map(\.0)))  // REQUIRENAME
        h.add(1050, .stringArray(requires.map(\.2)))  // REQUIREVERSION
        // One changelog entry, so that rpmlint finds a change log (CHANGELOGTIME, CHANGELOGNAME, CHANGELOGTEXT).
        h.add(1080, .int32([mtime]))
        h.add(1081, .stringArray(["\(package.maintainer) - \(version)-\(release)"]))
        h.add(1082, .stringArray(["- Release \(package.version)"]))
        h.add(1095, .int32(owned.map { _ in 1 }))  // FILEDEVICES
        h.add(1096, .int32(owned.indices.map { Int32($0 + 1) }))  // FILEINODES
        h.add(1097, .stringArray(owned.map { _ in "" }))  // FILELANGS
        h.add(1112, .int32(provides.map { Int32($0.1) }))  // PROVIDEFLAGS
        h.add(1113, .stringArray(provides.map(\.2)))  // PROVIDEVERSION
        // File names as folder + base name (rpmlib(CompressedFileNames)): DIRINDEXES, BASENAMES, DIRNAMES.
        let folders = Array(Set(owned.map { ($0.path as NSString).deletingLastPathComponent + "/" })).sorted()
        h.add(1116, .int32(owned.map { Int32(folders.firstIndex(of: ($0.path as NSString).deletingLastPathComponent + "/")!) }))
        h.add(1117, .stringArray(owned.map { ($0.path as NSString).lastPathComponent }))
        h.add(1118, .stringArray(folders))
        if !package.recommends.isEmpty {
            let recommends = package.recommends.map(relation)
            h.add(5046, .stringArray(recommends.map(\.0)))  // RECOMMENDNAME
            h.add(5047, .stringArray(recommends.map(\.2)))  // RECOMMENDVERSION
            h.add(5048, .int32(recommends.map { Int32(bitPattern: $0.1) }))  // RECOMMENDFLAGS
        }
        h.add(1124, .string("cpio"))  // PAYLOADFORMAT
        h.add(1125, .string("gzip"))  // PAYLOADCOMPRESSOR
        h.add(1126, .string("9"))  // PAYLOADFLAGS
        h.add(5011, .int32([8]))  // FILEDIGESTALGO: SHA-256 (PGPHASHALGO_SHA256)
        h.add(5062, .string("utf-8"))  // ENCODING
        h.add(5092, .stringArray([SHA256.hash(data: payload).hex]))  // PAYLOADDIGEST: of the compressed payload
        h.add(5093, .int32([8]))  // PAYLOADDIGESTALGO
        let header = h.bytes(region: 63)

        var out = lead(name: "\(package.name)-\(version)-\(release)", arch: arch)
        out.append(signatureHeader(header: header, payload: payload, payloadSize: cpio.count, openPGP: nil))
        out.append(header)
        out.append(payload)
        return out
    }

    /// The signature header, padded to a multiple of 8 bytes: digests and sizes of the main header and payload, and an
    /// OpenPGP signature of the main header when there is one (RPMSIGTAG_DSA 267, the header-only signature rpm 4.x
    /// makes for DSA, ECDSA and EdDSA keys: it covers the main header's bytes, which the SHA-256 digest covers too).
    static func signatureHeader(header: Data, payload: Data, payloadSize: Int, openPGP: [UInt8]?) -> Data {
        var s = HeaderBuilder()
        if let openPGP { s.add(267, .bin(Data(openPGP))) }  // RPMSIGTAG_DSA
        s.add(273, .string(SHA256.hash(data: header).hex))  // RPMSIGTAG_SHA256 of the main header
        s.add(1000, .int32([Int32(clamping: header.count + payload.count)]))  // RPMSIGTAG_SIZE
        s.add(1004, .bin(Data(Insecure.MD5.hash(data: header + payload))))  // RPMSIGTAG_MD5 of header and payload
        s.add(1007, .int32([Int32(clamping: payloadSize)]))  // RPMSIGTAG_PAYLOADSIZE
        var signature = s.bytes(region: 62)
        signature.append(contentsOf: [UInt8](repeating: 0, count: (8 - signature.count % 8) % 8))
        return signature
    }

    /// An .rpm of this writer's with its main header signed by `key` at `time` (a signature already there is replaced).
    public static func signed(_ rpm: Data, key: OpenPGP.SigningKey, time: UInt32) throws -> Data {
        let parts = try PackageReader.rpmParts(rpm)
        guard let payloadSize = parts.signature.int32(1007) else { throw PackageError("its signature header records no payload size") }
        let openPGP = key.signature(of: Array(parts.header.bytes), time: time)
        var out = Data(rpm.prefix(96))
        out.append(signatureHeader(header: parts.header.bytes, payload: parts.payload, payloadSize: payloadSize, openPGP: openPGP))
        out.append(parts.header.bytes)
        out.append(parts.payload)
        return out
    }

    /// The rpmlib() features this writer's packages use: RPM refuses to install a package whose features it lacks.
    static let rpmlibFeatures: [(String, UInt32, String)] = [
        ("rpmlib(CompressedFileNames)", rpmlibLessEqual, "3.0.4-1"),
        ("rpmlib(FileDigests)", rpmlibLessEqual, "4.6.0-1"),
        ("rpmlib(PayloadFilesHavePrefix)", rpmlibLessEqual, "4.0-1"),
    ]
    /// RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL.
    static let rpmlibLessEqual: UInt32 = (1 << 24) | 2 | 8

    /// `name (>= 1.0)` (Debian's syntax, which crossgo.yaml uses) -> RPM's name, sense flags and version.
    static func relation(_ text: String) -> (String, UInt32, String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else { return (trimmed, 0, "") }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)].trimmingCharacters(in: .whitespaces)
        let ops: [(String, UInt32)] = [(">=", 4 | 8), ("<=", 2 | 8), (">>", 4), ("<<", 2), ("=", 8), (">", 4), ("<", 2)]
        for (op, flags) in ops where inside.hasPrefix(op) {
            return (name, flags, inside.dropFirst(op.count).trimmingCharacters(in: .whitespaces))
        }
        return (name, 0, "")
    }

    /// The 96-byte lead. Its architecture number is rpmrc's arch_canon number; RPM reads the header's ARCH instead.
    static func lead(name: String, arch: String) -> Data {
        let numbers = ["x86_64": 1, "i686": 1, "aarch64": 19, "armv7hl": 12, "armv6hl": 12, "armv5tel": 12, "ppc64le": 16, "s390x": 15, "riscv64": 22,
                       "mips64el": 11]
        var out = Data([0xed, 0xab, 0xee, 0xdb, 3, 0])
        out.append(be16(0))  // binary package
        out.append(be16(UInt16(numbers[arch] ?? 0)))
        var nameField = Array(name.utf8.prefix(65))
        nameField += [UInt8](repeating: 0, count: 66 - nameField.count)
        out.append(contentsOf: nameField)
        out.append(be16(1))  // linux
        out.append(be16(5))  // signature type: a header
        out.append(contentsOf: [UInt8](repeating: 0, count: 16))
        return out
    }

    /// One newc cpio entry (cpio(5)): "070701", 13 eight-digit hex fields, the name with its NUL padded to 4, the data padded to 4.
    static func cpioEntry(name: String, inode: Int, mode: Int, nlink: Int, mtime: Int, contents: Data) -> Data {
        let nameBytes = Array(name.utf8) + [0]
        let fields = [inode, mode, 0, 0, nlink, mtime, contents.count, 0, 0, 0, 0, nameBytes.count, 0]
        var out = Data("070701".utf8)
        for field in fields { out.append(contentsOf: Array(String(format: "%08x", UInt32(truncatingIfNeeded: field)).utf8)) }
        out.append(contentsOf: nameBytes)
        out.append(contentsOf: [UInt8](repeating: 0, count: (4 - out.count % 4) % 4))
        out.append(contents)
        out.append(contentsOf: [UInt8](repeating: 0, count: (4 - contents.count % 4) % 4))
        return out
    }

    static func be16(_ v: UInt16) -> Data { Data([UInt8(v >> 8), UInt8(v & 0xff)]) }
    static func be32(_ v: UInt32) -> Data { Data([UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]) }

    /// Collects header entries and writes a header structure with its region.
    struct HeaderBuilder {
        enum Value {
            case int16([UInt16]), int32([Int32]), string(String), bin(Data), stringArray([String]), i18n(String)

            /// RPM's type number, its alignment and count.
            var type: (number: UInt32, alignment: Int, count: Int) {
                switch self {
                case .int16(let v): return (3, 2, v.count)
                case .int32(let v): return (4, 4, v.count)
                case .string: return (6, 1, 1)
                case .bin(let d): return (7, 1, d.count)
                case .stringArray(let v): return (8, 1, v.count)
                case .i18n: return (9, 1, 1)
                }
            }

            var bytes: Data {
                switch self {
                case .int16(let v): return v.reduce(into: Data()) { $0.append(be16($1)) }
                case .int32(let v): return v.reduce(into: Data()) { $0.append(be32(UInt32(bitPattern: $1))) }
                case .string(let s), .i18n(let s): return Data(s.utf8) + [0]
                case .bin(let d): return d
                case .stringArray(let v): return v.reduce(into: Data()) { $0.append(Data($1.utf8) + [0]) }
                }
            }
        }

        var entries: [(tag: UInt32, value: Value)] = []

        mutating func add(_ tag: UInt32, _ value: Value) { entries.append((tag, value)) }

        /// The header: magic, counts, the region entry and the sorted entries, their data, then the region trailer.
        func bytes(region: UInt32) -> Data {
            let sorted = entries.sorted { $0.tag < $1.tag }
            var index = Data()
            var store = Data()
            for entry in sorted {
                let type = entry.value.type
                store.append(contentsOf: [UInt8](repeating: 0, count: (type.alignment - store.count % type.alignment) % type.alignment))
                index.append(be32(entry.tag) + be32(type.number) + be32(UInt32(store.count)) + be32(UInt32(type.count)))
                store.append(entry.value.bytes)
            }
            let count = sorted.count + 1
            // The trailer: the region tag again, type BIN, offset minus the index size, count 16.
            let trailerOffset = store.count
            store.append(be32(region) + be32(7) + be32(UInt32(bitPattern: Int32(-count * 16))) + be32(16))
            var out = Data([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0])
            out.append(be32(UInt32(count)) + be32(UInt32(store.count)))
            out.append(be32(region) + be32(7) + be32(UInt32(trailerOffset)) + be32(16))
            out.append(index)
            out.append(store)
            return out
        }
    }
}

extension Digest {
    /// Lowercase hex.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
