// What an audit checks: the Go version and module versions of each artifact, read from a Go binary's
// build info (every format GoBinary reads; each slice of a universal Mach-O on its own) or from a
// CycloneDX 1.6 JSON SBOM (the standard format: pkg:golang purls and GOOS/GOARCH properties).
import Crypto
import Foundation
import GoBinary

/// A module version to look up: a dependency (at its replacement when replaced), the standard library
/// (`stdlib`), or the go command that built the artifact (`toolchain`).
public struct AuditModule: Sendable, Codable, Equatable, Hashable {
    /// The path the database knows it by.
    public var path: String
    /// As recorded: `v0.3.7`, `go1.26.6`.
    public var version: String
    /// The module this one replaced (`golang.org/x/text => example.com/fork v1.0.0`).
    public var replaces: String?

    public init(path: String, version: String, replaces: String? = nil) {
        self.path = path
        self.version = version
        self.replaces = replaces
    }
}

/// What is audited on its own: a binary, one slice of a universal binary, or an SBOM. The slices of a
/// universal file are one artifact in the outcome (`slice` names each).
public struct AuditSubject: Sendable, Codable, Equatable {
    /// How the artifact is named in output: the path as given (relative to the working folder).
    public var artifact: String
    /// The file it was read from.
    public var file: String
    /// The slice of a universal file (`arm64`, `x86_64`); nil for any other file.
    public var slice: String?
    /// `binary` or `sbom`.
    public var kind: String
    public var goos: String?
    public var goarch: String?
    /// `go1.26.6`, when known.
    public var goVersion: String?
    public var modules: [AuditModule]
    /// Set when the artifact could not be audited at all.
    public var notAudited: String?
    /// Modules that were not checked, each with why (a directory replacement has no version).
    public var unchecked: [String]
    /// Package import path -> the symbols (as the vulnerability database names them) of every function the binary
    /// holds code of, compiled on its own or inlined into a caller; nil when its function table could not be read.
    public var linkedSymbols: [String: Set<String>]?
    /// Why the function table could not be read (nil when it was, or for an SBOM).
    public var symbolsUnread: String?
    /// The file's SHA-256 (for the VEX document's products).
    public var sha256: String?

    enum CodingKeys: String, CodingKey {
        case artifact, file, slice, kind, goos, goarch, goVersion, modules, notAudited, unchecked, symbolsUnread, sha256
    }

    /// `linux/amd64`, or `?` when the artifact does not say.
    public var target: String { "\(goos ?? "?")/\(goarch ?? "?")" }

    public init(artifact: String, file: String, slice: String? = nil, kind: String, goos: String? = nil, goarch: String? = nil,
                goVersion: String? = nil, modules: [AuditModule] = [], notAudited: String? = nil, unchecked: [String] = []) {
        self.artifact = artifact
        self.file = file
        self.slice = slice
        self.kind = kind
        self.goos = goos
        self.goarch = goarch
        self.goVersion = goVersion
        self.modules = modules
        self.notAudited = notAudited
        self.unchecked = unchecked
    }
}

/// Turns files into audit subjects.
public enum AuditInputs {
    /// Whether a file name is a CycloneDX JSON SBOM (`<artifact>.cdx.json`, `bom.json`, `*.cyclonedx.json`).
    public static func isCycloneDX(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        return name.hasSuffix(".cdx.json") || name.hasSuffix(".cyclonedx.json") || name == "bom.json"
    }

    /// Whether a file name is an SPDX document (not read: the artifact itself or its CycloneDX SBOM is).
    public static func isSPDX(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        return name.hasSuffix(".spdx.json") || name.hasSuffix(".spdx")
    }

