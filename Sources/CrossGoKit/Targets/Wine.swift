// Windows programs under Wine: crossgo's own prefix (made once, atomically, under a lock), the ProcessPrng DLL
// crossgo writes itself (Go 1.24+ needs bcryptprimitives.dll!ProcessPrng, which Wine 8 lacks), and one wineserver
// kept alive for a run.
import Foundation
import GoBinary

/// crossgo's bcryptprimitives.dll: `ProcessPrng(buffer, size)` fills the buffer through advapi32's
/// `SystemFunction036` (RtlGenRandom) and returns TRUE, as Windows' own does.
public enum ProcessPrngDLL {
    public static let fileName = "bcryptprimitives.dll"

    /// sub rsp,40 (shadow space, 16-byte alignment); call [rip+IAT SystemFunction036] (rcx = buffer, edx = size);
    /// mov eax,1; add rsp,40; ret.
    static let thunk: [UInt8] = [0x48, 0x83, 0xEC, 0x28, 0xFF, 0x15, 0, 0, 0, 0, 0xB8, 0x01, 0, 0, 0, 0x48, 0x83, 0xC4, 0x28, 0xC3]

    public static var writer: PEDLLWriter {
        PEDLLWriter(name: fileName,
                    exports: [PEExport(name: "ProcessPrng", code: thunk, importReferences: [(offset: 6, importIndex: 0)])],
                    imports: [PEImport(library: "advapi32.dll", function: "SystemFunction036")])
    }

    /// The DLL's bytes, read back with GoBinary and checked: an AMD64 DLL named bcryptprimitives.dll that exports
    /// ProcessPrng at the thunk and imports SystemFunction036 from advapi32.dll.
    public static func bytes() throws -> [UInt8] {
        let bytes = try writer.bytes()
        if let problem = check(bytes) { throw EnvironmentError("crossgo's \(fileName) failed its own check: \(problem)") }
        return bytes
    }

    /// Why `bytes` is not a usable ProcessPrng DLL; nil when it is.
    public static func check(_ bytes: [UInt8]) -> String? {
        let image: BinaryImage
        let directories: PEDirectories
        do {
            image = try BinaryImage.read(MemorySource(bytes))
            directories = try PEDirectories.read(MemorySource(bytes))
        } catch {
            return "\(error)"
        }
        guard let pe = image.slices.first?.pe, pe.isDLL, pe.isPE32Plus, pe.machine == 0x8664 else { return "not an AMD64 PE32+ DLL" }
        guard directories.dllName?.lowercased() == fileName else { return "export directory names \(directories.dllName ?? "nothing")" }
        guard let rva = directories.exports["ProcessPrng"] else { return "ProcessPrng is not exported" }
        guard directories.imports.first(where: { $0.key.lowercased() == "advapi32.dll" })?.value == ["SystemFunction036"] else {
            return "does not import advapi32.dll!SystemFunction036 (imports \(directories.imports))"
        }
        // The exported code is the thunk (its displacement aside).
        guard let text = pe.sections.first(where: { UInt64(rva) >= $0.address && UInt64(rva) < $0.address + $0.size }) else {
            return "ProcessPrng's address is outside every section"
        }
        let start = Int(text.offset) + Int(UInt64(rva) - text.address)
        guard start + thunk.count <= bytes.count else { return "ProcessPrng's code is cut short" }
        let code = Array(bytes[start ..< start + thunk.count])
        guard code[0 ..< 6] == thunk[0 ..< 6], code[10...] == thunk[10...] else { return "ProcessPrng's code is not crossgo's thunk" }
        return nil
    }
}

/// crossgo's Wine prefix and its wineserver, shared by every crossgo run on the machine.
public struct WineHost: Sendable {
    public var runner: Runner
    public var prefix: String
    /// Seconds spent creating the prefix in this run (0 when it existed).
    public var setupSeconds: Double

    static let marker = "crossgo-prefix.json"

    /// The folder holding crossgo's prefix: `wine/` in crossgo's cache folder (the user cache folder when caches are off:
    /// the prefix is no cached answer, it only costs time to make).
    public static func prefixPath(environment: [String: String]) -> String {
        var env = environment
        if CacheFolder.isOff(environment: env) { env["CROSSGO_CACHE"] = nil }
        return CacheFolder.path("wine", environment: env) + "/prefix"
    }

    /// The environment a Wine run gets: crossgo's prefix, no display, no debug channels, no Mono/Gecko prompts, and no
    /// winemenubuilder (which would write menu entries into the user's ~/.local/share and ~/.config).
    public static func environment(prefix: String) -> EnvironmentChanges {
        ["WINEPREFIX": prefix, "WINEDEBUG": "-all", "DISPLAY": nil, "WAYLAND_DISPLAY": nil,
         "WINEDLLOVERRIDES": "mscoree,mshtml=;winemenubuilder.exe=d"]
    }

