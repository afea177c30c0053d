// Helpers shared by crossgo's tests: the real Go toolchain (loaded once), temp folders, the built crossgo.
import CrossGoKit
import Foundation
import Testing

/// The repository's root folder.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The real toolchain, loaded once per test process through the same discovery crossgo uses.
public func realToolchain() async throws -> GoToolchain {
    try await ToolchainCache.shared.get()
}

enum ToolchainCache {
    static let shared = Once { try await CrossGoContext(anchors: [repositoryRoot]).toolchain(explicitGo: nil) }
}

/// A value made once, on first use, and shared by every test of the process that asks (a fixture that costs a
/// build); a failure is kept and given to each asker.
public actor Once<Value: Sendable> {
    private let make: @Sendable () async throws -> Value
    private var task: Task<Value, any Error>?

    public init(_ make: @escaping @Sendable () async throws -> Value) {
        self.make = make
    }

    public func get() async throws -> Value {
        if let task { return try await task.value }
        let task = Task { try await make() }
        self.task = task
        return try await task.value
    }
}

/// A fresh folder under the system temp folder, removed by `cleanup()`.
public struct TempFolder: Sendable {
    public let path: String

    public init(_ prefix: String = "crossgo-test") throws {
        let base = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        path = URL(fileURLWithPath: base).resolvingSymlinksInPath().path + "/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A folder someone else created (and removes).
    public init(existing path: String) { self.path = path }

    /// A copy of the folder `source` (a release folder, say) as `name` inside this one; returns its path.
    public func copy(folder source: String, as name: String = "dist") throws -> String {
        let copy = path + "/" + name
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        return copy
    }

    /// A copy of the toolchain's `go` executable (a real Go binary; the toolchain's path may be a link) at `relative`,
    /// creating folders; returns its path.
    @discardableResult
    public func copyGoExecutable(to relative: String) async throws -> String {
        let go = URL(fileURLWithPath: try await realToolchain().goPath).resolvingSymlinksInPath().path
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: go, toPath: full)
        return full
    }

    /// Writes a text file (creating folders), returns its path.
    @discardableResult
    public func write(_ relative: String, _ text: String, executable: Bool = false) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: full) }
        return full
    }

    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The crossgo executable built next to the tests (CROSSGO_BIN overrides).
public var crossgoExecutable: String {
    if let explicit = ProcessInfo.processInfo.environment["CROSSGO_BIN"] { return explicit }
    var candidates: [String] = []
    if let exe = Bundle.main.executableURL?.deletingLastPathComponent() {
        candidates.append(exe.appendingPathComponent("crossgo").path)
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("crossgo").path)
    }
    let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    candidates.append(arg0.appendingPathComponent("crossgo").path)
    candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("crossgo").path)
    candidates.append(repositoryRoot + "/.build/debug/crossgo")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
}

/// Runs the built crossgo with arguments, in `directory`, with environment changes. The timeout only guards
/// against a hang: on a cold Go build cache and 2 cores some runs took over 10 minutes.
public func runCrossgo(_ arguments: [String], in directory: String? = nil, environment: EnvironmentChanges = [:], timeout: Double = 1800) async throws -> ProgramResult {
    try await runProgram(crossgoExecutable, arguments, environment: environment, workingDirectory: directory, timeout: timeout)
}

/// A copy of a folder under Examples/ in a fresh temp folder (outside any git repository).
public func copyExample(_ name: String) throws -> TempFolder {
    try copyFolder(repositoryRoot + "/Examples/" + name, prefix: name)
}

/// A copy of a Go module under Tests/Fixtures in a fresh temp folder.
public func copyFixture(_ name: String) throws -> TempFolder {
    try copyFolder(repositoryRoot + "/Tests/Fixtures/" + name, prefix: name)
}

func copyFolder(_ source: String, prefix: String) throws -> TempFolder {
    let folder = try TempFolder("crossgo-\(prefix)")
    for item in try FileManager.default.contentsOfDirectory(atPath: source) where item != "dist" {
        try FileManager.default.copyItem(atPath: source + "/" + item, toPath: folder.path + "/" + item)
    }
    return folder
}