    /// The subjects of one file. `named`: the user named it (anything unreadable is "not audited"); found
    /// in a folder, only Go binaries are artifacts: SBOMs (they describe binaries), checksums, signatures,
    /// archives and executables without Go build info are skipped (nil). A damaged executable is not audited.
    public static func subjects(file: String, display: String, named: Bool, system: any HostSystem = liveSystem()) -> [AuditSubject]? {
        if isCycloneDX(file) { return named ? [cycloneDX(file: file, display: display, system: system)] : nil }
        if isSPDX(file) {
            return named ? [AuditSubject(artifact: display, file: file, kind: "sbom",
                                         notAudited: "SPDX documents are not read; audit the artifact or its CycloneDX SBOM (.cdx.json)")] : nil
        }
        let image: BinaryImage
        do {
            image = try system.binaryImage(file)
        } catch {
            if !named {
                switch error.kind {
                case .notABinary, .empty, .io, .notRegularFile, .isDirectory: return nil
                default: break
                }
            }
            return [AuditSubject(artifact: display, file: file, kind: "binary", notAudited: "build info cannot be read: \(error)")]
        }
        if !named && !image.isGo { return nil }
        let universal = image.format == .universal
        let bytes = system.readData(file).map { [UInt8]($0) }
        let digest = bytes.map { SHA256.hash(data: $0).hex }
        return image.slices.map { slice in
            var subject = binary(slice, artifact: display, file: file, slice: universal ? slice.macho?.cpuName ?? slice.goarch ?? "?" : nil)
            subject.sha256 = digest
            if subject.notAudited == nil {
                do {
                    guard let bytes else { throw EnvironmentError("cannot be read") }
                    subject.linkedSymbols = symbolTable(try FunctionNames.read(bytes: bytes, slice: slice))
                } catch {
                    subject.symbolsUnread = "its function table cannot be read (\(error)): findings are module level"
                }
            }
            return subject
        }
    }

    /// Function names grouped by package, as the database's symbols.
    static func symbolTable(_ names: Set<String>) -> [String: Set<String>] {
        var table: [String: Set<String>] = [:]
        for name in names {
            let (package, symbol) = FunctionNames.symbol(name)
            table[package, default: []].insert(symbol)
        }
        return table
    }

    /// One slice's subject from its build info.
    static func binary(_ slice: BinarySlice, artifact: String, file: String, slice name: String? = nil) -> AuditSubject {
        var subject = AuditSubject(artifact: artifact, file: file, slice: name, kind: "binary", goos: slice.goos, goarch: slice.goarch)
        guard let info = slice.buildInfo else {
            subject.notAudited = "no Go build info (not a Go binary, or built without it)"
            return subject
        }
        subject.goVersion = info.goVersion
        (subject.modules, subject.unchecked) = modules(goVersion: info.goVersion, main: info.main, deps: info.deps)
        return subject
    }

    /// The modules of build info: stdlib and toolchain at the Go version, the main module when it has a
    /// version, every dependency at its replacement's version when replaced.
    static func modules(goVersion: String, main: Module?, deps: [Module]) -> ([AuditModule], [String]) {
        var modules: [AuditModule] = []
        var unchecked: [String] = []
        if GoReleaseVersion.semver(goVersion) != nil {
            modules.append(AuditModule(path: OSVMatch.stdlib, version: goVersion))
            modules.append(AuditModule(path: OSVMatch.toolchain, version: goVersion))
        } else {
            unchecked.append("stdlib and toolchain: '\(goVersion)' is not a Go release, so their entries were not checked")
        }
        if let main, let replaced = resolve(main, into: &unchecked) { modules.append(replaced) }
        for dep in deps {
            if let resolved = resolve(dep, into: &unchecked) { modules.append(resolved) }
        }
        return (modules, unchecked)
    }

    /// A module at the version that was built: its replacement's, when replaced.
    static func resolve(_ module: Module, into unchecked: inout [String]) -> AuditModule? {
        if let r = module.replace {
            // A directory replacement: no version (older Go) or "(devel)" (newer Go), and a file path.
            if r.version.isEmpty || r.version == "(devel)" || r.path.hasPrefix(".") || r.path.hasPrefix("/") {
                unchecked.append("\(module.path) => \(r.path): a directory replacement has no version, not checked")
                return nil
            }
            guard GoSemver(r.version) != nil else {
                unchecked.append("\(module.path) => \(r.path) \(r.version): not a semantic version, not checked")
                return nil
            }
            return AuditModule(path: r.path, version: r.version, replaces: module.path + (module.version.isEmpty ? "" : "@" + module.version))
        }
        // The main module of a build from a checkout is "(devel)": the user's own code, not in the database.
        guard !module.version.isEmpty, module.version != "(devel)" else { return nil }
        if GoSemver(module.version) == nil {
            unchecked.append("\(module.path) \(module.version): not a semantic version, not checked")
            return nil
        }
        return AuditModule(path: module.path, version: module.version)
    }

