// Mach-O code signature (LC_CODE_SIGNATURE): the embedded SuperBlob, its CodeDirectory and CMS blob.
//
// Layout from Apple's open-source Security framework headers (cs_blobs.h, "CodeDirectory" / "SuperBlob"), all
// fields big-endian:
// - SuperBlob: magic 0xfade0cc0 (CSMAGIC_EMBEDDED_SIGNATURE), length, count, then `count` BlobIndex
//   entries {type u32, offset u32} (offset from the SuperBlob's start).
// - Slot types: 0 CodeDirectory, 2 requirements, 5 entitlements, 7 DER entitlements,
//   0x1000... alternate CodeDirectories, 0x10000 CMS signature (CSSLOT_SIGNATURESLOT).
// - CodeDirectory (magic 0xfade0c02): magic, length, version, flags, hashOffset, identOffset, nSpecialSlots,
//   nCodeSlots, codeLimit (u32 each), hashSize, hashType, platform, pageSize (u8 each), spare2 u32;
//   scatterOffset u32 (version >= 0x20100); teamOffset u32 (version >= 0x20200, at byte 48).
//   Flags: CS_ADHOC 0x2, CS_RUNTIME 0x10000 (hardened runtime), CS_LINKER_SIGNED 0x20000.
// - The CMS blob is a BlobWrapper (magic 0xfade0b01, length); an ad-hoc signature may carry an empty one
//   (length 8). Only a wrapper with content is a certificate signature; its chain is not validated here.

/// What kind of signature a Mach-O image carries, from the structure of its code signature.
public enum CodeSignatureKind: String, Sendable, Codable {
    /// Ad-hoc, made by the linker (CS_ADHOC | CS_LINKER_SIGNED): what Go's linker writes. Enough to start on
    /// Apple Silicon, not for Gatekeeper on a downloaded file.
    case linkerSignedAdhoc = "linker-signed ad-hoc"
    /// Ad-hoc (`codesign -s -`): no certificate, no team.
    case adhoc = "ad-hoc"
    /// A CMS signature blob with content is present (a certificate signature; its chain is not checked here).
    case certificate = "certificate-signed"
    /// No LC_CODE_SIGNATURE load command.
    case unsigned = "not signed"
    /// LC_CODE_SIGNATURE is present but its SuperBlob or CodeDirectory cannot be read.
    case unreadable = "signature unreadable"
}

/// The parsed code signature of one Mach-O image.
public struct CodeSignatureInfo: Sendable, Codable, Equatable {
    public let kind: CodeSignatureKind
    /// CodeDirectory version (e.g. 0x20400).
    public let codeDirectoryVersion: UInt32?
    /// CodeDirectory flags (CS_ADHOC 0x2, CS_RUNTIME 0x10000, CS_LINKER_SIGNED 0x20000, ...).
    public let flags: UInt32?
    /// The signing identifier (for Go's linker: the output file's name).
    public let identifier: String?
    /// The team identifier (CodeDirectory version >= 0x20200 with a team offset); nil for ad-hoc signatures.
    public let teamIdentifier: String?
    /// Whether the hardened runtime flag (CS_RUNTIME) is set.
    public let hardenedRuntime: Bool
    /// Size in bytes of the CMS blob's content (0 when the slot is absent or empty).
    public let cmsSize: Int
    /// Slot types present in the SuperBlob, in order.
    public let slots: [UInt32]
    /// Why the signature could not be read, when `kind == .unreadable`.
    public let problem: String?

    static let unsigned = CodeSignatureInfo(kind: .unsigned, codeDirectoryVersion: nil, flags: nil, identifier: nil,
                                            teamIdentifier: nil, hardenedRuntime: false, cmsSize: 0, slots: [], problem: nil)

    static func unreadable(_ problem: String) -> CodeSignatureInfo {
        CodeSignatureInfo(kind: .unreadable, codeDirectoryVersion: nil, flags: nil, identifier: nil, teamIdentifier: nil,
                          hardenedRuntime: false, cmsSize: 0, slots: [], problem: problem)
    }

