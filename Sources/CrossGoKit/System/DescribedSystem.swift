// A machine described by facts instead of observed: for tests about hosts that are not here.
import Foundation
import GoBinary

/// A `HostSystem` whose files, programs and CPU facts are given, not read.
///
/// Tests use it to describe machines that cannot exist on the CI host (an Apple
/// Silicon Mac with an amd64 Go under Rosetta, a Mac without Command Line Tools),
/// with facts recorded from real machines.
public struct DescribedSystem: HostSystem {
    public var osName: String
    public var environment: [String: String]
    public var homeDirectory: String
    /// Text files by absolute path.
    public var files: [String: String]
    /// Executable files by absolute path (their text, if any, is in `files`).
    public var executables: Set<String>
    /// Folders that exist even when nothing inside them is described.
    public var directories: Set<String>
    /// Symbolic links: link path -> target path (absolute).
    public var symlinks: [String: String]
    /// Program results by "path arg1 arg2 ...".
    public var programs: [String: ProgramResult]
    public var hardwareArch: String
    public var processArchitecture: String
    public var translated: Bool?
    public var binfmt: [BinfmtEntry]
    /// Go executables by (resolved) path, as GoBinary would read them.
    public var goBinaries: [String: GoBinaryFacts] = [:]
    /// crossgo's own executable on the described machine.
    public var executablePath: String?
    /// The folder crossgo is described as started in.
    public var currentDirectory = "/"
    /// The user's cache folder on the described machine (nil: none named, crossgo then uses ~/.cache).
    public var userCacheDirectory: String?

    public init(
        osName: String, environment: [String: String] = [:], homeDirectory: String = "/home/user",
        files: [String: String] = [:], executables: Set<String> = [], directories: Set<String> = [],
        symlinks: [String: String] = [:], programs: [String: ProgramResult] = [:],
        hardwareArch: String, processArchitecture: String? = nil, translated: Bool? = nil, binfmt: [BinfmtEntry] = []
    ) {
        self.osName = osName
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.files = files
        self.executables = executables
        self.directories = directories
        self.symlinks = symlinks
        self.programs = programs
        self.hardwareArch = hardwareArch
        self.processArchitecture = processArchitecture ?? hardwareArch
        self.translated = translated
        self.binfmt = binfmt
    }

    public func fileExists(_ path: String) -> Bool {
        let p = resolveSymlinks(path)
        return files[p] != nil || executables.contains(p) || isDirectory(p)
    }

    public func isDirectory(_ path: String) -> Bool {
        let p = resolveSymlinks(path)
        if directories.contains(p) { return true }
        let prefix = p.hasSuffix("/") ? p : p + "/"
        return files.keys.contains { $0.hasPrefix(prefix) } || executables.contains { $0.hasPrefix(prefix) }
    }

    public func isExecutableFile(_ path: String) -> Bool { executables.contains(resolveSymlinks(path)) }

    public func readTextFile(_ path: String) -> String? { files[resolveSymlinks(path)] }

    public func listDirectory(_ path: String) -> [String] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        var names = Set<String>()
        for key in Array(files.keys) + Array(executables) + Array(directories) + Array(symlinks.keys) where key.hasPrefix(prefix) {
            if let first = key.dropFirst(prefix.count).split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    public func resolveSymlinks(_ path: String) -> String {
        var current = path
        for _ in 0..<32 {
            guard let target = symlinks[current] else { return current }
            current = target
        }
        return current
    }

    /// The described result of `program arguments` (the options change nothing: a described program ignores its stdin).
    public func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?, workingDirectory: String?,
                    options: RunOptions) async throws -> ProgramResult {
        let key = ([resolveSymlinks(program)] + arguments).joined(separator: " ")
        if let result = programs[key] ?? programs[([program] + arguments).joined(separator: " ")] { return result }
        if !isExecutableFile(program) { throw ProgramError.cannotStart(program: program, reason: "no such file") }
        throw ProgramError.cannotStart(program: program, reason: "not described: \(key)")
    }

