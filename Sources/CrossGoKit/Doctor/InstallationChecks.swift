// Which `go` runs, what it was built for, and whether GOROOT points somewhere else.
import Foundation

/// `go.installations`: every `go` on PATH, its version and architecture, and which one wins.
public struct InstallationsCheck: DoctorCheck {
    public let id = "go.installations"
    public let title = "Go installations on PATH"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        guard let winner = facts.winner else {
            return finding(.error, "no `go` on PATH", evidence: ["PATH=\(facts.environment["PATH"] ?? "")"],
                           fix: facts.system.osName == "darwin" ? "brew install go (or the installer from https://go.dev/dl)" : "install Go from https://go.dev/dl and add its bin folder to PATH")
        }
        // One installation per binary: PATH entries that reach the same go (through links) are listed together.
        let groups = Self.installations(facts.installs)
        var evidence = groups.enumerated().map { i, group in
            let first = group[0]
            let also = group.dropFirst().map(\.path)
            let head = also.isEmpty ? first.path : "\(first.path) (also \(also.joined(separator: ", ")))"
            let version = first.facts?.goVersion ?? "unknown version"
            let arch = first.facts?.goarch.map { " \($0)" } ?? ""
            let target = first.path == first.resolved && also.isEmpty ? "" : " -> \(first.resolved)"
            return (i == 0 ? "wins: " : "shadowed: ") + head + target + ": \(version)\(arch)"
        }
        if let cachedAt = facts.goEnvCachedAt {
            evidence.append("`go env -json` of \(winner.path): as recorded \(Int(Date().timeIntervalSince(cachedAt))) s ago with the same go binary, environment, env files and C compilers (--no-cache runs it again)")
        } else if facts.goEnvGoflagsFailure != nil {
            evidence.append("`go env -json` of \(winner.path): run now with GOFLAGS set to a blank value, because it failed with the real GOFLAGS (see go.flags-and-workspace)")
        } else if facts.goEnv != nil {
            evidence.append("`go env -json` of \(winner.path): run now")
        }
        guard groups.count > 1 else {
            return finding(.ok, "\(winner.path) (\(winner.facts?.goVersion ?? "unknown version"))", evidence: evidence)
        }
        let versions = Set(groups.compactMap { $0[0].facts?.goVersion })
        let summary = "\(groups.count) Go installations on PATH; \(winner.path) (\(winner.facts?.goVersion ?? "unknown")) wins"
        guard versions.count > 1 else { return finding(.ok, summary, evidence: evidence) }
        // The one to prefer: the newest that runs natively here. Its PATH folder goes first, unless it already wins.
        let native = groups.filter { $0[0].facts?.goarch == facts.hardwareArch }
        func version(_ group: [GoInstall]) -> GoVersion? { group[0].facts?.goVersion.flatMap { GoVersion($0) } }
        let best = (native.isEmpty ? groups : native).max { a, b in
            guard let vb = version(b) else { return false }
            guard let va = version(a) else { return true }
            return va < vb
        }
        guard let best, best[0].resolved != winner.resolved else {
            return finding(.warning, summary, evidence: evidence,
                           fix: "remove the installations you do not use; \(winner.path), the newest, already wins")
        }
        let folder = (best[0].path as NSString).deletingLastPathComponent
        let edit = Self.prepend(folder, facts: facts, changesWinnerFrom: winner.resolved) ? [ShellEdit.prependPath(folder)] : []
        return finding(.warning, summary, evidence: evidence,
                       fix: "put \(folder) first on PATH to use \(best[0].facts?.goVersion ?? "the newer go"), or remove the installations you do not use",
                       shellFix: edit)
    }

    /// The installs grouped by the binary they reach, in PATH order.
    static func installations(_ installs: [GoInstall]) -> [[GoInstall]] {
        var order: [String] = []
        var byBinary: [String: [GoInstall]] = [:]
        for install in installs {
            if byBinary[install.resolved] == nil { order.append(install.resolved) }
            byBinary[install.resolved, default: []].append(install)
        }
        return order.compactMap { byBinary[$0] }
    }

    /// Whether putting `folder` first on PATH makes another go win: a fix must never be a no-op.
    static func prepend(_ folder: String, facts: DoctorFacts, changesWinnerFrom current: String) -> Bool {
        let candidate = folder + "/go"
        guard facts.system.isExecutableFile(candidate) else { return false }
        return facts.system.resolveSymlinks(candidate) != current
    }
}

