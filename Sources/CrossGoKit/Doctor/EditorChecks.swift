// What the editors see: the Go a VS Code settings file or a GoLand project names, read from their files
// (never by starting the editor), compared with the go this shell runs and the machine's CPU.
import Foundation

/// What a setting that names a Go (a GOROOT folder or a go binary) points at.
struct NamedGo {
    /// The go binary: `<root>/bin/go` for a GOROOT.
    var binary: String
    var exists: Bool
    var facts: GoBinaryFacts?
    /// The version from the binary, else from `<root>/VERSION`.
    var version: String?

    init(goroot: String, system: any HostSystem) {
        binary = goroot + "/bin/go"
        exists = system.isDirectory(goroot)
        facts = system.goBinaryFacts(binary)
        version = facts?.goVersion ?? system.readTextFile(goroot + "/VERSION")?.split(separator: "\n").first.map(String.init)
    }

    init(binary: String, system: any HostSystem) {
        self.binary = binary
        exists = system.isExecutableFile(binary)
        facts = system.goBinaryFacts(binary)
        version = facts?.goVersion
    }

    var label: String {
        guard exists else { return "does not exist" }
        let platform = facts.map { "\($0.goos ?? "?")/\($0.goarch ?? "?")" }
        return [version ?? "unknown version", platform].compactMap { $0 }.joined(separator: " ")
    }
}

/// What is wrong with a Go an editor setting names: missing, built for another CPU, or another version than the
/// terminal's go. `what` names the setting ("settings.json:4: go.goroot"). Nil when it matches.
func namedGoProblem(_ named: NamedGo, what: String, value: String, facts: DoctorFacts) -> (FindingStatus, String)? {
    guard named.exists else {
        return (.error, "\(what) = \(value), which does not exist: the editor finds no go there")
    }
    let cpu = facts.hardwareArch
    if let arch = named.facts?.goarch, arch != cpu, !(cpu == "amd64" && arch == "386") {
        let rosetta = facts.system.osName == "darwin" && cpu == "arm64" && arch == "amd64"
        return (.error, "\(what) = \(value) is a \(arch) go on a \(cpu) machine" +
                (rosetta ? " (runs under Rosetta and builds amd64 by default)" : " (it cannot run here)"))
    }
    if let version = named.version, let terminal = facts.goVersion, version != terminal {
        return (.warning, "\(what) = \(value) is \(version), but the go on PATH in this shell is \(terminal)")
    }
    return nil
}

/// `~`, `${env:NAME}`, `${userHome}` and `${workspaceFolder}` in an editor setting, as the Go extension expands them.
func expandEditorPath(_ raw: String, workspace: String?, system: any HostSystem) -> String {
    var s = raw
    if s == "~" || s.hasPrefix("~/") { s = system.homeDirectory + s.dropFirst() }
    s = s.replacingOccurrences(of: "${userHome}", with: system.homeDirectory)
    if let workspace {
        s = s.replacingOccurrences(of: "${workspaceFolder}", with: workspace).replacingOccurrences(of: "${workspaceRoot}", with: workspace)
    }
    while let r = s.range(of: "${env:"), let end = s[r.upperBound...].firstIndex(of: "}") {
        let name = String(s[r.upperBound..<end])
        s.replaceSubrange(r.lowerBound...end, with: system.environment[name] ?? "")
    }
    return s
}

/// `editor.vscode`: the Go that VS Code's settings name (user settings of Code, Code - Insiders and VSCodium,
/// and the workspace's .vscode/settings.json), checked against the go on PATH and the CPU.
public struct VSCodeCheck: DoctorCheck {
    public let id = "editor.vscode"
    public let title = "VS Code settings"
    public init() {}

    static let products = ["Code", "Code - Insiders", "VSCodium"]
    /// `go.toolsEnvVars` entries the check compares with what go uses.
    static let toolsEnvKeys = ["GOROOT", "GOFLAGS", "GOARCH", "GOOS", "CGO_ENABLED"]

