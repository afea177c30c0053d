// The doctor on Macs that cannot exist here, described through the system protocol with facts from real machines:
// Homebrew's layouts (/opt/homebrew on Apple Silicon, /usr/local on Intel), sysctl answers, xcode-select and xcrun output.
import CrossGoKit
import Foundation
import Testing

@Suite struct DoctorDescribedTests {
    static let home = "/Users/dev"

    /// `go env -json` as an arm64 or amd64 Homebrew Go on macOS prints it (trimmed to the keys the checks read).
    static func goEnv(version: String, arch: String, goroot: String, cgo: String = "1") -> ProgramResult {
        let env: [String: String] = [
            "GOARCH": arch, "GOHOSTARCH": arch, "GOOS": "darwin", "GOHOSTOS": "darwin", "GOROOT": goroot, "GOVERSION": version,
            "CGO_ENABLED": cgo, "CC": "clang", "CXX": "clang++", "GOENV": home + "/Library/Application Support/go/env",
            "GOPATH": home + "/go", "GOBIN": "", "GOPROXY": "https://proxy.golang.org,direct", "GOSUMDB": "sum.golang.org",
            "GOTOOLCHAIN": "auto", "GOFLAGS": "", "GOMODCACHE": home + "/go/pkg/mod", "GOCACHE": home + "/Library/Caches/go-build",
        ]
        let json = String(decoding: try! JSONEncoder().encode(env), as: UTF8.self)
        return ProgramResult(exitCode: 0, stdout: json, stderr: "")
    }

    /// A Homebrew Go: `<prefix>/bin/go` links into `<prefix>/Cellar/go/<v>/bin/go`; GOROOT is `.../libexec`.
    static func homebrewGo(_ system: inout DescribedSystem, prefix: String, version: String, arch: String) {
        let cellar = "\(prefix)/Cellar/go/\(version)"
        let real = "\(cellar)/libexec/bin/go"
        system.symlinks["\(prefix)/bin/go"] = real
        system.executables.insert(real)
        system.directories.insert("\(cellar)/libexec")
        system.goBinaries[real] = GoBinaryFacts(format: "mach-o", goos: "darwin", goarch: arch, goVersion: "go\(version)", mainModule: "cmd/go")
        system.programs["\(real) env -json"] = goEnv(version: "go\(version)", arch: arch, goroot: "\(cellar)/libexec")
    }

