// The sessions behind inspect, targets, doctor, serve, cacheprog and release keygen, run in process: a context
// with a capturing reporter (and a described system for the doctor), the outcome and its exit status checked.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct CommandSessionTests {
    static func context(_ folder: String, system: any HostSystem = liveSystem()) -> (CrossGoContext, CapturingReporter) {
        let reporter = CapturingReporter()
        return (CrossGoContext(system: system, workingDirectory: folder, reporter: reporter), reporter)
    }

    @Test func inspectReadsGoBinariesAndFailsOnTheRest() async throws {
        let folder = try TempFolder("inspect-session")
        defer { folder.cleanup() }
        try await folder.copyGoExecutable(to: "bin/sub/go")
        try folder.write("bin/notes.txt", "not a binary")
        try folder.write("empty/readme", "nothing here")
        try folder.write("plain.txt", "text")
        let (context, _) = Self.context(folder.path)
        let session = InspectSession(context: context)

        // A folder: the Go binary found (named relative to the folder as given), the text file skipped.
        let walked = try await session.run(InspectRequest(paths: ["bin"], verbose: true))
        #expect(walked.exitStatus == .ok && walked.inspected == 1)
        #expect(walked.results.count == 1 && walked.results[0].hasPrefix("bin/sub/go: go1."), "\(walked.results)")
        #expect(walked.messages.count == 1 && walked.messages[0].hasPrefix("bin/notes.txt: skipped: "), "\(walked.messages)")

        // JSON: one object per file with the documented fields; a named non-Go file and a folder without Go fail (1).
        let json = try await session.run(InspectRequest(paths: ["bin", "plain.txt", "empty"], json: true))
        #expect(json.exitStatus == .failed && json.failures == 2 && json.inspected == 1)
        let objects = try json.results.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["file"] as? String } == ["bin/sub/go", "plain.txt", "empty"])
        #expect((objects[0]["slices"] as? [[String: Any]])?.first?["goVersion"] as? String == (try await realToolchain()).version)
        #expect(objects[1]["error"] != nil && objects[2]["error"] != nil)
        #expect(json.messages.count == 2 && json.messages[0].hasPrefix("crossgo: error: plain.txt: ")
                && json.messages[1] == "crossgo: error: empty: no Go binary in this folder (-v lists the files skipped)")

        // A path that is not there is a usage error, before anything is read.
        await #expect(throws: UsageError("missing: no such file or folder")) { try await session.run(InspectRequest(paths: ["bin", "missing"])) }
    }

    @Test func folderWalkIsSortedAndSkipsLinkedFolders() throws {
        let folder = try TempFolder("folder-walk")
        defer { folder.cleanup() }
        try folder.write("b/z", "1")
        try folder.write("b/a", "2")
        try folder.write("a", "3")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link-to-b", withDestinationPath: folder.path + "/b")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link-to-a", withDestinationPath: folder.path + "/a")
        let files = FolderWalk.regularFiles(under: folder.path).map { String($0.dropFirst(folder.path.count + 1)) }
        #expect(files == ["a", "b/a", "b/z", "link-to-a"])
    }

    @Test func targetsListsTheAskedTargetsWithTheirRunners() async throws {
        let (context, _) = Self.context(repositoryRoot)
        let listing = try await TargetsSession(context: context).run(TargetsRequest(targets: ["linux/riscv64", "js/wasm"]))
        #expect(listing.targets.map(\.target) == ["linux/riscv64", "js/wasm"])
        #expect(listing.exitStatus == .ok && listing.counts.first! == ("targets", 2))
        #expect(listing.targets[1].extension == ".wasm" && !listing.targets[0].firstClass)
        let table = listing.render(.plain, relativeTo: repositoryRoot)
        #expect(table.results.first?.hasPrefix("TARGET") == true && table.messages.first?.hasPrefix(listing.goVersion) == true)
        await #expect(throws: TargetError.self) { try await TargetsSession(context: context).run(TargetsRequest(targets: ["linux/risc64"])) }
    }

    @Test func doctorDecidesItsStatusInTheExitTable() async throws {
        var system = DoctorDescribedTests.mac(path: ["/usr/local/bin", DoctorDescribedTests.home + "/go/bin"], translated: true, commandLineTools: true)
        DoctorDescribedTests.homebrewGo(&system, prefix: "/usr/local", version: "1.22.5", arch: "amd64")
        let reporter = CapturingReporter()
        let context = CrossGoContext(system: system, anchors: [], workingDirectory: DoctorDescribedTests.home + "/src/app", reporter: reporter)
        let outcome = await DoctorSession(context: context).run(DoctorRequest(fixShell: "zsh", noCache: true))
        #expect(outcome.findings.count == Doctor.checks.count)
        #expect(outcome.errors > 0 && outcome.exitStatus == .usage && outcome.exitStatus.rawValue == Doctor.exitCode(outcome.findings))
        #expect(outcome.statusName == "errors" && outcome.shell == "zsh" && outcome.snippet == Doctor.fixSnippet(outcome.findings, shell: "zsh"))
        // --fix-shell prints the snippet alone; without it the report ends with the count line.
        #expect(outcome.render(.plain, relativeTo: "/").results == [outcome.snippet!])
        var report = outcome
        report.snippet = nil
        let text = report.render(.plain, relativeTo: "/").results.joined()
        #expect(text.hasSuffix("\(outcome.findings.count) checks: \(outcome.errors) error(s), \(outcome.warnings) warning(s)"))
        // The JSON summary carries the findings and the doctor's status word and code.
        let line = EventJSON.line(.finished(outcome), command: "doctor", time: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "errors" && object["exitCode"] as? Int == 2)
        #expect(((object["outcome"] as? [String: Any])?["findings"] as? [Any])?.count == outcome.findings.count)
        #expect(ExitStatus.doctor(errors: 0, warnings: 3) == .failed && ExitStatus.doctor(errors: 0, warnings: 0) == .ok)
    }

    @Test func serveResolvesTheBundleAndStopsWhenCancelled() async throws {
        let folder = try TempFolder("serve-session")
        defer { folder.cleanup() }
        try folder.write("dist/web/hello/index.html", "<html></html>")
        let (context, reporter) = Self.context(folder.path)
        let session = ServeSession(context: context)
        #expect(try session.bundleFolder(ServeRequest()) == folder.path + "/dist/web/hello")
        #expect(throws: UsageError("--addr '0.0.0.0:80': crossgo serves on 127.0.0.1 only: give 127.0.0.1:PORT")) { try ServeRequest(address: "0.0.0.0:80").port() }
        #expect(throws: UsageError("site: no such folder")) { try session.bundleFolder(ServeRequest(folder: "site")) }

        let task = Task { try await session.run(ServeRequest()) }
        var notice: String?
        for _ in 0..<500 where notice == nil {
            try await Task.sleep(for: .milliseconds(20))
            notice = reporter.captured.compactMap { (event: SessionEvent) -> String? in if case .notice(let text, _) = event { return text } else { return nil } }.first
        }
        let said = try #require(notice)
        #expect(said.hasPrefix("serving \(folder.path)/dist/web/hello at http://127.0.0.1:"))
        let serving = try #require(Int(said.split(separator: ":").last!.dropLast()))
        #expect(canConnect(port: serving), "the server accepts connections while it runs")
        task.cancel()
        let outcome = try await task.value
        #expect(outcome.folder == folder.path + "/dist/web/hello" && said.hasSuffix(outcome.url))
        // Stopped: nothing accepts connections on its port any more. (Not "a new server can listen on it": the port
        // was an ephemeral one, and the other suites' outgoing connections may take it in the meantime.)
        #expect(outcome.url.hasSuffix(":\(serving)/"))
        #expect(!canConnect(port: serving))
    }

    @Test func cacheprogReadsItsEnvironmentThroughTheContext() throws {
        var request = CacheProgRequest(url: "https://cache.example/base", directory: "/tmp/cp")
        let environment = ["CROSSGO_CACHE_TOKEN": "secret", "CROSSGO_CACHEPROG_RUN": "/tmp/run", "CROSSGO_CACHEPROG_STATS": "", "MY_TOKEN": "mine"]
        let options = try request.options(environment: environment)
        #expect(options.directory == "/tmp/cp" && options.remote?.token == "secret" && options.runDirectory == "/tmp/run" && options.statsFile == nil)
        request.tokenVariable = "MY_TOKEN"
        #expect(try request.options(environment: environment).remote?.token == "mine")
        request.tokenVariable = "UNSET_TOKEN"
        #expect(throws: UsageError("--token-env UNSET_TOKEN: the variable is not set")) { try request.options(environment: environment) }
        #expect(throws: UsageError("--url 'ftp://x' is not an http:// or https:// URL")) { try CacheProgRequest(url: "ftp://x").options(environment: [:]) }
        var negative = CacheProgRequest()
        negative.maxUploadMiB = -1
        #expect(throws: UsageError("--max-upload must be 0 or more, not -1")) { try negative.options(environment: [:]) }
    }

    @Test func keygenWritesInTheContextsFolderAndNeverOverwrites() throws {
        let folder = try TempFolder("keygen-session")
        defer { folder.cleanup() }
        let (context, _) = Self.context(folder.path)
        let outcome = try KeygenSession(context: context).run(name: "release")
        #expect(outcome.made.secretKeyFile == "release.key" && outcome.made.publicKeyFile == "release.pub")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/release.key") && FileManager.default.fileExists(atPath: folder.path + "/release.pub"))
        #expect(outcome.render(.plain, relativeTo: folder.path).results == ["key id \(outcome.made.keyID)", "public key \(outcome.made.publicKey)"])
        #expect(throws: (any Error).self) { try KeygenSession(context: context).run(name: "release") }
        #expect(throws: UsageError("keygen: give a name for the key pair, e.g. crossgo release keygen release")) { try KeygenSession(context: context).run(name: "") }
    }
}