    /// The user settings files VS Code, Insiders and VSCodium read on this OS.
    static func userSettingsFiles(system: any HostSystem) -> [String] {
        let base: String
        if system.osName == "darwin" {
            base = system.homeDirectory + "/Library/Application Support"
        } else {
            base = nonEmpty(system.environment["XDG_CONFIG_HOME"]) ?? system.homeDirectory + "/.config"
        }
        return products.map { "\(base)/\($0)/User/settings.json" }
    }

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let system = facts.system
        let workspaceFile = findUpward(".vscode/settings.json", from: facts.workingDirectory, system: system)
        let workspace = workspaceFile.map { (($0 as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent }
        let files = Self.userSettingsFiles(system: system).filter { system.fileExists($0) } + (workspaceFile.map { [$0] } ?? [])
        guard !files.isEmpty else {
            return skipped("no VS Code settings: looked for \(Self.userSettingsFiles(system: system).joined(separator: ", ")) and .vscode/settings.json here and above")
        }
        var problems: [(FindingStatus, String)] = []
        var evidence: [String] = []
        var fixes: [String] = []
        for file in files {
            guard let text = system.readTextFile(file) else {
                problems.append((.warning, "could not read \(file)"))
                continue
            }
            let settings: JSONCValue
            do {
                settings = try JSONC.parse(text)
            } catch {
                problems.append((.warning, "could not read \(file): \(error) (VS Code shows the error and ignores the file's settings)"))
                fixes.append("correct \(file) at line \(error.line), column \(error.column)")
                continue
            }
            var named = 0
            func check(_ key: String, line: Int, value: String, goroot: Bool) {
                named += 1
                let path = expandEditorPath(value, workspace: workspace, system: system)
                let go: NamedGo
                if goroot {
                    go = NamedGo(goroot: path, system: system)
                } else {
                    go = NamedGo(binary: path.contains("/") ? path : (system.which(path) ?? path), system: system)
                }
                let what = "\(file):\(line): \(key)"
                evidence.append("\(what) = \(value) -> \(go.binary): \(go.label)")
                if let problem = namedGoProblem(go, what: what, value: value, facts: facts) {
                    problems.append(problem)
                    let terminalRoot = facts.goEnv?["GOROOT"] ?? facts.winner?.derivedGoroot
                    fixes.append("edit \(file):\(line): remove \(key) (the Go extension then uses the go on PATH)"
                                 + (terminalRoot.map { goroot ? ", or set it to \($0)" : ", or set it to \($0)/bin/go" } ?? ""))
                }
            }
            if let member = settings["go.goroot"], let value = member.value.stringValue, !value.isEmpty {
                check("go.goroot", line: member.line, value: value, goroot: true)
            }
            if let tools = settings["go.alternateTools"], let go = tools.value["go"], let value = go.value.stringValue, !value.isEmpty {
                check("go.alternateTools.go", line: go.line, value: value, goroot: false)
            }
            if let member = settings["go.gopath"], let value = member.value.stringValue, !value.isEmpty {
                named += 1
                let path = expandEditorPath(value, workspace: workspace, system: system)
                let what = "\(file):\(member.line): go.gopath"
                evidence.append("\(what) = \(value)")
                if !system.isDirectory(path) {
                    problems.append((.warning, "\(what) = \(value), which does not exist"))
                    fixes.append("edit \(file):\(member.line): remove go.gopath")
                } else if let gopath = facts.value("GOPATH"), !gopath.isEmpty, system.resolveSymlinks(path) != system.resolveSymlinks(gopath) {
                    problems.append((.warning, "\(what) = \(value), but go uses GOPATH=\(gopath): the editor installs and finds tools in another folder than your terminal"))
                    fixes.append("edit \(file):\(member.line): remove go.gopath")
                }
            }
            if let env = settings["go.toolsEnvVars"] {
                for key in Self.toolsEnvKeys {
                    guard let member = env.value[key], let value = member.value.stringValue else { continue }
                    named += 1
                    let what = "\(file):\(member.line): go.toolsEnvVars.\(key)"
                    if key == "GOROOT" {
                        check("go.toolsEnvVars.GOROOT", line: member.line, value: value, goroot: true)
                        continue
                    }
                    let effective = facts.value(key) ?? ""
                    evidence.append("\(what) = \(value) (go here: \(key)=\(effective))")
                    if key == "GOOS" || key == "GOARCH" {
                        if value != effective {
                            problems.append((.warning, "\(what) = \(value): gopls and the editor's go commands build for \(key)=\(value), your terminal for \(effective)"))
                            fixes.append("edit \(file):\(member.line): remove \(key) from go.toolsEnvVars unless you mean it")
                        }
                    } else if value != effective {
                        problems.append((.warning, "\(what) = \(value), but go in your terminal uses \(key)=\(effective)"))
                        fixes.append("edit \(file):\(member.line): remove \(key) from go.toolsEnvVars, or make it match")
                    }
                }
            }
            if named == 0 { evidence.append("\(file): names no Go (go.goroot, go.alternateTools, go.gopath, go.toolsEnvVars unset)") }
        }
        guard !problems.isEmpty else {
            return finding(.ok, "VS Code's settings agree with the go on PATH", evidence: evidence)
        }
        let status = problems.map(\.0).max() ?? .warning
        return finding(status, problems.count == 1 ? problems[0].1 : "\(problems.count) VS Code settings disagree with this machine's go",
                       evidence: problems.map(\.1) + evidence, fix: fixes.joined(separator: "; "))
    }
}

/// `editor.goland`: the Go SDK GoLand (or IntelliJ IDEA with the Go plugin) uses for this project
/// (`.idea/workspace.xml`, component GOROOT) and the SDKs it knows globally (`options/go.sdk.xml` in the IDE's
/// configuration folder): missing, built for another CPU, or older than go.mod's `go` line.
public struct GoLandCheck: DoctorCheck {
    public let id = "editor.goland"
    public let title = "GoLand / IntelliJ Go SDK"
    public init() {}

