// The spine through the real executable: one exit table (a test per row), one JSON event schema for build
// and test, interrupts that leave nothing behind.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct ExitTableTests {
    @Test func zeroWhenEverythingWorked() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let result = try await runCrossgo(["build", "--target", "host", "--no-progress"], in: module.path)
        #expect(result.exitCode == ExitStatus.ok.rawValue, "\(result.stderr)")
    }

    @Test func oneWhenATargetFails() async throws {
        let module = try TempFolder("crossgo-exit1")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/broken\n\ngo 1.22\n")
        try module.write("main.go", "package main\n\nfunc main() { undefinedCall() }\n")
        let result = try await runCrossgo(["build", "--target", "host", "--no-progress"], in: module.path)
        #expect(result.exitCode == ExitStatus.failed.rawValue)
        #expect(result.stdout.contains("undefined: undefinedCall"), "failures belong to the results: \(result.stdout)")
    }

    @Test(arguments: [
        (["build", "--target", "bogus"], "unknown target 'bogus'"),
        (["build", "--jobs", "0"], "--jobs must be a positive whole number (1 or more), not 0"),
        (["test", "--jobs", "0"], "--jobs must be a positive whole number (1 or more), not 0"),
        // A negative count names the flag and says the value must be positive (not "Missing value").
        (["build", "--jobs", "-1"], "--jobs must be a positive whole number (1 or more), not -1"),
        (["test", "--jobs", "-1"], "--jobs must be a positive whole number (1 or more), not -1"),
        (["release", "--jobs", "-1"], "--jobs must be a positive whole number (1 or more), not -1"),
        (["bench", "--jobs", "-2"], "--jobs must be a positive whole number (1 or more), not -2"),
        (["bench", "--count", "-3"], "--count must be a positive whole number (1 or more), not -3"),
        (["bench", "--count=-3"], "--count must be a positive whole number (1 or more), not -3"),
        (["ci", "github", "--stdout", "--shards", "-2"], "--shards"),
        // A path that is not there, or a file where a folder is wanted: bad input on every command.
        (["inspect", "/nonexistent"], "/nonexistent: no such file or folder"),
        (["audit", "/nonexistent"], "/nonexistent: no such file or folder"),
        (["verify", "/nonexistent"], "/nonexistent: no such folder"),
        (["verify", "go.mod"], "go.mod: is a file, not a folder"),
        (["merge", "go.mod"], "go.mod: is a file, not a folder"),
        (["serve", "go.mod"], "go.mod: is a file, not a folder"),
        (["test", "--timeout", "soon"], "--timeout 'soon' is not a Go duration"),
        (["build", "--no-such-flag"], "Unknown option '--no-such-flag'"),
        (["help", "nosuch"], "no help topic 'nosuch'"),
        (["build", "--target", "host", "--", "-o", "/tmp/elsewhere"], "go build flag -o cannot be passed through crossgo"),
        (["build", "--target", "host", "--", "-buildmode=c-shared"], "-buildmode=c-shared cannot be passed through crossgo"),
    ])
    func twoForBadInput(arguments: [String], message: String) async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let result = try await runCrossgo(arguments, in: module.path)
        #expect(result.exitCode == ExitStatus.usage.rawValue, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value") && !result.stderr.contains("no such folder") || message.contains("no such folder"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
    }

    @Test func twoForABadConfigFileWithLineAndReason() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        try module.write("crossgo.yaml", "targets: [host\nout: dist\n")
        let result = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(result.exitCode == ExitStatus.usage.rawValue)
        let line = try #require(result.stderr.split(separator: "\n").first { $0.contains("crossgo.yaml") })
        #expect(line.contains("crossgo.yaml:") && line.contains("not valid YAML: column"), "\(line)")
        // A one-line file is wrong on line 1 (libyaml points past its end, at line 2), with or without a final newline.
        for text in ["targets: [host\n", "targets: [host", "targets: 'host\n"] {
            try module.write("crossgo.yaml", text)
            let oneLine = try await runCrossgo(["build", "--no-progress"], in: module.path)
            #expect(oneLine.exitCode == ExitStatus.usage.rawValue)
            #expect(oneLine.stderr.contains("crossgo.yaml:1: yaml: not valid YAML: column 10: while "), "\(text): \(oneLine.stderr)")
            #expect(oneLine.stderr.contains("end of"), "\(oneLine.stderr)")
        }
        try module.write("crossgo.yaml", "out: dist\ntargets: [host\n\n")
        let second = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(second.stderr.contains("crossgo.yaml:2: yaml: not valid YAML: column 10: while parsing a flow sequence"), "\(second.stderr)")
        // A misspelled target in the file is an error even when --target decides this run's targets.
        try module.write("crossgo.yaml", "targets: [linux/amd65]\n")
        for command in [["build"], ["test"], ["release"], ["build", "--target", "host"], ["test", "--target", "host"], ["release", "--target", "host"]] {
            let misspelled = try await runCrossgo(command + ["--no-progress"], in: module.path)
            #expect(misspelled.exitCode == ExitStatus.usage.rawValue, "\(command): \(misspelled.stderr)")
            #expect(misspelled.stderr.contains("crossgo.yaml:1: targets: unknown target 'linux/amd65'"), "\(command): \(misspelled.stderr)")
        }
        try module.write("crossgo.yaml", "targets: [host]\noverrides:\n  - targets: [linux/amd65]\n    tags: [x]\n")
        let override = try await runCrossgo(["test", "--target", "host", "--no-progress"], in: module.path)
        #expect(override.exitCode == ExitStatus.usage.rawValue, "\(override.stderr)")
        #expect(override.stderr.contains("crossgo.yaml:3: overrides.targets: unknown target 'linux/amd65'"), "\(override.stderr)")
        try module.write("crossgo.yaml", "targets: [host]\ntargets: [default]\n")
        let duplicate = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(duplicate.exitCode == ExitStatus.usage.rawValue)
        #expect(duplicate.stderr.contains("duplicate key(s) 'targets'"), "\(duplicate.stderr)")
        // The same program listed twice under builds: named as such, not as an output-name clash.
        try module.write("crossgo.yaml", "targets: [host]\nbuilds:\n  - main: .\n  - main: .\n    binary: again\n")
        let twice = try await runCrossgo(["build", "--no-progress"], in: module.path)
        #expect(twice.exitCode == ExitStatus.usage.rawValue)
        #expect(twice.stderr.contains("crossgo.yaml:") && twice.stderr.contains("builds: . is listed twice"), "\(twice.stderr)")
    }

    @Test func threeWhenTheEnvironmentCannotServe() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        // A go that cannot answer go env: the message keeps argv, status and the end of stderr.
        let fakeGo = try module.write("bin/go", "#!/bin/sh\necho 'go: something is badly wrong' >&2\nexit 7\n", executable: true)
        let broken = try await runCrossgo(["build", "--go", fakeGo, "--no-progress"], in: module.path)
        #expect(broken.exitCode == ExitStatus.environment.rawValue)
        #expect(broken.stderr.contains("\(fakeGo) env -json` exited with status 7: go: something is badly wrong"), "\(broken.stderr)")
        let missing = try await runCrossgo(["build", "--go", module.path + "/nothing-here"], in: module.path)
        #expect(missing.exitCode == ExitStatus.environment.rawValue)
        // An output folder that cannot exist (a file is in the way).
        try module.write("blocker", "a file, not a folder")
        let unwritable = try await runCrossgo(["build", "--target", "host", "--out", "blocker/dist", "--no-progress"], in: module.path)
        #expect(unwritable.exitCode == ExitStatus.environment.rawValue, "\(unwritable.stderr)")
        #expect(unwritable.stderr.contains("cannot create the output folder"))
    }

    @Test(.requires("node", "wasmtime", "qemu-riscv64")) func oneHundredThirtyWhenInterruptedAndNothingIsLeftBehind() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let temp = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
        // crossgo's scratch folders are crossgo-test-<pid>-<id> (other tests' folders have other names).
        func scratchFolders() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: temp).filter {
                $0.hasPrefix("crossgo-test-") && $0.dropFirst("crossgo-test-".count).prefix { $0 != "-" }.allSatisfy(\.isNumber)
            })
        }
        let scratchBefore = try scratchFolders()
        let junit = module.path + "/report.xml"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: crossgoExecutable)
        process.arguments = ["test", "--no-cache", "--no-progress", "--target", "host,js/wasm,wasip1/wasm,linux/riscv64", "--junit", junit, "--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: module.path)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until a test job has started, then interrupt.
        var seen = Data()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("\"job-started\"") {
            seen.append(out.fileHandleForReading.availableData)
        }
        kill(process.processIdentifier, SIGINT)
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == ExitStatus.interrupted.rawValue)
        let scratchAfter = try scratchFolders()
        #expect(scratchAfter.subtracting(scratchBefore).isEmpty, "left behind: \(scratchAfter.subtracting(scratchBefore))")
        #expect(!FileManager.default.fileExists(atPath: junit), "no partial or premature JUnit report")
        #expect(filesUnder(module.path).allSatisfy { !$0.contains(".crossgo-partial-") })
        // Every line written is whole JSON, the last says interrupted.
        let lines = String(decoding: seen + rest, as: UTF8.self).split(separator: "\n")
        let decoded = try lines.map { try JSONDecoder().decode(EventLine.self, from: Data($0.utf8)) }
        #expect(decoded.last?.event == "summary" && decoded.last?.exitCode == 130)
    }
}