    static let maxBlobs = 64
    static let maxSignatureBytes = 16 << 20

    /// Reads the signature at `offset`/`size` (from LC_CODE_SIGNATURE's dataoff/datasize, relative to the slice).
    /// Never throws: a damaged signature is reported as `.unreadable` with the reason.
    static func read<S: ByteSource>(_ source: S, offset: UInt32, size: UInt32) -> CodeSignatureInfo {
        guard size >= 12, Int(size) <= maxSignatureBytes,
              let r = try? checkedRange(offset: UInt64(offset), size: UInt64(size), field: "code signature", limit: source.count),
              let bytes = try? source.bytes(at: r.offset, count: r.size) else {
            return .unreadable("LC_CODE_SIGNATURE points outside the file (offset \(offset), size \(size))")
        }
        let v = ByteView(bytes, bigEndian: true)
        guard let magic = try? v.u32(0), magic == 0xfade_0cc0 else { return .unreadable("no embedded-signature SuperBlob (magic 0xfade0cc0)") }
        guard let count = try? v.u32(8), count <= UInt32(maxBlobs), 12 + Int(count) * 8 <= bytes.count else {
            return .unreadable("SuperBlob blob count does not fit the signature")
        }
        var slots: [UInt32] = []
        var directory: Int?
        var cmsSize = 0
        for i in 0 ..< Int(count) {
            guard let type = try? v.u32(12 + i * 8), let at = try? v.u32(16 + i * 8), Int(at) + 8 <= bytes.count else {
                return .unreadable("blob \(i) lies outside the signature")
            }
            slots.append(type)
            let blobMagic = (try? v.u32(Int(at))) ?? 0
            let length = Int((try? v.u32(Int(at) + 4)) ?? 0)
            guard length >= 8, length <= bytes.count - Int(at) else { return .unreadable("blob \(i) has a bad length \(length)") }
            if type == 0 {
                guard blobMagic == 0xfade_0c02 else { return .unreadable("slot 0 is not a CodeDirectory (magic \(hex(blobMagic)))") }
                directory = Int(at)
            } else if type == 0x10000 {
                guard blobMagic == 0xfade_0b01 else { return .unreadable("the CMS slot is not a blob wrapper (magic \(hex(blobMagic)))") }
                cmsSize = length - 8
            }
        }
        guard let cd = directory else { return .unreadable("no CodeDirectory (slot 0)") }
        guard let cdLength = try? v.u32(cd + 4), let version = try? v.u32(cd + 8), let flags = try? v.u32(cd + 12),
              let identOffset = try? v.u32(cd + 20), cdLength >= 44 else {
            return .unreadable("CodeDirectory too short")
        }
        let cdEnd = cd + Int(cdLength)
        func cString(_ relative: UInt32) -> String? {
            let from = cd + Int(relative)
            guard relative > 0, from < min(cdEnd, bytes.count) else { return nil }
            let stop = min(cdEnd, bytes.count, from + 1024)
            let end = bytes[from ..< stop].firstIndex(of: 0) ?? stop
            return String(decoding: bytes[from ..< end], as: UTF8.self)
        }
        var team: String?
        if version >= 0x20200, cdLength >= 52, let teamOffset = try? v.u32(cd + 48), teamOffset != 0 {
            team = cString(teamOffset).flatMap { $0.isEmpty ? nil : $0 }
        }
        let kind: CodeSignatureKind
        if cmsSize > 0 {
            kind = .certificate
        } else if flags & 0x2 != 0 {
            kind = flags & 0x20000 != 0 ? .linkerSignedAdhoc : .adhoc
        } else {
            // Neither ad-hoc nor carrying a CMS signature: not a valid signature of either kind.
            return .unreadable("CodeDirectory is not ad-hoc (flags \(hex(flags))) and there is no CMS signature")
        }
        return CodeSignatureInfo(kind: kind, codeDirectoryVersion: version, flags: flags, identifier: cString(identOffset),
                                 teamIdentifier: team, hardenedRuntime: flags & 0x10000 != 0, cmsSize: cmsSize, slots: slots,
                                 problem: nil)
    }
}
