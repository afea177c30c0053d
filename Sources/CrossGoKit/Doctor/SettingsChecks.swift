// Where each setting comes from, toolchain switching, GOFLAGS and go.work, and values that cannot work.
import Foundation

/// Settings the go command reads (`go help environment`).
let goSettings = ["GO111MODULE", "GOAMD64", "GOARCH", "GOARM", "GOARM64", "GOBIN", "GOCACHE", "GOCACHEPROG", "GODEBUG", "GOENV",
                  "GOEXPERIMENT", "GOFIPS140", "GOFLAGS", "GOINSECURE", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS", "GOPATH",
                  "GOPRIVATE", "GOPROXY", "GOROOT", "GOSUMDB", "GOTELEMETRY", "GOTMPDIR", "GOTOOLCHAIN", "GOVCS", "GOWORK",
                  "CGO_ENABLED", "CC", "CXX", "AR", "PKG_CONFIG"]

/// `go.settings`: each setting's effective value and origin; `go env -w` values the environment shadows.
public struct SettingsCheck: DoctorCheck {
    public let id = "go.settings"
    public let title = "Where settings come from"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        var evidence: [String] = []
        var shadowed: [String] = []
        let envFile = facts.userEnvPath ?? "the user env file"
        let keys = Set(goSettings).union(facts.userEnv.keys).union(facts.gorootEnv.keys).sorted()
        for key in keys {
            let origin = facts.origin(of: key)
            guard origin != .defaultValue else { continue }
            let value = facts.environment[key] ?? facts.userEnv[key]?.value ?? facts.gorootEnv[key]?.value ?? ""
            var place = origin.rawValue
            if origin == .userEnvFile, let line = facts.userEnv[key]?.line { place = "\(envFile):\(line)" }
            evidence.append("\(key)=\(value)  (\(place))")
            if let written = facts.userEnv[key], let env = facts.environment[key], env != written.value {
                shadowed.append("\(key): `go env -w` set \(written.value) (\(envFile):\(written.line)) but the environment sets \(env), which wins")
            }
        }
        let ignored = facts.userEnvPath.flatMap { path in
            facts.system.readTextFile(path).map { Self.envFileProblems($0, file: path, known: knownGoVariables(facts)) }
        } ?? []
        if !ignored.isEmpty {
            return finding(.warning, "\(ignored.count) line(s) of \(envFile) that go ignores or never uses", evidence: ignored + shadowed + evidence,
                           fix: "edit \(envFile): delete or correct the lines named (go env -u KEY removes a setting)",
                           shellFix: shadowed.map { .unset(String($0.prefix { $0 != ":" })) })
        }
        if !shadowed.isEmpty {
            return finding(.warning, shadowed.count == 1 ? shadowed[0] : "\(shadowed.count) `go env -w` values are shadowed by the environment",
                           evidence: shadowed + evidence,
                           fix: "drop the environment value (unset \(shadowed.map { String($0.prefix { $0 != ":" }) }.joined(separator: " "))) or the file's (go env -u KEY)",
                           shellFix: shadowed.map { .unset(String($0.prefix { $0 != ":" })) })
        }
        return finding(.ok, evidence.isEmpty ? "every setting has its default" : "\(evidence.count) setting(s) changed from the default; none shadowed",
                       evidence: evidence)
    }
}

