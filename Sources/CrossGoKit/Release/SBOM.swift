// SBOMs read from an artifact's own build info: the subject (file facts + BuildInfo), the Go module model both
// formats share, writing `<artifact>.cdx.json` and `<artifact>.spdx.json`, and checking a written SBOM against a binary.
import Crypto
import Foundation
import GoBinary

/// What an SBOM describes: one artifact file and the build information Go stored in it.
public struct SBOMSubject: Sendable, Equatable {
    /// The artifact's file name as released, e.g. `hello_linux_amd64` (no folders).
    public var fileName: String
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
    /// Lowercase hex SHA-1 of the file (SPDX 2.3 requires a SHA1 checksum on every file).
    public var sha1: String
    public var size: Int
    public var target: Target
    public var format: BinaryFormat
    public var buildInfo: BuildInfo

    public init(fileName: String, sha256: String, sha1: String, size: Int, target: Target, format: BinaryFormat, buildInfo: BuildInfo) {
        self.fileName = fileName
        self.sha256 = sha256
        self.sha1 = sha1
        self.size = size
        self.target = target
        self.format = format
        self.buildInfo = buildInfo
    }

    /// Reads the artifact at `path`: digests, size, format and build info (any format GoBinary reads, wasm
    /// included). `target` defaults to the build info's GOOS/GOARCH and level variable; `fileName` to the
    /// path's last component. A universal Mach-O file is one program for several architectures: its slices must
    /// agree on Go version, main package and modules, and its subject is `darwin/universal`, without GOARCH.
    public static func read(artifactAt path: String, fileName: String? = nil, target: Target? = nil,
                            system: any HostSystem = liveSystem()) throws(SBOMError) -> SBOMSubject {
        let image: BinaryImage
        do throws(GoBinaryError) {
            image = try system.binaryImage(path)
            guard image.isGo else { throw GoBinaryError(.notGo, format: image.format) }
        } catch { throw SBOMError("\(path): \(error)") }
        guard let slice = image.slices.first, var info = slice.buildInfo else { throw SBOMError("\(path): no Go build info") }
        var universal: Target?
        if image.slices.count > 1 {
            let arch = Set(["GOARCH"] + Target.variantVariables.values)
            func program(_ i: BuildInfo) -> String {
                ([i.goVersion, i.path ?? "", i.main.map { "\($0)" } ?? ""] + i.deps.map { "\($0)" }
                    + i.settings.filter { !arch.contains($0.key) }.map(\.text)).joined(separator: "\n")
            }
            for other in image.slices.dropFirst() where other.buildInfo.map(program) != program(info) {
                throw SBOMError("\(path): the slices of this universal file are not one program (their Go version, modules or settings differ)")
            }
            info = BuildInfo(goVersion: info.goVersion, path: info.path, main: info.main, deps: info.deps,
                             settings: info.settings.filter { !arch.contains($0.key) }, rawModuleInfo: info.rawModuleInfo)
            universal = Target(goos: info.setting("GOOS") ?? "darwin", goarch: "universal")
        }
        let digests: (sha256: String, sha1: String, size: Int)
        do { digests = try fileDigests(path) } catch { throw SBOMError("\(path): cannot read: \(error.localizedDescription)") }
        let goos = info.setting("GOOS") ?? slice.goos ?? "unknown"
        let goarch = info.setting("GOARCH") ?? slice.goarch ?? "unknown"
        let variant = Target.variantVariables[goarch].flatMap { info.setting($0) }
        return SBOMSubject(fileName: fileName ?? (path as NSString).lastPathComponent, sha256: digests.sha256, sha1: digests.sha1,
                           size: digests.size, target: target ?? universal ?? Target(goos: goos, goarch: goarch, variant: variant),
                           format: universal == nil ? slice.format : image.format, buildInfo: info)
    }

    /// SHA-256 and SHA-1 of a file, read in chunks.
    static func fileDigests(_ path: String) throws -> (sha256: String, sha1: String, size: Int) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var sha256 = SHA256()
        var sha1 = Insecure.SHA1()
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            sha256.update(data: chunk)
            sha1.update(data: chunk)
            size += chunk.count
        }
        return (hex(sha256.finalize()), hex(sha1.finalize()), size)
    }
}

/// An SBOM that cannot be made or read: one line naming the file.
public struct SBOMError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus { .failed }
    public init(_ description: String) { self.description = description }
}

