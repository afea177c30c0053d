// The live Linux host: uname for the CPU, /proc/sys/fs/binfmt_misc for foreign-binary support.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystemShims
import Foundation
import Synchronization

/// The machine crossgo runs on, when that is Linux.
public struct LinuxSystem: POSIXSystem {
    public static let binfmtDirectory = "/proc/sys/fs/binfmt_misc"

    public init() {}

    public var osName: String { "linux" }
    public static let maxRSSUnit = 1024

    /// /proc/self/exe: one readlink (Foundation's Bundle.main builds a whole bundle for the same answer).
    public var executablePath: String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// Debian and Ubuntu, Fedora and RHEL, openSUSE, Alpine (SSL_CERT_FILE first, as Go reads it).
    public var certificateBundles: [String] {
        (environment["SSL_CERT_FILE"].map { [$0] } ?? []) + ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                                             "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"]
    }

    public func hardwareArchitecture() async -> String {
        var info = utsname()
        guard uname(&info) == 0 else { return processArchitecture }
        let machine = withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return goArch(fromMachine: machine)
    }

    public func isTranslated() async -> Bool? { nil }

    public func terminalRows(_ fd: Int32) -> Int? {
        guard isatty(fd) == 1 else { return nil }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return 24 }
        return Int(size.ws_row)
    }

    /// realpath(3), one call (Foundation's URL resolution stats each component, twice); a path realpath cannot resolve
    /// (a missing one) is resolved as Foundation does, as far as it exists.
    public func resolveSymlinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// XDG_CACHE_HOME when it is an absolute path, else ~/.cache (the XDG base directory rules, as Foundation's
    /// cachesDirectory reads them, without building the URL list).
    public var userCacheDirectory: String? { Self.userCacheDirectory(environment: environment) }

    public static func userCacheDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
    }

    public func cpuFlags() -> Set<String> { readTextFile("/proc/cpuinfo").map(cpuInfoFlags) ?? [] }

    public func binfmtEntries() -> [BinfmtEntry] {
        let dir = Self.binfmtDirectory
        if let status = readTextFile(dir + "/status"), status.hasPrefix("disabled") { return [] }
        return listDirectory(dir).compactMap { name in
            guard name != "status", name != "register", let text = readTextFile(dir + "/" + name) else { return nil }
            return BinfmtEntry.parse(name: name, text: text)
        }
    }
}

#if os(Linux)
extension LinuxSystem {
    /// Runs a program and reads its own peak RSS. Linux starts an exec'd process's ru_maxrss at the peak of the address
    /// space it was exec'd from, and posix_spawn execs from crossgo's own (vfork): every figure would be at least
    /// crossgo's peak. So a small shell forks the program (`sh -c 'PROGRAM & echo $!'`, an address space of ~1 MiB,
    /// as /usr/bin/time's), exits, and crossgo, the child subreaper while this runs, reaps the program with wait4:
    /// its rusage is the program's own (ru_maxrss in KiB). The shell runs it in `workingDirectory`. A program in the
    /// background of a shell ignores SIGINT, so on cancellation crossgo sends it SIGTERM.
    public func runMeasured(_ argv: [String], environment: EnvironmentChanges, workingDirectory: String?) async throws -> MeasuredRun {
        let (program, resolved, env, stderrPath) = try measuredSetup(argv, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: stderrPath) }
        let script = "cd \"$1\" || exit 127; shift; \"$@\" >/dev/null & echo $!"
        let shellArgv = ["/bin/sh", "-c", script, "sh", workingDirectory ?? FileManager.default.currentDirectoryPath, resolved] + argv.dropFirst()
        let running = MeasuredChild()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MeasuredRun, any Error>) in
                Thread.detachNewThread {
                    SubreaperScope.enter()
                    defer { SubreaperScope.leave() }
                    var fds: [Int32] = [-1, -1]
                    guard crossgo_pipe_cloexec(&fds) == 0 else {
                        continuation.resume(throwing: ProgramError.cannotStart(program: program, reason: String(cString: strerror(errno))))
                        return
                    }
                    var actions = posix_spawn_file_actions_t()
                    posix_spawn_file_actions_init(&actions)
                    defer { posix_spawn_file_actions_destroy(&actions) }
                    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
                    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                    let cArgs = shellArgv.map { strdup($0) } + [nil]
                    let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
                    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
                    var shell = pid_t()
                    let spawned = posix_spawn(&shell, "/bin/sh", &actions, nil, cArgs, cEnv)
                    close(fds[1])
                    guard spawned == 0 else {
                        close(fds[0])
                        continuation.resume(throwing: ProgramError.cannotStart(program: program, reason: String(cString: strerror(spawned))))
                        return
                    }
                    // The shell says the program's pid once it has forked it, then exits.
                    var text = ""
                    var buffer = [UInt8](repeating: 0, count: 64)
                    while true {
                        let n = read(fds[0], &buffer, buffer.count)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { break }
                        text += String(decoding: buffer[0..<n], as: UTF8.self)
                    }
                    close(fds[0])
                    let start = Date()
                    var status: Int32 = 0
                    var usage = rusage()
                    while wait4(shell, &status, 0, &usage) < 0 && errno == EINTR {}
                    guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
                        let said = FileManager.default.contents(atPath: stderrPath).map { String(decoding: $0.prefix(4096), as: UTF8.self) } ?? ""
                        continuation.resume(throwing: ProgramError.cannotStart(program: program, reason: "the shell did not start it: \(said)"))
                        return
                    }
                    running.started(pid)
                    var waited: pid_t
                    repeat { waited = wait4(pid, &status, 0, &usage) } while waited < 0 && errno == EINTR
                    running.ended()
                    guard waited == pid else {
                        continuation.resume(throwing: ProgramError.cannotStart(program: program, reason: "wait4: \(String(cString: strerror(errno)))"))
                        return
                    }
                    let seconds = Date().timeIntervalSince(start)
                    let exited = status & 0x7f == 0
                    let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                    let stderr = FileManager.default.contents(atPath: stderrPath).map { String(decoding: $0.prefix(1 << 20), as: UTF8.self) } ?? ""
                    continuation.resume(returning: MeasuredRun(exitCode: code, stderr: stderr, seconds: seconds, peakRSS: Int(usage.ru_maxrss) * 1024))
                }
            }
        } onCancel: {
            running.terminate()
        }
    }
}

/// The measured program's pid while it runs, for cancellation.
private final class MeasuredChild: Sendable {
    private let state = Mutex<(pid: pid_t?, cancelled: Bool)>((nil, false))

    func started(_ pid: pid_t) {
        let cancelled = state.withLock { s -> Bool in s.pid = pid; return s.cancelled }
        if cancelled { kill(pid, SIGTERM) }
    }

    func ended() { state.withLock { $0.pid = nil } }

    func terminate() {
        let pid = state.withLock { s -> pid_t? in s.cancelled = true; return s.pid }
        if let pid { kill(pid, SIGTERM) }
    }
}

/// crossgo is the child subreaper only while a measured program runs (orphans of other programs go to init otherwise).
private enum SubreaperScope {
    private static let users = Mutex(0)

    static func enter() { users.withLock { n in if n == 0 { _ = crossgo_set_child_subreaper(1) }; n += 1 } }
    static func leave() { users.withLock { n in n -= 1; if n == 0 { _ = crossgo_set_child_subreaper(0) } } }
}
#endif
