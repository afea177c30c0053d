// File, environment and process access shared by the live Linux and macOS systems.
import CSystemShims
import Foundation
import GoBinary

/// Read once, from `environ`, byte by byte: ProcessInfo builds a new dictionary on every call, and its first one cost
/// ~5% of a `crossgo targets` (it splits each entry at "=" character by character). The first of a repeated name wins,
/// as with getenv(3); an entry without "=" is skipped. HostSystemTests compares this with ProcessInfo.
let processEnvironment: [String: String] = crossgo_environment().map(environmentDictionary) ?? [:]

/// NAME=value entries up to the first NULL, as a dictionary (see `processEnvironment`).
func environmentDictionary(_ entries: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> [String: String] {
    var count = 0
    while entries[count] != nil { count += 1 }
    var environment = [String: String](minimumCapacity: count)
    for index in 0..<count {
        guard let entry = entries[index] else { break }
        let length = strlen(entry)
        guard let equals = memchr(entry, Int32(UInt8(ascii: "=")), length) else { continue }
        let nameLength = UnsafeRawPointer(equals) - UnsafeRawPointer(entry)
        let bytes = UnsafeRawBufferPointer(start: entry, count: length)
        let name = String(decoding: bytes[..<nameLength], as: UTF8.self)
        if environment[name] == nil {
            environment[name] = String(decoding: bytes[(nameLength + 1)...], as: UTF8.self)
        }
    }
    return environment
}
let processPathDirectories = splitPath(processEnvironment["PATH"])

/// The parts of a live system that are the same on every POSIX host.
public protocol POSIXSystem: HostSystem {
    /// Bytes in one unit of rusage's ru_maxrss (KiB on Linux, bytes on macOS).
    static var maxRSSUnit: Int { get }
}

extension POSIXSystem {
    /// The environment crossgo started with (crossgo never changes its own environment).
    public var environment: [String: String] { processEnvironment }

    public var pathDirectories: [String] { processPathDirectories }

    public var homeDirectory: String { environment["HOME"] ?? NSHomeDirectory() }

    // getcwd(3), no FileManager: its first use sets up the default manager (~3% of a `crossgo targets`).
    public var currentDirectory: String {
        guard let cwd = getcwd(nil, 0) else { return FileManager.default.currentDirectoryPath }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    // One stat(2) each: the doctor and the runner probe ask these hundreds of times (names x PATH entries).
    public func fileExists(_ path: String) -> Bool { fileMode(path) != nil }

    public func isDirectory(_ path: String) -> Bool { fileMode(path).map { $0 & S_IFMT == S_IFDIR } ?? false }

    public func isExecutableFile(_ path: String) -> Bool {
        guard let mode = fileMode(path), mode & S_IFMT != S_IFDIR else { return false }
        return access(path, X_OK) == 0
    }

    /// stat(2)'s st_mode, following links; nil when the path does not resolve.
    func fileMode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode : nil
    }

    public func readTextFile(_ path: String) -> String? {
        readData(path).map { String(decoding: $0, as: UTF8.self) }
    }

    // open(2) and read(2) into one buffer of the file's size, no FileManager (see currentDirectory). Files whose size
    // stat does not know (/proc) are read until read(2) says the end; a folder, like a missing file, is nil.
    public func readData(_ path: String) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var data = Data(count: max(Int(info.st_size), 0) + 1)
        var length = 0
        while true {
            if length == data.count { data.count += max(data.count, 4096) }
            let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + length, $0.count - length) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            length += n
        }
        data.count = length
        return data
    }

    public func writeData(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try atomicWrite(data, to: path)
    }

    // One stat(2): FileManager's attributes also look up the owner's and group's names (/etc/passwd, nsswitch)
    // on every call, a third of a cached `go env` answer's cost.
    public func fileIdentity(_ path: String) -> String {
        var n = [Int64](repeating: 0, count: 5)
        guard crossgo_stat_identity(path, &n) == 0 else { return "-" }
        return "\(n[0]):\(n[1]):\(n[2]):\(n[3]).\(n[4])"
    }

    // readdir(3), no FileManager: PATH folders hold thousands of names and `which` for many names lists them.
    public func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func removeItem(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }

    public func copyItem(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    public func linkItem(_ source: String, to destination: String) throws {
        guard link(source, destination) == 0 else { throw posixFailure(errno, destination) }
    }

    public func moveItem(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else { throw posixFailure(errno, destination) }
    }

    public func setPermissions(_ path: String, _ mode: Int) throws {
        guard chmod(path, mode_t(mode)) == 0 else { throw posixFailure(errno, path) }
    }

    // readdir and one lstat an entry: the walk inspect, audit, verify and build's cleaning share (FolderWalk filters it).
    public func filesUnder(_ folder: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? folder : (folder.hasSuffix("/") ? folder : folder + "/") + relative
            for name in listDirectory(dir) {
                let entry = relative.isEmpty ? name : relative + "/" + name
                let full = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                guard let kind = itemAttributes(full)?.kind else { continue }
                if kind == .directory { pending.append(entry) } else { out.append(entry) }
            }
        }
        return out.sorted()
    }

    // read(2) into one reused buffer: release artifacts are hashed without holding them.
    public func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)  // under malloc's mmap threshold
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            if n == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
    }

    // One lstat(2): FileManager's attributes also look up the owner's and group's names on every call.
    public func itemAttributes(_ path: String) -> ItemAttributes? {
        var n = [Int64](repeating: 0, count: 4)
        guard crossgo_lstat_facts(path, &n) == 0 else { return nil }
        let kind: ItemAttributes.Kind
        switch mode_t(n[0]) {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        return ItemAttributes(kind: kind, size: Int(n[1]), modified: Date(timeIntervalSince1970: Double(n[2]) + Double(n[3]) / 1e9))
    }

    public func resolveSymlinks(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    public func run(_ program: String, _ arguments: [String], environment: EnvironmentChanges, timeout: Double?, workingDirectory: String?,
                    options: RunOptions) async throws -> ProgramResult {
        try await runProgram(program, arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout,
                             limit: options.limit, input: options.input, argv0: options.argv0)
    }

    public func binaryImage(_ path: String) throws(GoBinaryError) -> BinaryImage { try BinaryImage.read(path: path) }

    public func byteSource(_ path: String) throws(GoBinaryError) -> SystemByteSource { .file(try FileSource(path: path)) }

    public func goBinaryFacts(_ path: String) -> GoBinaryFacts? {
        guard let image = try? binaryImage(resolveSymlinks(path)), let slice = image.slices.first else { return nil }
        return GoBinaryFacts(format: image.format.rawValue, goos: slice.goos, goarch: slice.goarch,
                             goVersion: slice.buildInfo?.goVersion, mainModule: slice.buildInfo?.main?.path ?? slice.buildInfo?.path)
    }

    public var processArchitecture: String {
        #if arch(arm64)
        return "arm64"
        #elseif arch(x86_64)
        return "amd64"
        #elseif arch(i386)
        return "386"
        #elseif arch(arm)
        return "arm"
        #elseif arch(riscv64)
        return "riscv64"
        #elseif arch(s390x)
        return "s390x"
        #elseif arch(powerpc64le)
        return "ppc64le"
        #else
        return "unknown"
        #endif
    }
}

/// Writes data to a temporary sibling and renames it over `path` (the live systems' writes, and sessions' records).
func atomicWrite(_ data: Data, to path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let temp = dir + "/" + Builder.partialPrefix + (path as NSString).lastPathComponent
    try data.write(to: URL(fileURLWithPath: temp))
    try replaceFile(at: path, with: temp)
}

/// Every byte to `fd` with write(2), again after a signal. A closed pipe or a full disk ends the writing silently: the
/// callers (crossgo's stdout and stderr, go's GOCACHEPROG pipe) have nowhere left to say so.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
    }
}