/// Writes and checks SBOMs in CycloneDX 1.6 JSON and SPDX 2.3 JSON.
///
/// Both documents are functions of the subject, the creation time and crossgo's version only: no clock, no random
/// identifiers, sorted keys, a stable order of components. The same artifact released twice with the same time
/// gives byte-identical SBOMs.
public enum SBOM {
    /// The two document formats crossgo writes.
    public enum Format: String, Sendable, Codable, CaseIterable {
        case cycloneDX = "cyclonedx"
        case spdx

        /// `.cdx.json` or `.spdx.json`, appended to the artifact's file name.
        public var suffix: String { self == .cycloneDX ? ".cdx.json" : ".spdx.json" }
    }

    /// `<artifact file name><suffix>`, e.g. `hello_linux_amd64.cdx.json`.
    public static func fileName(_ format: Format, forArtifact artifactFileName: String) -> String {
        artifactFileName + format.suffix
    }

    /// The document's bytes (pretty JSON, sorted keys, final newline). `created` is the caller's release time
    /// (from SOURCE_DATE_EPOCH or the commit), never the clock, so that releases are reproducible.
    public static func document(_ format: Format, for subject: SBOMSubject, created: Date, toolVersion: String = CrossGoVersion.current) -> Data {
        let model = GoModuleGraph(subject.buildInfo)
        switch format {
        case .cycloneDX: return encode(CycloneDX.document(subject: subject, graph: model, created: created, toolVersion: toolVersion))
        case .spdx: return encode(SPDX.document(subject: subject, graph: model, created: created, toolVersion: toolVersion))
        }
    }

    /// Writes `<artifact>.cdx.json` and `<artifact>.spdx.json` (or the `formats` asked for) into `directory`, each
    /// through a temporary file and a rename. Returns the paths written, in the order of `formats`.
    @discardableResult
    public static func write(for subject: SBOMSubject, created: Date, into directory: String, formats: [Format] = Format.allCases,
                             toolVersion: String = CrossGoVersion.current, system: any HostSystem) throws(SBOMError) -> [String] {
        var written: [String] = []
        for format in formats {
            let path = directory + "/" + fileName(format, forArtifact: subject.fileName)
            do { try system.writeData(document(format, for: subject, created: created, toolVersion: toolVersion), to: path) } catch {
                throw SBOMError("\(path): cannot write: \(error.localizedDescription)")
            }
            written.append(path)
        }
        return written
    }

    /// Compares an SBOM crossgo wrote (CycloneDX or SPDX, told apart by content) with the artifact's own build info:
    /// the artifact's SHA-256, the Go version, GOOS/GOARCH and every module with its version. Returns one line per
    /// difference, each naming the SBOM file; empty when they agree.
    public static func check(sbomAt sbomPath: String, againstArtifactAt artifactPath: String, system: any HostSystem = liveSystem()) -> [String] {
        let name = (sbomPath as NSString).lastPathComponent
        guard let data = system.readData(sbomPath) else { return ["\(name): cannot read \(sbomPath)"] }
        let claimed: SBOMFacts
        do { claimed = try SBOMFacts.parse(data) } catch { return ["\(name): \(error.description)"] }
        let subject: SBOMSubject
        do { subject = try SBOMSubject.read(artifactAt: artifactPath, system: system) } catch { return ["\(name): \(error.description)"] }
        let actual = SBOMFacts(subject: subject, graph: GoModuleGraph(subject.buildInfo))
        return claimed.differences(from: actual).map { "\(name): \($0)" }
    }

    static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // The document types hold only strings, numbers, arrays and optionals: encoding cannot fail.
        var data = (try? encoder.encode(value)) ?? Data()
        data.append(0x0a)
        return data
    }

    /// `2026-12-02T19:22:04Z`: the UTC second form both formats accept.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// A name-based (version 5, SHA-1) UUID in the URL namespace of RFC 9562: the same name, the same UUID.
    static func uuid5(_ name: String) -> String {
        var input: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        input += Array(name.utf8)
        var b = Array(Insecure.SHA1.hash(data: input).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50
        b[8] = (b[8] & 0x3f) | 0x80
        let h = b.map { String(format: "%02x", $0) }.joined()
        let c = Array(h)
        return [String(c[0..<8]), String(c[8..<12]), String(c[12..<16]), String(c[16..<20]), String(c[20..<32])].joined(separator: "-")
    }

    /// The name both formats derive their document identity from: format, artifact, digest, time and tool version.
    static func identityName(_ format: Format, subject: SBOMSubject, created: Date, toolVersion: String) -> String {
        "crossgo-sbom:\(format.rawValue):\(subject.fileName):sha256:\(subject.sha256):\(timestamp(created)):crossgo-\(toolVersion)"
    }
}

