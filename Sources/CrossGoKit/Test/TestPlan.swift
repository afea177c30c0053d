// What `crossgo test` runs, as argv values, decided apart from running them (unit-tested on their own).
import Foundation

/// A package as `go list` described it for one target (or for the host, without a target).
public struct TestPackage: Sendable, Equatable {
    public var importPath: String
    public var directory: String
    public var hasTests: Bool
    /// Why the package does not exist for the target (go's words, e.g. "build constraints exclude all Go files in
    /// DIR"); nil when it does.
    public var absent: String?

    public init(importPath: String, directory: String, hasTests: Bool, absent: String? = nil) {
        self.importPath = importPath
        self.directory = directory
        self.hasTests = hasTests
        self.absent = absent
    }
}

/// The packages of a test run, listed once per target with that target's environment: which exist there, and which
/// have test files there (`x_windows_test.go`, `//go:build js`).
public struct TestListing: Sendable, Equatable {
    /// Every package listed for some target, in go's order.
    public var packages: [TestPackage]
    /// Per target: the package as go listed it for that target, by import path (absent ones included).
    public var perTarget: [Target: [String: TestPackage]]

    public init(packages: [TestPackage], perTarget: [Target: [String: TestPackage]]) {
        self.packages = packages
        self.perTarget = perTarget
    }

    /// The package as it is for `target` (the host-free listing when the target was not listed on its own).
    public func package(_ p: TestPackage, for target: Target) -> TestPackage {
        perTarget[target]?[p.importPath] ?? p
    }

    /// The packages with test files for `target`.
    public func withTests(for target: Target) -> [TestPackage] {
        packages.map { package($0, for: target) }.filter { $0.hasTests && $0.absent == nil }
    }
}

/// One (package x target) of a test run: how its test binary is built, vetted and run.
public struct TestJob: Sendable, Equatable {
    public var package: TestPackage
    public var target: Target
    /// `go test -c` argv after `go` (output path filled in by `buildArguments(output:)`).
    public var buildFlags: [String]
    /// The environment for go test -c and go vet: GOOS, GOARCH, level, CGO_ENABLED.
    public var environment: [String: String]
    /// What the test binary gets besides crossgo's own -test.v/-test.timeout/-test.testlogfile.
    public var binaryArguments: [String]
    /// Write a coverage profile for crossgo to merge (-coverprofile was given).
    public var coverProfile = false
    /// How cgo is set up for this target (nil: cgo off, or go's default on the host).
    public var cgo: CgoSetting?
    /// Why this job cannot build here (zig missing, no macOS SDK): reported as its build failure, in one line.
    public var problem: String?

    public var id: JobID { JobID(item: package.importPath, target: target.description) }

    /// `go test -c -o OUTPUT [build flags] PACKAGE`.
    public func buildArguments(output: String) -> [String] {
        ["test", "-c", "-o", output] + buildFlags + [package.importPath]
    }

    /// `go vet [build flags that vet takes] PACKAGE`, for targets that cannot run.
    public var vetArguments: [String] {
        ["vet"] + buildFlags.filter { $0.hasPrefix("-tags") } + [package.importPath]
    }

    /// The environment changes for running the test binary, as `go test -exec` makes them: the build's GOOS,
    /// GOARCH, level and CGO_ENABLED, GOROOT/bin first on PATH, PWD the package folder.
    public func runEnvironment(goroot: String, path: String?) -> EnvironmentChanges {
        var env: EnvironmentChanges = environment.mapValues { Optional($0) }
        let bin = goroot + "/bin"
        env["PATH"] = path.map { $0.isEmpty ? bin : bin + ":" + $0 } ?? bin
        env["PWD"] = package.directory
        return env
    }

    /// The test binary's argv tail: test2json framing, crossgo's limits, the test log for the cache, then the user's.
    public func runArguments(timeout: String, testLog: String, coverFile: String? = nil) -> [String] {
        ["-test.v=test2json", "-test.paniconexit0", "-test.timeout=\(timeout)", "-test.testlogfile=\(testLog)"]
            + (coverFile.map { ["-test.coverprofile=\($0)"] } ?? []) + binaryArguments
    }
}

/// A target's cgo setup for `crossgo test`: the environment (CGO_ENABLED, CC, CXX, zig caches), who compiles the C
/// code, or why it cannot be built.
public struct TargetCgo: Sendable, Equatable {
    public var environment: [String: String]
    public var setting: CgoSetting
    public var problem: String?

    public init(environment: [String: String], setting: CgoSetting, problem: String? = nil) {
        self.environment = environment
        self.setting = setting
        self.problem = problem
    }

