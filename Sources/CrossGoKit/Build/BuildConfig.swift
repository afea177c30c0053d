// crossgo.yaml: the optional build configuration next to go.mod, read with Yams and checked key by key.
import Foundation
import Yams

/// A problem in crossgo.yaml, located by file, line and key.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key): \(message)"
    }
}

/// One program to build: its main package and how.
public struct BuildSpec: Sendable, Equatable {
    /// The main package (`./cmd/tool`, `.`, or an import path).
    public var main: String
    /// The binary name; derived from the package path when nil.
    public var binary: String?
    public var ldflags: String?
    public var tags: [String] = []
    public var env: [String: String] = [:]
    /// Extra `go build` flags.
    public var flags: [String] = []
    /// Build this program with cgo (zig as the C cross-compiler for foreign targets).
    public var cgo: Bool?
    /// The C library for linux targets with cgo: musl (default, static) or gnu (glibc, dynamic).
    public var libc: CLibrary?
    /// `libc: gnu.2.17`: the glibc version promised (zig links against it; the artifact is checked).
    public var minGlibc: String?
    /// Where the entry starts in crossgo.yaml.
    public var line: Int?

    public init(main: String, binary: String? = nil, ldflags: String? = nil, tags: [String] = [], env: [String: String] = [:], flags: [String] = []) {
        self.main = main
        self.binary = binary
        self.ldflags = ldflags
        self.tags = tags
        self.env = env
        self.flags = flags
    }
}

/// Settings that apply to some targets only.
public struct TargetOverride: Sendable, Equatable {
    /// Target specs this override applies to (pairs, sets, triples).
    public var targets: [String]
    public var line: Int?
    public var ldflags: String?
    public var tags: [String]?
    public var env: [String: String] = [:]
    public var flags: [String] = []
    /// Build with cgo (CGO_ENABLED=1) for these targets.
    public var cgo: Bool?
    /// The C library for these (linux) targets with cgo.
    public var libc: CLibrary?
    /// `libc: gnu.2.17`: the glibc version promised (zig links against it; the artifact is checked).
    public var minGlibc: String?
}

/// The contents of crossgo.yaml.
public struct BuildConfig: Sendable, Equatable {
    public var file: String?
    public var targets: [String]?
    public var targetsLine: Int?
    /// Output folder, relative to the module root.
    public var out: String?
    /// Artifact name template: {binary}, {os}, {arch}, {variant}, {ext}.
    public var output: String?
    public var outputLine: Int?
    public var builds: [BuildSpec] = []
    public var overrides: [TargetOverride] = []
    public var jobs: Int?
    /// Write a web bundle for each js/wasm program (dist/web/<binary>/).
    public var web: Bool?
    public var trimpath: Bool?
    /// Build with cgo (CGO_ENABLED=1) for every target.
    public var cgo: Bool?
    /// The C library for linux targets with cgo: musl (default) or gnu.
    public var libc: CLibrary?
    /// `libc: gnu.2.17`: the glibc version promised (zig links against it; the artifact is checked).
    public var minGlibc: String?
    /// `crossgo release`: the project name of the checksums file.
    public var project: String?
    /// `crossgo release`: merge darwin/arm64 and darwin/amd64 into a universal binary.
    public var universal: Bool?
    /// `crossgo release`: what the .deb and .rpm packages, the Homebrew formula and the Scoop manifest hold.
    public var packages: PackagesConfig?
    /// `crossgo release`: `release.url`, where an archive is downloaded from (`{{.Tag}}`, `{{.Version}}`, `{{.ArtifactName}}`).
    public var releaseURL: String?
    /// `crossgo release`: the OCI image of the linux artifacts (`image:`).
    public var image: ImageConfig?

    public init() {}

    public static let fileName = "crossgo.yaml"
    static let topKeys = ["targets", "out", "output", "builds", "overrides", "jobs", "trimpath", "cgo", "libc", "web", "project", "universal",
                          "packages", "release", "image"]
    static let packagesKeys = ["formats", "name", "maintainer", "description", "homepage", "license", "depends", "recommends", "files", "scripts"]
    static let packageFileKeys = ["source", "destination", "mode", "config"]
    static let scriptKeys = ["postinstall", "preremove"]
    static let releaseKeys = ["url"]
    static let imageKeys = ["repository", "tags", "base", "binary", "files", "ca-certificates", "args", "labels"]
    static let imageFileKeys = ["source", "destination", "mode"]
    static let buildKeys = ["main", "binary", "ldflags", "tags", "env", "flags", "cgo", "libc"]
    static let overrideKeys = ["target", "targets", "ldflags", "tags", "env", "flags", "cgo", "libc"]