func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String(format: "%02x", $0) }.joined()
}

// MARK: - The Go module model both formats share

/// One module compiled into the artifact, as both SBOM formats present it.
struct GoComponent: Sendable, Equatable {
    enum Role: Sendable { case main, dependency, stdlib }
    /// How go.mod replaced the required module, if it did.
    enum Replacement: Sendable, Equatable {
        /// `=> path version`: another module version was compiled in.
        case module(path: String, version: String)
        /// `=> ./dir`: a local directory (no version, no sum) was compiled in.
        case directory(String)
    }

    var role: Role
    /// Stable identifier (CycloneDX bom-ref), from the required module path, which build info lists once.
    var ref: String
    /// The module path of the code compiled in (the replacement's path for module replacements).
    var name: String
    /// The version compiled in; nil for directory replacements and unversioned main modules.
    var version: String?
    /// The go.sum line's hash (`h1:...`) of the code compiled in, when the binary records it.
    var sum: String?
    var purl: String
    /// The module as go.mod requires it, when a replacement applies.
    var required: Module?
    var replacement: Replacement?

    /// `crossgo:` properties (name, value), in a fixed order.
    var properties: [(String, String)] {
        var out: [(String, String)] = []
        if let sum { out.append(("crossgo:go.sum", sum)) }
        if let required, let replacement {
            out.append(("crossgo:go.mod.require", "\(required.path) \(required.version)"))
            switch replacement {
            case .module(let path, let version): out.append(("crossgo:go.mod.replace", "\(path) \(version)"))
            case .directory(let dir): out.append(("crossgo:go.mod.replace", dir))
            }
        }
        return out
    }
}

/// The modules of one binary: its main module, its dependencies (sorted by module path) and the standard library.
///
/// Go's build info is flat: it lists every module linked in, not which module imports which. So the graph is
/// artifact -> main module -> every dependency and the standard library; the edges between dependencies are unknown.
struct GoModuleGraph: Sendable {
    var main: GoComponent?
    var dependencies: [GoComponent]
    var stdlib: GoComponent

    init(_ info: BuildInfo) {
        main = info.main.map { Self.component($0, role: .main) }
        dependencies = info.deps.map { Self.component($0, role: .dependency) }.sorted { $0.ref < $1.ref }
        let version = Self.stdlibVersion(info.goVersion)
        stdlib = GoComponent(role: .stdlib, ref: "crossgo:stdlib", name: "stdlib", version: Self.goToolchainWord(info.goVersion), sum: nil,
                             purl: Purl.golang("stdlib", version: version), required: nil, replacement: nil)
    }

    /// Main module first, then dependencies, then the standard library.
    var all: [GoComponent] { (main.map { [$0] } ?? []) + dependencies + [stdlib] }

    static func component(_ m: Module, role: GoComponent.Role) -> GoComponent {
        let ref = (role == .main ? "crossgo:main:" : "crossgo:module:") + m.path
        if let r = m.replace {
            // A directory replacement has no version (Go records "(devel)" or nothing) and no go.sum hash.
            if r.sum == nil && (r.version.isEmpty || r.version == "(devel)") {
                return GoComponent(role: role, ref: ref, name: m.path, version: nil, sum: nil, purl: Purl.golang(m.path, version: nil),
                                   required: m, replacement: .directory(r.path))
            }
            return GoComponent(role: role, ref: ref, name: r.path, version: r.version, sum: r.sum, purl: Purl.golang(r.path, version: r.version),
                               required: m, replacement: .module(path: r.path, version: r.version))
        }
        // "(devel)" is what Go records for an unversioned main module: kept as the version, left out of the purl.
        let version = m.version.isEmpty ? nil : m.version
        return GoComponent(role: role, ref: ref, name: m.path, version: version, sum: m.sum,
                           purl: Purl.golang(m.path, version: version == "(devel)" ? nil : version), required: nil, replacement: nil)
    }

    /// `go1.27.3 X:nocoverageredesign` -> `go1.27.3`.
    static func goToolchainWord(_ goVersion: String) -> String {
        String(goVersion.split(separator: " ").first ?? Substring(goVersion))
    }

    /// `go1.27.3` -> `1.27.3` (syft's convention for `pkg:golang/stdlib@...`).
    static func stdlibVersion(_ goVersion: String) -> String {
        let word = goToolchainWord(goVersion)
        return word.hasPrefix("go") ? String(word.dropFirst(2)) : word
    }
}

