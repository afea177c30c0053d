// `shell.startup`: which start-up files a login shell, an interactive shell and a GUI app read, the PATH each
// ends up with (assembled from those files by reading them, never by running them), and which `go` each finds.
import Foundation

/// One line of a start-up file that changed PATH.
public struct PathChange: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var text: String
    /// PATH after the line.
    public var path: [String]
}

/// A way a program gets its PATH: a kind of shell start, or GUI apps; the files it reads and what PATH results.
public struct ShellContext: Sendable {
    public var name: String
    /// Start-up files read, in order (only those that exist).
    public var files: [String]
    public var changes: [PathChange]
    public var path: [String]
    /// The first `go` on that PATH.
    public var go: String?
}

/// Reads shell start-up files the way the shells would apply their PATH lines, without running anything.
/// Understood: `PATH=...` / `export PATH=...` (and other variables used in them), zsh `path=(...)` and `path+=(...)`,
/// fish `set -gx PATH ...`, `fish_add_path`, `fish_user_paths`, `eval "$(brew shellenv)"`, and `source` / `.`
/// of another file (followed). Conditions (`if`, `[ -d ... ] &&`) are not evaluated: every line counts.
struct StartupReader {
    let system: any HostSystem
    var path: [String]
    var variables: [String: String]
    var changes: [PathChange] = []
    var filesRead: [String] = []
    private var visiting: Set<String> = []

    init(system: any HostSystem, path: [String]) {
        self.system = system
        self.path = path
        variables = ["HOME": system.homeDirectory]
    }

