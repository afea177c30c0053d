// A real nginx for tests: WebDAV PUT on 127.0.0.1 at a free port, from a temp prefix with its own config and
// root folder (the HTTP cache protocol of bazel-remote: GET/PUT /ac/<hash> and /cas/<hash>).
import CrossGoKit
import Foundation

/// One nginx process (no daemon, no master process) serving `root`; `stop()` kills it and removes the prefix.
public final class NginxServer: @unchecked Sendable {
    public let prefix: TempFolder
    public let port: Int
    private let process: Process

    /// The files nginx serves (and writes PUT bodies to).
    public var root: String { prefix.path + "/root" }
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts nginx and waits until it accepts connections. `locationRules` go into the location block
    /// (e.g. a check of the Authorization header).
    public init(locationRules: String = "") async throws {
        prefix = try TempFolder("crossgo-nginx")
        var lastError = "nginx did not start"
        for _ in 0..<5 {
            let port = try freePort()
            try FileManager.default.createDirectory(atPath: prefix.path + "/root", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: prefix.path + "/tmp", withIntermediateDirectories: true)
            let p = prefix.path
            let config = """
                daemon off;
                master_process off;
                worker_processes 1;
                error_log \(p)/error.log;
                pid \(p)/nginx.pid;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path \(p)/tmp;
                    client_max_body_size 200m;
                    server {
                        listen 127.0.0.1:\(port);
                        root \(p)/root;
                        location / {
                            dav_methods PUT DELETE;
                            create_full_put_path on;
                            dav_access user:rw group:r all:r;
                            \(locationRules)
                        }
                    }
                }

                """
            try config.write(toFile: p + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = ["-p", p, "-c", p + "/nginx.conf", "-e", p + "/error.log"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if try await waitUntilListening(port: port, process: process, attempts: 100) {
                self.port = port
                self.process = process
                return
            }
            if process.isRunning { process.terminate() }
            lastError = (try? String(contentsOfFile: p + "/error.log", encoding: .utf8)) ?? lastError
        }
        prefix.cleanup()
        throw CocoaError(.executableLoad, userInfo: [NSDebugDescriptionErrorKey: "nginx did not start: \(lastError)"])
    }

    static var executable: String {
        ["/usr/sbin/nginx", "/opt/homebrew/bin/nginx", "/usr/local/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nginx"
    }

    /// Kills nginx (SIGKILL: a server that is gone, not one shutting down politely) and waits for it to end.
    public func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Kills nginx and removes its folder.
    public func stop() {
        kill()
        prefix.cleanup()
    }
}

/// A TCP port nothing listens on right now (bound to port 0, read back, released).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits (up to `attempts` x 50 ms) until something accepts connections on 127.0.0.1:`port`, while `process` runs;
/// whether it does.
public func waitUntilListening(port: Int, process: Process, attempts: Int) async throws -> Bool {
    for _ in 0..<attempts where process.isRunning {
        if canConnect(port: port) { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A server that accepts connections and never answers (a hung cache server): listens, never accepts.
public final class SilentServer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() { close(fd) }
}