    public func hardwareArchitecture() async -> String { hardwareArch }
    public func isTranslated() async -> Bool? { translated }
    public func binfmtEntries() -> [BinfmtEntry] { binfmt }

    /// A described Linux host's /proc/cpuinfo, as LinuxSystem reads the real one.
    public func cpuFlags() -> Set<String> { osName == "linux" ? files["/proc/cpuinfo"].map(cpuInfoFlags) ?? [] : [] }
    public func readData(_ path: String) -> Data? { files[resolveSymlinks(path)].map { Data($0.utf8) } }
    /// A described machine is read-only: every write throws (a session that writes and tolerates failure, as
    /// cleaning does with `try?`, goes on as it would on a read-only disk), so a test sees exactly what was described.
    public func writeData(_ data: Data, to path: String) throws {
        throw EnvironmentError("\(path): the described system is read-only")
    }
    public func createDirectory(_ path: String) throws {
        throw EnvironmentError("\(path): the described system is read-only")
    }
    public func removeItem(_ path: String) throws {
        throw EnvironmentError("\(path): the described system is read-only")
    }
    public func copyItem(_ source: String, to destination: String) throws {
        throw EnvironmentError("\(destination): the described system is read-only")
    }
    public func linkItem(_ source: String, to destination: String) throws {
        throw EnvironmentError("\(destination): the described system is read-only")
    }
    public func moveItem(_ source: String, to destination: String) throws {
        throw EnvironmentError("\(destination): the described system is read-only")
    }
    public func setPermissions(_ path: String, _ mode: Int) throws {
        throw EnvironmentError("\(path): the described system is read-only")
    }

    /// A described file's text, read as the bytes of a binary.
    public func binaryImage(_ path: String) throws(GoBinaryError) -> BinaryImage {
        try BinaryImage.read(try byteSource(path))
    }

    public func byteSource(_ path: String) throws(GoBinaryError) -> SystemByteSource {
        if isDirectory(path) { throw GoBinaryError(.isDirectory) }
        guard let data = readData(path) else { throw GoBinaryError(.io("no such file or directory")) }
        return .memory(MemorySource([UInt8](data)))
    }

    /// Described files, executables and links below `folder`, relative to it, sorted.
    public func filesUnder(_ folder: String) -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let names = Set(Array(files.keys) + Array(executables) + Array(symlinks.keys)).filter { $0.hasPrefix(prefix) }
        return names.map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    /// A described file's text, as one chunk.
    public func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let data = readData(path) else { throw EnvironmentError("\(path): not described") }
        try data.withUnsafeBytes { try body($0) }
    }

    /// Files, folders and links as described; every modification time is the epoch.
    public func itemAttributes(_ path: String) -> ItemAttributes? {
        let epoch = Date(timeIntervalSince1970: 0)
        if symlinks[path] != nil { return ItemAttributes(kind: .symbolicLink, size: symlinks[path]?.utf8.count ?? 0, modified: epoch) }
        if let text = files[path] { return ItemAttributes(kind: .file, size: text.utf8.count, modified: epoch) }
        if executables.contains(path) { return ItemAttributes(kind: .file, size: 0, modified: epoch) }
        if isDirectory(path) { return ItemAttributes(kind: .directory, size: 0, modified: epoch) }
        return nil
    }
    public func fileIdentity(_ path: String) -> String {
        files[resolveSymlinks(path)].map { "described:" + sha256Hex(Data($0.utf8)) } ?? (fileExists(path) ? "described" : "-")
    }
    public func isTerminal(_ fd: Int32) -> Bool { false }
    public func terminalRows(_ fd: Int32) -> Int? { nil }
    public func goBinaryFacts(_ path: String) -> GoBinaryFacts? { goBinaries[resolveSymlinks(path)] }
}