    /// The file's `targets`, resolved (nil when it names none); a bad target is an error located in the file.
    public func resolvedTargets(toolchain: GoToolchain) throws -> [Target]? {
        guard let targets else { return nil }
        do { return try TargetResolver(toolchain: toolchain).resolve(targets) } catch {
            throw ConfigError(file: file ?? Self.fileName, line: targetsLine, key: "targets", message: error.description)
        }
    }

    /// Checks what can only be checked against the toolchain: every target the file names (`targets` and
    /// `overrides`), whether or not this run uses them.
    public func validate(toolchain: GoToolchain) throws {
        _ = try resolvedTargets(toolchain: toolchain)
        _ = try ResolvedOverrides(config: self, toolchain: toolchain)
    }

    /// Reads crossgo.yaml at `path`; nil when there is no such file.
    public static func load(path: String, system: any HostSystem = liveSystem()) throws -> BuildConfig? {
        guard system.fileExists(path) else { return nil }
        guard let data = system.readData(path) else {
            throw ConfigError(file: path, line: nil, key: "file", message: "cannot be read")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, system: system)
    }

    /// Parses the text of a crossgo.yaml.
    /// Files it names are looked for through `system`.
    public static func parse(_ text: String, file: String, system: any HostSystem = liveSystem()) throws -> BuildConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let located = yamlLocated(error, text: text)
            throw ConfigError(file: file, line: located.line, key: "yaml", message: "not valid YAML: " + located.reason)
        }
        var config = BuildConfig()
        config.file = file
        guard let root else { return config }
        let reader = Reader(file: file, system: system)
        let top = try reader.mapping(root, key: "(top level)")
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "targets":
                config.targets = try reader.strings(value, key: key)
                config.targetsLine = value.mark?.line
            case "out": config.out = try reader.string(value, key: key)
            case "output":
                config.output = try reader.string(value, key: key)
                config.outputLine = value.mark?.line
            case "jobs":
                guard let n = value.int, n > 0, value.scalar?.style == .plain else {
                    throw reader.error(value, key, "expected a positive whole number")
                }
                config.jobs = n
            case "trimpath": config.trimpath = try reader.bool(value, key: key)
            case "cgo": config.cgo = try reader.bool(value, key: key)
            case "libc": (config.libc, config.minGlibc) = try reader.libc(value, key: key)
            case "web": config.web = try reader.bool(value, key: key)
            case "universal": config.universal = try reader.bool(value, key: key)
            case "project":
                let name = try reader.string(value, key: key)
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._+-".contains($0) }) else {
                    throw reader.error(value, key, "a project name is one word of letters, digits and . _ + - (it names the checksums file)")
                }
                config.project = name
            case "packages":
                config.packages = try reader.packages(value, key: key)
                config.packages?.line = keyNode.mark?.line
            case "image":
                config.image = try reader.image(value, key: key)
            case "release":
                for (k, v) in try reader.mapping(value, key: key) {
                    let name = k.string ?? ""
                    guard name == "url" else { throw reader.unknown(k, "release.\(name)", known: releaseKeys) }
                    let url = try reader.string(v, key: "release.url")
                    if let problem = ReleaseURL.problem(url) { throw reader.error(v, "release.url", problem) }
                    config.releaseURL = url
                }
            case "builds":
                guard case .sequence(let items) = value else { throw reader.error(value, key, "expected a list of builds") }
                config.builds = try items.enumerated().map { i, item in try reader.build(item, key: "builds[\(i)]") }
            case "overrides":
                guard case .sequence(let items) = value else { throw reader.error(value, key, "expected a list of per-target overrides") }
                config.overrides = try items.enumerated().map { i, item in try reader.override(item, key: "overrides[\(i)]") }
            default:
                throw reader.unknown(keyNode, key, known: topKeys)
            }
        }
        return config
    }

    /// Yams' own reason, with its column: "column 7: mapping values are not allowed in this context".
    static func yamlReason(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let where_ = context.map { "\($0.text) " } ?? ""
            return "column \(mark.column): \(where_.isEmpty ? "" : where_ + "-> ")\(problem)"
        case .composer(let context, let problem, let mark, _):
            let where_ = context.map { "\($0.text) " } ?? ""
            return "column \(mark.column): \(where_.isEmpty ? "" : where_ + "-> ")\(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "column \(context.mark.column): duplicate key(s) \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", "))"
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return nil
        }
    }

    /// The line and reason of a YAML error. When the file ends before what it opened is closed (`[host` with
    /// no `]`), libyaml points past the last line (line 2 of a one-line file): the line reported is then where
    /// the unclosed part starts (else the last line), and the reason says the file ended.
    static func yamlLocated(_ error: YamlError, text: String) -> (line: Int?, reason: String) {
        let reason = yamlReason(error)
        guard let line = yamlErrorLine(error) else { return (nil, reason) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let last = (lines.lastIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? 0) + 1
        guard line > last else { return (line, reason) }
        var opened: YamlError.Context?
        switch error {
        case .scanner(let context, _, _, _), .parser(let context, _, _, _), .composer(let context, _, _, _): opened = context
        default: break
        }
        guard let opened, opened.mark.line <= last else { return (last, reason + " at the end of the file") }
        let problem: String
        switch error {
        case .scanner(_, let p, _, _), .parser(_, let p, _, _), .composer(_, let p, _, _): problem = p
        default: problem = reason
        }
        let ended = problem.contains("end of stream") ? "" : " before the end of the file"
        return (opened.mark.line, "column \(opened.mark.column): \(opened.text) -> \(problem)\(ended)")
    }
}

