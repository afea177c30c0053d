// `packages:` and `release.url` in crossgo.yaml, the checks a release makes of them before it builds anything, and
// what one linux artifact's package holds. The writers (DebPackage, RPMPackage) turn that into bytes.
import Foundation
import GoBinary

/// `packages:` in crossgo.yaml: what the .deb and .rpm packages, the Homebrew formula and the Scoop manifest say.
public struct PackagesConfig: Sendable, Equatable {
    /// The formats written when `--package` is not given.
    public var formats: [PackageFormat]?
    /// The package name (default: the program's name). Only for a release of one program.
    public var name: String?
    /// `Name <address>` (Debian policy 5.6.2); required for deb and rpm.
    public var maintainer: String?
    /// The first line is the summary, the rest the long description.
    public var description: String?
    public var homepage: String?
    /// An SPDX license expression; required for deb and rpm.
    public var license: String?
    public var depends: [String] = []
    public var recommends: [String] = []
    public var files: [PackageFileSpec] = []
    /// Shell scripts (paths relative to crossgo.yaml) run after install and before removal.
    public var postinstall: String?
    public var preremove: String?
    public var line: Int?

    public init() {}
}

/// One extra file of `packages.files`.
public struct PackageFileSpec: Sendable, Equatable {
    /// Relative to the folder of crossgo.yaml.
    public var source: String
    /// The absolute installed path.
    public var destination: String
    /// Default 0644.
    public var mode: Int = 0o644
    /// A configuration file: kept when changed locally (Debian conffiles, RPM %config(noreplace)).
    public var config = false
    public var line: Int?

    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }
}

/// `release.url`: where each archive can be downloaded, the URL the Homebrew formula and the Scoop manifest name.
public enum ReleaseURL {
    static let fields = ["Tag", "Version", "ArtifactName"]

    /// Why a template is not usable, or nil.
    public static func problem(_ template: String) -> String? {
        guard template.hasPrefix("https://") || template.hasPrefix("http://") else { return "expected an http(s) URL template" }
        guard template.contains("{{.ArtifactName}}") else { return "the template must contain {{.ArtifactName}} (the archive's file name)" }
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return "an unclosed {{" }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard name.hasPrefix("."), fields.contains(String(name.dropFirst())) else {
                return "unknown field {{\(name)}} (known: \(fields.map { "{{.\($0)}}" }.joined(separator: ", ")))"
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    /// The template filled in.
    public static func expand(_ template: String, tag: String, version: String, artifact: String) -> String {
        var out = template
        for (name, value) in [("Tag", tag), ("Version", version), ("ArtifactName", artifact)] {
            out = out.replacingOccurrences(of: "{{.\(name)}}", with: value).replacingOccurrences(of: "{{ .\(name) }}", with: value)
        }
        return out
    }

    /// `https://github.com/OWNER/REPO` from a GitHub remote URL (https, ssh or scp-like), else nil.
    public static func gitHubRepository(remote: String) -> String? {
        var text = remote.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["https://github.com/", "http://github.com/", "ssh://git@github.com/", "git@github.com:", "git://github.com/"] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
            if text.hasSuffix("/") { text.removeLast() }
            if text.hasSuffix(".git") { text.removeLast(4) }
            let parts = text.split(separator: "/")
            guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }) else { return nil }
            return "https://github.com/\(parts[0])/\(parts[1])"
        }
        return nil
    }
}

/// The release's use of `packages:`: the checks made before anything is built, and each artifact's package.
enum ReleasePackaging {
    /// The formats asked for: `--package`, else `packages.formats`, else none.
    static func formats(_ asked: [PackageFormat]?, config: BuildConfig?) -> [PackageFormat] {
        asked ?? config?.packages?.formats ?? []
    }

    /// Whether an ELF file still has its symbol table (`.symtab`): lintian and rpmlint say unstripped-binary-or-object.
    static func unstripped(_ path: String, system: any HostSystem) -> Bool {
        (try? system.binaryImage(path).slices.first?.elf?.sections.contains { $0.name == ".symtab" }) == true
    }

