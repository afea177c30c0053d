// The one door through which crossgo looks at the machine it runs on.
import Foundation
import GoBinary

/// Everything crossgo reads from the host: environment, files, programs, CPU facts.
///
/// A live implementation exists per OS (`LinuxSystem`, `MacSystem`, chosen in
/// `LiveSystem.swift`); `DescribedSystem` describes another machine (an Apple Silicon
/// Mac under Rosetta, say) for tests.
public protocol HostSystem: Sendable {
    /// The host OS in GOOS spelling: "linux", "darwin", ...
    var osName: String { get }
    /// The process environment.
    var environment: [String: String] { get }
    /// The user's home folder.
    var homeDirectory: String { get }
    /// The folder crossgo was started in: where relative paths of the command line are read from.
    var currentDirectory: String { get }
    /// The user's cache folder ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS); nil where the
    /// system names none (then crossgo's caches go to ~/.cache).
    var userCacheDirectory: String? { get }
    func fileExists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    func isExecutableFile(_ path: String) -> Bool
    /// Contents of a text file, nil when missing or unreadable.
    func readTextFile(_ path: String) -> String?
    /// Names in a folder, sorted; empty when missing.
    func listDirectory(_ path: String) -> [String]
    /// The path with every symbolic link resolved.
    func resolveSymlinks(_ path: String) -> String
    /// Runs a program to completion, in `workingDirectory` when given, with what `options` add (its stdin, its
    /// argv[0], how much of its output is kept). Cancelling the calling task stops the program (SIGINT first).
    func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?, workingDirectory: String?,
             options: RunOptions) async throws -> ProgramResult
    /// The real CPU architecture in GOARCH spelling, even when this process is translated.
    func hardwareArchitecture() async -> String
    /// The architecture this process runs as (GOARCH spelling).
    var processArchitecture: String { get }
    /// Whether this process runs under binary translation (Rosetta); nil where the question does not apply.
    func isTranslated() async -> Bool?
    /// Registered binfmt_misc interpreters (Linux); empty elsewhere.
    func binfmtEntries() -> [BinfmtEntry]
    /// The CPU's feature flags as Linux names them (sse4_2, avx2, ...): /proc/cpuinfo's `flags` on Linux; empty where
    /// the host does not say (then no GOAMD64 level is refused for want of a feature).
    func cpuFlags() -> Set<String>
    /// What a Go executable says about itself, read from its bytes (never by running it); nil if unreadable.
    func goBinaryFacts(_ path: String) -> GoBinaryFacts?
    /// PATH's folders, in order.
    var pathDirectories: [String] { get }
    /// Contents of a file, nil when missing or unreadable.
    func readData(_ path: String) -> Data?
    /// Writes a file through a temporary sibling and a rename, creating its folder.
    func writeData(_ data: Data, to path: String) throws
    /// Device, file number, size and modification time: changes when a file is rewritten or replaced; "-" when missing.
    func fileIdentity(_ path: String) -> String
    /// Whether `fd` is a terminal.
    func isTerminal(_ fd: Int32) -> Bool
    /// The height of the terminal on `fd` in rows; nil when it is not a terminal.
    func terminalRows(_ fd: Int32) -> Int?
    /// Runs a program with its output discarded except stderr (kept up to 1 MiB), timing it and reading its peak
    /// resident set size from wait4's rusage (nil where the system cannot say).
    func runMeasured(_ argv: [String], environment: EnvironmentChanges, workingDirectory: String?) async throws -> MeasuredRun
    /// Where this system keeps its bundle of trusted CA certificates (PEM), most likely first; release images copy the first that exists.
    var certificateBundles: [String] { get }
    /// This process's own executable, symbolic links resolved; nil where the system cannot say.
    var executablePath: String? { get }

    // Changing files: what sessions do to their output folders and caches. A described machine is read-only (these throw).

    /// Creates a folder and any missing parents; no error when it exists.
    func createDirectory(_ path: String) throws
    /// Removes a file, a link (not what it points to) or a folder with everything in it.
    func removeItem(_ path: String) throws
    /// Copies a file (or a folder with what it holds) to `destination`, which must not exist.
    func copyItem(_ source: String, to destination: String) throws
    /// Makes `destination` a second name of the file at `source` (a hard link: the same file, not a copy). Throws when
    /// `destination` exists, when the two are on different file systems, or where the file system has no hard links.
    func linkItem(_ source: String, to destination: String) throws
    /// Renames `source` (a file or a folder) to `destination` in one step (rename(2)), replacing a file there: a reader
    /// sees the old file or the new one, never a mix. Both must be on one file system; `source` stays when it throws.
    func moveItem(_ source: String, to destination: String) throws
    /// Sets the permission bits of a file or folder (POSIX mode bits, e.g. 0o755), following links.
    func setPermissions(_ path: String, _ mode: Int) throws

    // Reading files in ways the calls above do not.

    /// Everything under `folder` that is not a folder (symbolic links included, never followed into folders),
    /// relative to it, sorted; empty when it cannot be read.
    func filesUnder(_ folder: String) -> [String]
    /// A file's bytes in order, a chunk at a time (a large file is never held whole); throws when it cannot be read.
    func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// What is at `path` itself (a link is not followed); nil when nothing is there or it cannot be asked.
    func itemAttributes(_ path: String) -> ItemAttributes?
    /// The executable (or other binary) at `path` as GoBinary reads it, in bounded pieces (never loaded whole);
    /// throws as `BinaryImage.read(path:)` does (`.io`, `.isDirectory`, `.notRegularFile`, a format's own errors).
    func binaryImage(_ path: String) throws(GoBinaryError) -> BinaryImage
    /// A file's bytes for the binary readers, read as they are asked for (a large binary is never read whole on a
    /// live system); throws as `binaryImage` does when the file cannot be opened.
    func byteSource(_ path: String) throws(GoBinaryError) -> SystemByteSource
}

