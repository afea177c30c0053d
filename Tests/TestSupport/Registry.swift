// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1 at a free port, its storage
// in a temp folder, configured by a file the test writes; optionally with htpasswd basic authentication.
import CrossGoKit
import Foundation

/// One docker-registry process serving from a temp folder; `stop()` kills it and removes the folder.
public final class RegistryServer: @unchecked Sendable {
    public let folder: TempFolder
    public let port: Int
    private let process: Process

    /// `127.0.0.1:PORT`, as image references name it.
    public var host: String { "127.0.0.1:\(port)" }

    /// Starts the registry and waits until it accepts connections. `user` and `password`: basic authentication from an
    /// htpasswd file made with `htpasswd -B` (bcrypt, the only hash distribution accepts).
    public init(user: String? = nil, password: String? = nil) async throws {
        folder = try TempFolder("crossgo-registry")
        var auth = ""
        if let user, let password {
            let made = try await runProgram("htpasswd", ["-Bbn", user, password])
            guard made.exitCode == 0 else { throw CocoaError(.executableLoad, userInfo: [NSDebugDescriptionErrorKey: "htpasswd: \(made.stderr)"]) }
            try folder.write("htpasswd", made.stdout)
            auth = """
                auth:
                  htpasswd:
                    realm: crossgo-test
                    path: \(folder.path)/htpasswd

                """
        }
        var lastError = "docker-registry did not start"
        for _ in 0..<5 {
            let port = try freePort()
            let config = """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(folder.path)/data
                http:
                  addr: 127.0.0.1:\(port)
                \(auth)
                """
            try folder.write("config.yml", config)
            // A watchdog shell owns the registry: it kills it when this test process ends (a fixture shared by several
            // tests has no end of its own) or when the registry ends; `kill()` ends the registry first.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", """
                /usr/bin/docker-registry serve "$1" & child=$!
                echo $child > "$3"
                while kill -0 "$2" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.3; done
                kill -9 $child 2>/dev/null
                """, "sh", folder.path + "/config.yml", String(getpid()), folder.path + "/registry.pid"]
            process.standardOutput = FileHandle.nullDevice
            let log = FileHandle(forWritingAtPath: try folder.write("registry.log", "")) ?? FileHandle.nullDevice
            process.standardError = log
            try process.run()
            if try await waitUntilListening(port: port, process: process, attempts: 200) {
                self.port = port
                self.process = process
                return
            }
            Self.end(process, pidFile: folder.path + "/registry.pid")
            lastError = (try? String(contentsOfFile: folder.path + "/registry.log", encoding: .utf8)) ?? lastError
        }
        folder.cleanup()
        throw CocoaError(.executableLoad, userInfo: [NSDebugDescriptionErrorKey: "docker-registry did not start: \(lastError)"])
    }

    /// Kills the registry (a server that is gone, not one shutting down politely) and waits for it to end.
    public func kill() {
        Self.end(process, pidFile: folder.path + "/registry.pid")
    }

    /// Kills the registry the watchdog `process` started (its pid in `pidFile`) and waits for the watchdog to end.
    static func end(_ process: Process, pidFile: String) {
        guard process.isRunning else { return }
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            Foundation.kill(pid, SIGKILL)
        } else {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Kills the registry and removes its folder.
    public func stop() {
        kill()
        folder.cleanup()
    }
}
