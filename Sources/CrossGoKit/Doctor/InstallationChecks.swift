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
        var evidence = facts.installs.enumerated().map { i, install in (i == 0 ? "wins: " : "shadowed: ") + install.label }
        if let cachedAt = facts.goEnvCachedAt {
            evidence.append("`go env -json` of \(winner.path): as recorded \(Int(Date().timeIntervalSince(cachedAt))) s ago with the same go binary, environment, env files and C compilers (--no-cache runs it again)")
        } else if facts.goEnv != nil {
            evidence.append("`go env -json` of \(winner.path): run now")
        }
        let distinct = Set(facts.installs.map(\.resolved))
        if distinct.count > 1 {
            let versions = Set(facts.installs.compactMap(\.facts?.goVersion))
            let status: FindingStatus = versions.count > 1 ? .warning : .ok
            return finding(status, "\(distinct.count) Go installations on PATH; \(winner.path) (\(winner.facts?.goVersion ?? "unknown")) wins",
                           evidence: evidence, fix: versions.count > 1 ? "remove the ones you do not use, or put the one you want first on PATH" : nil,
                           shellFix: versions.count > 1 ? [.prependPath((winner.resolved as NSString).deletingLastPathComponent)] : [])
        }
        return finding(.ok, "\(winner.path) (\(winner.facts?.goVersion ?? "unknown version"))", evidence: evidence)
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