    mutating func read(_ file: String, depth: Int = 0) {
        guard depth < 4, !visiting.contains(file), let text = system.readTextFile(file) else { return }
        visiting.insert(file)
        defer { visiting.remove(file) }
        filesRead.append(file)
        let fish = file.hasSuffix(".fish")
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if let hash = line.range(of: " #") { line = String(line[..<hash.lowerBound]) }
            for statement in Self.statements(line) {
                let before = path
                apply(statement, fish: fish, file: file, depth: depth)
                if path != before { changes.append(PathChange(file: file, line: i + 1, text: line, path: path)) }
            }
        }
    }

    /// A line split at `;`, `&&`, `||`, `then`, `do` (good enough for start-up files: no quoting of those).
    static func statements(_ line: String) -> [String] {
        var parts = [line]
        for separator in [";", "&&", "||"] { parts = parts.flatMap { $0.components(separatedBy: separator) } }
        return parts.map { part in
            var s = part.trimmingCharacters(in: .whitespaces)
            for keyword in ["then ", "do ", "else ", "and ", "or "] where s.hasPrefix(keyword) { s = String(s.dropFirst(keyword.count)) }
            return s.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    mutating func apply(_ statement: String, fish: Bool, file: String, depth: Int) {
        let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return }
        if statement.contains("brew shellenv") {
            let prefix: String
            if let r = statement.range(of: "/bin/brew") {
                let start = statement[..<r.lowerBound].lastIndex { $0 == "(" || $0 == " " || $0 == "\"" || $0 == "'" }
                prefix = String(statement[(start.map { statement.index(after: $0) } ?? statement.startIndex)..<r.lowerBound])
            } else {
                prefix = system.osName == "darwin" ? (system.processArchitecture == "arm64" ? "/opt/homebrew" : "/usr/local") : "/home/linuxbrew/.linuxbrew"
            }
            prepend([prefix + "/bin", prefix + "/sbin"], move: true)
            return
        }
        if (first == "source" || first == ".") && words.count >= 2 {
            read(expand(Self.unquote(words[1])), depth: depth + 1)
            return
        }
        if fish {
            applyFish(words)
            return
        }
        // zsh's path array.
        // (Plain string tests, not a regular expression: ICU's start-up would cost the doctor milliseconds.)
        var zshPath = Substring(statement)
        if zshPath.hasPrefix("typeset -U ") { zshPath = zshPath.dropFirst(11).drop { $0 == " " } }
        if (zshPath.hasPrefix("path=(") || zshPath.hasPrefix("path+=(")) && zshPath.hasSuffix(")") {
            let append = statement.contains("path+=(")
            guard let open = statement.firstIndex(of: "("), let close = statement.lastIndex(of: ")") else { return }
            let items = statement[statement.index(after: open)..<close].split(whereSeparator: { $0 == " " || $0 == "\t" }).flatMap { word -> [String] in
                let w = String(word).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                if w == "$path" || w == "${path[@]}" || w == "$path[@]" { return path }
                return [expand(w)]
            }
            path = append ? path + items : items
            return
        }
        var assignment = words
        while let w = assignment.first, ["export", "typeset", "declare", "local", "readonly"].contains(w) || w.hasPrefix("-") { assignment.removeFirst() }
        guard let word = assignment.first, let eq = word.firstIndex(of: "=") else { return }
        let name = String(word[..<eq])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return }
        // The value runs to the end of the statement (it may hold quoted spaces).
        let restStart = statement.range(of: word)!.lowerBound
        let value = String(statement[restStart...].dropFirst(name.count + 1))
        let expanded = expand(Self.unquote(value))
        if name == "PATH" {
            path = splitPath(expanded)
        } else {
            variables[name] = expanded
        }
    }

    mutating func applyFish(_ words: [String]) {
        switch words[0] {
        case "fish_add_path":
            var append = false
            var move = false
            var dirs: [String] = []
            for w in words.dropFirst() {
                switch w {
                case "-a", "--append": append = true
                case "-p", "--prepend": append = false
                case "-m", "--move": move = true
                default: if !w.hasPrefix("-") { dirs.append(expand(Self.unquote(w))) }
                }
            }
            // fish_add_path skips folders that do not exist.
            dirs = dirs.filter { system.isDirectory($0) }
            if append {
                for d in dirs where move || !path.contains(d) { path.removeAll { $0 == d }; path.append(d) }
            } else {
                prepend(dirs, move: move)
            }
        case "set":
            let args = words.dropFirst().filter { !$0.hasPrefix("-") }
            guard let name = args.first, name == "PATH" || name == "fish_user_paths" else { return }
            let values = args.dropFirst().flatMap { w -> [String] in
                let v = Self.unquote(w)
                if v == "$PATH" || v == "$fish_user_paths" { return name == "PATH" ? path : [] }
                return [expand(v)]
            }
            if name == "PATH" { path = values } else { prepend(values, move: true) }
        default: break
        }
    }

    /// Puts folders first, in the order given; an existing entry stays where it is unless `move`.
    mutating func prepend(_ dirs: [String], move: Bool) {
        let added = dirs.filter { move || !path.contains($0) }
        path = added + path.filter { !added.contains($0) }
    }

    static func unquote(_ s: String) -> String {
        s.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "'", with: "")
    }

    /// `~`, `$HOME`, `${HOME}`, `$PATH` and variables set earlier in the files; unknown ones stay as written.
    func expand(_ s: String) -> String {
        var out = s
        if out == "~" || out.hasPrefix("~/") { out = system.homeDirectory + out.dropFirst() }
        out = out.replacingOccurrences(of: ":~/", with: ":" + system.homeDirectory + "/")
        var result = ""
        var i = out.startIndex
        while i < out.endIndex {
            guard out[i] == "$" else { result.append(out[i]); i = out.index(after: i); continue }
            var j = out.index(after: i)
            var name = ""
            if j < out.endIndex && out[j] == "{" {
                j = out.index(after: j)
                while j < out.endIndex && out[j] != "}" { name.append(out[j]); j = out.index(after: j) }
                if j < out.endIndex { j = out.index(after: j) }
                // ${PATH:+:$PATH} and the like: keep the variable name.
                name = String(name.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            } else {
                while j < out.endIndex && (out[j].isLetter || out[j].isNumber || out[j] == "_") { name.append(out[j]); j = out.index(after: j) }
            }
            if name == "PATH" { result += path.joined(separator: ":") }
            else if let value = variables[name] { result += value }
            else { result += String(out[i..<j]) }
            i = j
        }
        return result
    }
}

/// `shell.startup`: the go a login shell, an interactive shell and GUI apps each find first.
public struct ShellStartupCheck: DoctorCheck {
    public let id = "shell.startup"
    public let title = "Which go each shell and GUI apps find"
    public init() {}