    /// Makes sure the prefix exists and holds a checked DLL, then starts a persistent wineserver for it.
    public static func start(runner: Runner, reporter: any Reporter, system: any HostSystem) async throws -> WineHost {
        guard let loader = runner.program, let prefix = runner.prefix else { throw EnvironmentError("no Wine runner") }
        let started = Date()
        let created = try await ensurePrefix(prefix, loader: loader, wineserver: runner.support, reporter: reporter, system: system)
        let setup = created ? Date().timeIntervalSince(started) : 0
        if let wineserver = runner.support {
            // -pN: stay alive between the programs of this run (each wine start then costs ~0.06 s instead of ~0.7 s) and
            // end by itself N seconds after the last one. Never `wineserver -k` at the end: the prefix is shared, and
            // -k would kill the Wine programs of another crossgo run using it at the same time.
            _ = try? await system.run(wineserver, ["-p\(Self.idleSeconds)"], environment: environment(prefix: prefix), timeout: 30)
            // Start Wine's services (services.exe, explorer, ...) now, detached from every test's pipes: started by the
            // first test they would inherit its stdout and hold it open after it exits (go test -exec's "Test I/O incomplete").
            _ = try? await system.run("/bin/sh", ["-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh", loader, "wineboot"],
                                      environment: environment(prefix: prefix), timeout: 120)
        }
        return WineHost(runner: runner, prefix: prefix, setupSeconds: setup)
    }

    /// Starts Wine when one of `targets` runs under it; nil otherwise.
    public static func startIfNeeded(for targets: [Target], runners: RunnerDetector, reporter: any Reporter, system: any HostSystem) async throws -> WineHost? {
        guard let runner = targets.map({ runners.runner(for: $0) }).first(where: { $0.kind == .wine }) else { return nil }
        let host = try await start(runner: runner, reporter: reporter, system: system)
        if host.setupSeconds > 0 {
            reporter.report(.notice("crossgo's Wine prefix is ready in \(host.prefix) (\(String(format: "%.1f", host.setupSeconds)) s, once per machine)", level: "info"))
        }
        return host
    }

    /// How long the wineserver stays after the last Wine program on the prefix ends.
    static let idleSeconds = 30

    /// Creates the prefix when missing (true when it did): `wineboot -i` in a temporary folder next to it, the DLL
    /// written and checked there, then one rename; a lock file keeps two crossgo runs from making it at once.
    /// An existing prefix gets its DLL checked (and rewritten atomically if it differs).
    static func ensurePrefix(_ prefix: String, loader: String, wineserver: String?, reporter: any Reporter, system: any HostSystem) async throws -> Bool {
        let dll = try ProcessPrngDLL.bytes()
        let parent = (prefix as NSString).deletingLastPathComponent
        if system.fileExists(prefix + "/" + marker) {
            try installDLL(dll, prefix: prefix, system: system)
            return false
        }
        do {
            try system.createDirectory(parent)
        } catch {
            throw EnvironmentError("cannot create \(parent) for crossgo's Wine prefix: \(error.localizedDescription)")
        }
        let lock = try FileLock(path: parent + "/prefix.lock")
        defer { lock.unlock() }
        await lock.acquire()
        if system.fileExists(prefix + "/" + marker) {
            try installDLL(dll, prefix: prefix, system: system)
            return false
        }
        reporter.report(.notice("creating crossgo's Wine prefix in \(prefix) (once per machine; wineboot takes a few seconds)", level: "info"))
        let temp = parent + "/.prefix-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
        defer { try? system.removeItem(temp) }
        let env = environment(prefix: temp)
        let boot = try await system.run(loader, ["wineboot", "-i"], environment: env, timeout: 600)
        if let wineserver { _ = try? await system.run(wineserver, ["-k"], environment: env, timeout: 60) }
        guard boot.succeeded, system.fileExists(temp + "/drive_c/windows/system32") else {
            throw EnvironmentError("wineboot could not create a Wine prefix in \(temp): exit \(boot.exitCode): \(lastLines(boot.stderr))")
        }
        try installDLL(dll, prefix: temp, system: system)
        let stamp = "{\"createdBy\":\"crossgo\",\"dll\":\"\(sha256Hex(Data(dll)))\"}\n"
        try system.writeData(Data(stamp.utf8), to: temp + "/" + marker)
        try? system.removeItem(prefix)  // an unfinished prefix (no marker) of an older run
        do {
            try system.moveItem(temp, to: prefix)
        } catch {
            throw EnvironmentError("cannot move the new Wine prefix to \(prefix): \(error.localizedDescription)")
        }
        return true
    }

    /// Writes the DLL into the prefix's system32 unless the same bytes are there; reads it back and checks it.
    static func installDLL(_ dll: [UInt8], prefix: String, system: any HostSystem) throws {
        let path = prefix + "/drive_c/windows/system32/" + ProcessPrngDLL.fileName
        if let existing = system.readData(path), [UInt8](existing) == dll { return }
        do {
            try system.writeData(Data(dll), to: path)
        } catch {
            throw EnvironmentError("cannot write \(path): \(error.localizedDescription)")
        }
        guard let back = system.readData(path) else { throw EnvironmentError("cannot read back \(path)") }
        if let problem = ProcessPrngDLL.check([UInt8](back)) { throw EnvironmentError("\(path): \(problem)") }
    }

    static func lastLines(_ text: String) -> String {
        text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }
}

/// An exclusive advisory lock on a file (flock), waited for off the cooperative thread pool.
final class FileLock: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw EnvironmentError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
    }

    func acquire() async {
        let fd = self.fd
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                _ = flock(fd, LOCK_EX)
                done.resume()
            }
        }
    }

    func unlock() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
