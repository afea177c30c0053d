// Sessions reach files through their context's system: verify checks a release folder that exists only as a
// described machine's files, and report, build's --clean and the test cache read and write through a system that
// records every path it is asked about.
@testable import CrossGoKit
import Foundation
import GoBinary
import Testing

/// The live system, with every file operation a session asks of it written down ("read /x", "remove /y", ...), and
/// every program it runs ("run /bin/x a b"); its environment is the given one when there is one.
final class RecordingSystem: HostSystem, @unchecked Sendable {
    let live = liveSystem()
    private let lock = NSLock()
    private var entries: [String] = []
    private let givenEnvironment: [String: String]?

    init(environment: [String: String]? = nil) {
        givenEnvironment = environment
    }

    var log: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
    private func note(_ what: String, _ path: String) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(what + " " + path)
    }

    var osName: String { live.osName }
    var environment: [String: String] { givenEnvironment ?? live.environment }
    var homeDirectory: String { live.homeDirectory }
    var currentDirectory: String { live.currentDirectory }
    var userCacheDirectory: String? { live.userCacheDirectory }
    func fileExists(_ path: String) -> Bool { note("exists", path); return live.fileExists(path) }
    func isDirectory(_ path: String) -> Bool { note("isdir", path); return live.isDirectory(path) }
    func isExecutableFile(_ path: String) -> Bool { live.isExecutableFile(path) }
    func readTextFile(_ path: String) -> String? { note("read", path); return live.readTextFile(path) }
    func listDirectory(_ path: String) -> [String] { note("list", path); return live.listDirectory(path) }
    func resolveSymlinks(_ path: String) -> String { live.resolveSymlinks(path) }
    func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?, workingDirectory: String?,
             options: RunOptions) async throws -> ProgramResult {
        note("run", ([program] + arguments).joined(separator: " "))
        return try await live.run(program, arguments, environment: environment, timeout: timeout, workingDirectory: workingDirectory, options: options)
    }
    func hardwareArchitecture() async -> String { await live.hardwareArchitecture() }
    var processArchitecture: String { live.processArchitecture }
    func isTranslated() async -> Bool? { await live.isTranslated() }
    func binfmtEntries() -> [BinfmtEntry] { live.binfmtEntries() }
    func cpuFlags() -> Set<String> { live.cpuFlags() }
    func goBinaryFacts(_ path: String) -> GoBinaryFacts? { live.goBinaryFacts(path) }
    var pathDirectories: [String] { live.pathDirectories }
    func readData(_ path: String) -> Data? { note("read", path); return live.readData(path) }
    func writeData(_ data: Data, to path: String) throws { note("write", path); try live.writeData(data, to: path) }
    func fileIdentity(_ path: String) -> String { live.fileIdentity(path) }
    func isTerminal(_ fd: Int32) -> Bool { false }
    func terminalRows(_ fd: Int32) -> Int? { nil }
    func runMeasured(_ argv: [String], environment: EnvironmentChanges, workingDirectory: String?) async throws -> MeasuredRun {
        try await live.runMeasured(argv, environment: environment, workingDirectory: workingDirectory)
    }
    var certificateBundles: [String] { live.certificateBundles }
    var executablePath: String? { live.executablePath }
    func createDirectory(_ path: String) throws { note("mkdir", path); try live.createDirectory(path) }
    func removeItem(_ path: String) throws { note("remove", path); try live.removeItem(path) }
    func copyItem(_ source: String, to destination: String) throws { note("copy", destination); try live.copyItem(source, to: destination) }
    func linkItem(_ source: String, to destination: String) throws { note("link", destination); try live.linkItem(source, to: destination) }
    func moveItem(_ source: String, to destination: String) throws { note("move", destination); try live.moveItem(source, to: destination) }
    func setPermissions(_ path: String, _ mode: Int) throws { note("chmod", path); try live.setPermissions(path, mode) }
    func binaryImage(_ path: String) throws(GoBinaryError) -> BinaryImage { note("binary", path); return try live.binaryImage(path) }
    func byteSource(_ path: String) throws(GoBinaryError) -> SystemByteSource { note("bytes", path); return try live.byteSource(path) }
    func filesUnder(_ folder: String) -> [String] { note("walk", folder); return live.filesUnder(folder) }
    func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws { note("read", path); try live.readChunks(path, body) }
    func itemAttributes(_ path: String) -> ItemAttributes? { note("stat", path); return live.itemAttributes(path) }
}

