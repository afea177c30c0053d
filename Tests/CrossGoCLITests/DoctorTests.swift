// `crossgo doctor` on this Linux machine with real Go toolchains, environment variables, files and PATHs.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct DoctorTests {
    /// The toolchain the tests run with (the `go` on PATH, or setup's .tools/go), by its GOROOT.
    static func mainGo() async throws -> String { try await realToolchain().goroot + "/bin/go" }
    static let altGo = repositoryRoot + "/.tools/go-alt/go/bin/go"

    /// A home folder, a working folder and PATH folders holding links to real `go` executables.
    struct Sandbox {
        let root: TempFolder
        var home: String { root.path + "/home" }
        var work: String { root.path + "/work" }

        init() throws {
            root = try TempFolder("crossgo-doctor")
            for dir in [home + "/go/bin", work] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }

        /// A folder whose `go` links to `target`.
        func goFolder(_ name: String, linkingTo target: String) throws -> String {
            let dir = root.path + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir + "/go", withDestinationPath: target)
            return dir
        }

        /// An environment with nothing from the developer's own shell.
        func environment(path: [String], extra: [String: String] = [:], systemPath: Bool = true) -> EnvironmentChanges {
            var env: EnvironmentChanges = ["HOME": home, "PATH": (path + (systemPath ? ["/usr/bin", "/bin"] : [])).joined(separator: ":"),
                                           "XDG_CONFIG_HOME": nil, "GOENV": nil, "GOROOT": nil, "GOFLAGS": nil, "GOPATH": nil, "GOBIN": nil,
                                           "GOSUMDB": nil, "GODEBUG": nil, "GOTOOLCHAIN": nil, "GOPROXY": nil, "CC": nil, "CGO_ENABLED": nil,
                                           "GOOS": nil, "GOARCH": nil, "SHELL": nil, "GO111MODULE": nil, "GOWORK": nil, "GOCACHE": ProcessInfo.processInfo.environment["GOCACHE"] ?? home + "/.cache/go-build"]
            for (k, v) in extra { env[k] = v }
            return env
        }

        func doctor(path: [String], extra: [String: String] = [:], arguments: [String] = ["--json"], systemPath: Bool = true) async throws -> (ProgramResult, [Finding]) {
            let result = try await runProgram(crossgoExecutable, ["doctor"] + arguments, environment: environment(path: path, extra: extra, systemPath: systemPath),
                                              workingDirectory: work, timeout: 120)
            let findings = arguments.contains("--json") ? try doctorFindings(from: result.stdout) : []
            return (result, findings)
        }
    }

    static func find(_ findings: [Finding], _ id: String) throws -> Finding {
        try #require(findings.first { $0.id == id })
    }

    @Test func twoInstallationsAndAStaleGoroot() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let first = try box.goFolder("new", linkingTo: (try await Self.mainGo()))
        let second = try box.goFolder("old", linkingTo: Self.altGo)
        let newVersion = try #require(LinuxSystem().goBinaryFacts(try await Self.mainGo())?.goVersion)
        let oldVersion = try #require(LinuxSystem().goBinaryFacts(Self.altGo)?.goVersion)
        #expect(newVersion != oldVersion)
        let (_, findings) = try await box.doctor(path: [first, second, box.home + "/go/bin"])
        let installs = try Self.find(findings, "go.installations")
        #expect(installs.status == .warning)
        #expect(installs.summary.contains("\(first)/go (\(newVersion)) wins"))
        #expect(installs.evidence.contains { $0.hasPrefix("wins: \(first)/go") && $0.contains(newVersion) })
        #expect(installs.evidence.contains { $0.hasPrefix("shadowed: \(second)/go") && $0.contains(oldVersion) })

        // GOROOT exported to the other version's root.
        let altRoot = repositoryRoot + "/.tools/go-alt/go"
        let (result, stale) = try await box.doctor(path: [first, box.home + "/go/bin"], extra: ["GOROOT": altRoot])
        let goroot = try Self.find(stale, "go.goroot")
        #expect(goroot.status == .error)
        #expect(goroot.summary.contains(oldVersion) && goroot.summary.contains(newVersion) && goroot.summary.contains("does not match go tool version"))
        #expect(result.exitCode == 2)
        let snippet = try await box.doctor(path: [first, box.home + "/go/bin"], extra: ["GOROOT": altRoot], arguments: ["--fix-shell", "fish"]).0
        #expect(snippet.stdout.contains("set -e GOROOT"))
    }

    @Test func shadowedSettingsAndBadValues() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: (try await Self.mainGo()))
        let envFile = try box.root.write("home/.config/go/env", "GOPROXY=https://proxy.golang.org,direct\nGOFLAGS=-mod=vendor\n")
        let (result, findings) = try await box.doctor(path: [goDir, box.home + "/go/bin"], extra: [
            "GOFLAGS": "-mod=mod", "GOSUMDB": "sum.golang.org+https://sum.golang.org", "GODEBUG": "tls13=0,tlsmax=771",
        ])
        #expect(result.exitCode == 2)
        let settings = try Self.find(findings, "go.settings")
        #expect(settings.status == .warning)
        #expect(settings.summary.contains("GOFLAGS: `go env -w` set -mod=vendor (\(envFile):2) but the environment sets -mod=mod, which wins"))
        let values = try Self.find(findings, "go.values")
        #expect(values.status == .error)
        #expect(values.evidence.contains { $0.contains("GOSUMDB=sum.golang.org+https://sum.golang.org: malformed verifier id") })
        #expect(values.evidence.contains { $0.contains("GODEBUG tls13: removed in Go 1.14") })
        #expect(values.evidence.contains { $0.contains("GODEBUG tlsmax: no such setting") })
        let flags = try Self.find(findings, "go.flags-and-workspace")
        #expect(flags.status == .warning && flags.evidence.contains { $0.contains("GOFLAGS=-mod=vendor (\(envFile):2)") })
    }

    @Test func toolchainSwitchThatCannotHappen() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: (try await Self.mainGo()))
        try box.root.write("work/go.mod", "module example.com/future\n\ngo 1.99.0\n")
        let (_, local) = try await box.doctor(path: [goDir, box.home + "/go/bin"], extra: ["GOTOOLCHAIN": "local"])
        let check = try Self.find(local, "go.toolchain")
        #expect(check.status == .error && check.summary.contains("needs go1.99") && check.summary.contains("GOTOOLCHAIN=local forbids"))
        let (_, offline) = try await box.doctor(path: [goDir, box.home + "/go/bin"], extra: ["GOPROXY": "off"])
        let offlineCheck = try Self.find(offline, "go.toolchain")
        #expect(offlineCheck.status == .error && offlineCheck.summary.contains("GOPROXY=off cannot serve toolchains"))
        // A go.work in the parent folder is picked up silently.
        try box.root.write("go.work", "go 1.21\n")
        let (_, work) = try await box.doctor(path: [goDir, box.home + "/go/bin"])
        #expect(try Self.find(work, "go.flags-and-workspace").summary.contains("go.work in a parent folder"))
    }

    @Test(.requiresHost("linux/amd64")) func foreignGoplsMissingCompilerAndShellExports() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: (try await Self.mainGo()))
        // A gopls built for linux/arm64 on this amd64 host.
        try box.root.write("gopls-src/go.mod", "module example.com/gopls\n\ngo 1.21\n")
        try box.root.write("gopls-src/main.go", "package main\n\nfunc main() {}\n")
        let toolBin = box.root.path + "/tools"
        let build = try await runProgram(try await Self.mainGo(), ["build", "-o", toolBin + "/gopls", "."], environment: ["GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0"],
                                         workingDirectory: box.root.path + "/gopls-src", timeout: 1800)
        #expect(build.succeeded, "\(build.stderr)")
        try box.root.write("home/.bashrc", "# my settings\nexport PATH=$PATH:/opt/x\nexport GOROOT=/usr/local/go\nexport GOBIN=$GOROOT/bin\n")
        try box.root.write("home/.zshrc", "export GOMODCACHE=$HOME/go/pkg/mod-arm64\n")
        let (result, findings) = try await box.doctor(path: [goDir, toolBin, box.home + "/go/bin"], extra: ["CC": "/nonexistent"])
        #expect(result.exitCode == 2)
        let tools = try Self.find(findings, "tools.arch")
        #expect(tools.status == .error && tools.summary.contains("\(toolBin)/gopls is built for arm64 on a amd64 machine"))
        // CC names a missing compiler: Go keeps cgo on (its automatic switch-off needs CC unset), and host cgo builds fail.
        let cgo = try Self.find(findings, "cgo")
        #expect(cgo.status == .error && cgo.summary.contains("cgo is on but the C compiler /nonexistent is not found"), "\(cgo)")
        #expect(cgo.summary.contains("CC is set, so Go 1.20+'s automatic switch-off"))
        // CC unset and no C compiler on PATH: Go 1.20+ turns cgo off, and the doctor says why.
        let (_, noCompiler) = try await box.doctor(path: [goDir, box.home + "/go/bin"], systemPath: false)
        let off = try Self.find(noCompiler, "cgo")
        #expect(off.status == .warning && off.summary.contains("cgo is off: Go 1.20+ turns it off when CC (gcc) is not found"), "\(off)")
        let shell = try Self.find(findings, "shell.seed-advice")
        #expect(shell.status == .error)
        #expect(shell.evidence.contains { $0.hasPrefix("~/.bashrc:3: sets GOROOT=/usr/local/go") })
        #expect(shell.evidence.contains { $0.hasPrefix("~/.bashrc:4: GOBIN=$GOROOT/bin") })
        #expect(shell.evidence.contains { $0.hasPrefix("~/.zshrc:1: per-architecture GOMODCACHE") })
    }

    @Test func exitCodesAndTextOutput() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: (try await Self.mainGo()))
        let tools = repositoryRoot + "/.tools/bin"
        let clean = try await box.doctor(path: [goDir, box.home + "/go/bin", tools])
        #expect(clean.0.exitCode == 0, "\(clean.1.filter { $0.status != .ok && $0.status != .skipped })")
        #expect(clean.1.count == Doctor.checks.count)
        let ids = clean.1.map(\.id)
        #expect(ids == ["go.installations", "host.translation", "go.goroot", "go.settings", "go.toolchain", "go.flags-and-workspace",
                        "go.values", "go.module", "go.bin-path", "tools.arch", "tools.gopls", "cgo", "targets.runnable", "shell.seed-advice",
                        "shell.startup", "editor.vscode", "editor.goland"])
        // The documented JSON fields.
        let raw = try #require(try summaryOutcomeObject(from: clean.0.stdout)["findings"] as? [[String: Any]])
        for object in raw {
            #expect(object["id"] is String && object["title"] is String && object["status"] is String && object["evidence"] is [Any])
            #expect(["ok", "warning", "error", "skipped"].contains(object["status"] as? String ?? ""))
        }
        let warned = try await box.doctor(path: [goDir, tools])  // GOPATH/bin not on PATH: a warning only
        #expect(warned.0.exitCode == 1)
        #expect(try Self.find(warned.1, "go.bin-path").status == .warning)
        let text = try await box.doctor(path: [goDir, tools], arguments: [])
        #expect(text.0.stdout.contains("! GOBIN / GOPATH/bin on PATH [go.bin-path]"))
        #expect(text.0.stdout.contains("✓ GOROOT [go.goroot]"))
        #expect(!text.0.stdout.contains("\u{1B}["))
        let fix = try await box.doctor(path: [goDir, tools], arguments: ["--fix-shell", "zsh"])
        #expect(fix.0.stdout.contains("export PATH=\"$PATH\":\(box.home)/go/bin"))
    }

    @Test func runsEachGoAtMostOnce() async throws {
        // A `go` wrapper that counts its runs; the doctor reads versions from the binaries, not by running them.
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let log = box.root.path + "/runs.log"
        let wrapperDir = box.root.path + "/wrapped"
        try box.root.write("wrapped/go", "#!/bin/sh\necho \"$@\" >> \(log)\nexec \(try await Self.mainGo()) \"$@\"\n", executable: true)
        let other = try box.goFolder("other", linkingTo: Self.altGo)
        let path = [wrapperDir, other, box.home + "/go/bin"]
        func runs() -> Int { ((try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []).count }
        func goEnvEvidence(_ findings: [Finding]) throws -> String {
            try #require(try Self.find(findings, "go.installations").evidence.first { $0.hasPrefix("`go env -json`") })
        }
        let first = try await box.doctor(path: path)
        #expect((try? String(contentsOfFile: log, encoding: .utf8)) == "env -json\n")
        #expect(try goEnvEvidence(first.1).hasSuffix(": run now"))

        // Nothing changed: go env's answer is remembered, and the doctor says so.
        let second = try await box.doctor(path: path)
        #expect(runs() == 1)
        #expect(try goEnvEvidence(second.1).contains("as recorded"))
        #expect(second.1.map(\.status) == first.1.map(\.status))

        // What go env's answer depends on changed: it runs again. With GOFLAGS set, the doctor also asks
        // `go list -m` once, to see whether go accepts the flags; a successful answer is remembered too.
        func ran(_ command: String) -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []).filter { $0 == command }.count
        }
        try box.root.write("home/.config/go/env", "GOFLAGS=-mod=mod\n")
        let afterEnvFile = try await box.doctor(path: path)
        #expect(ran("env -json") == 2 && ran("list -m") == 1)
        #expect(try Self.find(afterEnvFile.1, "go.settings").evidence.contains { $0.contains("GOFLAGS") && $0.contains("-mod=mod") })
        _ = try await box.doctor(path: path, extra: ["GOFLAGS": "-v"])
        #expect(ran("env -json") == 3 && ran("list -m") == 2)
        _ = try await box.doctor(path: path, arguments: ["--json", "--no-cache"])
        #expect(ran("env -json") == 4 && ran("list -m") == 3)
        _ = try await box.doctor(path: path, extra: ["CROSSGO_CACHE": "off"])
        #expect(ran("env -json") == 5 && ran("list -m") == 4)
        _ = try await box.doctor(path: path)
        #expect(runs() == 9)
    }
}
