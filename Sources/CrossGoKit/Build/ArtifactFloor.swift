// What an artifact asks of the machine that runs it (its OS floor) and what kind of signature it carries,
// read from the file itself (GoBinary) and from the Go version that built it (go-facts.md, release notes).
import GoBinary

/// The oldest system one artifact (or one slice of a universal file) runs on.
public struct ArtifactFloor: Sendable, Codable, Equatable {
    /// One line, e.g. "glibc 2.34, Linux kernel 3.2 (Go 1.24+)" or "macOS 13.0 (SDK 26.2)".
    public var summary: String
    /// linux: "static" (no interpreter), "dynamic" (no versioned libc needs), or "glibc 2.34".
    public var libc: String?
    /// linux: the highest `GLIBC_` version required, e.g. "2.34"; nil when none is.
    public var glibc: String?
    /// linux: every versioned need, "libc.so.6: GLIBC_2.2.5, GLIBC_2.34".
    public var versionNeeds: [String]?
    /// darwin: LC_BUILD_VERSION (or LC_VERSION_MIN_*) platform, minimum OS and SDK, and which load command said it.
    public var platform: String?
    public var minOS: String?
    public var sdk: String?
    public var versionSource: String?
    /// windows: the optional header's OS and subsystem versions and the subsystem.
    public var osVersion: String?
    public var subsystemVersion: String?
    public var subsystem: String?
    /// wasm: the import modules the host must provide.
    public var importModules: [String]?
    /// The minimum the Go release that built the file supports, e.g. "Linux kernel 3.2 (Go 1.24+)"; nil when unknown.
    public var goMinimum: String?

    /// The floor of one slice; nil for formats without one crossgo reads (XCOFF, Plan 9).
    public static func of(_ slice: BinarySlice) -> ArtifactFloor? {
        let go = slice.buildInfo.flatMap { GoVersion($0.goVersion) }
        let minimum = goMinimum(goos: slice.goos, go: go)
        var floor = ArtifactFloor(summary: "")
        floor.goMinimum = minimum
        var parts: [String] = []
        if let e = slice.elf {
            floor.versionNeeds = e.versionNeeds.map { "\($0.file): \($0.versions.joined(separator: ", "))" }
            floor.glibc = e.glibcFloor
            if e.isStatic {
                floor.libc = "static"
            } else if let g = e.glibcFloor {
                floor.libc = "glibc \(g)"
            } else {
                floor.libc = e.sections.isEmpty ? "dynamic (section headers stripped: versions not checked)" : "dynamic (no versioned libc needs)"
            }
            parts.append(floor.libc!)
            let others = e.versionNeeds.flatMap(\.versions).filter { !$0.hasPrefix("GLIBC_") }
            if !others.isEmpty {
                parts.append("also " + others.sorted().joined(separator: ", "))
            }
        } else if let m = slice.macho {
            // LC_VERSION_MIN_* names its platform by the command (mach-o/loader.h), LC_BUILD_VERSION by a field.
            let byCommand = ["LC_VERSION_MIN_MACOSX": "macOS", "LC_VERSION_MIN_IPHONEOS": "iOS", "LC_VERSION_MIN_TVOS": "tvOS",
                             "LC_VERSION_MIN_WATCHOS": "watchOS"]
            floor.platform = m.platformName ?? m.versionSource.flatMap { byCommand[$0] }
            floor.minOS = m.minOS
            floor.sdk = m.sdk
            floor.versionSource = m.versionSource
            if let min = m.minOS {
                parts.append("\(floor.platform ?? "minimum OS") \(min)" + (m.sdk.map { " (SDK \($0))" } ?? ""))
            } else {
                parts.append("no LC_BUILD_VERSION or LC_VERSION_MIN_* (minimum OS not recorded)")
            }
        } else if let p = slice.pe {
            floor.osVersion = p.osVersion
            floor.subsystemVersion = p.subsystemVersion
            floor.subsystem = p.subsystemName
            parts.append("subsystem \(p.subsystemName) \(p.subsystemVersion), OS version \(p.osVersion)")
        } else if let w = slice.wasm {
            floor.importModules = w.importModules.sorted()
            parts.append("host imports " + (w.importModules.isEmpty ? "none" : w.importModules.sorted().joined(separator: ", ")))
        } else {
            return nil
        }
        if let minimum { parts.append(minimum) }
        floor.summary = parts.joined(separator: "; ")
        return floor
    }