@Suite struct HostSeamTests {
    static let bytes = "\u{7f}ELF not really a program"
    static let artifactPath = "hello_linux_amd64"

    static func artifact(_ path: String = HostSeamTests.artifactPath, bytes: String = HostSeamTests.bytes) -> Artifact {
        Artifact(target: "linux/amd64", goos: "linux", goarch: "amd64", variant: nil, binary: "hello", package: ".", path: path,
                 size: bytes.utf8.count, sha256: sha256Hex(Data(bytes.utf8)), duration: 0, settings: [:], goArguments: [], environment: [:],
                 verification: ArtifactCheck(passed: true, confirmed: [], problems: [], settings: [], format: "elf", goVersion: "go1.27.0"),
                 cgo: nil, floor: nil, signature: nil)
    }

    static func manifest(_ artifacts: [Artifact]) -> BuildManifest {
        BuildManifest(go: "go1.27.0", module: "example.com/hello", artifacts: artifacts, failures: [], created: Date(timeIntervalSince1970: 0))
    }

    /// A build's output folder, described: manifest.json, SHA256SUMS and the artifact (whose bytes may differ from the record).
    static func describedBuild(artifactBytes: String = HostSeamTests.bytes) throws -> DescribedSystem {
        let dist = "/described/hello/dist"
        let record = Self.manifest([Self.artifact()])
        return DescribedSystem(
            osName: "linux",
            files: [dist + "/" + BuildManifest.fileName: String(decoding: try JSONEncoder().encode(record), as: UTF8.self),
                    dist + "/" + BuildManifest.sumsName: record.sums,
                    dist + "/" + artifactPath: artifactBytes,
                    dist + "/.gitignore": OutputFolder.ignoreText],
            hardwareArch: "amd64")
    }

    static func verify(_ system: any HostSystem, folder: String = "dist") async throws -> VerifyOutcome {
        var request = VerifyRequest()
        request.folder = folder
        return try await VerifySession(context: CrossGoContext(system: system, workingDirectory: "/described/hello")).run(request)
    }

    @Test func verifyChecksAFolderThatExistsOnlyAsDescribedFiles() async throws {
        #expect(!FileManager.default.fileExists(atPath: "/described/hello/dist"))
        let outcome = try await Self.verify(try Self.describedBuild())
        #expect(outcome.exitStatus == .ok, "\(outcome.checks)")
        #expect(outcome.checks.contains(VerifyCheck(kind: "sums", subject: Self.artifactPath, status: .ok, detail: "sha256 as recorded")))
        #expect(outcome.checks.contains(VerifyCheck(kind: "checksums", subject: Self.artifactPath, status: .ok, detail: "sha256 as SHA256SUMS lists")))
        #expect(outcome.checks.allSatisfy { $0.status == .ok })
    }

    @Test func verifyFindsADescribedArtifactChangedAfterTheBuild() async throws {
        let outcome = try await Self.verify(try Self.describedBuild(artifactBytes: "\u{7f}ELF changed afterwards"))
        #expect(outcome.exitStatus == .failed)
        let failed = outcome.checks.filter { $0.status == .failed }
        #expect(Set(failed.map(\.kind)) == ["sums", "checksums"], "\(failed)")
        #expect(failed.allSatisfy { $0.subject == Self.artifactPath && $0.detail.contains("sha256") })
    }

    @Test func verifyOfAFolderTheSystemDoesNotHaveIsAUsageError() async throws {
        let system = try Self.describedBuild()
        await #expect(throws: UsageError.self) { try await Self.verify(system, folder: "elsewhere") }
        // A described file where the folder should be: the other usage error.
        let error = await #expect(throws: UsageError.self) { try await Self.verify(system, folder: "dist/" + BuildManifest.fileName) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("a file, not a folder"))
    }

