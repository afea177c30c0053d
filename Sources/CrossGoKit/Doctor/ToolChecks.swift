// Where `go install` puts tools and whether they fit this machine; cgo; runnable targets; shell start-up files.
import Foundation

/// The folder `go install` writes to: GOBIN, else the first GOPATH entry's bin.
func installFolder(_ facts: DoctorFacts) -> String {
    if let gobin = facts.value("GOBIN"), !gobin.isEmpty { return gobin }
    let gopath = facts.value("GOPATH").flatMap { $0.isEmpty ? nil : $0 } ?? facts.system.homeDirectory + "/go"
    return String(gopath.split(separator: ":").first ?? "") + "/bin"
}

/// `go.bin-path`: the install folder on PATH, and tools there shadowed by other copies.
public struct BinPathCheck: DoctorCheck {
    public let id = "go.bin-path"
    public let title = "GOBIN / GOPATH/bin on PATH"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let folder = installFolder(facts)
        let onPath = facts.system.pathDirectories.map { $0.hasSuffix("/") && $0.count > 1 ? String($0.dropLast()) : $0 }
        var evidence = ["go install writes to \(folder)"]
        if let goroot = facts.goEnv?["GOROOT"], facts.system.resolveSymlinks(folder) == facts.system.resolveSymlinks(goroot + "/bin") {
            return finding(.error, "GOBIN is $GOROOT/bin: go install mixes your tools with Go's own, and upgrades delete them", evidence: evidence,
                           fix: "unset GOBIN (tools then go to $HOME/go/bin) and put that folder on PATH",
                           shellFix: [.unset("GOBIN"), .appendPath(facts.system.homeDirectory + "/go/bin")])
        }
        guard onPath.contains(folder) || onPath.contains(facts.system.resolveSymlinks(folder)) else {
            return finding(.warning, "\(folder) is not on PATH: tools you go install are not found", evidence: evidence,
                           fix: "export PATH=\"$PATH:\(folder)\"", shellFix: [.appendPath(folder)])
        }
        var shadowed: [String] = []
        for name in facts.system.listDirectory(folder) where facts.system.isExecutableFile(folder + "/" + name) {
            if let first = facts.system.allOnPath(name).first, (first as NSString).deletingLastPathComponent != folder {
                shadowed.append("\(name): \(first) runs instead of \(folder)/\(name)")
            }
        }
        evidence += shadowed
        if !shadowed.isEmpty {
            return finding(.warning, "\(shadowed.count) tool(s) in \(folder) are shadowed by other copies earlier on PATH", evidence: evidence,
                           fix: "remove the other copies or put \(folder) earlier on PATH", shellFix: [.prependPath(folder)])
        }
        return finding(.ok, "\(folder) is on PATH", evidence: evidence)
    }
}

/// `tools.arch`: Go tools (gopls, dlv, staticcheck, ...) built for another architecture or by a much older Go.
public struct ToolsArchCheck: DoctorCheck {
    public let id = "tools.arch"
    public let title = "Installed Go tools"
    public init() {}

    static let wellKnown = ["gopls", "dlv", "staticcheck", "golangci-lint", "goimports", "gofumpt", "govulncheck", "gotests", "impl", "revive", "air", "mockgen", "protoc-gen-go", "buf"]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        var candidates: [String] = []
        let folder = installFolder(facts)
        for name in facts.system.listDirectory(folder) where facts.system.isExecutableFile(folder + "/" + name) { candidates.append(folder + "/" + name) }
        for name in Self.wellKnown { candidates += facts.system.allOnPath(name) }
        var seen = Set<String>()
        candidates = candidates.filter { seen.insert(facts.system.resolveSymlinks($0)).inserted }
        let local = facts.goVersion.flatMap { GoVersion($0) }
        var problems: [String] = []
        var evidence: [String] = []
        var worst: FindingStatus = .ok
        for path in candidates {
            guard let tool = facts.system.goBinaryFacts(path), let version = tool.goVersion else { continue }
            let arch = tool.goarch ?? "?"
            evidence.append("\(path): \(version) \(tool.goos ?? "")/\(arch)")
            if arch != facts.hardwareArch && !(facts.hardwareArch == "amd64" && arch == "386") {
                let rosetta = facts.system.osName == "darwin" && facts.hardwareArch == "arm64" && arch == "amd64"
                problems.append("\(path) is built for \(arch) on a \(facts.hardwareArch) machine" + (rosetta ? " (runs under Rosetta)" : " (it cannot run here)"))
                worst = max(worst, rosetta ? .warning : .error)
            } else if let local, let built = GoVersion(version), local.major == built.major, local.minor - built.minor >= 4 {
                problems.append("\(path) was built by \(version), \(local.minor - built.minor) releases older than \(local)")
                worst = max(worst, .warning)
            }
        }
        if candidates.isEmpty { return finding(.ok, "no Go tools installed in \(folder) or well-known tools on PATH") }
        guard !problems.isEmpty else { return finding(.ok, "\(evidence.count) Go tool(s) match this machine", evidence: evidence) }
        return finding(worst, problems.count == 1 ? problems[0] : "\(problems.count) tools need reinstalling", evidence: problems + evidence,
                       fix: "reinstall with the go for this machine, e.g. go install golang.org/x/tools/gopls@latest")
    }
}