    // MARK: CycloneDX

    /// Reads a CycloneDX JSON SBOM: components whose purl is `pkg:golang/<module>@<version>`
    /// (`pkg:golang/stdlib@<go version>` for the Go version) and the target from properties named
    /// GOOS/GOARCH (or ending in `:GOOS`/`:GOARCH`) on the metadata component or the metadata.
    public static func cycloneDX(file: String, display: String, system: any HostSystem = liveSystem()) -> AuditSubject {
        var subject = AuditSubject(artifact: display, file: file, kind: "sbom")
        guard let data = system.readData(file) else {
            subject.notAudited = "cannot be read"
            return subject
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], root["bomFormat"] as? String == "CycloneDX" else {
            subject.notAudited = "not a CycloneDX JSON document (no \"bomFormat\": \"CycloneDX\")"
            return subject
        }
        let metadata = root["metadata"] as? [String: Any] ?? [:]
        let main = metadata["component"] as? [String: Any]
        for properties in [metadata["properties"], main?["properties"]] {
            for property in properties as? [[String: Any]] ?? [] {
                guard let name = (property["name"] as? String)?.uppercased(), let value = property["value"] as? String else { continue }
                if name == "GOOS" || name.hasSuffix(":GOOS") { subject.goos = value }
                if name == "GOARCH" || name.hasSuffix(":GOARCH") { subject.goarch = value }
            }
        }
        var components: [[String: Any]] = []
        if let main { components.append(main) }
        func collect(_ list: Any?) {
            for c in list as? [[String: Any]] ?? [] {
                components.append(c)
                collect(c["components"])
            }
        }
        collect(root["components"])
        var seen = Set<AuditModule>()
        for component in components {
            guard let purl = component["purl"] as? String, let (path, version) = golangPURL(purl) else { continue }
            if path == OSVMatch.stdlib {
                let goName = version.hasPrefix("go") ? version : "go" + (version.hasPrefix("v") ? String(version.dropFirst()) : version)
                subject.goVersion = goName
                for m in [AuditModule(path: OSVMatch.stdlib, version: goName), AuditModule(path: OSVMatch.toolchain, version: goName)] where seen.insert(m).inserted {
                    subject.modules.append(m)
                }
                continue
            }
            guard !version.isEmpty, version != "(devel)" else { continue }
            guard GoSemver(version) != nil else {
                subject.unchecked.append("\(path) \(version): not a semantic version, not checked")
                continue
            }
            let m = AuditModule(path: path, version: version)
            if seen.insert(m).inserted { subject.modules.append(m) }
        }
        if subject.goVersion == nil {
            subject.unchecked.append("stdlib and toolchain: the SBOM names no pkg:golang/stdlib component, so their entries were not checked")
        }
        if subject.goos == nil || subject.goarch == nil {
            subject.unchecked.append("the SBOM names no GOOS/GOARCH: entries limited to some platforms were applied as if they matched")
        }
        if subject.modules.isEmpty && subject.goVersion == nil {
            subject.notAudited = "no pkg:golang components"
        }
        return subject
    }

    /// `pkg:golang/golang.org/x/text@v0.3.7?type=module#sub` → ("golang.org/x/text", "v0.3.7").
    static func golangPURL(_ purl: String) -> (String, String)? {
        guard purl.hasPrefix("pkg:golang/") else { return nil }
        var rest = Substring(purl.dropFirst("pkg:golang/".count))
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        var version = ""
        if let at = rest.lastIndex(of: "@") {
            version = String(rest[rest.index(after: at)...]).removingPercentEncoding ?? ""
            rest = rest[..<at]
        }
        guard let path = String(rest).removingPercentEncoding, !path.isEmpty else { return nil }
        return (path, version)
    }
}