    /// launchd's PATH when `launchctl getenv PATH` prints nothing.
    static let launchdDefaultPath = "/usr/bin:/bin:/usr/sbin:/sbin"
    /// What a login shell starts with on Linux when /etc/environment sets no PATH (Debian's /etc/profile).
    static let linuxDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let system = facts.system
        let contexts = await Self.contexts(facts)
        let home = system.homeDirectory
        func short(_ p: String) -> String { p.hasPrefix(home + "/") ? "~" + p.dropFirst(home.count) : p }
        // Each go is read once (by its resolved path), though several contexts and lines name it.
        var read: [String: GoBinaryFacts?] = [:]
        for go in Set(contexts.compactMap(\.go)) {
            let resolved = system.resolveSymlinks(go)
            if read[resolved] == nil { read[resolved] = .some(system.goBinaryFacts(resolved)) }
        }
        func binary(_ go: String) -> GoBinaryFacts? { read[system.resolveSymlinks(go)] ?? nil }
        func label(_ go: String?) -> String {
            guard let go else { return "no go" }
            let f = binary(go)
            return "\(go) (\([f?.goVersion, f.map { "\($0.goos ?? "?")/\($0.goarch ?? "?")" }].compactMap { $0 }.joined(separator: " ")))"
        }
        var evidence: [String] = []
        var seenChanges = Set<String>()
        for context in contexts {
            let files = context.files.isEmpty ? "no start-up file" : context.files.map(short).joined(separator: ", ")
            evidence.append("\(context.name): reads \(files) -> \(label(context.go))")
            for change in context.changes where seenChanges.insert("\(change.file):\(change.line)").inserted {
                let first = change.path.lazy.map { $0 + "/go" }.first { system.isExecutableFile($0) }
                evidence.append("  \(short(change.file)):\(change.line): \(change.text)  (first go after this line: \(first ?? "none"))")
            }
        }
        if let winner = facts.winner { evidence.append("this shell (the PATH crossgo runs with): \(winner.label)") }
        let distinct = Dictionary(grouping: contexts, by: { $0.go.map { system.resolveSymlinks($0) } ?? "" })
        guard distinct.count > 1 else {
            guard contexts.first?.go != nil else {
                return finding(.ok, "no start-up file puts a go on PATH: shells and GUI apps find none" + (facts.winner != nil ? " (this shell's go comes from elsewhere)" : ""), evidence: evidence)
            }
            return finding(.ok, "every shell and GUI apps find \(label(contexts.first?.go))", evidence: evidence)
        }
        // The go to prefer: the terminal's if it is native, else the newest native one any context finds.
        let terminal = contexts.first { $0.name.contains("Terminal") || $0.name.contains("terminal") } ?? contexts[0]
        func native(_ go: String?) -> Bool { go.flatMap { binary($0)?.goarch } == facts.hardwareArch }
        let preferred = native(terminal.go) ? terminal.go : contexts.compactMap(\.go).filter(native).max { a, b in
            (binary(a)?.goVersion.flatMap { GoVersion($0) }).map { va in
                (binary(b)?.goVersion.flatMap { GoVersion($0) }).map { va < $0 } ?? false
            } ?? true
        }
        let summary = contexts.map { "\($0.name) uses \(label($0.go))" }.joined(separator: "; ")
        var fixes: [String] = []
        var shellFix: [ShellEdit] = []
        if let preferred {
            let folder = (preferred as NSString).deletingLastPathComponent
            let edit = ShellEdit.prependPath(folder)
            let differing = contexts.filter { $0.go.map { system.resolveSymlinks($0) } != system.resolveSymlinks(preferred) }
            for context in differing where !context.name.hasPrefix("GUI") {
                let shell = context.name.hasPrefix("fish") ? "fish" : "sh"
                let file = context.files.last.map(short) ?? Self.defaultFile(context.name)
                fixes.append("\(context.name): add `\(edit.line(for: shell))` at the end of \(file)")
                shellFix = [edit]
            }
            if differing.contains(where: { $0.name.hasPrefix("GUI") }) {
                fixes.append(system.osName == "darwin"
                             ? "GUI apps: start the editor from your terminal (code .), or run launchctl setenv PATH \"\((terminal.path).joined(separator: ":"))\" (lasts until you log out)"
                             : "GUI apps: add `\(edit.line(for: "sh"))` to ~/.profile and log in again")
            }
        }
        return finding(.warning, summary, evidence: evidence,
                       fix: fixes.isEmpty ? "make the start-up files named put the same go first" : fixes.joined(separator: "; "), shellFix: shellFix)
    }

    static func defaultFile(_ context: String) -> String {
        if context.hasPrefix("zsh") { return "~/.zshrc" }
        if context.hasPrefix("fish") { return "~/.config/fish/config.fish" }
        return "~/.bashrc"
    }

    /// The contexts worth comparing: the user's shell (from SHELL) and every other shell with start-up files here,
    /// each started as a login and an interactive shell, and GUI apps.
    static func contexts(_ facts: DoctorFacts) async -> [ShellContext] {
        let system = facts.system
        let home = system.homeDirectory
        let mac = system.osName == "darwin"
        let zdot = nonEmpty(system.environment["ZDOTDIR"]) ?? home
        let userShell = (system.environment["SHELL"].map { ($0 as NSString).lastPathComponent }) ?? (mac ? "zsh" : "bash")
        let fishDir = (nonEmpty(system.environment["XDG_CONFIG_HOME"]) ?? home + "/.config") + "/fish"
        let fishFiles = system.listDirectory(fishDir + "/conf.d").filter { $0.hasSuffix(".fish") }.map { fishDir + "/conf.d/" + $0 } + [fishDir + "/config.fish"]
        let zshFiles = [".zshenv", ".zprofile", ".zshrc", ".zlogin"].map { zdot + "/" + $0 }
        let bashProfile = [".bash_profile", ".bash_login", ".profile"].map { home + "/" + $0 }.first { system.fileExists($0) }

        // GUI apps: launchd's PATH on macOS; on Linux the desktop session's (Xsession and gdm read ~/.profile).
        let guiBase: [String]
        var gui: ShellContext
        if mac {
            let launchd = await system.launchdPath()
            guiBase = splitPath(nonEmpty(launchd) ?? launchdDefaultPath)
            gui = ShellContext(name: "GUI apps (started from the Dock, Finder or Spotlight; launchctl getenv PATH\(nonEmpty(launchd) == nil ? " is unset: launchd's default" : ""))",
                               files: [], changes: [], path: guiBase)
        } else {
            let environmentFile = system.readTextFile("/etc/environment").flatMap { text in
                text.split(separator: "\n").first { $0.hasPrefix("PATH=") }.map { StartupReader.unquote(String($0.dropFirst(5))) }
            }
            guiBase = splitPath(environmentFile ?? linuxDefaultPath)
            var reader = StartupReader(system: system, path: guiBase)
            reader.read(home + "/.profile")
            gui = ShellContext(name: "GUI apps (the desktop session, which reads ~/.profile)", files: reader.filesRead, changes: reader.changes, path: reader.path)
        }
        // Login shells on macOS run path_helper (/etc/zprofile, /etc/profile): /etc/paths and /etc/paths.d first.
        let systemPaths: [String] = mac ? (["/etc/paths"] + system.listDirectory("/etc/paths.d").map { "/etc/paths.d/" + $0 }).flatMap { file in
            (system.readTextFile(file) ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        } : []
        func pathHelper(_ reader: inout StartupReader) {
            guard mac else { return }
            reader.path = systemPaths + reader.path.filter { !systemPaths.contains($0) }
        }
        func context(_ name: String, base: [String], steps: [(String?, Bool)]) -> ShellContext {
            // Each step: a file to read, or (nil, true) for path_helper.
            var reader = StartupReader(system: system, path: base)
            for (file, helper) in steps {
                if helper { pathHelper(&reader) }
                if let file { reader.read(file) }
            }
            return ShellContext(name: name, files: reader.filesRead, changes: reader.changes, path: reader.path)
        }
        var shells: [ShellContext] = []
        let zshUsed = userShell == "zsh" || zshFiles.contains { system.fileExists($0) }
        let bashUsed = userShell == "bash" || bashProfile != nil || system.fileExists(home + "/.bashrc")
        let fishUsed = userShell == "fish" || fishFiles.contains { system.fileExists($0) }
        let terminal = mac ? "login shell (Terminal, iTerm, ssh)" : "login shell (ssh, a console login)"
        let interactive = mac ? "interactive shell (a subshell)" : "interactive shell (your terminal)"
        let sessionPath = gui.path
        for shell in [userShell] + ["zsh", "bash", "fish"].filter({ $0 != userShell }) {
            switch shell {
            case "zsh" where zshUsed:
                let (env, profile, rc, login) = (zshFiles[0], zshFiles[1], zshFiles[2], zshFiles[3])
                shells.append(context("zsh \(terminal)", base: guiBase, steps: [(env, false), (profile, true), (rc, false), (login, false)]))
                shells.append(context("zsh -l -c (a login shell that is not interactive: IDEs reading your environment, scripts)", base: guiBase,
                                      steps: [(env, false), (profile, true), (login, false)]))
                shells.append(context("zsh \(interactive)", base: sessionPath, steps: [(env, false), (rc, false)]))
            case "bash" where bashUsed:
                shells.append(context("bash \(terminal)", base: guiBase, steps: [(bashProfile, true)]))
                shells.append(context("bash \(interactive)", base: sessionPath, steps: [(home + "/.bashrc", false)]))
            case "fish" where fishUsed:
                shells.append(context("fish (every fish shell)", base: sessionPath, steps: fishFiles.map { ($0, false) }))
            default: break
            }
        }
        gui.go = gui.path.lazy.map { $0 + "/go" }.first { system.isExecutableFile($0) }
        return (shells + [gui]).map { c in
            var c = c
            c.go = c.path.lazy.map { $0 + "/go" }.first { system.isExecutableFile($0) }
            return c
        }
    }
}