/// The bytes of a file as a system gives them: the live file, or a described machine's bytes. A closed set (not
/// `any ByteSource`), so that the binary readers stay specialized.
public enum SystemByteSource: ByteSource {
    case file(FileSource)
    case memory(MemorySource)

    public var count: Int {
        switch self {
        case .file(let source): source.count
        case .memory(let source): source.count
        }
    }

    public func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        switch self {
        case .file(let source): try source.bytes(at: offset, count: count)
        case .memory(let source): try source.bytes(at: offset, count: count)
        }
    }
}

/// What a program run may ask beyond its arguments, environment, time limit and folder.
public struct RunOptions: Sendable, Equatable {
    /// Written to the program's stdin, which is then closed; nil gives it an empty stdin.
    public var input: String?
    /// The name the program is told it was started as (its argv[0]); nil: the program as given.
    public var argv0: String?
    /// Bytes kept of stdout and of stderr (each); what comes after is dropped.
    public var limit: Int

    public init(input: String? = nil, argv0: String? = nil, limit: Int = 64 << 20) {
        self.input = input
        self.argv0 = argv0
        self.limit = limit
    }
}

/// The facts of one item in a file system, as `lstat` tells them.
public struct ItemAttributes: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case file, directory, symbolicLink, other }
    public var kind: Kind
    /// Bytes.
    public var size: Int
    public var modified: Date

    public init(kind: Kind, size: Int, modified: Date) {
        self.kind = kind
        self.size = size
        self.modified = modified
    }
}

extension HostSystem {
    /// A text file read as strict UTF-8: nil when missing, unreadable or not UTF-8 (as `String(contentsOfFile:encoding:)`).
    public func readUTF8File(_ path: String) -> String? {
        readData(path).flatMap { String(data: $0, encoding: .utf8) }
    }
}

/// A program run with its cost: wall time and the peak RSS of the process (an emulator's own, under an emulator).
public struct MeasuredRun: Sendable, Equatable {
    public var exitCode: Int32
    public var stderr: String
    public var seconds: Double
    /// Bytes; nil when unknown.
    public var peakRSS: Int?

    public init(exitCode: Int32, stderr: String, seconds: Double, peakRSS: Int?) {
        self.exitCode = exitCode
        self.stderr = stderr
        self.seconds = seconds
        self.peakRSS = peakRSS
    }
}

extension HostSystem {
    /// A system that names no CA bundle.
    public var certificateBundles: [String] { [] }

    /// Without a process layer that reports rusage: time the ordinary run, no RSS.
    public func runMeasured(_ argv: [String], environment: EnvironmentChanges, workingDirectory: String?) async throws -> MeasuredRun {
        let start = Date()
        let r = try await run(argv[0], Array(argv.dropFirst()), environment: environment, timeout: 600, workingDirectory: workingDirectory)
        return MeasuredRun(exitCode: r.exitCode, stderr: r.stderr, seconds: Date().timeIntervalSince(start), peakRSS: nil)
    }
}

/// The `flags` line of a /proc/cpuinfo, as a set (empty without one).
func cpuInfoFlags(_ text: String) -> Set<String> {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }), let colon = line.firstIndex(of: ":") else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
}