    /// What deb and rpm need that crossgo cannot make up: a maintainer and a license. A usage error naming the key.
    static func check(_ formats: [PackageFormat], config: BuildConfig?, moduleRoot: String) throws {
        let linux = formats.filter(\.isLinuxPackage)
        guard !linux.isEmpty else { return }
        let file = config?.file ?? moduleRoot + "/" + BuildConfig.fileName
        let what = linux.map { ".\($0.rawValue)" }.joined(separator: " and ")
        if config?.packages?.maintainer == nil {
            throw ConfigError(file: file, line: config?.packages?.line, key: "packages.maintainer",
                              message: "missing: a \(what) names its maintainer, e.g. maintainer: Jane Doe <jane@example.com>")
        }
        if config?.packages?.license == nil {
            throw ConfigError(file: file, line: config?.packages?.line, key: "packages.license",
                              message: "missing: a \(what) records its license, e.g. license: MIT")
        }
    }

    /// The package of one linux artifact: the binary in /usr/bin, the module's README and license files and a
    /// copyright file in /usr/share/doc/<name>, the configured extra files and scripts, and for a static binary the
    /// .deb's lintian override of statically-linked-binary.
    static func package(for artifact: Artifact, name: String, version: String, config: PackagesConfig, moduleRoot: String, outDir: String,
                        documents: [String], epoch: Int64, system: any HostSystem) throws -> LinuxPackage {
        func read(_ path: String) throws -> Data {
            guard let data = system.readData(path) else { throw PackageError("\(path): cannot read", status: .environment) }
            return data
        }
        let doc = "/usr/share/doc/\(name)/"
        var files = [PackageFile(path: "/usr/bin/\(artifact.binary)", mode: 0o755, contents: try read(outDir + "/" + artifact.path))]
        var licenseText = ""
        for document in documents {
            let upper = document.uppercased()
            let contents = try read(moduleRoot + "/" + document)
            if upper.hasPrefix("LICENSE") || upper.hasPrefix("LICENCE") || upper.hasPrefix("COPYING") {
                licenseText += "\n" + String(decoding: contents, as: UTF8.self)
            } else {
                files.append(PackageFile(path: doc + document, mode: 0o644, contents: contents, doc: true))
            }
        }
        let license = config.license ?? "NOASSERTION"
        let copyright = "\(name) \(version), packaged by crossgo.\n\nLicense: \(license)\n" + licenseText
        files.append(PackageFile(path: doc + "copyright", mode: 0o644, contents: Data(copyright.utf8), doc: true))
        for spec in config.files {
            guard !files.contains(where: { $0.path == spec.destination }) else {
                throw PackageError("packages.files: \(spec.destination) is installed twice", status: .usage)
            }
            files.append(PackageFile(path: spec.destination, mode: spec.mode, contents: try read(moduleRoot + "/" + spec.source), config: spec.config))
        }
        let text = config.description ?? "Command-line program \(name)"
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        var package = LinuxPackage(name: name, version: version, maintainer: config.maintainer ?? "", summary: lines[0].trimmingCharacters(in: .whitespaces),
                                   description: lines.count > 1 ? lines[1].trimmingCharacters(in: .whitespacesAndNewlines) : "", license: license,
                                   files: files, modificationTime: epoch)
        package.homepage = config.homepage
        package.depends = config.depends
        package.recommends = config.recommends
        // Go links statically; lintian exempts Go programs only when it sees the source package's Build-Depends on
        // golang-go, which a .deb alone does not carry. The override says so for this one binary, nothing else.
        if let elf = try? system.binaryImage(outDir + "/" + artifact.path).slices.first?.elf, elf.isStatic, elf.needed.isEmpty {
            package.lintianOverrides = ["# \(artifact.binary) is a Go program, statically linked as Go links by default.",
                                        "\(name): statically-linked-binary [usr/bin/\(artifact.binary)]"]
        }
        package.postinstall = try config.postinstall.map { String(decoding: try read(moduleRoot + "/" + $0), as: UTF8.self) }
        package.preremove = try config.preremove.map { String(decoding: try read(moduleRoot + "/" + $0), as: UTF8.self) }
        return package
    }
}