/// A failed system call's error: errno's text, and the path it was about (as `localizedDescription` gives it).
func posixFailure(_ code: Int32, _ path: String) -> CocoaError {
    CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(code)), NSFilePathErrorKey: path])
}

/// Moves `source` over `destination` in one rename(2): readers see the old file or the new one, never a mix.
func replaceFile(at destination: String, with source: String) throws {
    guard rename(source, destination) == 0 else {
        let code = errno
        try? FileManager.default.removeItem(atPath: source)
        throw posixFailure(code, destination)
    }
}

/// Maps a kernel machine name (`uname -m`) to Go's GOARCH spelling.
public func goArch(fromMachine machine: String) -> String {
    switch machine {
    case "x86_64", "amd64": return "amd64"
    case "aarch64", "arm64": return "arm64"
    case "i386", "i486", "i586", "i686": return "386"
    case "riscv64": return "riscv64"
    case "s390x": return "s390x"
    case "ppc64le": return "ppc64le"
    case "ppc64": return "ppc64"
    case "loongarch64": return "loong64"
    case "mips": return "mips"
    case "mips64": return "mips64"
    default: return machine.hasPrefix("arm") ? "arm" : machine
    }
}

extension POSIXSystem {
    /// What both `runMeasured`s start from: the program as given and as found on PATH, the whole environment, and a
    /// file for its stderr (the caller removes it).
    func measuredSetup(_ argv: [String], environment: EnvironmentChanges) throws -> (String, String, [String: String], String) {
        guard let program = argv.first else { throw ProgramError.cannotStart(program: "", reason: "empty command") }
        var merged = processEnvironment
        for (k, v) in environment { merged[k] = v }
        let resolved = program.contains("/") ? program : (which(program) ?? program)
        return (program, resolved, merged, NSTemporaryDirectory() + "/crossgo-measure-\(UUID().uuidString.prefix(8)).stderr")
    }

    /// posix_spawn and wait4: the child's rusage gives its peak RSS (ru_maxrss: KiB on Linux, bytes on macOS). The child
    /// starts in crossgo's own folder (glibc's posix_spawn chdir action is not visible to Swift here), so paths are absolute.
    public func runMeasured(_ argv: [String], environment: EnvironmentChanges, workingDirectory: String?) async throws -> MeasuredRun {
        let (program, resolved, env, stderrPath) = try measuredSetup(argv, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: stderrPath) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                let cArgs = argv.map { strdup($0) } + [nil]
                let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
                defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
                var pid = pid_t()
                let start = Date()
                let spawned = posix_spawn(&pid, resolved, &actions, nil, cArgs, cEnv)
                guard spawned == 0 else {
                    continuation.resume(throwing: ProgramError.cannotStart(program: program, reason: String(cString: strerror(spawned))))
                    return
                }
                var status: Int32 = 0
                var usage = rusage()
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                let seconds = Date().timeIntervalSince(start)
                let rss = Int(usage.ru_maxrss) * Self.maxRSSUnit
                let exited = status & 0x7f == 0
                let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                let text = (FileManager.default.contents(atPath: stderrPath).map { String(decoding: $0.prefix(1 << 20), as: UTF8.self) }) ?? ""
                continuation.resume(returning: MeasuredRun(exitCode: code, stderr: text, seconds: seconds, peakRSS: rss))
            }
        }
    }
}
