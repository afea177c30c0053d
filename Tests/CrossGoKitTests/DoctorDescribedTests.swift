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

    /// The issue-17 Mac: Apple Silicon, an amd64 Go from the go.dev installer in /usr/local/go (linked from /usr/local/bin,
    /// and on path_helper's list through /etc/paths.d/go) beside an arm64 Homebrew Go; VS Code's settings name
    /// /usr/local/go; ~/.zprofile puts /usr/local/bin first, ~/.zshrc /opt/homebrew/bin; launchd's PATH has neither.
    static func issue17Mac() -> DescribedSystem {
        var system = Self.mac(path: ["/opt/homebrew/bin", "/usr/local/bin", Self.home + "/go/bin"], translated: false, commandLineTools: true)
        Self.homebrewGo(&system, prefix: "/opt/homebrew", version: "1.23.4", arch: "arm64")
        system.executables.insert("/usr/local/go/bin/go")
        system.directories.insert("/usr/local/go")
        system.files["/usr/local/go/VERSION"] = "go1.22.5\ntime 2024-06-27T20:11:12Z\n"
        system.goBinaries["/usr/local/go/bin/go"] = GoBinaryFacts(format: "mach-o", goos: "darwin", goarch: "amd64", goVersion: "go1.22.5", mainModule: "cmd/go")
        system.symlinks["/usr/local/bin/go"] = "/usr/local/go/bin/go"
        // macOS 14's /etc/paths; the go.dev installer adds /etc/paths.d/go.
        system.files["/etc/paths"] = "/usr/local/bin\n/System/Cryptexes/App/usr/bin\n/usr/bin\n/bin\n/usr/sbin\n/sbin\n"
        system.files["/etc/paths.d/go"] = "/usr/local/go/bin\n"
        system.files[Self.home + "/.zprofile"] = "# added by a tutorial\nexport PATH=/usr/local/bin:$PATH\n"
        system.files[Self.home + "/.zshrc"] = "# Homebrew\nexport PATH=\"/opt/homebrew/bin:$PATH\"\n"
        // `launchctl getenv PATH` prints nothing when no one set it: apps get launchd's /usr/bin:/bin:/usr/sbin:/sbin.
        system.programs["/bin/launchctl getenv PATH"] = ProgramResult(exitCode: 0, stdout: "", stderr: "")
        system.files[Self.home + "/Library/Application Support/Code/User/settings.json"] = """
            {
                // set years ago on an Intel Mac
                "go.goroot": "/usr/local/go",
                "go.toolsEnvVars": { "GOARCH": "amd64", },
            }
            """
        return system
    }

    @Test func appleSiliconMacWhereTerminalEditorAndDockSeeDifferentGos() async throws {
        let system = Self.issue17Mac()
        let findings = await Self.run(system)
        let settings = Self.home + "/Library/Application Support/Code/User/settings.json"
        let vscode = try #require(findings["editor.vscode"])
        #expect(vscode.status == .error)
        #expect(vscode.evidence.contains("\(settings):3: go.goroot = /usr/local/go is a amd64 go on a arm64 machine (runs under Rosetta and builds amd64 by default)"))
        #expect(vscode.evidence.contains("\(settings):4: go.toolsEnvVars.GOARCH = amd64: gopls and the editor's go commands build for GOARCH=amd64, your terminal for arm64"))
        #expect(vscode.fix?.contains("edit \(settings):3: remove go.goroot") == true)

        let shell = try #require(findings["shell.startup"])
        #expect(shell.status == .warning)
        #expect(shell.summary.contains("zsh login shell (Terminal, iTerm, ssh) uses /opt/homebrew/bin/go (go1.23.4 darwin/arm64)"))
        #expect(shell.summary.contains("zsh -l -c (a login shell that is not interactive: IDEs reading your environment, scripts) uses /usr/local/bin/go (go1.22.5 darwin/amd64)"))
        #expect(shell.summary.contains("GUI apps (started from the Dock, Finder or Spotlight; launchctl getenv PATH is unset: launchd's default) uses no go"))
        #expect(shell.evidence.contains("  ~/.zprofile:2: export PATH=/usr/local/bin:$PATH  (first go after this line: /usr/local/bin/go)"))
        #expect(shell.evidence.contains("  ~/.zshrc:2: export PATH=\"/opt/homebrew/bin:$PATH\"  (first go after this line: /opt/homebrew/bin/go)"))
        #expect(shell.shellFix == [.prependPath("/opt/homebrew/bin")])
        #expect(shell.fix?.contains("add `export PATH=/opt/homebrew/bin:\"$PATH\"` at the end of ~/.zprofile") == true)
        #expect(shell.fix?.contains("launchctl setenv PATH") == true)

        // Every check's status on this Mac: the terminal's go (arm64 Homebrew) is fine; the editor and the other shells are not.
        #expect(findings.mapValues(\.status) == [
            "go.installations": .warning, "host.translation": .ok, "go.goroot": .ok, "go.settings": .ok, "go.toolchain": .ok,
            "go.flags-and-workspace": .ok, "go.values": .ok, "go.module": .ok, "go.bin-path": .ok, "tools.arch": .ok, "tools.gopls": .ok,
            "cgo": .ok, "targets.runnable": .warning, "shell.seed-advice": .ok, "shell.startup": .warning, "editor.vscode": .error,
            "editor.goland": .skipped,
        ])
        let snippet = Doctor.fixSnippet(Array(findings.values), shell: "zsh")
        #expect(snippet.contains("# shell.startup: ") && snippet.contains("\nexport PATH=/opt/homebrew/bin:\"$PATH\""))
        let fish = Doctor.fixSnippet(Array(findings.values), shell: "fish")
        #expect(fish.contains("fish_add_path --prepend --move /opt/homebrew/bin"))
        // The JSON the CLI prints carries the new findings with their evidence.
        let json = try JSONDecoder().decode([Finding].self, from: JSONEncoder().encode(Array(findings.values)))
        #expect(json.first { $0.id == "shell.startup" }?.evidence == shell.evidence)
    }

    @Test func goLandProjectSdkOnTheDescribedMac() async throws {
        var system = Self.issue17Mac()
        let project = Self.home + "/src/app"
        system.files[project + "/go.mod"] = "module example.com/app\n\ngo 1.23\n"
        system.files[project + "/.idea/workspace.xml"] = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project version="4">
              <component name="ChangeListManager" />
              <component name="GOROOT" url="file:///usr/local/go" />
            </project>
            """
        system.files[Self.home + "/Library/Application Support/JetBrains/GoLand2024.3/options/go.sdk.xml"] = """
            <application>
              <component name="GoSdkList">
                <sdk-path>
                  <set>
                    <option value="$USER_HOME$/sdk/go1.21.0" />
                    <option value="/opt/homebrew/Cellar/go/1.23.4/libexec" />
                  </set>
                </sdk-path>
              </component>
            </application>
            """
        let findings = await Self.run(system, cwd: project)
        let goland = try #require(findings["editor.goland"])
        #expect(goland.status == .error)
        #expect(goland.evidence.contains("\(project)/.idea/workspace.xml:4: project GOROOT = /usr/local/go is a amd64 go on a arm64 machine"))
        #expect(goland.evidence.contains { $0.hasPrefix("\(Self.home)/Library/Application Support/JetBrains/GoLand2024.3/options/go.sdk.xml:5: known SDK = \(Self.home)/sdk/go1.21.0, which does not exist") })
        #expect(goland.evidence.contains { $0.contains("go.sdk.xml:6: known SDK = /opt/homebrew/Cellar/go/1.23.4/libexec -> go1.23.4 darwin/arm64") })
        // With the project on the Homebrew Go but go.mod asking for a newer one: older than the go line.
        system.files[project + "/go.mod"] = "module example.com/app\n\ngo 1.24\n"
        system.files[project + "/.idea/workspace.xml"] = "<project version=\"4\">\n  <component name=\"GOROOT\" url=\"file:///opt/homebrew/Cellar/go/1.23.4/libexec\" />\n</project>\n"
        let newer = await Self.run(system, cwd: project)
        let older = try #require(newer["editor.goland"])
        #expect(older.status == .error)
        #expect(older.evidence.contains { $0.hasPrefix("\(project)/.idea/workspace.xml:2: project GOROOT = /opt/homebrew/Cellar/go/1.23.4/libexec is go1.23.4, older than \(project)/go.mod's go 1.24") })
    }

    @Test func fishAndZshPathSyntaxOnLinux() async throws {
        let home = "/home/dev"
        var system = DescribedSystem(osName: "linux", environment: ["PATH": "/usr/local/go/bin:/usr/bin:/bin", "HOME": home, "SHELL": "/usr/bin/fish"],
                                     homeDirectory: home, hardwareArch: "amd64")
        for (root, version) in [("/usr/local/go", "go1.23.4"), (home + "/sdk/go1.21.0", "go1.21.0"), (home + "/.local/go", "go1.22.5")] {
            system.executables.insert(root + "/bin/go")
            system.goBinaries[root + "/bin/go"] = GoBinaryFacts(format: "elf", goos: "linux", goarch: "amd64", goVersion: version)
        }
        system.files["/etc/environment"] = "PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
        system.files[home + "/.profile"] = "export GOROOT=/usr/local/go\nPATH=\"$GOROOT/bin:$PATH\"\n"
        system.files[home + "/.config/fish/config.fish"] = "if status is-interactive\n    fish_add_path /nonexistent/bin\n    set -gx PATH $HOME/sdk/go1.21.0/bin $PATH\nend\n"
        system.files[home + "/.zshrc"] = "typeset -U path\npath=(~/.local/go/bin $path)\n"
        let findings = await Self.run(system, cwd: home)
        let startup = try #require(findings["shell.startup"])
        #expect(startup.status == .warning)
        #expect(startup.summary.hasPrefix("fish (every fish shell) uses \(home)/sdk/go1.21.0/bin/go (go1.21.0 linux/amd64)"))
        #expect(startup.summary.contains("zsh interactive shell (your terminal) uses \(home)/.local/go/bin/go (go1.22.5 linux/amd64)"))
        #expect(startup.summary.contains("GUI apps (the desktop session, which reads ~/.profile) uses /usr/local/go/bin/go (go1.23.4 linux/amd64)"))
        // fish_add_path skips a folder that does not exist; $GOROOT is the value .profile gave it.
        #expect(startup.evidence.contains("  ~/.profile:2: PATH=\"$GOROOT/bin:$PATH\"  (first go after this line: /usr/local/go/bin/go)"))
        #expect(!startup.evidence.contains { $0.contains("/nonexistent") })
        #expect(startup.evidence.contains("  ~/.config/fish/config.fish:3: set -gx PATH $HOME/sdk/go1.21.0/bin $PATH  (first go after this line: \(home)/sdk/go1.21.0/bin/go)"))
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
