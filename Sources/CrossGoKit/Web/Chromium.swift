// Chromium: headless Chromium driven from crossgo (one type for the browser runner and the tests): open a page until
// told to stop, dump a page's DOM, take a screenshot. Always --headless=new, --no-sandbox and a fresh user-data-dir.
import Foundation

public struct Chromium: Sendable {
    public var program: String
    /// Where Chromium runs and its profile folders are made.
    public var system: any HostSystem

    public init(program: String, system: any HostSystem = liveSystem()) {
        self.program = program
        self.system = system
    }

    /// The names Chromium goes by on PATH.
    public static let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    func arguments(profile: String) -> [String] {
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-dev-shm-usage", "--user-data-dir=\(profile)"]
    }

    /// Runs `body` while Chromium shows `url`; Chromium is stopped (and its profile removed) when `body` returns.
    public func whileOpen<T: Sendable>(_ url: String, _ body: @Sendable () async throws -> T) async throws -> T {
        let profile = try makeProfile()
        defer { try? system.removeItem(profile) }
        let program = self.program, args = arguments(profile: profile) + [url], system = self.system
        let browser = Task {
            try await system.run(program, args, environment: [:], timeout: 3600, workingDirectory: nil, options: RunOptions(limit: 1 << 20))
        }
        defer { browser.cancel() }
        let result = try await body()
        browser.cancel()
        _ = try? await browser.value
        return result
    }

    /// The DOM after the page ran for up to `budgetMilliseconds` of virtual time.
    public func dumpDOM(_ url: String, budgetMilliseconds: Int = 10000) async throws -> String {
        let profile = try makeProfile()
        defer { try? system.removeItem(profile) }
        let r = try await system.run(program, arguments(profile: profile) + ["--virtual-time-budget=\(budgetMilliseconds)", "--dump-dom", url],
                                     environment: [:], timeout: 120)
        guard r.succeeded else { throw ProcessFailure(argv: [program, "--dump-dom", url], result: r) }
        return r.stdout
    }

    /// Writes a PNG of the page to `path`.
    public func screenshot(_ url: String, to path: String, budgetMilliseconds: Int = 10000, windowSize: String = "800,600") async throws {
        let profile = try makeProfile()
        defer { try? system.removeItem(profile) }
        let r = try await system.run(program, arguments(profile: profile) + ["--virtual-time-budget=\(budgetMilliseconds)", "--window-size=\(windowSize)",
                                                                          "--screenshot=\(path)", url], environment: [:], timeout: 120)
        guard r.succeeded, system.fileExists(path) else { throw ProcessFailure(argv: [program, "--screenshot", url], result: r) }
    }

    /// The DOM, and the page's console messages (Chromium's log lines that carry "CONSOLE"), e.g. errors of resources
    /// that failed to load or scripts that threw.
    public func dumpDOMWithConsole(_ url: String, budgetMilliseconds: Int = 10000) async throws -> (dom: String, console: [String]) {
        let profile = try makeProfile()
        defer { try? system.removeItem(profile) }
        let r = try await system.run(program, arguments(profile: profile) + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=\(budgetMilliseconds)",
                                                                          "--dump-dom", url], environment: [:], timeout: 120)
        guard r.succeeded else { throw ProcessFailure(argv: [program, "--dump-dom", url], result: r) }
        return (r.stdout, r.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }.map(String.init))
    }

    func makeProfile() throws -> String {
        let path = NSTemporaryDirectory() + "/crossgo-chromium-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        do {
            try system.createDirectory(path)
        } catch {
            throw EnvironmentError("cannot create a Chromium profile folder \(path): \(error.localizedDescription)")
        }
        return path
    }
}