/// Typed reads from YAML nodes, each failure naming file, line and key.
private struct Reader {
    var file: String
    var system: any HostSystem

    func error(_ node: Node, _ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, key: key, message: message)
    }

    func unknown(_ keyNode: Node, _ key: String, known: [String]) -> ConfigError {
        let name = key.split(separator: ".").last.map(String.init) ?? key
        let near = known.filter { editDistance($0, name) <= 2 }
        let hint = near.isEmpty ? "known keys: \(known.joined(separator: ", "))" : "did you mean \(near.joined(separator: ", "))?"
        return ConfigError(file: file, line: keyNode.mark?.line, key: key, message: "unknown key (\(hint))")
    }

    func mapping(_ node: Node, key: String) throws -> [(Node, Node)] {
        guard case .mapping(let map) = node else { throw error(node, key, "expected a mapping of keys to values") }
        return map.map { ($0.key, $0.value) }
    }

    func string(_ node: Node, key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, key, "expected a string") }
        return scalar.string
    }

    func bool(_ node: Node, key: String) throws -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error(node, key, "expected true or false") }
        return value
    }

    /// A file to include (a package's, an image's, a script), relative to crossgo.yaml's folder, that exists.
    func includedFile(_ node: Node, key: String, root: String) throws -> String {
        let relative = try string(node, key: key)
        guard !relative.isEmpty, !relative.hasPrefix("/") else { throw error(node, key, "give a path relative to the folder of crossgo.yaml") }
        guard system.fileExists(root + "/" + relative), !system.isDirectory(root + "/" + relative) else {
            throw error(node, key, "\(relative): no such file")
        }
        return relative
    }

    /// A file's absolute path where it is installed (a package, an image): no empty, `.` or `..` parts.
    func installedPath(_ node: Node, key: String) throws -> String {
        let destination = try string(node, key: key)
        let parts = destination.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard destination.hasPrefix("/"), !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw error(node, key, "expected an absolute file path, e.g. /etc/hello/hello.conf")
        }
        return destination
    }

    /// Permission bits in octal (`0644`, `0o755`).
    func fileMode(_ node: Node, key: String) throws -> Int {
        let text = try string(node, key: key)
        let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
        guard let mode = Int(digits, radix: 8), mode >= 0, mode <= 0o7777 else {
            throw error(node, key, "expected an octal mode, e.g. 0644 or 0755")
        }
        return mode
    }

    /// `musl` or `gnu` (`glibc` accepted), or `gnu.2.17` (zig's spelling): glibc, linked against and held to that version.
    func libc(_ node: Node, key: String) throws -> (CLibrary, String?) {
        let value = try string(node, key: key).lowercased()
        for prefix in ["gnu.", "glibc."] where value.hasPrefix(prefix) {
            let version = String(value.dropFirst(prefix.count))
            guard GlibcVersion.isValid(version) else {
                throw error(node, key, "expected a glibc version after gnu. (gnu.2.17), not '\(version)'")
            }
            return (.gnu, version)
        }
        if value == "glibc" { return (.gnu, nil) }
        guard let libc = CLibrary(rawValue: value) else { throw error(node, key, "expected musl, gnu or gnu.X.Y (the C library of linux cgo builds)") }
        return (libc, nil)
    }

    /// A string or a list of strings.
    func strings(_ node: Node, key: String) throws -> [String] {
        switch node {
        case .scalar(let scalar): return [scalar.string]
        case .sequence(let items): return try items.map { try string($0, key: key) }
        default: throw error(node, key, "expected a string or a list of strings")
        }
    }

    func env(_ node: Node, key: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try mapping(node, key: key) {
            let name = k.string ?? ""
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw error(k, "\(key).\(name)", "not an environment variable name")
            }
            if ["GOOS", "GOARCH"].contains(name) {
                throw error(k, "\(key).\(name)", "set targets with `targets`, not through env")
            }
            out[name] = try string(v, key: "\(key).\(name)")
        }
        return out
    }

    func build(_ node: Node, key: String) throws -> BuildSpec {
        var spec = BuildSpec(main: "")
        spec.line = node.mark?.line
        var sawMain = false
        for (k, v) in try mapping(node, key: key) {
            let name = k.string ?? ""
            let path = "\(key).\(name)"
            switch name {
            case "main": spec.main = try string(v, key: path); sawMain = true
            case "binary":
                let binary = try string(v, key: path)
                guard !binary.isEmpty, !binary.contains("/"), binary != ".", binary != ".." else {
                    throw error(v, path, "a binary name is one file name, without '/'")
                }
                spec.binary = binary
            case "ldflags": spec.ldflags = try string(v, key: path)
            case "tags": spec.tags = try strings(v, key: path)
            case "env": spec.env = try env(v, key: path)
            case "flags": spec.flags = try strings(v, key: path)
            case "cgo": spec.cgo = try bool(v, key: path)
            case "libc": (spec.libc, spec.minGlibc) = try libc(v, key: path)
            default: throw unknown(k, path, known: BuildConfig.buildKeys)
            }
        }
        guard sawMain, !spec.main.isEmpty else { throw error(node, "\(key).main", "missing: name the main package, e.g. main: ./cmd/tool") }
        return spec
    }

    /// `packages:`. Every file it names must exist next to crossgo.yaml, and the name must be one Debian accepts, so
    /// that a release fails before it builds anything.
    func packages(_ node: Node, key: String) throws -> PackagesConfig {
        var out = PackagesConfig()
        out.line = node.mark?.line
        let root = (file as NSString).deletingLastPathComponent
        func existing(_ v: Node, _ path: String) throws -> String { try includedFile(v, key: path, root: root) }
        for (k, v) in try mapping(node, key: key) {
            let name = k.string ?? ""
            let path = "\(key).\(name)"
            switch name {
            case "formats":
                out.formats = try strings(v, key: path).map { word in
                    guard let format = PackageFormat(rawValue: word.lowercased()) else { throw error(v, path, "\(word): not a package format (deb, rpm, brew, scoop)") }
                    return format
                }.sorted()
            case "name":
                let packageName = try string(v, key: path)
                if let problem = LinuxPackage.nameProblem(packageName) { throw error(v, path, problem) }
                out.name = packageName
            case "maintainer":
                let maintainer = try string(v, key: path)
                guard maintainer.contains("<"), maintainer.hasSuffix(">"), !maintainer.contains("\n") else {
                    throw error(v, path, "expected a name and an address, e.g. Jane Doe <jane@example.com> (Debian policy 5.6.2)")
                }
                out.maintainer = maintainer
            case "description":
                let text = try string(v, key: path).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw error(v, path, "empty: the first line is the package's summary") }
                out.description = text
            case "homepage": out.homepage = try string(v, key: path)
            case "license":
                let license = try string(v, key: path)
                guard !license.isEmpty, !license.contains("\n") else { throw error(v, path, "expected an SPDX license expression, e.g. MIT") }
                out.license = license
            case "depends": out.depends = try strings(v, key: path)
            case "recommends": out.recommends = try strings(v, key: path)
            case "scripts":
                for (sk, sv) in try mapping(v, key: path) {
                    let script = sk.string ?? ""
                    switch script {
                    case "postinstall": out.postinstall = try existing(sv, "\(path).\(script)")
                    case "preremove": out.preremove = try existing(sv, "\(path).\(script)")
                    default: throw unknown(sk, "\(path).\(script)", known: BuildConfig.scriptKeys)
                    }
                }
            case "files":
                out.files = try fileSpecs(v, key: path, root: root, known: BuildConfig.packageFileKeys, installed: "where it is installed")
            default: throw unknown(k, path, known: BuildConfig.packagesKeys)
            }
        }
        return out
    }

    /// The `files:` list of `packages:` or `image:`: each item a source next to crossgo.yaml, an absolute destination,
    /// an optional mode, and (packages only, when `known` has it) `config`.
    func fileSpecs(_ v: Node, key path: String, root: String, known: [String], installed: String) throws -> [PackageFileSpec] {
        guard case .sequence(let items) = v else { throw error(v, path, "expected a list of files (\(known.joined(separator: ", ")))") }
        return try items.enumerated().map { i, item in
            let itemKey = "\(path)[\(i)]"
            var spec = PackageFileSpec(source: "", destination: "")
            spec.line = item.mark?.line
            for (fk, fv) in try mapping(item, key: itemKey) {
                let field = fk.string ?? ""
                let fieldKey = "\(itemKey).\(field)"
                switch field {
                case "source": spec.source = try includedFile(fv, key: fieldKey, root: root)
                case "destination": spec.destination = try installedPath(fv, key: fieldKey)
                case "mode": spec.mode = try fileMode(fv, key: fieldKey)
                case "config" where known.contains("config"): spec.config = try bool(fv, key: fieldKey)
                default: throw unknown(fk, fieldKey, known: known)
                }
            }
            guard !spec.source.isEmpty else { throw error(item, "\(itemKey).source", "missing: the file to include, relative to crossgo.yaml") }
            guard !spec.destination.isEmpty else { throw error(item, "\(itemKey).destination", "missing: \(installed), e.g. /etc/hello/hello.conf") }
            return spec
        }
    }

    /// `image:`. Every file it names must exist next to crossgo.yaml, the base must be `scratch` or a folder, and every
    /// tag template must use known fields, so that a release fails before it builds anything.
    func image(_ node: Node, key: String) throws -> ImageConfig {
        var out = ImageConfig()
        out.line = node.mark?.line
        let root = (file as NSString).deletingLastPathComponent
        for (k, v) in try mapping(node, key: key) {
            let name = k.string ?? ""
            let path = "\(key).\(name)"
            switch name {
            case "repository":
                let text = try string(v, key: path)
                do { _ = try ImageReference.parse(text, what: path) } catch { throw self.error(v, path, "\(error)") }
                out.repository = text
            case "tags":
                out.tags = try strings(v, key: path)
                for tag in out.tags ?? [] {
                    if let problem = ImageConfig.tagTemplateProblem(tag) { throw error(v, path, problem) }
                }
            case "base":
                let text = try string(v, key: path)
                if text != "scratch" {
                    let full = absolutePath(text, against: root)
                    guard system.isDirectory(full), system.fileExists(full + "/oci-layout") else {
                        throw error(v, path, "\(text): expected scratch or the folder of an OCI image layout (with oci-layout and index.json)")
                    }
                }
                out.base = text
            case "binary": out.binary = try string(v, key: path)
            case "ca-certificates": out.caCertificates = try bool(v, key: path)
            case "args": out.arguments = try strings(v, key: path)
            case "labels":
                var labels: [String: String] = [:]
                for (lk, lv) in try mapping(v, key: path) { labels[lk.string ?? ""] = try string(lv, key: "\(path).\(lk.string ?? "")") }
                out.labels = labels
            case "files":
                out.files = try fileSpecs(v, key: path, root: root, known: BuildConfig.imageFileKeys, installed: "its path in the image")
            default: throw unknown(k, path, known: BuildConfig.imageKeys)
            }
        }
        return out
    }

    func override(_ node: Node, key: String) throws -> TargetOverride {
        var result = TargetOverride(targets: [], line: node.mark?.line)
        for (k, v) in try mapping(node, key: key) {
            let name = k.string ?? ""
            let path = "\(key).\(name)"
            switch name {
            case "target", "targets": result.targets = try strings(v, key: path); result.line = v.mark?.line
            case "ldflags": result.ldflags = try string(v, key: path)
            case "tags": result.tags = try strings(v, key: path)
            case "env": result.env = try env(v, key: path)
            case "flags": result.flags = try strings(v, key: path)
            case "cgo": result.cgo = try bool(v, key: path)
            case "libc": (result.libc, result.minGlibc) = try libc(v, key: path)
            default: throw unknown(k, path, known: BuildConfig.overrideKeys)
            }
        }
        guard !result.targets.isEmpty else { throw error(node, "\(key).targets", "missing: say which targets this override is for") }
        return result
    }
}