extension SettingsCheck {
    /// Lines of a user env file that go skips without a word, or reads but never uses (cmd/go/internal/cfg
    /// readEnvFile: a line counts only when it starts with A-Z and holds an `=`; a later line for a key wins).
    static func envFileProblems(_ text: String, file: String, known: Set<String>) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var lastLine: [String: Int] = [:]
        for (i, line) in lines.enumerated() { if let key = DoctorFacts.envFileKey(line) { lastLine[key] = i + 1 } }
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            let at = "\(file):\(i + 1): `\(line)`"
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let key = DoctorFacts.envFileKey(line) else {
                let eq = trimmed.firstIndex(of: "=")
                let name = eq.map { String(trimmed[..<$0]).trimmingCharacters(in: .whitespaces) } ?? trimmed
                let upper = name.uppercased()
                let meant = known.contains(upper) ? upper : nil
                if eq == nil, let meant {
                    out.append("\(at): go silently ignores it (no '='; to set \(meant) write \(meant)=value)")
                } else if let meant, let eq, line.first == " " || line.first == "\t" {
                    out.append("\(at): go silently ignores it (the line starts with a space; write \(meant)=\(trimmed[trimmed.index(after: eq)...]))")
                } else if let meant, let eq {
                    out.append("\(at): go silently ignores it (the key must start with A-Z; write \(meant)=\(trimmed[trimmed.index(after: eq)...]))")
                } else {
                    out.append("\(at): go silently ignores it (a setting is KEY=VALUE, KEY starting with A-Z)")
                }
                continue
            }
            if let last = lastLine[key], last != i + 1 {
                out.append("\(at): \(key) is set again on line \(last), which wins (the next go env -w drops this line)")
            } else if key == "GODEBUG" {
                out.append("\(at): GODEBUG is read only from the environment: programs never see this line (go env -w refuses it: \"go: GODEBUG can only be set using the OS environment\")")
            } else if !known.isEmpty && !known.contains(key) {
                out.append("\(at): \(key) is not a go command variable: go env \(key) prints it but nothing uses it (go env -w refuses it: \"go: unknown go command variable \(key)\")")
            }
        }
        return out
    }
}

/// The variables the go command knows (`KnownEnv` in $GOROOT/src/internal/cfg/cfg.go), else what go env printed
/// and the settings the doctor knows.
func knownGoVariables(_ facts: DoctorFacts) -> Set<String> {
    let goroot = facts.goEnv?["GOROOT"] ?? facts.winner?.derivedGoroot
    if let goroot, let source = facts.system.readTextFile(goroot + "/src/internal/cfg/cfg.go"),
       let start = source.range(of: "const KnownEnv = `") {
        let body = source[start.upperBound...].prefix { $0 != "`" }
        let names = body.split(whereSeparator: \.isWhitespace).map(String.init)
        if !names.isEmpty { return Set(names) }
    }
    return Set(goSettings).union(facts.goEnv?.keys.map { $0 } ?? [])
}