    /// The IDEs' configuration folders (the newest version of each product): `~/Library/Application Support/JetBrains/GoLand2024.3`
    /// on macOS, `~/.config/JetBrains/GoLand2024.3` on Linux.
    static func configFolders(system: any HostSystem) -> [String] {
        let base = system.osName == "darwin"
            ? system.homeDirectory + "/Library/Application Support/JetBrains"
            : (nonEmpty(system.environment["XDG_CONFIG_HOME"]) ?? system.homeDirectory + "/.config") + "/JetBrains"
        var newest: [String: (GoVersion, String)] = [:]
        for name in system.listDirectory(base) {
            guard let product = ["GoLand", "IntelliJIdea", "IdeaIC"].first(where: { name.hasPrefix($0) }),
                  let version = GoVersion(String(name.dropFirst(product.count))) else { continue }
            if newest[product].map({ $0.0 < version }) ?? true { newest[product] = (version, base + "/" + name) }
        }
        return newest.values.map(\.1).sorted()
    }

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let system = facts.system
        var sdks: [(String, Int, String, String)] = []  // file, line, where, path
        let idea = findUpward(".idea/workspace.xml", from: facts.workingDirectory, system: system)
            ?? findUpward(".idea/misc.xml", from: facts.workingDirectory, system: system)
        var projectDir: String?
        if let idea {
            let dir = (idea as NSString).deletingLastPathComponent
            let project = (dir as NSString).deletingLastPathComponent
            projectDir = project
            for name in ["workspace.xml", "misc.xml"] {
                let file = dir + "/" + name
                guard let text = system.readTextFile(file) else { continue }
                for tag in XMLTags.scan(text) where tag.name == "component" && tag.attributes["name"] == "GOROOT" {
                    if let url = tag.attributes["url"] { sdks.append((file, tag.line, "project GOROOT", Self.path(url, project: project, system: system))) }
                }
            }
        }
        for folder in Self.configFolders(system: system) {
            let file = folder + "/options/go.sdk.xml"
            guard let text = system.readTextFile(file) else { continue }
            var inList = false
            for tag in XMLTags.scan(text) {
                if tag.name == "component" { inList = tag.attributes["name"] == "GoSdkList" }
                if tag.name == "component", tag.attributes["name"] == "GOROOT", let url = tag.attributes["url"] {
                    sdks.append((file, tag.line, "global GOROOT", Self.path(url, project: nil, system: system)))
                }
                if inList, tag.name == "option", let value = tag.attributes["value"] {
                    sdks.append((file, tag.line, "known SDK", Self.path(value, project: nil, system: system)))
                }
            }
        }
        guard !sdks.isEmpty else {
            return skipped("no GoLand or IntelliJ Go SDK configured: no .idea/workspace.xml here or above, no options/go.sdk.xml in \(system.osName == "darwin" ? "~/Library/Application Support/JetBrains" : "~/.config/JetBrains")")
        }
        let goMod = findUpward("go.mod", from: projectDir ?? facts.workingDirectory, system: system)
        let needed = goMod.flatMap { system.readTextFile($0) }.flatMap { GoModFile($0).go }.flatMap { GoVersion($0) }
        var problems: [(FindingStatus, String)] = []
        var evidence: [String] = []
        for (file, line, role, path) in sdks {
            let go = NamedGo(goroot: path, system: system)
            let what = "\(file):\(line): \(role)"
            evidence.append("\(what) = \(path) -> \(go.label)")
            if !go.exists {
                // A known SDK that is gone only clutters the list; the project's or the default SDK breaks the IDE.
                problems.append((role == "known SDK" ? .warning : .error, "\(what) = \(path), which does not exist: GoLand reports \"GOROOT is not defined\""))
                continue
            }
            let cpu = facts.hardwareArch
            if let arch = go.facts?.goarch, arch != cpu, !(cpu == "amd64" && arch == "386") {
                problems.append((role == "known SDK" ? .warning : .error, "\(what) = \(path) is a \(arch) go on a \(cpu) machine"))
            } else if role != "known SDK", let needed, let have = go.version.flatMap({ GoVersion($0) }),
                      (have.major, have.minor) < (needed.major, needed.minor), let goMod {
                problems.append((.error, "\(what) = \(path) is \(go.version!), older than \(goMod)'s go \(needed.major).\(needed.minor): GoLand cannot load the module (\"go.mod requires go >= \(needed.major).\(needed.minor)\")"))
            }
        }
        if let terminal = facts.winner { evidence.append("the go on PATH in this shell: \(terminal.label)") }
        guard !problems.isEmpty else { return finding(.ok, "GoLand's Go SDK exists and fits this machine", evidence: evidence) }
        let status = problems.map(\.0).max() ?? .warning
        let root = facts.goEnv?["GOROOT"] ?? facts.winner?.derivedGoroot
        return finding(status, problems.count == 1 ? problems[0].1 : "\(problems.count) GoLand Go SDK settings to repair", evidence: problems.map(\.1) + evidence,
                       fix: "in GoLand: Settings > Go > GOROOT, choose \(root ?? "a native Go at least as new as go.mod's go line") (or remove the stale SDK from the list)")
    }