/// PATH's folders, in order, empty entries dropped.
func splitPath(_ path: String?) -> [String] {
    (path ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
}

/// The facts the doctor needs from a Go executable: its format, architecture and Go version.
public struct GoBinaryFacts: Sendable, Codable, Equatable {
    public var format: String
    public var goos: String?
    public var goarch: String?
    /// e.g. "go1.27.3"; nil when the file has no Go build info.
    public var goVersion: String?
    /// Main module path (golang.org/x/tools/gopls for gopls).
    public var mainModule: String?

    public init(format: String, goos: String?, goarch: String?, goVersion: String?, mainModule: String? = nil) {
        self.format = format
        self.goos = goos
        self.goarch = goarch
        self.goVersion = goVersion
        self.mainModule = mainModule
    }
}

extension HostSystem {
    /// Runs a program to completion, in `workingDirectory` when given (stdin empty, 64 MiB of each output kept).
    public func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?, workingDirectory: String?) async throws -> ProgramResult {
        try await run(program, arguments, environment: environment, timeout: timeout, workingDirectory: workingDirectory, options: RunOptions())
    }

    public func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?) async throws -> ProgramResult {
        try await run(program, arguments, environment: environment, timeout: timeout, workingDirectory: nil)
    }

    /// The folders of PATH, in order, without empty entries.
    public var pathDirectories: [String] { splitPath(environment["PATH"]) }

    /// Every executable called `name` on PATH, in PATH order (duplicates by path removed).
    /// (An array, not a Set: PATH has a few folders, and locating go is on every start, where a first Set of a
    /// type costs a walk of the binary's conformance records.)
    public func allOnPath(_ name: String) -> [String] {
        var found: [String] = []
        for dir in pathDirectories {
            let candidate = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            if !found.contains(candidate), isExecutableFile(candidate) { found.append(candidate) }
        }
        return found
    }

    /// The PATH launchd gives apps started from the Dock, Finder or Spotlight (`launchctl getenv PATH`); nil when
    /// it is unset (launchd then uses /usr/bin:/bin:/usr/sbin:/sbin) and on systems without launchd.
    public func launchdPath() async -> String? {
        guard osName == "darwin" else { return nil }
        guard let result = try? await run("/bin/launchctl", ["getenv", "PATH"], environment: [:], timeout: 5), result.succeeded else { return nil }
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }

    /// The executable that a shell would run for `name`, if any.
    public func which(_ name: String, extraDirectories: [String] = []) -> String? {
        if let hit = allOnPath(name).first { return hit }
        for dir in extraDirectories where isExecutableFile(dir + "/" + name) { return dir + "/" + name }
        return nil
    }

    /// `which` for many names at once (the runner probe asks for 40): each folder of PATH (then
    /// `extraDirectories`) is looked in once, a missing folder or one PATH names twice (/bin linked to /usr/bin)
    /// not at all. Listing the folders instead costs more: ext4 hashes every one of /usr/bin's names.
    public func which(_ names: [String], extraDirectories: [String] = []) -> [String: String] {
        var seen = Set<String>()
        var found: [String: String] = [:]
        for dir in pathDirectories + extraDirectories {
            guard isDirectory(dir), seen.insert(resolveSymlinks(dir)).inserted else { continue }
            let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
            for name in names where found[name] == nil && isExecutableFile(base + "/" + name) { found[name] = base + "/" + name }
        }
        return found
    }
}

/// One binfmt_misc registration (a file in /proc/sys/fs/binfmt_misc).
public struct BinfmtEntry: Sendable, Equatable, Codable {
    public var name: String
    public var enabled: Bool
    public var interpreter: String
    public var offset: Int
    public var magic: [UInt8]
    public var mask: [UInt8]

    public init(name: String, enabled: Bool, interpreter: String, offset: Int = 0, magic: [UInt8] = [], mask: [UInt8] = []) {
        self.name = name
        self.enabled = enabled
        self.interpreter = interpreter
        self.offset = offset
        self.magic = magic
        self.mask = mask
    }

    /// Parses the text of an entry file (`enabled`, `interpreter ...`, `offset N`, `magic HEX`, `mask HEX`).
    public static func parse(name: String, text: String) -> BinfmtEntry {
        var entry = BinfmtEntry(name: name, enabled: false, interpreter: "")
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line == "enabled" { entry.enabled = true; continue }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "interpreter": entry.interpreter = parts[1]
            case "offset": entry.offset = Int(parts[1]) ?? 0
            case "magic": entry.magic = hexBytes(parts[1])
            case "mask": entry.mask = hexBytes(parts[1])
            default: break
            }
        }
        return entry
    }

    /// The ELF e_machine value this entry matches, when its magic covers an ELF header's machine field.
    public var elfMachine: UInt16? {
        guard offset == 0, magic.count >= 20, magic.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else { return nil }
        let bigEndian = magic[5] == 2
        return bigEndian ? UInt16(magic[18]) << 8 | UInt16(magic[19]) : UInt16(magic[19]) << 8 | UInt16(magic[18])
    }

    /// ELF class of the matched binaries (1 = 32-bit, 2 = 64-bit), when the magic says.
    public var elfClass: UInt8? { magic.count > 4 && magic.starts(with: [0x7f, 0x45, 0x4c, 0x46]) ? magic[4] : nil }

    private static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(s.utf8)
        if chars.count % 2 == 1 { chars.removeLast() }
        var i = 0
        while i + 1 < chars.count {
            if let b = UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) { out.append(b) }
            i += 2
        }
        return out
    }
}
