// Runs a module's tests on many targets: builds test binaries per target, runs them under the
// right runner, reads test2json events, and reuses results through TestCache.
import Foundation

/// What `crossgo test` was asked to do.
public struct TestOptions: Sendable {
    public var packages: [String] = []
    public var targets: [Target] = []
    public var run: String?
    /// A Go duration for -test.timeout ("10m").
    public var timeout: String = "10m"
    public var noCache = false
    /// Flags after `--`: test flags (-count=1, -short, -v) and arguments for the tests.
    public var passthrough: [String] = []
    public var jobs: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init() {}

    /// `-count` among the passthrough flags turns the cache off, as in `go test`.
    public var cacheAllowed: Bool {
        !noCache && !passthrough.contains { $0.hasPrefix("-count") || $0.hasPrefix("-test.count") || $0.hasPrefix("--count") }
    }

    static let testFlags: Set<String> = ["run", "skip", "count", "short", "v", "bench", "benchtime", "benchmem", "cpu",
                                         "parallel", "failfast", "shuffle", "list", "timeout", "fullpath"]

    /// The arguments the test binary gets, besides crossgo's own.
    public var binaryArguments: [String] {
        var args: [String] = []
        if let run { args.append("-test.run=\(run)") }
        for arg in passthrough {
            let body = arg.drop { $0 == "-" }
            let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            args.append(arg.hasPrefix("-") && Self.testFlags.contains(name) ? "-test.\(body)" : arg)
        }
        return args
    }
}

/// A package as `go list` described it.
public struct TestPackage: Sendable, Equatable {
    public var importPath: String
    public var directory: String
    public var hasTests: Bool
}

/// Progress and results while the matrix runs.
public enum TestMatrixEvent: Sendable {
    case started(package: String, target: Target)
    case finished(PackageResult, events: [TestEvent])
    case notice(String)
}

/// Runs packages x targets.
public struct TestMatrix: Sendable {
    public var toolchain: GoToolchain
    public var runners: RunnerDetector
    public var cache: TestCache
    public var workingDirectory: String
    public var environment: [String: String]

    public init(toolchain: GoToolchain, runners: RunnerDetector, cache: TestCache, workingDirectory: String, environment: [String: String]) {
        self.toolchain = toolchain
        self.runners = runners
        self.cache = cache
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    /// The packages matching the patterns (default ./...), with whether they have test files.
    public func packages(_ patterns: [String]) async throws -> [TestPackage] {
        let result = try await runProgram(toolchain.goPath, ["list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}"] + (patterns.isEmpty ? ["./..."] : patterns),
                                          workingDirectory: workingDirectory, timeout: 300)
        guard result.succeeded else { throw PlanError.listFailed(firstLine(result.stderr)) }
        return result.stdout.split(separator: "\n").compactMap { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 4 else { return nil }
            return TestPackage(importPath: c[0], directory: c[1], hasTests: (Int(c[2]) ?? 0) + (Int(c[3]) ?? 0) > 0)
        }
    }

    public func run(_ options: TestOptions, events: @escaping @Sendable (TestMatrixEvent) -> Void) async throws -> [PackageResult] {
        let packages = try await packages(options.packages)
        let versions = RunnerVersions()
        let tools = ToolPaths()
        // Targets whose runner is missing on a host that could have one: say so once, with the fix.
        for target in options.targets {
            let runner = runners.runner(for: target)
            if runner.kind == .buildOnly, let fix = runner.fix {
                events(.notice("\(target): \(runner.detail); tests are only compiled. To run them: \(fix)"))
            }
        }
        var identities: [Target: [String: String]] = [:]
        if options.cacheAllowed {
            await withTaskGroup(of: (Target, [String: String]).self) { group in
                for target in options.targets where runners.runner(for: target).canRun {
                    group.addTask { (target, await self.binaryIdentities(packages.filter(\.hasTests), target: target)) }
                }
                for await (target, ids) in group { identities[target] = ids }
            }
        }
        let work = options.targets.flatMap { t in packages.map { (t, $0) } }
        var results: [PackageResult] = []
        let temp = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
        let scratch = temp + "/crossgo-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        await withTaskGroup(of: PackageResult.self) { group in
            var next = 0
            func start() {
                guard next < work.count else { return }
                let (target, package) = work[next]
                next += 1
                let identity = identities[target]?[package.importPath]
                group.addTask {
                    events(.started(package: package.importPath, target: target))
                    return await self.runOne(package, target: target, options: options, identity: identity, versions: versions, tools: tools,
                                             scratch: scratch, events: events)
                }
            }
            for _ in 0..<max(1, min(options.jobs, work.count)) { start() }
            while let result = await group.next() {
                results.append(result)
                if !Task.isCancelled { start() }
            }
        }
        let targetOrder = Dictionary(uniqueKeysWithValues: options.targets.enumerated().map { ($1.description, $0) })
        let packageOrder = Dictionary(uniqueKeysWithValues: packages.enumerated().map { ($1.importPath, $0) })
        return results.sorted { (packageOrder[$0.package] ?? 0, targetOrder[$0.target] ?? 0) < (packageOrder[$1.package] ?? 0, targetOrder[$1.target] ?? 0) }
    }