@Suite struct EventSchemaTests {
    /// Decodes every line with the one documented schema and checks each event carries its fields.
    static func validate(_ stdout: String, command: String) throws -> [EventLine] {
        var events: [EventLine] = []
        for line in stdout.split(separator: "\n") {
            let event = try JSONDecoder().decode(EventLine.self, from: Data(line.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let required = try #require(EventLine.requiredFields[event.event], "unknown event kind \(event.event)")
            for field in required + ["event", "command", "time"] {
                #expect(object[field] != nil, "\(event.event) lacks \(field): \(line)")
            }
            #expect(event.command == command)
            events.append(event)
        }
        return events
    }

    @Test(.requires("wasmtime")) func buildAndTestSpeakOneVocabulary() async throws {
        let hello = try copyExample("hello")
        defer { hello.cleanup() }
        let build = try await runCrossgo(["build", "--json", "--target", "host,wasip1/wasm"], in: hello.path)
        #expect(build.exitCode == 0)
        let buildEvents = try Self.validate(build.stdout, command: "build")
        #expect(buildEvents.first?.event == "planned" && buildEvents.first?.jobs?.count == 2)
        #expect(buildEvents.filter { $0.event == "job-finished" }.map(\.status) == ["passed", "passed"])
        #expect(buildEvents.last?.event == "summary" && buildEvents.last?.counts?["built"] == 2)

        let matrix = try copyFixture("testmatrix")
        defer { matrix.cleanup() }
        let test = try await runCrossgo(["test", "--json", "--no-cache", "--target", "host"], in: matrix.path)
        #expect(test.exitCode == 1)  // other.TestAlwaysFails
        let testEvents = try Self.validate(test.stdout, command: "test")
        let testLines = testEvents.filter { $0.event == "test" }
        #expect(!testLines.isEmpty && testLines.allSatisfy { $0.test2json?.Action.isEmpty == false && $0.job != nil })
        #expect(testLines.contains { $0.test2json?.Test == "TestAlwaysFails" && $0.test2json?.Action == "fail" })
        let summary = try #require(testEvents.last)
        #expect(summary.event == "summary" && summary.exitCode == 1 && (summary.counts?["failed"] ?? 0) >= 1)
        // Build and test events share the same job shape and statuses.
        let finished = testEvents.filter { $0.event == "job-finished" }
        #expect(Set(finished.compactMap(\.status)).isSubset(of: ["passed", "failed", "skipped", "cached", "not-run", "compile-only"]))
    }

    @Test func errorsAreEventsToo() async throws {
        let hello = try copyExample("hello")
        defer { hello.cleanup() }
        let result = try await runCrossgo(["build", "--json", "--target", "bogus"], in: hello.path)
        #expect(result.exitCode == 2)
        let events = try Self.validate(result.stdout, command: "build")
        #expect(events.map(\.event) == ["error"] && events[0].exitCode == 2 && events[0].message?.contains("bogus") == true)
    }
}
