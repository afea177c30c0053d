// The module this folder builds, as go will see it (module mode, go.mod, go.work, vendor/), and whether the editor's
// tools (gopls, staticcheck, dlv) were built by a Go new enough for its go.mod. File reads only.
import Foundation

/// `tools.gopls`: gopls, staticcheck and dlv on PATH and in the install folder, and the Go that built each,
/// against the `go` line of this folder's go.mod.
public struct GoplsCheck: DoctorCheck {
    public let id = "tools.gopls"
    public let title = "gopls, staticcheck and dlv against go.mod"
    public init() {}

    static let tools: [(name: String, install: String)] = [
        ("gopls", "golang.org/x/tools/gopls@latest"),
        ("staticcheck", "honnef.co/go/tools/cmd/staticcheck@latest"),
        ("dlv", "github.com/go-delve/delve/cmd/dlv@latest"),
    ]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let system = facts.system
        let folder = installFolder(facts)
        let goMod = findUpward("go.mod", from: facts.workingDirectory, system: system)
        let needed = goMod.flatMap { system.readTextFile($0) }.flatMap { GoModFile($0).go }.flatMap { GoVersion($0) }
        var evidence: [String] = []
        if let goMod, let needed { evidence.append("\(goMod): go \(needed.major).\(needed.minor)\(needed.patch > 0 ? ".\(needed.patch)" : "")") }
        var problems: [(FindingStatus, String)] = []
        var fixes: [String] = []
        var found = 0
        for tool in Self.tools {
            var seen = Set<String>()
            let copies = (system.allOnPath(tool.name) + [folder + "/" + tool.name]).filter {
                system.isExecutableFile($0) && seen.insert(system.resolveSymlinks($0)).inserted
            }
            for path in copies {
                found += 1
                guard let built = system.goBinaryFacts(path)?.goVersion else {
                    evidence.append("\(path): no Go build info")
                    continue
                }
                evidence.append("\(path): built by \(built)")
                guard let needed, let goMod, let version = GoVersion(built), (version.major, version.minor) < (needed.major, needed.minor) else { continue }
                let want = "go \(needed.major).\(needed.minor)"
                switch tool.name {
                case "gopls":
                    problems.append((.error, "\(path) was built by \(built), older than \(goMod)'s \(want): gopls cannot load this module (the editor shows \"go.mod requires go >= \(needed.major).\(needed.minor)\" or \"file requires newer Go version\")"))
                case "staticcheck":
                    problems.append((.error, "\(path) was built by \(built), older than \(goMod)'s \(want): staticcheck refuses the module (\"module requires at least go\(needed.major).\(needed.minor)\")"))
                default:
                    problems.append((.warning, "\(path) was built by \(built), older than \(goMod)'s \(want): an old Delve may refuse programs built by a newer Go"))
                }
                fixes.append("go install \(tool.install)")
            }
        }
        guard found > 0 else { return finding(.ok, "no gopls, staticcheck or dlv on PATH or in \(folder)", evidence: evidence) }
        guard !problems.isEmpty else {
            return finding(.ok, needed == nil ? "\(found) tool(s) found; no go.mod here to compare with" : "every gopls, staticcheck and dlv was built by a Go new enough for go.mod", evidence: evidence)
        }
        var seenFix = Set<String>()
        return finding(problems.map(\.0).max() ?? .warning, problems.count == 1 ? problems[0].1 : "\(problems.count) tools are older than go.mod's go line",
                       evidence: problems.map(\.1) + evidence,
                       fix: fixes.filter { seenFix.insert($0).inserted }.joined(separator: " && ") + " (with the go on PATH, \(facts.goVersion ?? "the newest"))")
    }
}