/// Package URLs of type `golang`, built the way syft builds them: `pkg:golang/<module path>@<version>`, the path's
/// `/` kept as segment separators, everything but unreserved characters percent-encoded (so `+incompatible` is
/// `%2Bincompatible`). Case is kept: Go module paths are case-sensitive.
enum Purl {
    static func golang(_ path: String, version: String?) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }
        var out = "pkg:golang/" + segments.joined(separator: "/")
        if let version, !version.isEmpty { out += "@" + encode(version) }
        return out
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// The `crossgo:` facts about the artifact itself, as CycloneDX properties and SPDX annotations.
func artifactProperties(_ subject: SBOMSubject) -> [(String, String)] {
    var out: [(String, String)] = [
        ("crossgo:target", subject.target.description),
        ("crossgo:format", subject.format.rawValue),
        ("crossgo:size", String(subject.size)),
        ("crossgo:go.version", subject.buildInfo.goVersion),
    ]
    if let path = subject.buildInfo.path, !path.isEmpty { out.append(("crossgo:main.package", path)) }
    for s in subject.buildInfo.settings { out.append(("crossgo:build:" + s.key, s.value)) }
    return out
}

// MARK: - Reading back

/// What `SBOM.check` compares: facts read from a written document, or computed from a binary.
struct SBOMFacts: Equatable {
    var sha256: String?
    var goVersion: String?
    var goos: String?
    var goarch: String?
    /// Module name -> versions ("" when none), the standard library included.
    var modules: [String: Set<String>]

    init(sha256: String?, goVersion: String?, goos: String?, goarch: String?, modules: [String: Set<String>]) {
        self.sha256 = sha256
        self.goVersion = goVersion
        self.goos = goos
        self.goarch = goarch
        self.modules = modules
    }

    init(subject: SBOMSubject, graph: GoModuleGraph) {
        var modules: [String: Set<String>] = [:]
        for c in graph.all { modules[c.name, default: []].insert(c.version ?? "") }
        self.init(sha256: subject.sha256, goVersion: subject.buildInfo.goVersion, goos: subject.buildInfo.setting("GOOS") ?? subject.target.goos,
                  goarch: subject.buildInfo.setting("GOARCH"), modules: modules)
    }

    /// Parses a CycloneDX or SPDX JSON document crossgo wrote.
    static func parse(_ data: Data) throws(SBOMError) -> SBOMFacts {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SBOMError("not a JSON object")
        }
        if object["bomFormat"] as? String == "CycloneDX" {
            do { return try CycloneDX.facts(JSONDecoder().decode(CycloneDX.Document.self, from: data)) } catch let e as SBOMError { throw e } catch {
                throw SBOMError("not a CycloneDX document crossgo can read: \(error)")
            }
        }
        if let version = object["spdxVersion"] as? String, version.hasPrefix("SPDX-") {
            do { return try SPDX.facts(JSONDecoder().decode(SPDX.Document.self, from: data)) } catch let e as SBOMError { throw e } catch {
                throw SBOMError("not an SPDX document crossgo can read: \(error)")
            }
        }
        throw SBOMError("neither CycloneDX (bomFormat) nor SPDX (spdxVersion)")
    }

    /// One line per difference; `self` is the SBOM, `actual` the binary.
    func differences(from actual: SBOMFacts) -> [String] {
        var out: [String] = []
        func compare(_ what: String, _ sbom: String?, _ binary: String?) {
            if sbom != binary { out.append("\(what) is \(sbom ?? "missing") in the SBOM, \(binary ?? "missing") in the binary") }
        }
        compare("artifact SHA-256", sha256, actual.sha256)
        compare("Go version", goVersion, actual.goVersion)
        compare("GOOS", goos, actual.goos)
        compare("GOARCH", goarch, actual.goarch)
        func show(_ versions: Set<String>) -> String {
            versions.sorted().map { $0.isEmpty ? "(no version)" : $0 }.joined(separator: ", ")
        }
        for name in Set(modules.keys).union(actual.modules.keys).sorted() {
            switch (modules[name], actual.modules[name]) {
            case (let s?, nil): out.append("module \(name) \(show(s)) is listed in the SBOM but not built into the binary")
            case (nil, let b?): out.append("module \(name) \(show(b)) is built into the binary but missing from the SBOM")
            case (let s?, let b?) where s != b: out.append("module \(name) is \(show(s)) in the SBOM, \(show(b)) in the binary")
            default: break
            }
        }
        return out
    }
}