/// `go.toolchain`: GOTOOLCHAIN, and whether go.mod / go.work here will switch toolchains.
public struct ToolchainCheck: DoctorCheck {
    public let id = "go.toolchain"
    public let title = "Toolchain switching (GOTOOLCHAIN, go.mod, go.work)"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        guard let local = facts.goVersion, let localVersion = GoVersion(local) else { return skipped("no `go` to compare with") }
        let setting = facts.value("GOTOOLCHAIN") ?? "auto"
        var evidence = ["GOTOOLCHAIN=\(setting) (\(facts.origin(of: "GOTOOLCHAIN").rawValue))", "local go: \(local)"]
        if let stale = facts.userEnv["GOTOOLCHAIN"] {
            evidence.append("`go env -w GOTOOLCHAIN=\(stale.value)` in \(facts.userEnvPath ?? "env file"):\(stale.line) survives reinstalls")
        }
        var required: (GoVersion, String)?
        for name in ["go.work", "go.mod"] {
            let explicit = name == "go.work" ? facts.environment["GOWORK"] : nil
            if explicit == "off" { continue }
            guard let file = explicit ?? findUpward(name, from: facts.workingDirectory, system: facts.system),
                  let text = facts.system.readTextFile(file) else { continue }
            let mod = GoModFile(text)
            for (label, value) in [("go", mod.go), ("toolchain", mod.toolchain)] {
                guard let value, let v = GoVersion(value) else { continue }
                evidence.append("\(file): \(label) \(value)")
                if required == nil || v > required!.0 { required = (v, "\(file) (\(label) \(value))") }
            }
        }
        guard let (needed, source) = required, needed > localVersion else {
            return finding(.ok, "no switch: this folder needs nothing newer than \(local)", evidence: evidence)
        }
        let want = "go\(needed.major).\(needed.minor)" + (needed.patch > 0 ? ".\(needed.patch)" : "")
        let mode = setting.split(separator: "+").last.map(String.init) ?? setting
        if setting == "local" || mode == "local" {
            return finding(.error, "\(source) needs \(want) but GOTOOLCHAIN=\(setting) forbids switching from \(local): every go command here fails",
                           evidence: evidence, fix: "install \(want), or set GOTOOLCHAIN=auto to let go download it")
        }
        let proxy = facts.value("GOPROXY") ?? ""
        if mode == "path" {
            let onPath = facts.system.which(want) != nil
            return finding(onPath ? .warning : .error, "\(source) needs \(want); GOTOOLCHAIN=path looks for \(want) on PATH\(onPath ? "" : " and finds none")", evidence: evidence,
                           fix: onPath ? nil : "go install golang.org/dl/\(want)@latest && \(want) download")
        }
        if proxy == "off" || proxy.split(whereSeparator: { $0 == "," || $0 == "|" }).allSatisfy({ $0 == "off" || $0 == "direct" }) {
            return finding(.error, "\(source) needs \(want): go would download it through the module proxy, but GOPROXY=\(proxy) cannot serve toolchains",
                           evidence: evidence + ["GOPROXY=\(proxy)"], fix: "install \(want) yourself, or set GOPROXY=https://proxy.golang.org,direct")
        }
        return finding(.warning, "\(source) needs \(want): go switches from \(local) and downloads \(want) through \(proxy) (\"go: downloading \(want)\")",
                       evidence: evidence, fix: "install \(want) to avoid the download, or lower the go line")
    }
}

/// `go.flags-and-workspace`: GOFLAGS from any origin, and what go makes of it; a go.work picked up from a parent folder.
public struct FlagsAndWorkspaceCheck: DoctorCheck {
    public let id = "go.flags-and-workspace"
    public let title = "GOFLAGS and go.work"
    public init() {}