/// `host.translation`: the CPU, the shell's architecture (Rosetta), and the winning go's architecture.
public struct TranslationCheck: DoctorCheck {
    public let id = "host.translation"
    public let title = "CPU, shell and go architecture"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        let cpu = facts.hardwareArch
        var evidence = ["CPU: \(cpu)", "this process runs as \(facts.translated == true ? "amd64 (translated by Rosetta)" : facts.system.processArchitecture)"]
        guard let goArch = facts.winner?.facts?.goarch else {
            return skipped("no readable `go` binary to compare", evidence: evidence)
        }
        evidence.append("go (\(facts.winner!.path)) is built for \(goArch)")
        if facts.system.osName == "darwin" && cpu == "arm64" && goArch == "amd64" {
            return finding(.error, "an amd64 go on an Apple Silicon Mac: builds amd64 by default, runs under Rosetta",
                           evidence: evidence + (facts.translated == true ? ["the shell itself runs under Rosetta (sysctl.proc_translated = 1)"] : []),
                           fix: "install an arm64 Go (Homebrew under /opt/homebrew, or the arm64 .pkg) and put it first on PATH; open the terminal without \"Open using Rosetta\"")
        }
        if facts.translated == true {
            return finding(.warning, "the shell runs under Rosetta (translated); programs it starts default to amd64", evidence: evidence,
                           fix: "turn off \"Open using Rosetta\" for the terminal, or start the shell with: arch -arm64 $SHELL")
        }
        if goArch != cpu && !(cpu == "amd64" && goArch == "386") {
            return finding(.warning, "go is built for \(goArch) on a \(cpu) machine: it builds \(goArch) by default", evidence: evidence,
                           fix: "install Go for \(cpu)")
        }
        return finding(.ok, "go matches the \(cpu) CPU", evidence: evidence)
    }
}

/// `go.goroot`: an exported GOROOT, and whether it matches the `go` on PATH.
public struct GorootCheck: DoctorCheck {
    public let id = "go.goroot"
    public let title = "GOROOT"
    public init() {}

    public func run(_ facts: DoctorFacts) async throws -> Finding {
        guard let exported = facts.environment["GOROOT"], !exported.isEmpty else {
            let derived = facts.goEnv?["GOROOT"] ?? facts.winner?.derivedGoroot ?? "(no go)"
            return finding(.ok, "not exported; go finds its own GOROOT (\(derived))")
        }
        var evidence = ["GOROOT=\(exported) (exported)"]
        guard let winner = facts.winner else { return skipped("no `go` on PATH to compare", evidence: evidence) }
        let pathVersion = winner.facts?.goVersion ?? "unknown"
        evidence.append("go on PATH: \(winner.label)")
        let rootGo = exported + "/bin/go"
        guard facts.system.isDirectory(exported) else {
            return finding(.error, "GOROOT points to \(exported), which does not exist: \"cannot find GOROOT directory\"",
                           evidence: evidence, fix: "unset GOROOT (and remove its export from your shell start-up file)", shellFix: [.unset("GOROOT")])
        }
        let rootVersion = facts.system.goBinaryFacts(rootGo)?.goVersion ?? facts.system.readTextFile(exported + "/VERSION")?.split(separator: "\n").first.map(String.init)
        evidence.append("\(rootGo): \(rootVersion ?? "no readable go")")
        if let rootVersion, rootVersion != pathVersion {
            return finding(.error, "GOROOT holds \(rootVersion) but the go on PATH is \(pathVersion): builds fail with \"compile: version \\\"\(rootVersion)\\\" does not match go tool version \\\"\(pathVersion)\\\"\"",
                           evidence: evidence, fix: "unset GOROOT (and remove its export from your shell start-up file)", shellFix: [.unset("GOROOT")])
        }
        if facts.system.resolveSymlinks(exported) != facts.system.resolveSymlinks(winner.derivedGoroot) {
            return finding(.warning, "GOROOT is exported to a different folder than the go on PATH uses", evidence: evidence + ["derived: \(winner.derivedGoroot)"],
                           fix: "unset GOROOT", shellFix: [.unset("GOROOT")])
        }
        return finding(.warning, "GOROOT is exported; it matches today but breaks after the next upgrade", evidence: evidence,
                       fix: "unset GOROOT (go derives it from its own location)", shellFix: [.unset("GOROOT")])
    }
}
