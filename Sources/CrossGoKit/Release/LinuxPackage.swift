// What a .deb and a .rpm of one program for one linux target hold, whichever writer writes it: the package's
// metadata, its files, and the GOARCH -> package architecture names of Debian and RPM.
import Foundation

/// The installable formats `crossgo release --package` writes.
public enum PackageFormat: String, Sendable, Codable, CaseIterable, Comparable {
    case deb, rpm, brew, scoop

    public static func < (a: PackageFormat, b: PackageFormat) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// deb and rpm are packages of a linux artifact; brew and scoop are manifests over the release's archives.
    public var isLinuxPackage: Bool { self == .deb || self == .rpm }

    /// `deb,rpm` -> [.deb, .rpm]; a usage error naming an unknown word.
    public static func parseList(_ text: String, what: String) throws -> [PackageFormat] {
        var out: [PackageFormat] = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty {
            guard let format = PackageFormat(rawValue: word.lowercased()) else {
                throw UsageError("\(what) \(word): not a package format (deb, rpm, brew, scoop)")
            }
            if !out.contains(format) { out.append(format) }
        }
        return out.sorted()
    }
}

/// One file a package installs.
public struct PackageFile: Sendable, Equatable {
    /// The absolute installed path, e.g. `/usr/bin/hello`.
    public var path: String
    /// Permission bits (0755, 0644).
    public var mode: Int
    public var contents: Data
    /// A configuration file: Debian's conffiles (policy 10.7.3), RPM's %config(noreplace).
    public var config = false
    /// Documentation (RPM's %doc, %license).
    public var doc = false

    public init(path: String, mode: Int, contents: Data, config: Bool = false, doc: Bool = false) {
        self.path = path
        self.mode = mode
        self.contents = contents
        self.config = config
        self.doc = doc
    }
}

/// Everything a .deb or .rpm records of one program for one target. The writers add their own format's files
/// (Debian's changelog) and never read the file system: the same value gives the same bytes.
public struct LinuxPackage: Sendable, Equatable {
    public var name: String
    /// The release version as crossgo has it (`1.2.3`, `1.2.3-rc.1`, `0.0.0-dev`).
    public var version: String
    /// The packaging revision (Debian's `-1`, RPM's Release).
    public var revision = "1"
    public var maintainer: String
    /// The one-line summary.
    public var summary: String
    /// The longer description; may be empty.
    public var description: String
    public var homepage: String?
    /// An SPDX license expression.
    public var license: String
    /// Debian's relationship syntax, `name` or `name (>= 1.0)`.
    public var depends: [String] = []
    public var recommends: [String] = []
    /// Shell scripts run after installing and before removing.
    public var postinstall: String?
    public var preremove: String?
    public var files: [PackageFile]
    /// Every date in the package (file times, build time, changelog).
    public var modificationTime: Int64
    /// Lines of the .deb's lintian overrides file (`/usr/share/lintian/overrides/<name>`), comments included; none when empty.
    public var lintianOverrides: [String] = []

    public init(name: String, version: String, maintainer: String, summary: String, description: String, license: String,
                files: [PackageFile], modificationTime: Int64) {
        self.name = name
        self.version = version
        self.maintainer = maintainer
        self.summary = summary
        self.description = description
        self.license = license
        self.files = files
        self.modificationTime = modificationTime
    }

    /// The files sorted by path, and every folder above them (parents first), as (path, file or nil for a folder).
    func tree() -> [(path: String, file: PackageFile?)] {
        var folders: Set<String> = []
        for file in files {
            var parent = (file.path as NSString).deletingLastPathComponent
            while parent != "/" && !parent.isEmpty {
                folders.insert(parent)
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
        let all: [(String, PackageFile?)] = folders.map { ($0, nil) } + files.map { ($0.path, $0) }
        return all.sorted { a, b in
            a.0.split(separator: "/").map { Array($0.utf8) }.lexicographicallyPrecedes(b.0.split(separator: "/").map { Array($0.utf8) }) { x, y in
                x.lexicographicallyPrecedes(y)
            }
        }
    }

    /// Debian policy 5.6.1: at least two characters, lowercase letters, digits, `+`, `-`, `.`, starting alphanumeric.
    /// RPM accepts every such name too.
    public static func nameProblem(_ name: String) -> String? {
        let ok = name.count >= 2 && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) }
            && name.unicodeScalars.first.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) } == true
        return ok ? nil : "Debian refuses the package name \"\(name)\": at least two characters of a-z, 0-9, + - . starting with a letter or digit (Debian policy 5.6.1)"
    }

    /// The version in Debian's and RPM's syntax: a pre-release `-` becomes `~`, which both sort before the release
    /// (Debian policy 5.6.12, RPM's version comparison), and characters neither allows become `.`.
    static func packageVersion(_ version: String) -> String {
        String(version.map { c -> Character in
            if c == "-" { return "~" }
            return c.isASCII && (c.isLetter || c.isNumber || ".+~".contains(c)) ? c : "."
        })
    }
}

/// The package architecture names of one Go target.
public struct PackageArchitecture: Sendable, Equatable {
    /// Debian's (dpkg-architecture -L).
    public var deb: String
    /// RPM's (rpmrc arch_canon).
    public var rpm: String

    /// The names for a linux artifact, or why it has none. GOARM is read from the artifact's own build settings,
    /// else its target's level; go's default for linux/arm cross builds is 7.
    public static func of(goarch: String, goarm: String?) -> Result<PackageArchitecture, Unsupported> {
        switch goarch {
        case "amd64": return .success(.init(deb: "amd64", rpm: "x86_64"))
        case "arm64": return .success(.init(deb: "arm64", rpm: "aarch64"))
        case "386": return .success(.init(deb: "i386", rpm: "i686"))
        case "arm":
            switch (goarm ?? "7").split(separator: ",").first.map(String.init) ?? "7" {
            case "7": return .success(.init(deb: "armhf", rpm: "armv7hl"))
            case "6": return .success(.init(deb: "armel", rpm: "armv6hl"))
            case "5": return .success(.init(deb: "armel", rpm: "armv5tel"))
            default: return .failure(Unsupported(reason: "GOARM=\(goarm ?? "") has no Debian or RPM architecture"))
            }
        case "riscv64": return .success(.init(deb: "riscv64", rpm: "riscv64"))
        case "ppc64le": return .success(.init(deb: "ppc64el", rpm: "ppc64le"))
        case "s390x": return .success(.init(deb: "s390x", rpm: "s390x"))
        case "loong64": return .success(.init(deb: "loong64", rpm: "loongarch64"))
        case "mips64le": return .success(.init(deb: "mips64el", rpm: "mips64el"))
        default: return .failure(Unsupported(reason: "linux/\(goarch) has no Debian and RPM architecture that crossgo knows"))
        }
    }

    public struct Unsupported: Error, Sendable, Equatable {
        public var reason: String
    }
}

/// Why a package could not be written. One line, naming the package.
public struct PackageError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus
    init(_ description: String, status: ExitStatus = .failed) {
        self.description = description
        exitStatus = status
    }
}
