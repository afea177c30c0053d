// `crossgo doctor` against what editors and other shells see (issue 17), on this Linux machine with real files in a
// temp home folder and the real go toolchains: VS Code settings, start-up files that disagree, a gopls built by the
// older Go, and module problems whose verdict is checked against what the real `go build` then says.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct DoctorEditorsTests {
    typealias Sandbox = DoctorTests.Sandbox
    static let tools = repositoryRoot + "/.tools/bin"
    static let altRoot = repositoryRoot + "/.tools/go-alt/go"

    static func cleanPath(_ box: Sandbox) async throws -> [String] {
        [try box.goFolder("go", linkingTo: try await DoctorTests.mainGo()), box.home + "/go/bin", tools]
    }

    /// Builds a tiny main package with `go` into `output` (GOOS/GOARCH and module path as given).
    static func buildTiny(_ box: Sandbox, go: String, module: String, output: String, environment: EnvironmentChanges = [:]) async throws {
        let src = box.root.path + "/src-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
        try "module \(module)\n\ngo 1.21\n".write(toFile: src + "/go.mod", atomically: true, encoding: .utf8)
        try "package main\n\nfunc main() {}\n".write(toFile: src + "/main.go", atomically: true, encoding: .utf8)
        var env: EnvironmentChanges = ["CGO_ENABLED": "0", "GOFLAGS": nil, "GOTOOLCHAIN": "local", "GOWORK": "off"]
        for (k, v) in environment { env[k] = v }
        let build = try await runProgram(go, ["build", "-o", output, "."], environment: env, workingDirectory: src, timeout: 1800)
        #expect(build.succeeded, "\(build.stderr)")
    }

    /// `go build` in the sandbox's work folder with the doctor's environment (plus `extra`), offline.
    static func goBuild(_ box: Sandbox, path: [String], extra: [String: String] = [:]) async throws -> ProgramResult {
        var env = box.environment(path: path, extra: extra)
        env["GOPROXY"] = "off"
        env["GOTOOLCHAIN"] = "local"
        return try await runProgram(try await DoctorTests.mainGo(), ["build", "-o", box.root.path + "/out", "."], environment: env,
                                    workingDirectory: box.work, timeout: 1800)
    }

    @Test(.requiresHost("linux/amd64")) func vsCodeSettingsWithCommentsAnotherGoAndAForeignGo() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let mainVersion = try #require(LinuxSystem().goBinaryFacts(try await DoctorTests.mainGo())?.goVersion)
        let altVersion = try #require(LinuxSystem().goBinaryFacts(Self.altRoot + "/bin/go")?.goVersion)
        #expect(mainVersion != altVersion)
        // A real linux/arm64 executable called go, built by the real toolchain; GoBinary reads its architecture.
        let armGo = box.root.path + "/arm64/go"
        try await Self.buildTiny(box, go: try await DoctorTests.mainGo(), module: "example.com/go", output: armGo,
                                 environment: ["GOOS": "linux", "GOARCH": "arm64"])
        let settings = try box.root.write("home/.config/Code/User/settings.json", """
            // VS Code settings: comments and trailing commas are fine here
            {
                /* the second toolchain, "on purpose" */
                "go.goroot": "\(Self.altRoot)",
                "go.alternateTools": {
                    "go": "\(armGo)", // a go for another CPU
                },
                "editor.fontSize": 14,
            }
            """)
        let (result, findings) = try await box.doctor(path: path)
        #expect(result.exitCode == 2)
        let vscode = try DoctorTests.find(findings, "editor.vscode")
        #expect(vscode.status == .error)
        #expect(vscode.summary == "2 VS Code settings disagree with this machine's go")
        #expect(vscode.evidence.contains("\(settings):4: go.goroot = \(Self.altRoot) is \(altVersion), but the go on PATH in this shell is \(mainVersion)"))
        #expect(vscode.evidence.contains("\(settings):6: go.alternateTools.go = \(armGo) is a arm64 go on a amd64 machine (it cannot run here)"))
        #expect(vscode.evidence.contains("\(settings):6: go.alternateTools.go = \(armGo) -> \(armGo): \(mainVersion) linux/arm64"))
        #expect(vscode.fix?.contains("edit \(settings):4: remove go.goroot") == true)

        // Only the other version: a warning that names file, line, key and both versions.
        try box.root.write("home/.config/Code/User/settings.json", "{\n  // just the GOROOT\n  \"go.goroot\": \"\(Self.altRoot)\",\n}\n")
        let (_, versionOnly) = try await box.doctor(path: path)
        let warning = try DoctorTests.find(versionOnly, "editor.vscode")
        #expect(warning.status == .warning)
        #expect(warning.summary == "\(settings):3: go.goroot = \(Self.altRoot) is \(altVersion), but the go on PATH in this shell is \(mainVersion)")

        // A workspace settings file with a syntax error: the check says where, still reads the user settings, and
        // every other check runs.
        let workspace = try box.root.write("work/.vscode/settings.json", "{\n  \"go.gopath\": \"/nowhere\"\n  \"go.goroot\": \"/x\",\n}\n")
        let (_, broken) = try await box.doctor(path: path)
        let unreadable = try DoctorTests.find(broken, "editor.vscode")
        #expect(unreadable.evidence.contains("could not read \(workspace): line 3, column 3: expected ',' or '}', found '\"' (VS Code shows the error and ignores the file's settings)"))
        #expect(unreadable.evidence.contains { $0.hasPrefix("\(settings):3: go.goroot = \(Self.altRoot) is \(altVersion)") })
        #expect(unreadable.fix?.contains("correct \(workspace) at line 3, column 3") == true)
        #expect(broken.count == Doctor.checks.count)
        #expect(try DoctorTests.find(broken, "go.installations").status == .ok)
        #expect(try DoctorTests.find(broken, "cgo").status == .ok)
    }

    @Test func startupFilesThatDisagreeAboutPath() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let mainGo = try await DoctorTests.mainGo()
        let newVersion = try #require(LinuxSystem().goBinaryFacts(mainGo)?.goVersion)
        let oldVersion = try #require(LinuxSystem().goBinaryFacts(Self.altRoot + "/bin/go")?.goVersion)
        for (name, target) in [("old", Self.altRoot + "/bin/go"), ("new", mainGo)] {
            try FileManager.default.createDirectory(atPath: box.home + "/" + name, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: box.home + "/\(name)/go", withDestinationPath: target)
        }
        try box.root.write("home/.bash_profile", "# login shells\nexport PATH=\"$HOME/old:$PATH\"\n")
        try box.root.write("home/.bashrc", "# interactive shells\nalias ll='ls -l'\nexport PATH=$HOME/new:$PATH\n")
        let (result, findings) = try await box.doctor(path: path, extra: ["SHELL": "/bin/bash"])
        #expect(result.exitCode == 1)
        let startup = try DoctorTests.find(findings, "shell.startup")
        #expect(startup.status == .warning)
        #expect(startup.summary.contains("bash login shell (ssh, a console login) uses \(box.home)/old/go (\(oldVersion) linux/amd64)"))
        #expect(startup.summary.contains("bash interactive shell (your terminal) uses \(box.home)/new/go (\(newVersion) linux/amd64)"))
        #expect(startup.evidence.contains("  ~/.bash_profile:2: export PATH=\"$HOME/old:$PATH\"  (first go after this line: \(box.home)/old/go)"))
        #expect(startup.evidence.contains("  ~/.bashrc:3: export PATH=$HOME/new:$PATH  (first go after this line: \(box.home)/new/go)"))
        #expect(startup.evidence.contains { $0.hasPrefix("bash login shell (ssh, a console login): reads ~/.bash_profile -> \(box.home)/old/go") })
        #expect(startup.shellFix == [.prependPath(box.home + "/new")])
        #expect(startup.fix?.contains("bash login shell (ssh, a console login): add `export PATH=\(box.home)/new:\"$PATH\"` at the end of ~/.bash_profile") == true)
        // --fix-shell prints the PATH fix for the shell that differs; with --json the finding and its edit are there too.
        let fix = try await box.doctor(path: path, extra: ["SHELL": "/bin/bash"], arguments: ["--fix-shell", "bash"]).0
        #expect(fix.stdout.contains("# shell.startup: ") && fix.stdout.contains("\nexport PATH=\(box.home)/new:\"$PATH\""))
        let json = try await runProgram(crossgoExecutable, ["doctor", "--fix-shell", "bash", "--json"], environment: box.environment(path: path, extra: ["SHELL": "/bin/bash"]),
                                        workingDirectory: box.work, timeout: 120)
        let report = try summaryOutcomeObject(from: json.stdout)
        let edits = try #require(report["edits"] as? [[String: String]])
        #expect(edits.contains { $0 == ["action": "prependPath", "folder": box.home + "/new"] })
        let reported = try #require((report["findings"] as? [[String: Any]])?.first { $0["id"] as? String == "shell.startup" })
        #expect((reported["evidence"] as? [String])?.contains("  ~/.bashrc:3: export PATH=$HOME/new:$PATH  (first go after this line: \(box.home)/new/go)") == true)

        // Once .bash_profile reads .bashrc (as most do), both shells find the same go.
        try box.root.write("home/.bash_profile", "# login shells\nexport PATH=\"$HOME/old:$PATH\"\n[ -f ~/.bashrc ] && . ~/.bashrc\n")
        try box.root.write("home/.profile", "export PATH=\"$HOME/new:$PATH\"\n")
        let (_, agreed) = try await box.doctor(path: path, extra: ["SHELL": "/bin/bash"])
        let same = try DoctorTests.find(agreed, "shell.startup")
        #expect(same.status == .ok, "\(same)")
        #expect(same.summary == "every shell and GUI apps find \(box.home)/new/go (\(newVersion) linux/amd64)")
    }

    @Test func goplsBuiltByTheOlderGoAgainstANewerGoMod() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let altGo = Self.altRoot + "/bin/go"
        let oldVersion = try #require(LinuxSystem().goBinaryFacts(altGo)?.goVersion)
        let gopls = box.home + "/go/bin/gopls"
        try await Self.buildTiny(box, go: altGo, module: "golang.org/x/tools/gopls", output: gopls)
        #expect(LinuxSystem().goBinaryFacts(gopls)?.goVersion == oldVersion)
        let mainGo = try await DoctorTests.mainGo()
        let mainVersion = try #require(LinuxSystem().goBinaryFacts(mainGo)?.goVersion.flatMap { GoVersion($0) })
        let goLine = "\(mainVersion.major).\(mainVersion.minor)"
        let goMod = try box.root.write("work/go.mod", "module example.com/app\n\ngo \(goLine)\n")
        let (result, findings) = try await box.doctor(path: path)
        #expect(result.exitCode == 2)
        let check = try DoctorTests.find(findings, "tools.gopls")
        #expect(check.status == .error)
        #expect(check.summary.hasPrefix("\(gopls) was built by \(oldVersion), older than \(goMod)'s go \(goLine): gopls cannot load this module"))
        #expect(check.fix?.hasPrefix("go install golang.org/x/tools/gopls@latest") == true)
        // A go.mod the old Go can load: no complaint.
        try box.root.write("work/go.mod", "module example.com/app\n\ngo 1.21\n")
        let (_, fine) = try await box.doctor(path: path)
        #expect(try DoctorTests.find(fine, "tools.gopls").status == .ok)
    }

    /// A module with a package of its own, so that GOPATH mode cannot find it.
    static func writeModule(_ box: Sandbox, requires: String = "") throws {
        try box.root.write("work/go.mod", "module example.com/app\n\ngo 1.21\n" + requires)
        try box.root.write("work/lib/lib.go", "package lib\n\nfunc X() int { return 1 }\n")
        try box.root.write("work/main.go", "package main\n\nimport \"example.com/app/lib\"\n\nfunc main() { _ = lib.X() }\n")
    }

    @Test func moduleModeOffInAModule() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        try Self.writeModule(box)
        let (result, findings) = try await box.doctor(path: path, extra: ["GO111MODULE": "off"])
        #expect(result.exitCode == 2)
        let module = try DoctorTests.find(findings, "go.module")
        #expect(module.status == .error)
        #expect(module.summary.contains("GO111MODULE=off: go ignores \(box.work)/go.mod") && module.summary.contains("\"cannot find package ... in any of\""))
        #expect(module.shellFix == [.unset("GO111MODULE")])
        let build = try await Self.goBuild(box, path: path, extra: ["GO111MODULE": "off"])
        #expect(!build.succeeded)
        #expect(build.stderr.contains("cannot find package \"example.com/app/lib\" in any of"), "\(build.stderr)")
        // Module mode back on: the doctor is content and go build works.
        let (_, on) = try await box.doctor(path: path)
        #expect(try DoctorTests.find(on, "go.module").status == .ok)
        #expect(try await Self.goBuild(box, path: path).succeeded)
    }

    @Test func workspaceThatDoesNotUseThisModule() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        try Self.writeModule(box)
        try box.root.write("other/go.mod", "module example.com/other\n\ngo 1.21\n")
        let work = try box.root.write("go.work", "go 1.21\n\nuse (\n\t./other\n)\n")
        let (_, findings) = try await box.doctor(path: path)
        let module = try DoctorTests.find(findings, "go.module")
        #expect(module.status == .error)
        let phrase = "current directory is contained in a module that is not one of the workspace modules listed in go.work"
        #expect(module.summary == "\(work) does not use this module (\(box.work)): go build here fails with \"\(phrase)\"")
        #expect(module.fix?.hasPrefix("go work use ./work (in \(box.root.path))") == true)
        let build = try await Self.goBuild(box, path: path)
        #expect(!build.succeeded && build.stderr.contains(phrase), "\(build.stderr)")
        // After the fix the doctor says the workspace uses the module, and go build agrees.
        try box.root.write("go.work", "go 1.21\n\nuse (\n\t./other\n\t./work\n)\n")
        let (_, fixed) = try await box.doctor(path: path)
        #expect(try DoctorTests.find(fixed, "go.module").status == .ok)
        #expect(try await Self.goBuild(box, path: path).succeeded)
    }

    @Test func vendorFolderOutOfSyncWithGoMod() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        for name in ["dep", "dep2"] {
            try box.root.write("\(name)/go.mod", "module example.com/\(name)\n\ngo 1.21\n")
            try box.root.write("\(name)/\(name).go", "package \(name)\n\nfunc D() int { return 1 }\n")
        }
        try box.root.write("work/main.go", "package main\n\nimport \"example.com/dep\"\n\nfunc main() { _ = dep.D() }\n")
        try box.root.write("work/go.mod", "module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n")
        var env = box.environment(path: path)
        env["GOPROXY"] = "off"
        let vendor = try await runProgram(try await DoctorTests.mainGo(), ["mod", "vendor"], environment: env, workingDirectory: box.work, timeout: 600)
        #expect(vendor.succeeded, "\(vendor.stderr)")
        let (_, synced) = try await box.doctor(path: path)
        #expect(try DoctorTests.find(synced, "go.module").status == .ok)
        #expect(try await Self.goBuild(box, path: path).succeeded)
        // go.mod gains a requirement; vendor/ is not refreshed.
        try box.root.write("work/go.mod", "module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/dep v0.0.0\n\texample.com/dep2 v0.0.0\n)\n\nreplace example.com/dep => ../dep\n\nreplace example.com/dep2 => ../dep2\n")
        let (result, findings) = try await box.doctor(path: path)
        #expect(result.exitCode == 2)
        let module = try DoctorTests.find(findings, "go.module")
        #expect(module.status == .error)
        #expect(module.summary == "\(box.work)/vendor is out of sync with go.mod: go build fails with \"inconsistent vendoring\" (1 difference(s))")
        #expect(module.evidence.contains("example.com/dep2@v0.0.0 is required in go.mod but missing from vendor/modules.txt"))
        #expect(module.fix?.hasPrefix("go mod vendor") == true)
        let build = try await Self.goBuild(box, path: path)
        #expect(!build.succeeded)
        #expect(build.stderr.contains("inconsistent vendoring") && build.stderr.contains("example.com/dep2") && build.stderr.contains("go mod vendor"), "\(build.stderr)")
        // With -mod=mod go ignores vendor/, and so does the doctor.
        let (_, ignored) = try await box.doctor(path: path, extra: ["GOFLAGS": "-mod=mod"])
        #expect(try DoctorTests.find(ignored, "go.module").status == .ok)
    }
}