    /// What the Go release needs at least, by GOOS (go-facts.md "Floors and signatures", from the release notes):
    /// Linux kernel 3.2 since Go 1.24 (2.6.32 before); Windows 10 / Server 2016 since Go 1.21 (Windows 7 /
    /// Server 2008 R2 before: Go 1.20 was the last for them); macOS 13 since Go 1.27, 12 since Go 1.25,
    /// 11 since Go 1.23. Nil when the Go version or the OS is not one of these.
    public static func goMinimum(goos: String?, go: GoVersion?) -> String? {
        guard let go, go.major == 1 else { return nil }
        switch goos {
        case "linux", "android":
            return go.minor >= 24 ? "Linux kernel 3.2 (Go 1.24+)" : "Linux kernel 2.6.32 (Go before 1.24)"
        case "windows":
            return go.minor >= 21 ? "Windows 10 / Server 2016 (Go 1.21+)" : "Windows 7 / Server 2008 R2 (Go before 1.21)"
        case "darwin":
            if go.minor >= 27 { return "macOS 13 (Go 1.27+)" }
            if go.minor >= 25 { return "macOS 12 (Go 1.25+)" }
            if go.minor >= 23 { return "macOS 11 (Go 1.23+)" }
            return nil
        default:
            return nil
        }
    }

    init(summary: String) { self.summary = summary }
}

/// The kind of signature an artifact carries, told by its structure; never more than the structure says.
public struct SignatureKind: Sendable, Codable, Equatable {
    /// "linker-signed ad-hoc", "ad-hoc", "certificate-signed", "signature unreadable", "signed" (PE Authenticode
    /// present), "not signed", or "not applicable" (ELF, wasm, XCOFF, Plan 9 carry no embedded signature).
    public var kind: String
    /// Mach-O: the team identifier of a certificate signature.
    public var teamIdentifier: String?
    /// Mach-O: the hardened runtime flag.
    public var hardenedRuntime: Bool?
    /// Mach-O: the signing identifier.
    public var identifier: String?
    /// What was not checked, or why the signature could not be read.
    public var note: String?

    /// Whether macOS Gatekeeper would treat a downloaded copy as ad-hoc only (no Developer ID).
    public var isAdhocOnly: Bool { kind == CodeSignatureKind.linkerSignedAdhoc.rawValue || kind == CodeSignatureKind.adhoc.rawValue }

    /// The one line `inspect` and `verify` print, e.g. "certificate-signed (team ABCDE12345), hardened runtime".
    public var line: String {
        var text = kind
        if let teamIdentifier { text += " (team \(teamIdentifier))" }
        if hardenedRuntime == true { text += ", hardened runtime" }
        if let note { text += "; \(note)" }
        return text
    }

    public static func of(_ slice: BinarySlice) -> SignatureKind {
        if let m = slice.macho {
            let s = m.codeSignature
            var kind = SignatureKind(kind: s.kind.rawValue)
            switch s.kind {
            case .certificate:
                kind.teamIdentifier = s.teamIdentifier
                kind.hardenedRuntime = s.hardenedRuntime
                kind.identifier = s.identifier
                kind.note = "CMS signature present, its certificate chain not validated; a notarization ticket cannot be stapled to a bare executable"
            case .linkerSignedAdhoc, .adhoc:
                kind.hardenedRuntime = s.hardenedRuntime
                kind.identifier = s.identifier
            case .unreadable:
                kind.note = s.problem
            case .unsigned:
                break
            }
            return kind
        }
        if let p = slice.pe {
            if p.authenticode.isSigned {
                return SignatureKind(kind: "signed", note: "Authenticode certificate table present, not validated")
            }
            if let problem = p.authenticode.problem { return SignatureKind(kind: "signature unreadable", note: problem) }
            return SignatureKind(kind: "not signed")
        }
        return SignatureKind(kind: "not applicable")
    }

    init(kind: String, note: String? = nil) {
        self.kind = kind
        self.note = note
    }
}

/// An artifact's floor and signature kind together, as a check reads them.
public struct ArtifactFacts: Sendable, Equatable {
    public var floor: ArtifactFloor?
    public var signature: SignatureKind
}

/// A glibc version as `--min-glibc` and `libc: gnu.X.Y` take it: `2.17`, `2.28`, `2.3.4`.
public enum GlibcVersion {
    /// Two or three dot-separated whole numbers, major 2 (every glibc since 1997).
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.first == "2" else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// Whether `needed` is newer than `promised` (numeric, part by part).
    public static func exceeds(_ needed: String, _ promised: String) -> Bool {
        ELFVersionNeed.compare(needed, promised) > 0
    }
}