/// `cgo`: effective CGO_ENABLED and why; the C compiler; on macOS the Command Line Tools and SDK.
public struct CgoCheck: DoctorCheck {
    public let id = "cgo"
    public let title = "cgo and the C compiler"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        guard let goEnv = facts.goEnv else { return notRunWithoutGoEnv(facts) }
        let enabled = goEnv["CGO_ENABLED"] ?? "0"
        let cc = goEnv["CC"].flatMap { $0.isEmpty ? nil : $0 } ?? (facts.system.osName == "darwin" ? "clang" : "gcc")
        let ccWord = String(cc.split(separator: " ").first ?? "")
        let ccPath = ccWord.hasPrefix("/") ? (facts.system.isExecutableFile(ccWord) ? ccWord : nil) : facts.system.which(ccWord)
        var evidence = ["CGO_ENABLED=\(enabled) (\(facts.origin(of: "CGO_ENABLED").rawValue))", "CC=\(cc) (\(facts.origin(of: "CC").rawValue)) -> \(ccPath ?? "not found")"]
        evidence += await Self.crossTargetEvidence(facts)
        if facts.system.osName == "darwin" {
            let select = try? await facts.system.run("/usr/bin/xcode-select", ["-p"], environment: [:], timeout: 10)
            let sdk = try? await facts.system.run("/usr/bin/xcrun", ["--show-sdk-path"], environment: [:], timeout: 20)
            let tools = select.flatMap { $0.succeeded ? $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
            let sdkPath = sdk.flatMap { $0.succeeded ? $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
            evidence.append("xcode-select -p: \(tools ?? "fails (no Command Line Tools)")")
            evidence.append("xcrun --show-sdk-path: \(sdkPath ?? "fails")")
            if tools == nil || sdkPath == nil {
                return finding(enabled == "1" ? .error : .warning,
                               "no Xcode Command Line Tools: cgo cannot compile (/usr/bin/clang is only a shim)" + (enabled == "0" ? ", so cgo is off" : ""),
                               evidence: evidence, fix: "xcode-select --install")
            }
        }
        if enabled == "1" {
            if ccPath == nil {
                // Go 1.20+ turns cgo off by itself only when CC is unset; a CC naming a missing compiler keeps it on.
                let why = facts.environment["CC"] != nil || facts.userEnv["CC"] != nil
                    ? "CC is set, so Go 1.20+'s automatic switch-off (no C compiler found) does not apply"
                    : "CGO_ENABLED=1 is set"
                return finding(.error, "cgo is on but the C compiler \(cc) is not found (\(why)): host builds that need cgo (net, os/user, runtime/cgo) fail with \"C compiler not found\"",
                               evidence: evidence, fix: "unset CC (cgo then turns itself off), install a C compiler, or set CGO_ENABLED=0",
                               shellFix: facts.environment["CC"] != nil ? [.unset("CC")] : [])
            }
            return finding(.ok, "cgo is on, with \(ccPath!)", evidence: evidence)
        }
        if facts.environment["CGO_ENABLED"] == "0" || facts.userEnv["CGO_ENABLED"]?.value == "0" {
            return finding(.ok, "cgo is off because CGO_ENABLED=0 is set (\(facts.origin(of: "CGO_ENABLED").rawValue))", evidence: evidence)
        }
        if ccPath == nil {
            return finding(.warning, "cgo is off: Go 1.20+ turns it off when CC (\(cc)) is not found; net and os/user use pure-Go code, cgo packages fail",
                           evidence: evidence, fix: facts.system.osName == "darwin" ? "xcode-select --install" : "install gcc (sudo apt-get install gcc), or unset CC if it names a missing compiler")
        }
        return finding(.ok, "cgo is off", evidence: evidence)
    }
}

extension CgoCheck {
    /// What `crossgo build --cgo` would use for foreign targets: zig (or how to get it), the macOS SDK for darwin, and
    /// the CCs that crossgo.yaml here sets per target (they win over zig). Evidence only: cross cgo is optional.
    static func crossTargetEvidence(_ facts: DoctorFacts) async -> [String] {
        var lines: [String] = []
        let zig = await ZigCommand.locate(system: facts.system, extraDirectories: [])
        lines.append("cgo for other targets (crossgo --cgo): zig " + (zig.map { "= \($0.display)" } ?? "not found: \(ZigCommand.installHint)"))
        let sdk = facts.system.environment["SDKROOT"].flatMap { $0.isEmpty ? nil : $0 }
        lines.append("darwin targets with cgo: " + (sdk.map { "SDKROOT=\($0)" } ?? "SDKROOT unset (needs a macOS SDK: a Mac with Xcode or the Command Line Tools, or a copied MacOSX.sdk)"))
        if let config = try? BuildConfig.load(path: facts.workingDirectory + "/" + BuildConfig.fileName) {
            for override in config.overrides {
                if let cc = override.env["CC"] { lines.append("crossgo.yaml: CC=\(cc) for \(override.targets.joined(separator: ",")) wins over zig") }
            }
            for build in config.builds {
                if let cc = build.env["CC"] { lines.append("crossgo.yaml: CC=\(cc) for \(build.main) wins over zig") }
            }
        }
        return lines
    }
}

/// `targets.runnable`: for each default target, whether this host can run it, and how.
public struct TargetsRunnableCheck: DoctorCheck {
    public let id = "targets.runnable"
    public let title = "Running foreign targets here"
    public init() {}