    /// Content identities of each package's test binary for a target, without linking it:
    /// the build IDs of the test main package and every package it depends on (`go list -export`).
    func binaryIdentities(_ packages: [TestPackage], target: Target) async -> [String: String] {
        guard !packages.isEmpty else { return [:] }
        // Test variants are named "pkg [pkg.test]", with a space: join with commas, which import paths never hold.
        let format = "{{.ImportPath}}\t{{.BuildID}}\t{{join .Deps \",\"}}"
        guard let result = try? await runProgram(toolchain.goPath, ["list", "-e", "-deps", "-test", "-export", "-f", format] + packages.map(\.importPath),
                                                 environment: buildEnvironment(target).mapValues { Optional($0) },
                                                 workingDirectory: workingDirectory, timeout: 600),
              result.succeeded else { return [:] }
        var buildIDs: [String: String] = [:]
        var deps: [String: [String]] = [:]
        for line in result.stdout.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 3 else { continue }
            buildIDs[c[0]] = c[1]
            deps[c[0]] = c[2].split(separator: ",").map(String.init)
        }
        var out: [String: String] = [:]
        for package in packages {
            let main = package.importPath + ".test"
            guard let mainID = buildIDs[main], !mainID.isEmpty else { continue }
            // Every dependency is listed; only pseudo-packages such as unsafe have no build ID.
            var lines = ["\(main)=\(mainID)"]
            var complete = true
            for dep in deps[main] ?? [] {
                guard let id = buildIDs[dep] else { complete = false; break }
                lines.append("\(dep)=\(id)")
            }
            if complete { out[package.importPath] = sha256Hex(Data(lines.sorted().joined(separator: "\n").utf8)) }
        }
        return out
    }

    func buildEnvironment(_ target: Target) -> [String: String] {
        var env = target.environment
        if target != toolchain.host { env["CGO_ENABLED"] = "0" }
        return env
    }

    func runOne(_ package: TestPackage, target: Target, options: TestOptions, identity: String?, versions: RunnerVersions, tools: ToolPaths,
                scratch: String, events: @Sendable (TestMatrixEvent) -> Void) async -> PackageResult {
        let start = Date()
        func finish(_ result: PackageResult, _ testEvents: [TestEvent] = []) -> PackageResult {
            var r = result
            if !r.cached { r.elapsed = Date().timeIntervalSince(start) }
            events(.finished(r, events: testEvents))
            return r
        }
        let name = target.description
        guard package.hasTests else { return finish(PackageResult(package: package.importPath, target: name, status: .noTests)) }
        let runner = runners.runner(for: target)
        let env = buildEnvironment(target).mapValues { Optional($0) }
        let safeName = package.importPath.replacingOccurrences(of: "/", with: "_") + "-" + target.description.replacingOccurrences(of: "/", with: "_")
        let binary = scratch + "/" + safeName + ".test" + (target.goarch == "wasm" ? ".wasm" : "")

        // Served from the cache?
        let binaryArguments = options.binaryArguments
        var key: String?
        if runner.canRun, let identity {
            let version = await versions.version(of: runner)
            key = TestCache.key(binaryIdentity: identity, arguments: binaryArguments + ["timeout=\(options.timeout)"],
                                runner: runner.kind.rawValue + ":" + (runner.program ?? ""), runnerVersion: version, target: name)
            if let key, var hit = cache.lookup(key, environment: environment) {
                hit.cached = true
                return finish(hit)
            }
        }

        // Build the test binary (and vet it where it cannot run).
        let build: ProgramResult
        do {
            build = try await runProgram(toolchain.goPath, ["test", "-c", "-o", binary, package.importPath], environment: env,
                                         workingDirectory: workingDirectory, timeout: 1800, limit: 4 << 20)
        } catch {
            return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: "\(error)"))
        }
        guard build.succeeded else {
            return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: Builder.compilerLines(build.stderr, max: 20)))
        }
        defer { try? FileManager.default.removeItem(atPath: binary) }
        guard runner.canRun else {
            let vet = try? await runProgram(toolchain.goPath, ["vet", package.importPath], environment: env, workingDirectory: workingDirectory, timeout: 600)
            if let vet, !vet.succeeded {
                return finish(PackageResult(package: package.importPath, target: name, status: .buildFailed, message: "go vet: " + Builder.compilerLines(vet.stderr, max: 20)))
            }
            let status: PackageStatus = runner.fix != nil ? .noRunner : .compileOnly
            return finish(PackageResult(package: package.importPath, target: name, status: status, message: runner.summary))
        }

        // Run it where it lives, with the test log `go test` uses for its own cache.
        let log = scratch + "/" + safeName + ".testlog"
        let timeoutSeconds = goDurationSeconds(options.timeout) ?? 600
        let args = ["-test.v=test2json", "-test.paniconexit0", "-test.timeout=\(options.timeout)", "-test.testlogfile=\(log)"] + binaryArguments
        let gomod = toolchain.env["GOMOD"] ?? ""
        let moduleRoot = gomod.isEmpty || gomod == "/dev/null" ? package.directory : (gomod as NSString).deletingLastPathComponent
        // WASI programs see the package, the module, our scratch folder and the temp folder (examples write there).
        let dirs = Array(Set([package.directory, moduleRoot, scratch, "/tmp"])).sorted()
        guard let argv = runner.command(binary: binary, arguments: args, directories: dirs, workingDirectory: package.directory) else {
            return finish(PackageResult(package: package.importPath, target: name, status: .noRunner, message: runner.summary))
        }
        let output: ProgramResult
        do {
            output = try await runProgram(argv[0], Array(argv.dropFirst()), workingDirectory: package.directory,
                                          timeout: timeoutSeconds + 60, limit: 64 << 20, argv0: runner.argv0)
        } catch {
            return finish(PackageResult(package: package.importPath, target: name, status: .failed, message: "\(error)"))
        }
        let testEvents = await parse(output.stdout, package: package.importPath, target: name, tools: tools)
        let result = PackageResult.from(events: testEvents, package: package.importPath, target: name, exitCode: output.exitCode,
                                        rawOutput: output.stdout + output.stderr, stderr: String(output.stderr.suffix(8000)))
        if let key, result.status != .failed, let text = try? String(contentsOfFile: log, encoding: .utf8) {
            cache.store(key, result: result, inputs: TestInputs.fromTestLog(text, directory: package.directory, environment: environment))
        }
        return finish(result, testEvents)
    }

    /// test2json events from a test binary's -test.v=test2json output.
    func parse(_ stdout: String, package: String, target: String, tools: ToolPaths) async -> [TestEvent] {
        // Recent Go builds test2json on demand: `go tool` costs a second per call, so run the binary itself.
        let test2json = await tools.path(of: "test2json", goPath: toolchain.goPath)
        let command = test2json.map { ($0, ["-t", "-p", package]) } ?? (toolchain.goPath, ["tool", "test2json", "-t", "-p", package])
        guard let result = try? await runProgram(command.0, command.1, timeout: 120, input: stdout) else { return [] }
        let decoder = JSONDecoder()
        return result.stdout.split(separator: "\n").compactMap { line in
            guard var event = try? decoder.decode(TestEvent.self, from: Data(line.utf8)) else { return nil }
            event.Target = target
            return event
        }
    }
}