/// Runs a js/wasm program in headless Chromium: a page served by crossgo on 127.0.0.1 loads the toolchain's
/// wasm_exec.js and the program, with argv and env; its stdout/stderr writes and its exit code come back by POST
/// (crossgo's own protocol: the page replaces wasm_exec.js's fs.writeSync and go.exit).
public enum BrowserRun {
    static let page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>crossgo</title></head><body>
        <script src="/wasm_exec.js"></script>
        <script>
        "use strict";
        function post(path, body) { const x = new XMLHttpRequest(); x.open("POST", path, false); x.send(body); }
        globalThis.fs.writeSync = function (fd, buf) { post(fd === 2 ? "/stderr" : "/stdout", buf.slice()); return buf.length; };
        (async () => {
          try {
            const config = await (await fetch("/config.json")).json();
            const go = new Go();
            go.argv = config.argv;
            go.env = config.env;
            go.exit = (code) => post("/exit", String(code));
            const { instance } = await WebAssembly.instantiateStreaming(fetch("/program.wasm"), go.importObject);
            await go.run(instance);
          } catch (e) {
            post("/stderr", "crossgo page: " + e + "\\n");
            post("/exit", "1");
          }
        })();
        </script>
        </body></html>
        """

    actor Channel {
        var stdout = Data()
        var stderr = Data()
        var exitCode: Int32?
        var waiters: [CheckedContinuation<Void, Never>] = []

        func append(_ data: Data, error: Bool) { if error { stderr.append(data) } else { stdout.append(data) } }
        func exit(_ code: Int32) {
            guard exitCode == nil else { return }
            exitCode = code
            for w in waiters { w.resume() }
            waiters = []
        }
        func waitForExit() async {
            if exitCode != nil { return }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Runs `binary` with `arguments` and `environment` in Chromium; gives up after `timeout` seconds (exit 124). The
    /// files (wasm_exec.js, the program) are read through Chromium's system.
    public static func run(chromium: Chromium, wasmExec: String, binary: String, arguments: [String], environment: [String: String],
                           timeout: Double) async throws -> ProgramResult {
        let system = chromium.system
        guard let script = system.readData(wasmExec) else { throw EnvironmentError("cannot read \(wasmExec)") }
        let channel = Channel()
        let config = try JSONSerialization.data(withJSONObject: ["argv": ["js"] + arguments, "env": environment], options: [.sortedKeys])
        let server = try await LocalHTTPServer.start { request in
            switch (request.method, request.path) {
            case ("GET", "/"): return LocalResponse(headers: ["Content-Type": "text/html; charset=utf-8"], body: Data(page.utf8))
            case ("GET", "/wasm_exec.js"): return LocalResponse(headers: ["Content-Type": "text/javascript"], body: script)
            case ("GET", "/config.json"): return LocalResponse(headers: ["Content-Type": "application/json"], body: config)
            case ("GET", "/program.wasm"):
                guard let wasm = system.readData(binary) else { return LocalResponse(status: 404) }
                return LocalResponse(headers: ["Content-Type": "application/wasm"], body: wasm)
            case ("POST", "/stdout"), ("POST", "/stderr"):
                await channel.append(request.body, error: request.path == "/stderr")
                return LocalResponse(status: 204)
            case ("POST", "/exit"):
                await channel.exit(Int32(String(decoding: request.body, as: UTF8.self)) ?? 1)
                return LocalResponse(status: 204)
            default: return LocalResponse(status: 404)
            }
        }
        let timedOut: Bool
        do {
            timedOut = try await chromium.whileOpen(server.url) {
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask { await channel.waitForExit(); return false }
                    group.addTask { try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9)); return true }
                    let first = await group.next() ?? true
                    group.cancelAll()
                    if first { await channel.exit(124) }
                    return first
                }
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        var err = String(decoding: await channel.stderr, as: UTF8.self)
        if timedOut { err += "crossgo: no exit from the page in Chromium after \(Int(timeout)) s\n" }
        return ProgramResult(exitCode: await channel.exitCode ?? 1, stdout: String(decoding: await channel.stdout, as: UTF8.self), stderr: err)
    }
}