    /// The default targets besides the host's own, and windows/amd64 (the most shipped target after linux/amd64; Wine runs it).
    static let targets = [Target(goos: "darwin", goarch: "arm64"), Target(goos: "linux", goarch: "riscv64"),
                          Target(goos: "js", goarch: "wasm"), Target(goos: "wasip1", goarch: "wasm"), Target(goos: "windows", goarch: "amd64")]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        guard let goEnv = facts.goEnv else { return notRunWithoutGoEnv(facts) }
        let host = Target(goos: goEnv["GOHOSTOS"] ?? facts.system.osName, goarch: goEnv["GOHOSTARCH"] ?? facts.hardwareArch)
        let detector = facts.runners
        let targets = Self.targets + [host]
        var seen = Set<Target>()
        var evidence: [String] = []
        var fixes: [String] = []
        for target in targets where seen.insert(target).inserted {
            let runner = detector.runner(for: target)
            evidence.append("\(target): \(runner.summary)")
            if let fix = runner.fix { fixes.append("\(target): \(fix)") }
        }
        if !fixes.isEmpty {
            return finding(.warning, "\(fixes.count) default target(s) could run here with a tool installed", evidence: evidence, fix: fixes.joined(separator: "; "))
        }
        return finding(.ok, "every default target runs here or is build-only for a reason", evidence: evidence)
    }
}

/// `shell.seed-advice`: exports in shell start-up files that set what go-facts say to leave alone.
public struct SeedAdviceCheck: DoctorCheck {
    public let id = "shell.seed-advice"
    public let title = "Go settings in shell start-up files"
    public init() {}

    static let files = [".zshrc", ".zprofile", ".zshenv", ".bashrc", ".bash_profile", ".profile", ".config/fish/config.fish"]

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        var errors: [String] = []
        var warnings: [String] = []
        var shell: [ShellEdit] = []
        let home = facts.system.homeDirectory
        for name in Self.files {
            let path = home + "/" + name
            guard let text = facts.system.readTextFile(path) else { continue }
            for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let (key, value) = Self.assignment(String(raw)) else { continue }
                let at = "~/\(name):\(i + 1)"
                switch key {
                case "GOROOT":
                    errors.append("\(at): sets GOROOT=\(value); go finds its own GOROOT, and this breaks after upgrades (\"does not match go tool version\")")
                    shell.append(.unset("GOROOT"))
                case "GOBIN" where value.contains("GOROOT"):
                    errors.append("\(at): GOBIN=\(value) puts installed tools inside Go's own folder")
                    shell.append(.unset("GOBIN"))
                case "GOCACHE", "GOMODCACHE":
                    if ["arm64", "amd64", "x86_64", "aarch64", "intel", "arch"].contains(where: { value.lowercased().contains($0) }) {
                        warnings.append("\(at): per-architecture \(key)=\(value) is unnecessary: cache keys already include GOOS/GOARCH")
                    }
                case "GOSUMDB", "GODEBUG", "GOARCH", "GOOS", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY":
                    if key == "GOSUMDB", let problem = ValuesCheck.sumdbProblem(value) { errors.append("\(at): GOSUMDB=\(value): \(problem)") }
                    else { warnings.append("\(at): exports \(key)=\(value) for every shell; see go.values / go.settings") }
                default: break
                }
            }
        }
        let all = errors + warnings
        guard !all.isEmpty else { return finding(.ok, "no Go exports in \(Self.files.map { "~/" + $0 }.joined(separator: ", "))") }
        return finding(errors.isEmpty ? .warning : .error, all.count == 1 ? all[0] : "\(all.count) Go exports in shell start-up files to review",
                       evidence: all, fix: "delete those lines from the files named, then open a new shell", shellFix: shell)
    }

    /// `export KEY=value`, `KEY=value`, `set -gx KEY value` (fish).
    static func assignment(_ line: String) -> (String, String)? {
        var s = line.trimmingCharacters(in: .whitespaces)
        guard !s.hasPrefix("#") else { return nil }
        if s.hasPrefix("set ") {
            let words = s.split(separator: " ").map(String.init).filter { !$0.hasPrefix("-") }
            guard words.count >= 3, words[0] == "set" else { return nil }
            return (words[1], words[2...].joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
        }
        if s.hasPrefix("export ") { s = String(s.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard let eq = s.firstIndex(of: "=") else { return nil }
        let key = String(s[..<eq])
        guard key.hasPrefix("GO") || key.hasPrefix("CGO"), key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { return nil }
        return (key, String(s[s.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
    }
}