/// Paths of Go tools (`go tool -n NAME`), asked once per run.
actor ToolPaths {
    private var known: [String: Task<String?, Never>] = [:]

    func path(of tool: String, goPath: String) async -> String? {
        if let task = known[tool] { return await task.value }
        let task = Task { () -> String? in
            guard let out = try? await runProgram(goPath, ["tool", "-n", tool], timeout: 300), out.succeeded else { return nil }
            let path = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        known[tool] = task
        return await task.value
    }
}

/// Runner versions, asked once per program.
actor RunnerVersions {
    private var known: [String: String] = [:]

    func version(of runner: Runner) async -> String {
        guard let program = runner.program else { return runner.kind.rawValue }
        if let v = known[program] { return v }
        let out = try? await runProgram(program, ["--version"], timeout: 30)
        let v = out.map { firstLine($0.stdout.isEmpty ? $0.stderr : $0.stdout) } ?? "unknown"
        known[program] = v
        return v
    }
}

/// Seconds in a Go duration such as "10m", "90s", "1h30m", "500ms".
public func goDurationSeconds(_ text: String) -> Double? {
    var total = 0.0
    var number = ""
    var chars = Array(text)
    var i = 0
    guard !chars.isEmpty else { return nil }
    chars.append(" ")
    while i < chars.count - 1 {
        let c = chars[i]
        if c.isNumber || c == "." { number.append(c); i += 1; continue }
        guard let value = Double(number) else { return nil }
        var unit = String(c)
        if (c == "m" && chars[i + 1] == "s") || ((c == "u" || c == "µ" || c == "n") && chars[i + 1] == "s") { unit += "s"; i += 1 }
        switch unit {
        case "h": total += value * 3600
        case "m": total += value * 60
        case "s": total += value
        case "ms": total += value / 1000
        case "us", "µs", "ns": total += 0
        default: return nil
        }
        number = ""
        i += 1
    }
    return number.isEmpty ? total : nil
}
