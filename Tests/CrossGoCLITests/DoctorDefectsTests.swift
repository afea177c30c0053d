// `crossgo doctor` against the defects of issue 11 (8 and 12), with the real go toolchains: broken GOFLAGS,
// junk in the go env file, GODEBUG repairs, --fix-shell with --json, the JSON of shell edits, installations
// counted once per binary, and PATH fixes that change something.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct DoctorDefectsTests {
    typealias Sandbox = DoctorTests.Sandbox
    static let tools = repositoryRoot + "/.tools/bin"

    /// A sandbox whose only `go` is the main toolchain, with GOPATH/bin and the repository's tools on PATH:
    /// the doctor says all is well there (DoctorTests.exitCodesAndTextOutput).
    static func cleanPath(_ box: Sandbox) async throws -> [String] {
        [try box.goFolder("go", linkingTo: try await DoctorTests.mainGo()), box.home + "/go/bin", tools]
    }

    @Test func unknownFlagInGoflagsFromTheEnvironment() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let (result, findings) = try await box.doctor(path: path, extra: ["GOFLAGS": "-junk"])
        #expect(result.exitCode == 2)
        let flags = try DoctorTests.find(findings, "go.flags-and-workspace")
        #expect(flags.status == .error)
        #expect(flags.summary == "GOFLAGS=-junk (environment): go rejects -junk, so every go command but go env and go bug fails")
        #expect(flags.evidence.contains("`go list -m` with this GOFLAGS: go: parsing $GOFLAGS: unknown flag -junk"))
        #expect(flags.fix == "unset GOFLAGS (and remove it from your shell start-up file), or export GOFLAGS without -junk")
        #expect(flags.shellFix == [.unset("GOFLAGS")])
        // go env ignores bad GOFLAGS (cmd/go hides them for go env and go bug), so its facts are real.
        #expect(try DoctorTests.find(findings, "cgo").status == .ok)
    }

    @Test func badFlagValueInGoflagsFromTheEnvFile() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let envFile = try box.root.write("home/.config/go/env", "GOFLAGS=-mod=bogus\n")
        let (result, findings) = try await box.doctor(path: path)
        #expect(result.exitCode == 2)
        let flags = try DoctorTests.find(findings, "go.flags-and-workspace")
        #expect(flags.status == .error)
        #expect(flags.summary == "GOFLAGS=-mod=bogus (\(envFile):1): go rejects -mod=bogus, so every go command that takes -mod fails")
        #expect(flags.evidence.contains("`go list -m` with this GOFLAGS: -mod=bogus not supported (can be '', 'mod', 'readonly', or 'vendor')"))
        #expect(flags.fix == "go env -u GOFLAGS, or go env -w GOFLAGS=... without -mod=bogus")
        #expect(flags.shellFix.isEmpty)
    }

    @Test func goflagsWithASpaceInAValue() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let (result, findings) = try await box.doctor(path: path, extra: ["GOFLAGS": "-ldflags=-s -w"])
        #expect(result.exitCode == 2)
        let flags = try DoctorTests.find(findings, "go.flags-and-workspace")
        #expect(flags.status == .error)
        #expect(flags.summary == "GOFLAGS=-ldflags=-s -w (environment): go splits GOFLAGS at spaces, so it gets -ldflags=-s and a separate -w, which is go env's own flag: go env fails")
        #expect(flags.evidence.contains("`go env -json` with this GOFLAGS: go: cannot use -json with -w"))
        #expect(flags.fix == "quote the whole flag inside the value: export GOFLAGS=\"'-ldflags=-s -w'\" (go env -w GOFLAGS=\"'-ldflags=-s -w'\" for the env file)")
        #expect(flags.shellFix == [.set("GOFLAGS", "'-ldflags=-s -w'")])
        // The doctor still gets go env's facts: it runs go env with GOFLAGS neutralised.
        #expect(try DoctorTests.find(findings, "cgo").status == .ok)
        #expect(try DoctorTests.find(findings, "targets.runnable").status != .skipped)
        let installs = try DoctorTests.find(findings, "go.installations")
        #expect(installs.evidence.contains { $0.contains("run now with GOFLAGS set to a blank value, because it failed with the real GOFLAGS") })
        let snippet = try await box.doctor(path: path, extra: ["GOFLAGS": "-ldflags=-s -w"], arguments: ["--fix-shell", "bash"]).0
        #expect(snippet.stdout.contains("export GOFLAGS=\"'-ldflags=-s -w'\""))
        let fish = try await box.doctor(path: path, extra: ["GOFLAGS": "-ldflags=-s -w"], arguments: ["--fix-shell", "fish"]).0
        #expect(fish.stdout.contains("set -gx GOFLAGS \"'-ldflags=-s -w'\""))
        // The quoted form is what go accepts: go env works with it.
        let quoted = try await box.doctor(path: path, extra: ["GOFLAGS": "'-ldflags=-s -w'"])
        #expect(try DoctorTests.find(quoted.1, "go.flags-and-workspace").status == .warning)
        #expect(try DoctorTests.find(quoted.1, "go.installations").evidence.contains { $0.hasSuffix(": run now") })
    }

    @Test func checksThatNeedGoEnvAreNotRunWhenItFails() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let (result, findings) = try await box.doctor(path: path, extra: ["GOROOT": "/nonexistent"])
        #expect(result.exitCode == 2)
        for id in ["cgo", "targets.runnable"] {
            let f = try DoctorTests.find(findings, id)
            #expect(f.status == .skipped, "\(f)")
            #expect(f.summary == "not run: go env failed: go: cannot find GOROOT directory: /nonexistent")
        }
        let text = try await box.doctor(path: path, extra: ["GOROOT": "/nonexistent"], arguments: []).0
        #expect(text.stdout.contains("- cgo and the C compiler [cgo]: not run: go env failed: go: cannot find GOROOT directory: /nonexistent"))
        #expect(!text.stdout.contains("✓ cgo"))
    }

    @Test func junkLinesInTheEnvFile() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let envFile = try box.root.write("home/.config/go/env", "this line is junk\nGOARCH\n=x\nNOTAGOVAR=1\n# a comment\n  GOPROXY=off\ngoprivate=example.com\nGOPRIVATE=a.example\nGOPRIVATE=b.example\n")
        let (result, findings) = try await box.doctor(path: path)
        #expect(result.exitCode == 1)
        let settings = try DoctorTests.find(findings, "go.settings")
        #expect(settings.status == .warning)
        #expect(settings.summary == "7 line(s) of \(envFile) that go ignores or never uses")
        let expected = [
            "\(envFile):1: `this line is junk`: go silently ignores it (a setting is KEY=VALUE, KEY starting with A-Z)",
            "\(envFile):2: `GOARCH`: go silently ignores it (no '='; to set GOARCH write GOARCH=value)",
            "\(envFile):3: `=x`: go silently ignores it (a setting is KEY=VALUE, KEY starting with A-Z)",
            "\(envFile):4: `NOTAGOVAR=1`: NOTAGOVAR is not a go command variable: go env NOTAGOVAR prints it but nothing uses it (go env -w refuses it: \"go: unknown go command variable NOTAGOVAR\")",
            "\(envFile):6: `  GOPROXY=off`: go silently ignores it (the line starts with a space; write GOPROXY=off)",
            "\(envFile):7: `goprivate=example.com`: go silently ignores it (the key must start with A-Z; write GOPRIVATE=example.com)",
            "\(envFile):8: `GOPRIVATE=a.example`: GOPRIVATE is set again on line 9, which wins (the next go env -w drops this line)",
        ]
        for line in expected { #expect(settings.evidence.contains(line), "\(line)") }
        #expect(settings.evidence.contains("GOPRIVATE=b.example  (\(envFile):9)"))
        #expect(!settings.evidence.contains { $0.hasPrefix("GOPROXY=off") })
        #expect(settings.fix == "edit \(envFile): delete or correct the lines named (go env -u KEY removes a setting)")
    }

    @Test func godebugRepairInTheSnippet() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let bash = try await box.doctor(path: path, extra: ["GODEBUG": "tls13=0,tlsmax=771,http2client=0"], arguments: ["--fix-shell", "bash"]).0
        #expect(bash.exitCode == 1)
        #expect(bash.stdout.contains("\nexport GODEBUG=http2client=0"), "\(bash.stdout)")
        let fish = try await box.doctor(path: path, extra: ["GODEBUG": "tls13=0,tlsmax=771,http2client=0"], arguments: ["--fix-shell", "fish"]).0
        #expect(fish.stdout.contains("\nset -gx GODEBUG http2client=0"))
        let allBad = try await box.doctor(path: path, extra: ["GODEBUG": "tls13=0,tlsmax=771"], arguments: ["--fix-shell", "zsh"]).0
        #expect(allBad.stdout.contains("\nunset GODEBUG"))
    }

    @Test func fixShellWithJson() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let path = try await Self.cleanPath(box)
        let extra = ["GODEBUG": "tls13=0", "GOOS": "windows"]
        let plain = try await box.doctor(path: path, extra: extra, arguments: ["--fix-shell", "zsh"]).0
        // Run directly: the sandbox's helper decodes only the findings of the summary.
        let json = try await runProgram(crossgoExecutable, ["doctor", "--fix-shell", "zsh", "--json"], environment: box.environment(path: path, extra: extra),
                                        workingDirectory: box.work, timeout: 120)
        #expect(json.exitCode == plain.exitCode && json.exitCode == 1)
        let object = try summaryOutcomeObject(from: json.stdout)
        #expect(object["shell"] as? String == "zsh")
        #expect(object["snippet"] as? String == plain.stdout.trimmingCharacters(in: .newlines))
        let edits = try #require(object["edits"] as? [[String: String]])
        #expect(edits == [["action": "unset", "variable": "GODEBUG"], ["action": "unset", "variable": "GOOS"]])
        #expect((object["findings"] as? [Any])?.count == Doctor.checks.count)
    }

    @Test func shellEditsHaveADocumentedJsonShape() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let goDir = try box.goFolder("go", linkingTo: try await DoctorTests.mainGo())
        let (result, _) = try await box.doctor(path: [goDir, Self.tools], extra: ["GOROOT": "/nonexistent"])
        #expect(!result.stdout.contains("\"_0\""))
        let raw = try #require(try summaryOutcomeObject(from: result.stdout)["findings"] as? [[String: Any]])
        let edits = raw.flatMap { ($0["shellFix"] as? [[String: String]]) ?? [] }
        #expect(edits.contains(["action": "unset", "variable": "GOROOT"]))
        #expect(edits.contains(["action": "appendPath", "folder": box.home + "/go/bin"]))
    }

    @Test func oneInstallationReachedTwiceIsCountedOnce() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let main = try await DoctorTests.mainGo()
        let a = try box.goFolder("a", linkingTo: main)
        let b = try box.goFolder("b", linkingTo: main)
        let c = try box.goFolder("c", linkingTo: DoctorTests.altGo)
        let (_, findings) = try await box.doctor(path: [a, b, c, box.home + "/go/bin"])
        let installs = try DoctorTests.find(findings, "go.installations")
        #expect(installs.summary.hasPrefix("2 Go installations on PATH; \(a)/go ("))
        let listed = installs.evidence.filter { $0.hasPrefix("wins: ") || $0.hasPrefix("shadowed: ") }
        #expect(listed.count == 2, "\(installs.evidence)")
        #expect(listed[0].hasPrefix("wins: \(a)/go -> \(box.root.path)") == false)
        #expect(listed[0].hasPrefix("wins: \(a)/go (also \(b)/go) -> "))
        #expect(listed[1].hasPrefix("shadowed: \(c)/go -> "))
        // The same binary twice is one installation.
        let (_, same) = try await box.doctor(path: [a, b, box.home + "/go/bin"])
        let one = try DoctorTests.find(same, "go.installations")
        #expect(one.status == .ok)
        #expect(one.evidence.filter { $0.hasPrefix("wins: ") || $0.hasPrefix("shadowed: ") } == [one.evidence[0]])
    }

    @Test func thePathFixIsNeverANoOp() async throws {
        let box = try Sandbox()
        defer { box.root.cleanup() }
        let newer = try box.goFolder("new", linkingTo: try await DoctorTests.mainGo())
        let older = try box.goFolder("old", linkingTo: DoctorTests.altGo)
        // The newest go already wins: nothing on PATH to change.
        let winning = try await box.doctor(path: [newer, older, box.home + "/go/bin"], arguments: ["--json"])
        let installs = try DoctorTests.find(winning.1, "go.installations")
        #expect(installs.status == .warning)
        #expect(installs.shellFix.isEmpty)
        #expect(installs.fix == "remove the installations you do not use; \(newer)/go, the newest, already wins")
        // An older go wins: the fix puts the newer one's PATH folder first.
        let losing = try await box.doctor(path: [older, newer, box.home + "/go/bin"], arguments: ["--json"])
        let fix = try DoctorTests.find(losing.1, "go.installations")
        #expect(fix.shellFix == [.prependPath(newer)])
        let snippet = try await box.doctor(path: [older, newer, box.home + "/go/bin"], arguments: ["--fix-shell", "zsh"]).0
        #expect(snippet.stdout.contains("\nexport PATH=\(newer):\"$PATH\""))
        #expect(!snippet.stdout.contains(".tools/go-alt"))
    }
}