    static func mac(path: [String], translated: Bool, commandLineTools: Bool) -> DescribedSystem {
        var system = DescribedSystem(osName: "darwin", environment: ["PATH": (path + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]).joined(separator: ":"), "HOME": home, "SHELL": "/bin/zsh"],
                                     homeDirectory: home, executables: ["/usr/bin/clang", "/usr/bin/xcode-select", "/usr/bin/xcrun"],
                                     directories: [home + "/go/bin"], hardwareArch: "arm64", processArchitecture: translated ? "amd64" : "arm64",
                                     translated: translated)
        if commandLineTools {
            system.programs["/usr/bin/xcode-select -p"] = ProgramResult(exitCode: 0, stdout: "/Library/Developer/CommandLineTools\n", stderr: "")
            system.programs["/usr/bin/xcrun --show-sdk-path"] = ProgramResult(exitCode: 0, stdout: "/Library/Developer/CommandLineTools/SDKs/MacOSX.sdk\n", stderr: "")
        } else {
            system.programs["/usr/bin/xcode-select -p"] = ProgramResult(exitCode: 2, stdout: "", stderr: "xcode-select: error: unable to get active developer directory, use `sudo xcode-select --switch path/to/Xcode.app` to set one (or see `man xcode-select`)\n")
            system.programs["/usr/bin/xcrun --show-sdk-path"] = ProgramResult(exitCode: 1, stdout: "", stderr: "xcrun: error: invalid active developer path (/Library/Developer/CommandLineTools), missing xcrun at: /Library/Developer/CommandLineTools/usr/bin/xcrun\n")
        }
        return system
    }

    static func run(_ system: DescribedSystem, cwd: String = home + "/src/app") async -> [String: Finding] {
        let facts = await DoctorFacts.gather(system: system, workingDirectory: cwd)
        let findings = await Doctor.run(facts)
        return Dictionary(uniqueKeysWithValues: findings.map { ($0.id, $0) })
    }

    @Test func translatedShellWithIntelHomebrewGo() async throws {
        var system = Self.mac(path: ["/usr/local/bin", Self.home + "/go/bin"], translated: true, commandLineTools: true)
        Self.homebrewGo(&system, prefix: "/usr/local", version: "1.22.5", arch: "amd64")
        let findings = await Self.run(system)
        let translation = try #require(findings["host.translation"])
        #expect(translation.status == .error)
        #expect(translation.summary.contains("builds amd64 by default, runs under Rosetta"))
        #expect(translation.evidence.contains("CPU: arm64"))
        #expect(translation.evidence.contains { $0.contains("sysctl.proc_translated = 1") })
        #expect(findings["go.installations"]?.status == .ok)
        #expect(findings["go.installations"]?.summary.contains("/usr/local/bin/go (go1.22.5)") == true)
        #expect(findings["cgo"]?.status == .ok)
        // darwin/amd64 would run here under Rosetta only if it is installed; linux/riscv64 needs Linux.
        #expect(findings["targets.runnable"]?.evidence.contains { $0.hasPrefix("linux/riscv64: build only") } == true)
        #expect(Doctor.exitCode(Array(findings.values)) == 2)
    }

    @Test func macWithoutCommandLineTools() async throws {
        var system = Self.mac(path: ["/opt/homebrew/bin", Self.home + "/go/bin"], translated: false, commandLineTools: false)
        Self.homebrewGo(&system, prefix: "/opt/homebrew", version: "1.23.4", arch: "arm64")
        let findings = await Self.run(system)
        let cgo = try #require(findings["cgo"])
        #expect(cgo.status == .error)
        #expect(cgo.summary.contains("no Xcode Command Line Tools"))
        #expect(cgo.fix == "xcode-select --install")
        #expect(cgo.evidence.contains("xcode-select -p: fails (no Command Line Tools)"))
        #expect(findings["host.translation"]?.status == .ok)
        #expect(findings["go.installations"]?.status == .ok)
        #expect(findings["go.goroot"]?.status == .ok)
    }

    @Test func bothHomebrewsOnAppleSilicon() async throws {
        var system = Self.mac(path: ["/usr/local/bin", "/opt/homebrew/bin", Self.home + "/go/bin"], translated: false, commandLineTools: true)
        Self.homebrewGo(&system, prefix: "/usr/local", version: "1.21.6", arch: "amd64")
        Self.homebrewGo(&system, prefix: "/opt/homebrew", version: "1.23.4", arch: "arm64")
        // A gopls installed by the Intel Go.
        system.executables.insert(Self.home + "/go/bin/gopls")
        system.goBinaries[Self.home + "/go/bin/gopls"] = GoBinaryFacts(format: "mach-o", goos: "darwin", goarch: "amd64", goVersion: "go1.21.6", mainModule: "golang.org/x/tools/gopls")
        // The seed post's advice, applied.
        system.files[Self.home + "/.zshrc"] = "export GOROOT=/usr/local/Cellar/go/1.21.6/libexec\nexport GOSUMDB=sum.golang.org+https://sum.golang.org\n"
        let findings = await Self.run(system)
        let installs = try #require(findings["go.installations"])
        #expect(installs.status == .warning)
        #expect(installs.summary.contains("/usr/local/bin/go (go1.21.6) wins"))
        #expect(installs.evidence == ["wins: /usr/local/bin/go -> /usr/local/Cellar/go/1.21.6/libexec/bin/go: go1.21.6 amd64",
                                      "shadowed: /opt/homebrew/bin/go -> /opt/homebrew/Cellar/go/1.23.4/libexec/bin/go: go1.23.4 arm64",
                                      "`go env -json` of /usr/local/bin/go: run now"])
        #expect(findings["host.translation"]?.status == .error)
        #expect(findings["tools.arch"]?.status == .warning)
        #expect(findings["tools.arch"]?.summary.contains("gopls is built for amd64 on a arm64 machine (runs under Rosetta)") == true)
        let shell = try #require(findings["shell.seed-advice"])
        #expect(shell.status == .error)
        #expect(shell.evidence.contains { $0.hasPrefix("~/.zshrc:1: sets GOROOT=") })
        #expect(shell.evidence.contains { $0.hasPrefix("~/.zshrc:2: GOSUMDB=sum.golang.org+https://sum.golang.org: malformed verifier id") })
        let snippet = Doctor.fixSnippet(Array(findings.values), shell: "zsh")
        // The fix puts the newest native go (arm64, /opt/homebrew) first; never the folder of the go that already wins.
        #expect(installs.shellFix == [.prependPath("/opt/homebrew/bin")])
        #expect(snippet.contains("\nexport PATH=/opt/homebrew/bin:\"$PATH\""))
        #expect(!snippet.contains("export PATH=/usr/local"))
        #expect(snippet.contains("unset GOROOT"))
    }

    @Test func aCheckThatThrowsIsReportedAndTheOthersRun() async {
        struct Exploding: DoctorCheck {
            let id = "test.exploding"
            let title = "Explodes"
            struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
            func run(_ facts: DoctorFacts) async throws -> Finding { throw Boom() }
        }
        var system = Self.mac(path: ["/opt/homebrew/bin"], translated: false, commandLineTools: true)
        Self.homebrewGo(&system, prefix: "/opt/homebrew", version: "1.23.4", arch: "arm64")
        let facts = await DoctorFacts.gather(system: system, workingDirectory: "/")
        let findings = await Doctor.run(facts, checks: [Exploding(), GorootCheck()])
        #expect(findings.map(\.id) == ["test.exploding", "go.goroot"])
        #expect(findings[0].status == .error && findings[0].summary == "the check itself failed to run: boom")
        #expect(findings[1].status == .ok)
    }
}