    /// Whether `target` builds with cgo and how, for build and test alike: the flag, else the last applying override,
    /// else the build's, else crossgo.yaml's top level decide cgo and `libc`; nil when cgo is off. `environment` is
    /// what cgo adds (CGO_ENABLED, CC/CXX, zig's caches), without `userEnvironment` (crossgo.yaml's env, whose CC wins).
    public static func decide(for target: Target, flag: Bool?, applying: [TargetOverride], build: BuildSpec?, config: BuildConfig?,
                              userEnvironment: [String: String], toolchain: CgoToolchain?, minGlibc: String? = nil) -> TargetCgo? {
        guard flag ?? applying.compactMap(\.cgo).last ?? build?.cgo ?? config?.cgo ?? false else { return nil }
        // A glibc floor (`--min-glibc`, or `libc: gnu.2.17` at the nearest level that names a libc) means glibc.
        let chosen: (libc: CLibrary, glibc: String?) = applying.compactMap { o in o.libc.map { ($0, o.minGlibc) } }.last
            ?? build.flatMap { b in b.libc.map { ($0, b.minGlibc) } } ?? config.flatMap { c in c.libc.map { ($0, c.minGlibc) } } ?? (.musl, nil)
        let glibc = target.goos == "linux" ? (minGlibc ?? (chosen.libc == .gnu ? chosen.glibc : nil)) : nil
        let libc = glibc != nil ? CLibrary.gnu : chosen.libc
        do throws(CgoProblem) {
            guard let toolchain else { throw CgoProblem(target: target.description, message: "cgo was not prepared") }
            let (environment, setting) = try toolchain.environment(for: target, libc: libc, minGlibc: glibc, userEnvironment: userEnvironment)
            return TargetCgo(environment: environment, setting: setting)
        } catch {
            var setting = CgoSetting(compiler: .zig, libc: libc, zigTriple: CgoToolchain.zigTriple(target, libc: libc, minGlibc: glibc))
            setting.minGlibc = glibc
            return TargetCgo(environment: ["CGO_ENABLED": "1"], setting: setting, problem: error.message)
        }
    }
}

/// Turns a test request into jobs: one per package and target, in package-then-target order.
public struct TestPlan: Sendable {
    public var jobs: [TestJob]
    /// Build flags after `--` and from --tags (go test -c gets them).
    public var buildFlags: [String]
    /// Test flags for the binaries.
    public var binaryArguments: [String]
    /// Whether results may come from crossgo's cache (go test's own rule: only cacheable test flags; never with --no-cache).
    public var cacheAllowed: Bool
    /// The words after `--`, as go test reads them.
    public var flags: TestFlags
    /// Targets that build without -race although it was asked for, and why.
    public var raceDropped: [Target: String] = [:]

    /// The packages x targets to test. `host` decides CGO_ENABLED: the host keeps go's default, other targets build
    /// without cgo. `-race` is kept where the target can build with it, and dropped (with the reason) elsewhere.
    /// `cgo` holds the targets built with cgo (`--cgo` or crossgo.yaml), with their environment.
    /// `perTarget` holds each target's own listing (`TestListing`); a package not in it is taken as given.
    public init(packages: [TestPackage], targets: [Target], host: Target, run: String?, tags: [String], passthrough: [String], noCache: Bool,
                cgo: [Target: TargetCgo] = [:], perTarget: [Target: [String: TestPackage]] = [:]) throws {
        do {
            flags = try TestFlags.parse(passthrough)
        } catch {
            throw UsageError("after --: \(error)")
        }
        let tagFlag = tags.isEmpty ? [] : ["-tags=" + tags.joined(separator: ",")]
        let build = tagFlag + flags.buildArguments
        var binary = flags.binaryArguments
        if let run { binary.insert("-test.run=\(run)", at: 0) }
        buildFlags = build
        binaryArguments = binary
        cacheAllowed = !noCache && flags.cacheable
        var jobs: [TestJob] = []
        var dropped: [Target: String] = [:]
        for target in targets {
            if flags.race, let why = raceUnsupportedReason(goos: target.goos, goarch: target.goarch, cgoEnabled: target == host || cgo[target] != nil) {
                dropped[target] = why
            }
        }
        for package in packages {
            for target in targets {
                let env = Self.environment(for: target, host: host, cgo: cgo[target])
                var targetBuild = tagFlag + flags.buildArguments(race: dropped[target] == nil)
                if let c = cgo[target], c.problem == nil { targetBuild = c.setting.withLinkMode(targetBuild) }
                var job = TestJob(package: perTarget[target]?[package.importPath] ?? package, target: target, buildFlags: targetBuild, environment: env, binaryArguments: binary)
                job.coverProfile = flags.coverProfile != nil
                job.cgo = cgo[target]?.setting
                job.problem = cgo[target]?.problem
                jobs.append(job)
            }
        }
        raceDropped = dropped
        self.jobs = jobs
    }

    /// The environment a target's test binaries build with (and its packages are listed with): GOOS, GOARCH, level;
    /// CGO_ENABLED=0 off the host unless the target builds with cgo, then cgo's environment.
    public static func environment(for target: Target, host: Target, cgo: TargetCgo?) -> [String: String] {
        var env = target.environment
        if target != host { env["CGO_ENABLED"] = "0" }
        if let cgo { env.merge(cgo.environment) { $1 } }
        return env
    }

    /// `go list` of the packages to test, with whether each has test files.
    public static func listArguments(_ patterns: [String], tags: [String]) -> [String] {
        ["list", "-e"] + (tags.isEmpty ? [] : ["-tags=" + tags.joined(separator: ",")])
            + ["-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}\t{{if .Error}}{{.Error}}{{end}}"]
            + (patterns.isEmpty ? ["./..."] : patterns)
    }
}