    @Test func reportReadsAndWritesThroughTheContextsSystem() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dist = root + "/dist"
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        try Self.manifest([Self.artifact()]).write(to: dist, system: liveSystem())
        let system = RecordingSystem()
        var request = ReportRequest()
        request.dist = dist
        let outcome = try await ReportSession(context: CrossGoContext(system: system, workingDirectory: root)).run(request)
        #expect(outcome.path == dist + "/report.html")
        #expect(FileManager.default.fileExists(atPath: dist + "/report.html"))
        #expect(system.log.contains("read " + dist + "/" + BuildManifest.fileName))
        #expect(system.log.contains("write " + dist + "/report.html"))
        #expect(system.log.contains("mkdir " + dist))
    }

    @Test func cleaningRemovesThePreviousBuildThroughTheSystem() throws {
        let dist = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dist) }
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        try Data(Self.bytes.utf8).write(to: URL(fileURLWithPath: dist + "/" + Self.artifactPath))
        try Self.manifest([Self.artifact()]).write(to: dist, system: liveSystem())
        let system = RecordingSystem()
        #expect(BuildManifest.clean(outDir: dist, system: system) == [Self.artifactPath])
        #expect(system.log.contains("remove " + dist + "/" + Self.artifactPath))
        #expect(system.log.contains("remove " + dist + "/" + BuildManifest.fileName))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dist).isEmpty)
        // On a described machine nothing can be removed: the files stay, and clean says it removed none.
        let described = try Self.describedBuild()
        #expect(BuildManifest.clean(outDir: "/described/hello/dist", system: described) == [])
        #expect(described.fileExists("/described/hello/dist/" + Self.artifactPath))
    }

    @Test func theTestCacheReadsEntriesAndFingerprintsInputsThroughItsSystem() throws {
        let input = "/src/hello/testdata/in.txt"
        let recorded = TestInputs.fromTestLog("open testdata/in.txt\nstat testdata/gone\n", directory: "/src/hello", environment: [:],
                                              system: DescribedSystem(osName: "linux", files: [input: "one"], hardwareArch: "amd64"))
        #expect(recorded.files == [input: "file:" + sha256Hex(Data("one".utf8)), "/src/hello/testdata/gone": "missing"])
        let result = PackageResult(package: "example.com/hello", target: "linux/riscv64", status: .passed)
        let entry = String(decoding: try JSONEncoder().encode(TestCache.Entry(result: result, inputs: recorded)), as: UTF8.self)
        let key = String(repeating: "ab", count: 32)
        let entryPath = TestCache(directory: "/cache").path(key)
        func cache(input text: String) -> TestCache {
            TestCache(directory: "/cache", system: DescribedSystem(osName: "linux", files: [entryPath: entry, input: text], hardwareArch: "amd64"))
        }
        let hit = try #require(cache(input: "one").lookup(key, environment: [:]))
        #expect(hit.cached && hit.status == .passed && hit.package == "example.com/hello")
        // The input the run read has changed on the described machine: the entry no longer answers.
        #expect(cache(input: "two").lookup(key, environment: [:]) == nil)
        // Storing on a read-only described machine is dropped, as a full disk's failure is: the next lookup misses.
        let readOnly = cache(input: "one")
        let other = String(repeating: "cd", count: 32)
        readOnly.store(other, result: result, inputs: recorded)
        #expect(readOnly.lookup(other, environment: [:]) == nil)
    }

    @Test func aDescribedSystemRefusesEveryWrite() {
        let system = DescribedSystem(osName: "linux", files: ["/d/a": "x"], hardwareArch: "amd64")
        #expect(throws: EnvironmentError.self) { try system.createDirectory("/d/b") }
        #expect(throws: EnvironmentError.self) { try system.removeItem("/d/a") }
        #expect(throws: EnvironmentError.self) { try system.copyItem("/d/a", to: "/d/c") }
        #expect(system.filesUnder("/d") == ["a"])
        #expect(system.itemAttributes("/d/a")?.size == 1)
        #expect(system.itemAttributes("/d")?.kind == .directory)
        #expect(system.itemAttributes("/d/missing") == nil)
    }
}