/// Files (relative paths) under a folder, sorted.
public func filesUnder(_ path: String) -> [String] {
    (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
        .filter { !isDirectoryPath(path + "/" + $0) }.sorted()
}

func isDirectoryPath(_ path: String) -> Bool {
    var dir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
}

/// The `outcome` of the summary event in a `--json` event stream, decoded as `T`.
public func summaryOutcome<T: Decodable>(_ type: T.Type, from stdout: String) throws -> T {
    guard let line = stdout.split(separator: "\n").last(where: { $0.contains("\"event\":\"summary\"") }) else {
        throw CocoaError(.coderValueNotFound, userInfo: [NSDebugDescriptionErrorKey: "no summary event in: \(stdout.prefix(500))"])
    }
    return try JSONDecoder().decode(SummaryLine<T>.self, from: Data(line.utf8)).outcome
}

/// The `outcome` of the summary event in a `--json` event stream, as a JSON object (for checking documented fields).
public func summaryOutcomeObject(from stdout: String) throws -> [String: Any] {
    guard let line = stdout.split(separator: "\n").last(where: { $0.contains("\"event\":\"summary\"") }),
          let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let outcome = object["outcome"] as? [String: Any] else {
        throw CocoaError(.coderValueNotFound, userInfo: [NSDebugDescriptionErrorKey: "no summary outcome in: \(stdout.prefix(500))"])
    }
    return outcome
}

/// The findings `crossgo doctor --json` reports in its summary's outcome.
public func doctorFindings(from stdout: String) throws -> [Finding] {
    try summaryOutcome(DoctorFindingsJSON.self, from: stdout).findings
}

struct DoctorFindingsJSON: Decodable { var findings: [Finding] }

/// A summary event's outcome.
struct SummaryLine<U: Decodable>: Decodable { var outcome: U }

/// Whether `tool` is on PATH or in the repository's .tools/bin.
public func toolAvailable(_ tool: String) -> Bool {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + [repositoryRoot + "/.tools/bin"]
    return folders.contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) }
}

/// The machine the tests run on, as Go names it.
public var hostPair: String {
    #if os(macOS)
    let os = "darwin"
    #else
    let os = "linux"
    #endif
    #if arch(arm64)
    return os + "/arm64"
    #else
    return os + "/amd64"
    #endif
}

/// Tools the tests use only as they exist on Linux: qemu-user's emulators (none for macOS) and Wine as Debian lays
/// it out (`/usr/lib/wine/wine64`, wineserver).
public func linuxOnlyTool(_ tool: String) -> Bool { tool.hasPrefix("qemu-") || tool.hasPrefix("wine") }

extension Trait where Self == ConditionTrait {
    /// Runs the test only where `tools` exist, and says which one is missing otherwise (scripts/setup installs
    /// them all, and scripts/test fails on any skipped test on the CI host kind). On a host other than Linux a test
    /// that needs a Linux-only tool is skipped and says so, whatever is installed.
    public static func requires(_ tools: String...) -> Self {
        let linuxOnly = tools.filter(linuxOnlyTool)
        if !hostPair.hasPrefix("linux/"), !linuxOnly.isEmpty {
            return .enabled(if: false, Comment(rawValue: "needs \(linuxOnly.joined(separator: ", ")), which the tests use only on Linux (qemu-user, Debian's Wine); this host is \(hostPair)"))
        }
        let missing = tools.filter { !toolAvailable($0) }
        return .enabled(if: missing.isEmpty, Comment(rawValue: "needs \(missing.joined(separator: ", ")) (run scripts/setup, or install it)"))
    }

    /// Runs the test only on a host whose facts it asserts (this repository's CI runs linux/amd64): only where the
    /// assertion truly depends on the host (a foreign-architecture binary, a runner chosen for amd64), never as a
    /// shortcut for a test that could compare against `hostPair`.
    public static func requiresHost(_ pair: String) -> Self {
        .enabled(if: hostPair == pair, Comment(rawValue: "asserts facts of a \(pair) host; this host is \(hostPair)"))
    }
}

/// A `go test -exec` wrapper that runs a windows program under Wine 64 in `prefix`, as crossgo sets Wine up
/// (no display, no debug output, no Mono, Gecko or menu builder); written into `folder`, its path returned.
public func wineExecWrapper(in folder: TempFolder, prefix: String) throws -> String {
    try folder.write("wine-exec.sh", """
        #!/bin/sh
        unset DISPLAY
        export WINEPREFIX='\(prefix)' WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=;winemenubuilder.exe=d'
        exec /usr/lib/wine/wine64 "$@"
        """, executable: true)
}
