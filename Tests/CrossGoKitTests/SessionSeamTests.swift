// The sessions' file and process access goes through their context's system: build places (and hard-links) its
// artifacts and runs go and the programs through it, test feeds test2json through it, and the helpers sessions call
// (cgo wrappers, the Wine prefix, Chromium's profile, the image layout, the local cache, scratch folders) write through
// it, so that a described (read-only) machine refuses each write with a clear error instead of touching the disk.
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct SessionSeamTests {
    static let readOnly = "the described system is read-only"

    static func described(files: [String: String] = [:], symlinks: [String: String] = [:]) -> DescribedSystem {
        DescribedSystem(osName: "linux", files: files, symlinks: symlinks, hardwareArch: "amd64")
    }

    @Test func buildRunsGoAndPlacesAndRunsTheArtifactThroughTheContextsSystem() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let system = RecordingSystem()
        let context = CrossGoContext(system: system, anchors: [repositoryRoot], workingDirectory: module.path, reporter: CapturingReporter())
        var request = BuildRequest()
        request.targets = ["host"]
        request.run = true
        let outcome = try await BuildSession(context: context).run(request)
        #expect(outcome.exitStatus == .ok, "\(outcome.failures)")
        let artifact = try #require(outcome.artifacts.first)
        let final = outcome.outDir + "/" + artifact.path
        #expect(system.log.contains { $0.hasPrefix("run ") && $0.contains(" build ") && $0.contains(Builder.partialPrefix) }, "\(system.log)")
        #expect(system.log.contains("move " + final), "the verified artifact is renamed into place through the system")
        #expect(system.log.contains("run " + final), "the artifact is run through the system")
        #expect(outcome.runs.map(\.status) == [.passed])
        // The records (manifest.json, SHA256SUMS) are written through the system too.
        #expect(system.log.contains("write " + outcome.outDir + "/" + BuildManifest.fileName), "\(system.log)")
        #expect(system.log.contains("write " + outcome.outDir + "/" + BuildManifest.sumsName), "\(system.log)")

        // Built again: go starts from a hard link of the previous artifact, finds it up to date, and the link is
        // removed instead of renamed over it.
        let again = RecordingSystem()
        var rebuild = BuildRequest()
        rebuild.targets = ["host"]
        let second = try await BuildSession(context: CrossGoContext(system: again, anchors: [repositoryRoot], workingDirectory: module.path,
                                                                    reporter: CapturingReporter())).run(rebuild)
        #expect(second.exitStatus == .ok && second.artifacts.first?.sha256 == artifact.sha256)
        let link = try #require(again.log.first { $0.hasPrefix("link ") }, "\(again.log)")
        #expect(link.contains(Builder.partialPrefix) && again.log.contains("remove " + link.dropFirst("link ".count)))
        #expect(!again.log.contains("move " + final))
        #expect(FileManager.default.fileExists(atPath: final))
    }

    @Test func testFeedsItsOutputToTest2jsonThroughTheSystem() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let system = RecordingSystem()
        let reporter = CapturingReporter()
        let context = CrossGoContext(system: system, anchors: [repositoryRoot], workingDirectory: module.path, reporter: reporter)
        var request = TestRequest()
        request.targets = ["host"]
        request.noCache = true
        request.results = module.path + "/out/results.json"
        let outcome = try await TestSession(context: context).run(request)
        #expect(outcome.exitStatus == .failed)
        // test2json read the test binary's output from its stdin (RunOptions.input): the failing test is known by name.
        let failed = reporter.captured.compactMap { event -> String? in
            if case .test(_, let e) = event, e.Action == "fail", let name = e.Test { return name } else { return nil }
        }
        #expect(failed == ["TestAlwaysFails"])
        #expect(system.log.contains { $0.hasPrefix("run ") && $0.contains("test2json -t -p example.com/tm/other") }, "\(system.log)")
        #expect(system.log.contains { $0.hasPrefix("run ") && $0.contains(" test -c ") }, "\(system.log)")
        #expect(system.log.contains { $0.hasPrefix("mkdir ") && $0.contains("/crossgo-test-") }, "the scratch folder is made through the system")
        #expect(system.log.contains("write " + module.path + "/out/results.json"), "the results file is written through the system")
    }

    @Test func aDescribedMachineRefusesTheHelpersWritesWithItsReason() async throws {
        let system = Self.described()
        // The scratch folder, the local cache of cacheprog, a remote cache run's folder.
        let scratch = #expect(throws: EnvironmentError.self) { try ScratchFolder("seam", system: system) }
        #expect(scratch?.description.hasPrefix("cannot create a scratch folder in ") == true && scratch?.description.hasSuffix(Self.readOnly) == true,
                "\(String(describing: scratch))")
        let cache = #expect(throws: EnvironmentError.self) { try LocalCacheStore(directory: "/described/cache", system: system) }
        #expect(cache?.description == "/described/cache/ac: " + Self.readOnly)
        let launch = #expect(throws: EnvironmentError.self) {
            try RemoteCacheLaunch(url: "http://127.0.0.1:9/c", executable: "/opt/crossgo", system: system)
        }
        #expect(launch?.description.hasSuffix(Self.readOnly) == true && launch?.description.contains("crossgo-cacheprog-run-") == true)
        // Chromium's profile folder: refused before any browser starts.
        let chromium = await #expect(throws: EnvironmentError.self) {
            _ = try await Chromium(program: "/described/chromium", system: system).dumpDOM("http://127.0.0.1:9/")
        }
        #expect(chromium?.description.hasPrefix("cannot create a Chromium profile folder ") == true && chromium?.description.hasSuffix(Self.readOnly) == true)
        // The OCI image layout of a release.
        let layout = #expect(throws: EnvironmentError.self) {
            try OCIImageWriter.writeLayout([], index: Data("{}".utf8), tags: ["1.0.0"], to: "/described/dist/hello_oci", system: system)
        }
        #expect(layout?.description == "/described/dist/hello_oci: cannot write the image layout: "
            + "/described/dist/\(Builder.partialPrefix)hello_oci-\(ProcessInfo.processInfo.processIdentifier)/blobs/sha256: " + Self.readOnly)
        // Wine's ProcessPrng DLL, into a prefix that exists only as a description.
        let dll = #expect(throws: EnvironmentError.self) { try WineHost.installDLL(try ProcessPrngDLL.bytes(), prefix: "/described/prefix", system: system) }
        let dllPath = "/described/prefix/drive_c/windows/system32/" + ProcessPrngDLL.fileName
        #expect(dll?.description == "cannot write \(dllPath): \(dllPath): " + Self.readOnly)
        // The universal binary: its slices are read through the system (here: not there).
        let universal = #expect(throws: EnvironmentError.self) {
            try UniversalBinary.write(slices: [URL(fileURLWithPath: "/described/a"), URL(fileURLWithPath: "/described/b")],
                                      to: URL(fileURLWithPath: "/described/u"), system: system)
        }
        #expect(universal?.description == "/described/a: cannot read: no such file")
        #expect(!FileManager.default.fileExists(atPath: "/described"))
    }

    @Test func theNewWritesOfADescribedSystemThrow() {
        let system = Self.described(files: ["/d/a": "x"])
        let link = #expect(throws: EnvironmentError.self) { try system.linkItem("/d/a", to: "/d/b") }
        #expect(link?.description == "/d/b: " + Self.readOnly)
        let move = #expect(throws: EnvironmentError.self) { try system.moveItem("/d/a", to: "/d/b") }
        #expect(move?.description == "/d/b: " + Self.readOnly)
        #expect(throws: EnvironmentError.self) { try system.setPermissions("/d/a", 0o755) }
        #expect(system.fileExists("/d/a") && !system.fileExists("/d/b"))
    }

    @Test func theLiveSystemLinksMovesAndSetsModes() throws {
        let folder = try TempFolder("crossgo-seam")
        defer { folder.cleanup() }
        let system = liveSystem()
        let a = folder.path + "/a", b = folder.path + "/b", c = folder.path + "/c"
        try system.writeData(Data("one".utf8), to: a)
        try system.linkItem(a, to: b)
        #expect(system.fileIdentity(a) == system.fileIdentity(b), "a hard link is the same file")
        let taken = #expect(throws: (any Error).self) { try system.linkItem(a, to: b) }
        #expect(taken?.localizedDescription == String(cString: strerror(EEXIST)))
        try system.setPermissions(a, 0o700)
        var info = stat()
        #expect(stat(b, &info) == 0 && info.st_mode & 0o777 == 0o700)
        try system.writeData(Data("two".utf8), to: c)
        try system.moveItem(c, to: b)  // replaces b (a link of a) with c's file
        #expect(system.readUTF8File(b) == "two" && system.readUTF8File(a) == "one" && !system.fileExists(c))
        #expect(throws: (any Error).self) { try system.moveItem(c, to: a) }
        #expect(system.readUTF8File(a) == "one")
    }

    @Test func folderWalkFiltersTheSystemsWalkToProgramFiles() throws {
        // Live: files at two depths, a link to a file, a link to a folder (not followed), a dangling link, a fifo.
        let folder = try TempFolder("crossgo-walk")
        defer { folder.cleanup() }
        let root = folder.path
        try FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        for name in ["b", "sub/a", "sub/deeper/c"] { try Data(name.utf8).write(to: URL(fileURLWithPath: root + "/" + name)) }
        try FileManager.default.createSymbolicLink(atPath: root + "/link-to-file", withDestinationPath: "sub/a")
        try FileManager.default.createSymbolicLink(atPath: root + "/link-to-folder", withDestinationPath: "sub")
        try FileManager.default.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "nowhere")
        #expect(mkfifo(root + "/fifo", 0o600) == 0)
        let system = RecordingSystem()
        #expect(system.filesUnder(root) == ["b", "dangling", "fifo", "link-to-file", "link-to-folder", "sub/a", "sub/deeper/c"])
        #expect(FolderWalk.regularFiles(under: root, system: system) == ["b", "link-to-file", "sub/a", "sub/deeper/c"].map { root + "/" + $0 })
        #expect(system.log.contains("walk " + root))
        #expect(FolderWalk.regularFiles(under: root + "/") == ["b", "link-to-file", "sub/a", "sub/deeper/c"].map { root + "/" + $0 })
        // Described: the same filter over a described folder.
        let described = Self.described(files: ["/r/x": "1", "/r/d/y": "2", "/r/t": "3"], symlinks: ["/r/l": "/r/t", "/r/gone": "/nowhere"])
        #expect(FolderWalk.regularFiles(under: "/r", system: described) == ["/r/d/y", "/r/l", "/r/t", "/r/x"])
    }

    @Test func startUpFactsComeFromTheSystem() {
        var system = Self.described()
        system.currentDirectory = "/described/work"
        system.userCacheDirectory = "/described/caches"
        #expect(CrossGoContext(system: system).workingDirectory == "/described/work")
        #expect(CacheFolder.path("go", environment: [:], system: system) == "/described/caches/crossgo/go")
        #expect(CacheFolder.path("go", environment: ["CROSSGO_CACHE": "/mine"], system: system) == "/mine/go")
        let warnings = CacheWarnings(runDirectory: "/run", system: Self.described(files: ["/run/warned-down": ""])) { _ in }
        #expect(warnings.remoteKnownDown)
        #expect(!CacheWarnings(runDirectory: "/run", system: Self.described()) { _ in }.remoteKnownDown)
    }

    /// inspect walks, asks about and reads its files through the context's system: a recording system sees every
    /// file read, and on a described machine the folder and its files exist only as described (none is on disk).
    @Test func inspectWalksAndReadsThroughTheContextsSystem() async throws {
        let folder = try TempFolder("inspect-seam")
        defer { folder.cleanup() }
        try await folder.copyGoExecutable(to: "bin/go")
        try folder.write("bin/notes.txt", "not a binary")
        let system = RecordingSystem()
        let context = CrossGoContext(system: system, workingDirectory: folder.path, reporter: CapturingReporter())
        let outcome = try await InspectSession(context: context).run(InspectRequest(paths: ["bin"], verbose: true))
        #expect(outcome.inspected == 1 && outcome.exitStatus == .ok)
        #expect(system.log.contains("walk " + folder.path + "/bin"), "\(system.log)")
        #expect(system.log.contains("bytes " + folder.path + "/bin/go") && system.log.contains("bytes " + folder.path + "/bin/notes.txt"),
                "\(system.log)")

        let described = Self.described(files: ["/described/dist/readme.txt": "text", "/described/dist/sub/app": "#!/bin/sh\n"])
        let descriptionContext = CrossGoContext(system: described, workingDirectory: "/described", reporter: CapturingReporter())
        let seen = try await InspectSession(context: descriptionContext).run(InspectRequest(paths: ["dist"], verbose: true))
        #expect(seen.exitStatus == .failed && seen.inspected == 0)
        #expect(seen.messages == ["dist/readme.txt: skipped: not an executable (unrecognized file format)",
                                  "dist/sub/app: skipped: not an executable (unrecognized file format)",
                                  "crossgo: error: dist: no Go binary in this folder"], "\(seen.messages)")
        #expect(!FileManager.default.fileExists(atPath: "/described"))
    }
}