    /// go env's own flags: in GOFLAGS they reach go env too, and `go env -json` then fails.
    static let goEnvFlags: Set<String> = ["w", "u", "json", "changed"]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        var problems: [String] = []
        var evidence: [String] = []
        var shell: [ShellEdit] = []
        var status: FindingStatus = .ok
        var fixes: [String] = []
        let envFile = facts.userEnvPath ?? "user env file"
        for (origin, value, line) in [("environment", facts.environment["GOFLAGS"], nil as Int?),
                                      (envFile, facts.userEnv["GOFLAGS"]?.value, facts.userEnv["GOFLAGS"]?.line),
                                      ("$GOROOT/go.env", facts.gorootEnv["GOFLAGS"]?.value, facts.gorootEnv["GOFLAGS"]?.line)] {
            guard let value, !value.isEmpty else { continue }
            evidence.append("GOFLAGS=\(value) (\(origin)\(line.map { ":\($0)" } ?? ""))")
        }
        // go reads GOFLAGS from the environment unless it is empty, else from the env files.
        let fromEnvironment = nonEmpty(facts.environment["GOFLAGS"]) != nil
        let effective = nonEmpty(facts.environment["GOFLAGS"]) ?? facts.userEnv["GOFLAGS"]?.value ?? facts.gorootEnv["GOFLAGS"]?.value
        if let effective, !effective.trimmingCharacters(in: .whitespaces).isEmpty {
            let place = fromEnvironment ? "environment" : facts.userEnv["GOFLAGS"].map { "\(envFile):\($0.line)" } ?? "$GOROOT/go.env"
            let head = "GOFLAGS=\(effective) (\(place))"
            let unset = fromEnvironment ? "unset GOFLAGS (and remove it from your shell start-up file)" : "go env -u GOFLAGS"
            let (words, splitError) = Self.split(effective)
            let envFlags = words.filter { Self.goEnvFlags.contains(Self.flagName($0)) }
            if let probe = facts.goflagsProbe, !probe.succeeded {
                let message = DoctorFacts.goMessage(probe)
                evidence.append("`\((["go"] + DoctorFacts.goflagsProbeArguments).joined(separator: " "))` with this GOFLAGS: \(message)")
                let culprit = words.first { word in
                    let name = Self.flagName(word)
                    return !name.isEmpty && (message.contains("-\(name) ") || message.contains("-\(name)\"") || message.hasSuffix("-\(name)") || message.contains(word))
                }
                status = .error
                if let splitError {
                    problems.append("\(head): \(splitError), so every go command but go env and go bug fails")
                    fixes.append(fromEnvironment ? unset : "go env -u GOFLAGS")
                } else if let culprit {
                    let wide = message.contains("$GOFLAGS") && !message.contains("(from ")
                    problems.append("\(head): go rejects \(culprit), so every go command " + (wide ? "but go env and go bug fails" : "that takes -\(Self.flagName(culprit)) fails"))
                    fixes.append(fromEnvironment ? "\(unset), or export GOFLAGS without \(culprit)" : "go env -u GOFLAGS, or go env -w GOFLAGS=... without \(culprit)")
                } else {
                    problems.append("\(head): go fails with it: \(message)")
                    fixes.append(unset)
                }
                if fromEnvironment { shell.append(.unset("GOFLAGS")) }
            } else if !envFlags.isEmpty {
                status = .error
                if let failure = facts.goEnvGoflagsFailure { evidence.append("`go env -json` with this GOFLAGS: \(failure)") }
                let flag = envFlags[0]
                // The flag that split off: the words from the last one with a value up to and including it.
                let index = words.firstIndex(of: flag) ?? 0
                let start = words[..<index].lastIndex { $0.contains("=") && Self.flagName($0) != "" } ?? index
                let joined = words[start...index].joined(separator: " ")
                if start < index {
                    let parts = words[start...index].map { $0 }
                    problems.append("\(head): go splits GOFLAGS at spaces, so it gets \(parts.dropLast().joined(separator: " and ")) and a separate \(flag), which is go env's own flag: go env fails")
                    let quoted = words[..<start].map { $0 } + ["'\(joined)'"] + words[(index + 1)...].map { $0 }
                    let value = quoted.joined(separator: " ")
                    fixes.append("quote the whole flag inside the value: export GOFLAGS=\(shellQuote(value)) (go env -w GOFLAGS=\(shellQuote(value)) for the env file)")
                    if fromEnvironment { shell.append(.set("GOFLAGS", value)) }
                } else {
                    problems.append("\(head): \(flag) is go env's own flag: go env fails, and with it gopls and editors that ask go env")
                    fixes.append(unset)
                    if fromEnvironment { shell.append(.unset("GOFLAGS")) }
                }
            } else {
                status = .warning
                problems.append("\(head) applies to every go command (\"inconsistent vendoring\", \"flag may be set only once\")")
                fixes.append(fromEnvironment ? "unset GOFLAGS" : "go env -u GOFLAGS")
                if fromEnvironment { shell.append(.unset("GOFLAGS")) }
            }
        }
        if nonEmpty(facts.environment["GOWORK"]) != "off" {
            let work = nonEmpty(facts.environment["GOWORK"]) ?? findUpward("go.work", from: facts.workingDirectory, system: facts.system)
            if let work {
                let dir = (work as NSString).deletingLastPathComponent
                evidence.append("go.work: \(work)")
                if dir != facts.workingDirectory {
                    problems.append("\(work) in a parent folder is used for every build here (go env GOWORK)")
                    fixes.append("GOWORK=off go build ... to ignore a go.work")
                    status = max(status, .warning)
                }
            }
        }
        guard !problems.isEmpty else { return finding(.ok, "no GOFLAGS, no go.work from a parent folder", evidence: evidence) }
        return finding(status, problems.joined(separator: "; "), evidence: evidence, fix: fixes.joined(separator: "; "), shellFix: shell)
    }

    /// GOFLAGS as go splits it (cmd/internal/quoted.Split): at spaces, tabs and newlines; a word that starts
    /// with ' or " runs to the next such quote and may hold spaces; no backslash escapes. Also the error go
    /// reports for an unterminated quote.
    static func split(_ value: String) -> ([String], String?) {
        var words: [String] = []
        var rest = Substring(value)
        let space: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        while true {
            rest = rest.drop(while: space)
            guard let first = rest.first else { break }
            if first == "'" || first == "\"" {
                let body = rest.dropFirst()
                guard let end = body.firstIndex(of: first) else { return (words, "unterminated \(first) string") }
                words.append(String(body[..<end]))
                rest = body[body.index(after: end)...]
            } else {
                let word = rest.prefix { !space($0) }
                words.append(String(word))
                rest = rest.dropFirst(word.count)
            }
        }
        return (words, nil)
    }

    /// `-name=value` or `--name` -> name; "" for a word that is not a flag.
    static func flagName(_ word: String) -> String {
        guard word.hasPrefix("-") else { return "" }
        let name = word.drop { $0 == "-" }
        return String(name.prefix { $0 != "=" })
    }
}