/// `go.module`: module mode, the go.mod this folder belongs to, a go.work that leaves it out, and vendor/ out of sync.
public struct ModuleCheck: DoctorCheck {
    public let id = "go.module"
    public let title = "Module mode, go.mod, go.work and vendor/"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let system = facts.system
        let cwd = facts.workingDirectory
        var evidence: [String] = []
        var problems: [(FindingStatus, String)] = []
        var fixes: [String] = []
        var shell: [ShellEdit] = []
        let goMod = findUpward("go.mod", from: cwd, system: system)
        let mod = goMod.flatMap { system.readTextFile($0) }.map(GoModFile.init)
        if let goMod { evidence.append("\(goMod): module \(mod?.module ?? "(no module line)")") }
        let mode = facts.value("GO111MODULE") ?? ""
        let origin = facts.origin(of: "GO111MODULE")
        if !mode.isEmpty { evidence.append("GO111MODULE=\(mode) (\(origin == .userEnvFile ? "\(facts.userEnvPath ?? "env file"):\(facts.userEnv["GO111MODULE"]?.line ?? 0)" : origin.rawValue))") }
        let unset = origin == .environment ? "unset GO111MODULE (and remove it from your shell start-up file)" : "go env -u GO111MODULE"
        if mode == "off" {
            if let goMod {
                problems.append((.error, "GO111MODULE=off: go ignores \(goMod) and looks for every import under $GOROOT/src and $GOPATH/src, so go build fails with \"cannot find package ... in any of\" for this module's own packages and its requirements"))
            } else {
                problems.append((.warning, "GO111MODULE=off: modules are off everywhere (GOPATH mode, removed from the go command's future); imports are looked up only in $GOROOT/src and $GOPATH/src"))
            }
            fixes.append(unset)
            if origin == .environment { shell.append(.unset("GO111MODULE")) }
        }
        let goFiles = system.listDirectory(cwd).filter { $0.hasSuffix(".go") }
        if goMod == nil, mode != "off", !goFiles.isEmpty {
            let says = mode == "on" || mode.isEmpty
                ? "\"go: go.mod file not found in current directory or any parent directory\""
                : "\"cannot find package ... in any of\" (GO111MODULE=\(mode) falls back to GOPATH mode)"
            problems.append((.warning, "\(cwd) holds .go files but no go.mod here or above: go build says \(says)"))
            fixes.append("go mod init example.com/yourmodule (in the folder that should be the module's root)")
        }
        // go.work: GOWORK, else the nearest one above; it must `use` the module this folder belongs to.
        // GOWORK from the environment or `go env -w` (go env itself runs in / and cannot say which go.work applies here).
        let gowork = nonEmpty(facts.environment["GOWORK"]) ?? facts.userEnv["GOWORK"]?.value
        var workspace = false
        if gowork != "off", let goMod, mode != "off",
           let work = nonEmpty(gowork) ?? findUpward("go.work", from: cwd, system: system), let text = system.readTextFile(work) {
            workspace = true
            let workDir = (work as NSString).deletingLastPathComponent
            let moduleDir = (goMod as NSString).deletingLastPathComponent
            let written = GoModFile(text).uses
            let uses = written.map { system.resolveSymlinks(absolutePath($0, against: workDir)) }
            evidence.append("\(work): use \(written.joined(separator: ", "))")
            if !uses.contains(system.resolveSymlinks(moduleDir)) {
                let relative = moduleDir.hasPrefix(workDir + "/") ? "./" + moduleDir.dropFirst(workDir.count + 1) : moduleDir
                problems.append((.error, "\(work) does not use this module (\(moduleDir)): go build here fails with \"current directory is contained in a module that is not one of the workspace modules listed in go.work\""))
                fixes.append("go work use \(relative) (in \(workDir)), or GOWORK=off to build without the workspace")
            }
        }
        // vendor/: used by default when go.mod says go 1.14 or later, outside a workspace, unless -mod says otherwise.
        if let goMod, let mod, !workspace, mode != "off" {
            let moduleDir = (goMod as NSString).deletingLastPathComponent
            let goflags = facts.value("GOFLAGS") ?? ""
            let modFlag = goflags.split(separator: " ").first { $0.hasPrefix("-mod=") }.map { String($0.dropFirst(5)) }
            let vendorOn = modFlag == "vendor" || (modFlag == nil && (mod.go.flatMap { GoVersion($0) }.map { $0 >= GoVersion("1.14")! } ?? false))
            if system.isDirectory(moduleDir + "/vendor"), vendorOn {
                let listed = Self.vendored(system.readTextFile(moduleDir + "/vendor/modules.txt") ?? "")
                var drift: [String] = []
                for (path, version) in mod.requires.map({ ($0.path, $0.version) }) {
                    guard let entry = listed[path] else { drift.append("\(path)@\(version) is required in go.mod but missing from vendor/modules.txt"); continue }
                    if entry.version != version { drift.append("\(path) is \(version) in go.mod but \(entry.version) in vendor/modules.txt") }
                    else if !entry.explicit { drift.append("\(path)@\(version) is required in go.mod but not marked explicit in vendor/modules.txt") }
                    if mod.replaced.contains(path) && !entry.replaced { drift.append("\(path) is replaced in go.mod but not in vendor/modules.txt") }
                }
                let required = Set(mod.requires.map(\.path))
                for (path, entry) in listed.sorted(by: { $0.key < $1.key }) where entry.explicit && !required.contains(path) {
                    drift.append("\(path) is explicit in vendor/modules.txt but no longer required in go.mod")
                }
                evidence.append("\(moduleDir)/vendor: used (go \(mod.go ?? "?")\(modFlag.map { ", -mod=\($0)" } ?? "")); \(listed.count) module(s) in vendor/modules.txt")
                if !drift.isEmpty {
                    problems.append((.error, "\(moduleDir)/vendor is out of sync with go.mod: go build fails with \"inconsistent vendoring\" (\(drift.count) difference(s))"))
                    evidence += drift
                    fixes.append("go mod vendor (in \(moduleDir)), or delete vendor/ if you do not mean to vendor")
                }
            }
        }
        guard !problems.isEmpty else {
            if goMod == nil { return finding(.ok, goFiles.isEmpty ? "not inside a Go module (no go.mod here or above, no .go files here)" : "GOPATH mode", evidence: evidence) }
            return finding(.ok, "module mode: \(goMod!)\(workspace ? " in a workspace that uses it" : "")", evidence: evidence)
        }
        return finding(problems.map(\.0).max() ?? .warning, problems.map(\.1).joined(separator: "; "), evidence: problems.map(\.1) + evidence,
                       fix: fixes.joined(separator: "; "), shellFix: shell)
    }

    /// vendor/modules.txt: `# path version [=> replacement]` headers, and whether `## explicit` follows.
    static func vendored(_ text: String) -> [String: (version: String, explicit: Bool, replaced: Bool)] {
        var out: [String: (version: String, explicit: Bool, replaced: Bool)] = [:]
        var current: String?
        for raw in text.split(separator: "\n") {
            let words = raw.split(separator: " ").map(String.init)
            if words.first == "#", words.count >= 3, words[2] != "=>" {
                current = words[1]
                out[words[1]] = (words[2], false, words.contains("=>"))
            } else if words.first == "#", words.count >= 3, words[2] == "=>" {
                current = nil
                if var entry = out[words[1]] { entry.replaced = true; out[words[1]] = entry }
            } else if words.first == "##", let c = current, raw.contains("explicit") {
                out[c]?.explicit = true
            } else if words.first != "##" {
                current = words.first == "#" ? nil : current
            }
        }
        return out
    }
}