    /// A JetBrains URL or path (`file://$USER_HOME$/sdk/go1.22.5`, `$PROJECT_DIR$/...`) as a plain path.
    static func path(_ url: String, project: String?, system: any HostSystem) -> String {
        var s = url
        if s.hasPrefix("file://") { s = String(s.dropFirst(7)) }
        s = s.replacingOccurrences(of: "$USER_HOME$", with: system.homeDirectory)
        if let project { s = s.replacingOccurrences(of: "$PROJECT_DIR$", with: project) }
        return s
    }
}

/// Start tags of an XML text with their attributes and line: enough for the IDE's flat settings files,
/// without pulling an XML library into every crossgo run.
struct XMLTags {
    var name: String
    var attributes: [String: String]
    var line: Int

    static func scan(_ text: String) -> [XMLTags] {
        var tags: [XMLTags] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        while i < chars.count {
            if chars[i] == "\n" { line += 1 }
            guard chars[i] == "<", i + 1 < chars.count, chars[i + 1] != "/", chars[i + 1] != "?", chars[i + 1] != "!" else { i += 1; continue }
            let tagLine = line
            var j = i + 1
            var quote: Unicode.Scalar?
            while j < chars.count && (quote != nil || chars[j] != ">") {
                if chars[j] == "\n" { line += 1 }
                if let q = quote { if chars[j] == q { quote = nil } } else if chars[j] == "\"" || chars[j] == "'" { quote = chars[j] }
                j += 1
            }
            let body = String(String.UnicodeScalarView(chars[(i + 1)..<min(j, chars.count)]))
            tags.append(parseTag(body, line: tagLine))
            i = j + 1
        }
        return tags
    }

    static func parseTag(_ body: String, line: Int) -> XMLTags {
        var rest = Substring(body.hasSuffix("/") ? String(body.dropLast()) : body)
        let name = String(rest.prefix { !$0.isWhitespace })
        rest = rest.dropFirst(name.count)
        var attributes: [String: String] = [:]
        while true {
            rest = rest.drop { $0.isWhitespace }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: eq)...].drop { $0.isWhitespace }
            guard let q = rest.first, q == "\"" || q == "'" else { break }
            rest = rest.dropFirst()
            let value = rest.prefix { $0 != q }
            attributes[key] = unescape(String(value))
            rest = rest.dropFirst(value.count + 1)
        }
        return XMLTags(name: name, attributes: attributes, line: line)
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