/// `go.values`: GOPROXY, GOSUMDB and GODEBUG values that cannot work; GOOS/GOARCH exported for good.
public struct ValuesCheck: DoctorCheck {
    public let id = "go.values"
    public let title = "Malformed or misleading values"
    public init() {}

    /// GODEBUG settings removed before Go's table of removed settings existed (Go release notes).
    static let historicRemoved = ["tls13": "removed in Go 1.14 (TLS 1.3 can no longer be turned off)"]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        var errors: [String] = []
        var warnings: [String] = []
        var shell: [ShellEdit] = []
        func place(_ key: String) -> String {
            let o = facts.origin(of: key)
            if o == .userEnvFile, let line = facts.userEnv[key]?.line { return "\(facts.userEnvPath ?? "env file"):\(line)" }
            return o.rawValue
        }
        if let proxy = facts.value("GOPROXY"), facts.origin(of: "GOPROXY") != .defaultValue {
            for entry in proxy.split(whereSeparator: { $0 == "," || $0 == "|" }).map(String.init) where !Self.validProxyEntry(entry) {
                errors.append("GOPROXY entry '\(entry)' is neither direct, off nor an http(s)/file URL (\(place("GOPROXY")))")
            }
        }
        if let sumdb = facts.value("GOSUMDB"), !sumdb.isEmpty, let problem = Self.sumdbProblem(sumdb) {
            errors.append("GOSUMDB=\(sumdb): \(problem) (\(place("GOSUMDB")))")
        }
        if let godebug = facts.value("GODEBUG"), !godebug.isEmpty {
            let (known, removed) = Self.knownGodebug(goroot: facts.goEnv?["GOROOT"] ?? facts.winner?.derivedGoroot, system: facts.system)
            var kept: [String] = []
            for item in godebug.split(separator: ",") {
                let key = String(item.split(separator: "=", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
                if let why = Self.historicRemoved[key] ?? removed[key] {
                    warnings.append("GODEBUG \(key): \(why); the setting does nothing (\(place("GODEBUG")))")
                } else if !known.isEmpty && !known.contains(key) {
                    warnings.append("GODEBUG \(key): no such setting in \(facts.goVersion ?? "this Go"); it is silently ignored (\(place("GODEBUG")))")
                } else {
                    kept.append(String(item))
                }
            }
            // The repair keeps the settings that work and drops the rest; GODEBUG comes only from the environment.
            if nonEmpty(facts.environment["GODEBUG"]) != nil, kept.count < godebug.split(separator: ",").count {
                shell.append(kept.isEmpty ? .unset("GODEBUG") : .set("GODEBUG", kept.joined(separator: ",")))
            }
        }
        for key in ["GOOS", "GOARCH"] {
            if let value = facts.environment[key] {
                warnings.append("\(key)=\(value) is exported: every go command builds for it; set it per command instead")
                shell.append(.unset(key))
            } else if let written = facts.userEnv[key] {
                warnings.append("\(key)=\(written.value) is set by `go env -w` (\(facts.userEnvPath ?? "env file"):\(written.line)): every go command builds for it")
            }
        }
        let all = errors + warnings
        guard !all.isEmpty else { return finding(.ok, "GOPROXY, GOSUMDB and GODEBUG are well-formed; GOOS/GOARCH are not pinned") }
        return finding(errors.isEmpty ? .warning : .error, all.count == 1 ? all[0] : "\(all.count) problems: " + all.map { String($0.prefix { $0 != ":" }) }.joined(separator: ", "),
                       evidence: all, fix: "unset the variable (or export it without the settings named), or go env -u KEY for values written with go env -w", shellFix: shell)
    }

    static func validProxyEntry(_ entry: String) -> Bool {
        if entry == "direct" || entry == "off" { return true }
        guard let url = URL(string: entry), let scheme = url.scheme?.lowercased() else { return false }
        if scheme == "file" { return !url.path.isEmpty }
        return (scheme == "https" || scheme == "http") && !(url.host ?? "").isEmpty
    }

    /// The go command accepts "off", a known database name, or "name+hash+key [url]".
    static func sumdbProblem(_ value: String) -> String? {
        if value == "off" { return nil }
        let name = String(value.split(separator: " ").first ?? "")
        if name.contains("+") {
            let parts = name.split(separator: "+", omittingEmptySubsequences: false)
            if parts.count < 3 || parts.contains(where: \.isEmpty) || name.contains("://") {
                return "malformed verifier id (\"invalid GOSUMDB: malformed verifier id\"); a key looks like name+hash+key, e.g. sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ze6c3Ka1oz+qBjXMBk"
            }
            return nil
        }
        if ["sum.golang.org", "sum.golang.google.cn"].contains(name) { return nil }
        return "unknown checksum database \(name): only sum.golang.org is known by name; others need name+key"
    }

    /// GODEBUG names this Go knows (internal/godebugs/table.go and the runtime's), and those it removed.
    static func knownGodebug(goroot: String?, system: any HostSystem) -> (Set<String>, [String: String]) {
        guard let goroot, let table = system.readTextFile(goroot + "/src/internal/godebugs/table.go") else { return ([], [:]) }
        var known = Set<String>()
        var removed: [String: String] = [:]
        let removedStart = table.range(of: "var Removed")?.lowerBound
        for line in table.split(separator: "\n") {
            guard let nameRange = line.range(of: "Name: \"") else { continue }
            let rest = line[nameRange.upperBound...]
            let name = String(rest.prefix { $0 != "\"" })
            if let removedStart, let at = table.range(of: String(line))?.lowerBound, at > removedStart {
                let version = line.range(of: "Removed: ").map { String(line[$0.upperBound...].prefix { $0.isNumber }) } ?? ""
                removed[name] = "removed in Go 1.\(version)"
            } else {
                known.insert(name)
            }
        }
        if let runtime = system.readTextFile(goroot + "/src/runtime/runtime1.go") {
            for line in runtime.split(separator: "\n") {
                guard let r = line.range(of: "{name: \"") else { continue }
                known.insert(String(line[r.upperBound...].prefix { $0 != "\"" }))
            }
        }
        return (known, removed)
    }
}
