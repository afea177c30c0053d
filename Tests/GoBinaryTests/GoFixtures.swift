// Test fixtures: a small Go module with dependencies, built once per test process for many targets.
import Foundation
import GoBinary

/// Result of running a program.
struct ProcessOutput: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `executable` with `arguments`, output captured through temporary files (no pipe deadlocks).
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) async throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let base = NSTemporaryDirectory() + "/gobinary-proc-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { p in continuation.resume(returning: p.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    try out.close()
    try err.close()
    let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return ProcessOutput(status: status, stdout: stdout, stderr: stderr)
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The repository root, from this file's location.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    for _ in 0 ..< 3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The Go toolchain the tests use: `$CROSSGO_TEST_GO`, the repository's `.tools/bin/go`, or `go` on PATH.
let goTool: String = {
    if let env = ProcessInfo.processInfo.environment["CROSSGO_TEST_GO"], !env.isEmpty { return env }
    let local = packageRoot + "/.tools/bin/go"
    if FileManager.default.isExecutableFile(atPath: local) { return local }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = "\(dir)/go"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return "go"
}()

/// One build of the fixture module.
struct Variant: Sendable, CustomStringConvertible {
    let name: String
    let goos: String
    let goarch: String
    var env: [String: String] = [:]
    var flags: [String] = []
    var description: String { name }
    var fileName: String { name + (goos == "windows" ? ".exe" : (goarch == "wasm" ? ".wasm" : "")) }
    var isWasm: Bool { goarch == "wasm" }
}

/// All builds made by the fixture. At least 12 targets, with -trimpath, -ldflags, tags, cgo off,
/// PIE (dynamic ELF) and module dependencies (replacements to a folder and to another module version).
let fixtureVariants: [Variant] = [
    Variant(name: "darwin-arm64", goos: "darwin", goarch: "arm64", flags: ["-trimpath"]),
    Variant(name: "darwin-amd64", goos: "darwin", goarch: "amd64", flags: ["-ldflags=-X main.v=1 -s -w"]),
    Variant(name: "linux-riscv64", goos: "linux", goarch: "riscv64", flags: ["-tags=extra"]),
    Variant(name: "linux-s390x", goos: "linux", goarch: "s390x", flags: ["-trimpath", "-ldflags=-s -w"]),
    Variant(name: "linux-ppc64", goos: "linux", goarch: "ppc64"),
    Variant(name: "linux-ppc64le", goos: "linux", goarch: "ppc64le", flags: ["-trimpath"]),
    Variant(name: "linux-386", goos: "linux", goarch: "386", env: ["GO386": "softfloat"], flags: ["-tags=extra,other"]),
    Variant(name: "linux-arm", goos: "linux", goarch: "arm", env: ["GOARM": "7"], flags: ["-trimpath"]),
    Variant(name: "linux-mips", goos: "linux", goarch: "mips", flags: ["-ldflags=-X 'main.v=a b'"]),
    Variant(name: "linux-mips64le", goos: "linux", goarch: "mips64le"),
    Variant(name: "linux-loong64", goos: "linux", goarch: "loong64", flags: ["-trimpath"]),
    Variant(name: "linux-amd64", goos: "linux", goarch: "amd64", env: ["GOAMD64": "v3"], flags: ["-trimpath", "-ldflags=-X main.v=1 -s -w", "-tags=extra"]),
    Variant(name: "linux-arm64-pie", goos: "linux", goarch: "arm64", flags: ["-buildmode=pie", "-trimpath"]),
    Variant(name: "windows-amd64", goos: "windows", goarch: "amd64", flags: ["-ldflags=-X main.v=1"]),
    Variant(name: "windows-arm64", goos: "windows", goarch: "arm64", flags: ["-trimpath"]),
    Variant(name: "windows-386", goos: "windows", goarch: "386", flags: ["-ldflags=-H windowsgui"]),
    Variant(name: "freebsd-amd64", goos: "freebsd", goarch: "amd64", flags: ["-trimpath"]),
    Variant(name: "openbsd-arm64", goos: "openbsd", goarch: "arm64"),
    Variant(name: "netbsd-amd64", goos: "netbsd", goarch: "amd64"),
    Variant(name: "illumos-amd64", goos: "illumos", goarch: "amd64", flags: ["-trimpath"]),
    Variant(name: "js-wasm", goos: "js", goarch: "wasm", flags: ["-trimpath", "-tags=extra"]),
    Variant(name: "wasip1-wasm", goos: "wasip1", goarch: "wasm", flags: ["-ldflags=-X main.v=1 -s -w"]),
]

/// Builds in the formats `go version -m` reads only in part: XCOFF (aix) and Plan 9 a.out. Kept apart
/// from `fixtureVariants` because the Plan 9 files are not readable by `go version -m` as they are.
let exoticVariants: [Variant] = [
    Variant(name: "aix-ppc64", goos: "aix", goarch: "ppc64", flags: ["-tags=extra"]),
    Variant(name: "aix-ppc64-stripped", goos: "aix", goarch: "ppc64", flags: ["-trimpath", "-ldflags=-s -w"]),
    Variant(name: "plan9-386", goos: "plan9", goarch: "386", env: ["GO386": "softfloat"], flags: ["-trimpath"]),
    Variant(name: "plan9-amd64", goos: "plan9", goarch: "amd64", flags: ["-ldflags=-X main.v=1"]),
    Variant(name: "plan9-arm", goos: "plan9", goarch: "arm", env: ["GOARM": "6"], flags: ["-trimpath", "-ldflags=-s -w"]),
]

/// The built fixtures: folder, toolchain version, and the path of each variant's binary.
struct Fixtures: Sendable {
    let directory: String
    let goVersion: String
    let goroot: String
    let paths: [String: String]

    func path(_ name: String) -> String { paths[name]! }
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
}

/// Bump when the fixture module changes.
let fixtureRevision = 1

/// Builds the fixtures once per test process.
actor FixtureStore {
    static let shared = FixtureStore()
    private var task: Task<Fixtures, any Error>?

    func get() async throws -> Fixtures {
        if let task { return try await task.value }
        let t = Task { try await FixtureStore.build() }
        task = t
        return try await t.value
    }

    /// Environment for every go command: hermetic module settings, no user env file.
    static func environment(root: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GO") || key == "CGO_ENABLED" { env[key] = nil }
        env["GOENV"] = "off"
        env["GOTOOLCHAIN"] = "local"
        env["GOWORK"] = "off"
        env["GOFLAGS"] = "-mod=mod -modcacherw"
        env["GOPROXY"] = "file://\(root)/proxy"
        env["GOSUMDB"] = "off"
        env["GOMODCACHE"] = "\(root)/modcache"
        env["CGO_ENABLED"] = "0"
        if let cache = ProcessInfo.processInfo.environment["GOCACHE"] { env["GOCACHE"] = cache }
        return env
    }

    private static func build() async throws -> Fixtures {
        let fm = FileManager.default
        let parent = NSTemporaryDirectory() + "/crossgo-gobinary-tests"
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        // Remove folders of earlier test processes that have exited.
        for entry in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] {
            if let pid = Int32(entry), pid != getpid(), kill(pid, 0) != 0 && errno == ESRCH {
                try? fm.removeItem(atPath: "\(parent)/\(entry)")
            }
        }
        // Sources, proxy and module cache live in a fixed folder so that Go's build cache also
        // hits for the link step on later runs; the binaries of this run go to a folder of its own.
        let root = "\(parent)/src-\(fixtureRevision)"
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let runDirectory = "\(parent)/\(getpid())"
        try? fm.removeItem(atPath: runDirectory)
        try fm.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)

        // Another test process may be building the same fixtures: take turns.
        let lock = open(root + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }

        try writeModules(root: root)
        let env = environment(root: root)

        let versionOut = try await runProcess(goTool, ["env", "GOVERSION", "GOROOT"], environment: env)
        guard versionOut.status == 0 else { throw FixtureError(description: "go env failed: \(versionOut.stderr)") }
        let lines = versionOut.stdout.split(separator: "\n").map(String.init)

        // Resolve dependencies once (writes go.sum) before the parallel builds.
        let tidy = try await runProcess(goTool, ["mod", "tidy"], environment: env, directory: "\(root)/hello")
        guard tidy.status == 0 else { throw FixtureError(description: "go mod tidy failed: \(tidy.stderr)") }

        // `go build` skips the link when the output file is already up to date.
        let out = "\(root)/bin"
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        var paths: [String: String] = [:]
        // Two builds at a time: the machines running these tests are small.
        try await withThrowingTaskGroup(of: (String, String).self) { group in
            var pending = (fixtureVariants + exoticVariants)[...]
            func launch() {
                guard let v = pending.popFirst() else { return }
                group.addTask {
                    var e = env
                    e["GOOS"] = v.goos
                    e["GOARCH"] = v.goarch
                    for (k, value) in v.env { e[k] = value }
                    let target = "\(out)/\(v.fileName)"
                    let r = try await runProcess(goTool, ["build", "-o", target] + v.flags + ["."], environment: e, directory: "\(root)/hello")
                    guard r.status == 0 else { throw FixtureError(description: "go build \(v.name) failed: \(r.stderr)") }
                    return (v.name, target)
                }
            }
            launch()
            launch()
            while let (name, target) = try await group.next() {
                paths[name] = target
                launch()
            }
        }
        return Fixtures(directory: runDirectory, goVersion: lines.first ?? "", goroot: lines.count > 1 ? lines[1] : "", paths: paths)
    }

    /// The main module `example.com/hello` needs:
    /// - `example.com/dep` replaced by the folder `../dep` (a `dep` line with a `=>` to a path),
    /// - `example.com/lib v1.0.0` from a file-based module proxy (a `dep` line with an `h1:` sum),
    /// - `example.com/old v1.0.0` replaced by `example.com/lib v1.1.0` (a `=>` with version and sum).
    static func writeModules(root: String) throws {
        func write(_ relative: String, _ text: String) throws {
            let path = "\(root)/\(relative)"
            if (try? String(contentsOfFile: path, encoding: .utf8)) == text { return }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write("hello/go.mod", """
            module example.com/hello

            go 1.21

            require (
            \texample.com/dep v0.0.0
            \texample.com/lib v1.0.0
            \texample.com/old v1.0.0
            )

            replace example.com/dep => ../dep

            replace example.com/old v1.0.0 => example.com/lib v1.1.0

            """)
        try write("hello/main.go", """
            package main

            import (
            \t"fmt"

            \t"example.com/dep"
            \t"example.com/lib"
            \told "example.com/old"
            )

            var v = "0"

            func main() { fmt.Println("hello", v, dep.Name(), lib.Name(), old.Name(), extra) }

            """)
        try write("hello/extra.go", "//go:build extra\n\npackage main\n\nconst extra = \"extra\"\n")
        try write("hello/noextra.go", "//go:build !extra\n\npackage main\n\nconst extra = \"plain\"\n")
        try write("dep/go.mod", "module example.com/dep\n\ngo 1.21\n")
        try write("dep/dep.go", "package dep\n\nfunc Name() string { return \"dep\" }\n")

        // A file-based proxy: example.com/lib v1.0.0 and v1.1.0 (the latter also serves as example.com/old's replacement).
        let proxy = "\(root)/proxy/example.com/lib/@v"
        try write("proxy/example.com/lib/@v/list", "v1.0.0\nv1.1.0\n")
        for version in ["v1.0.0", "v1.1.0"] {
            let mod = "module example.com/lib\n\ngo 1.21\n"
            try write("proxy/example.com/lib/@v/\(version).info", "{\"Version\":\"\(version)\",\"Time\":\"2024-01-02T03:04:05Z\"}\n")
            try write("proxy/example.com/lib/@v/\(version).mod", mod)
            let prefix = "example.com/lib@\(version)/"
            let zip = ZipWriter.archive([
                (prefix + "go.mod", Array(mod.utf8)),
                (prefix + "lib.go", Array("package lib\n\nfunc Name() string { return \"lib \(version)\" }\n".utf8)),
            ])
            try Data(zip).write(to: URL(fileURLWithPath: "\(proxy)/\(version).zip"), options: .atomic)
        }
        // example.com/old only needs a go.mod in the proxy: its code comes from the replacement.
        try write("proxy/example.com/old/@v/list", "v1.0.0\n")
        try write("proxy/example.com/old/@v/v1.0.0.info", "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-02T03:04:05Z\"}\n")
        try write("proxy/example.com/old/@v/v1.0.0.mod", "module example.com/old\n\ngo 1.21\n")
    }
}

/// A minimal zip writer (stored entries), enough for module zips in a file-based GOPROXY.
enum ZipWriter {
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for b in data {
            crc ^= UInt32(b)
            for _ in 0 ..< 8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func archive(_ files: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func le32(_ v: UInt32, _ into: inout [UInt8]) { for i in 0 ..< 4 { into.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        for (name, data) in files {
            let offset = UInt32(out.count)
            let crc = crc32(data)
            let nameBytes = Array(name.utf8)
            le32(0x0403_4b50, &out); le16(20, &out); le16(0, &out); le16(0, &out); le16(0, &out); le16(0x21, &out)
            le32(crc, &out); le32(UInt32(data.count), &out); le32(UInt32(data.count), &out)
            le16(nameBytes.count, &out); le16(0, &out)
            out += nameBytes
            out += data
            le32(0x0201_4b50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0x21, &central); le32(crc, &central); le32(UInt32(data.count), &central)
            le32(UInt32(data.count), &central); le16(nameBytes.count, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0, &central); le32(0, &central); le32(offset, &central)
            central += nameBytes
        }
        let centralOffset = UInt32(out.count)
        out += central
        le32(0x0605_4b50, &out); le16(0, &out); le16(0, &out); le16(files.count, &out); le16(files.count, &out)
        le32(UInt32(central.count), &out); le32(centralOffset, &out); le16(0, &out)
        return out
    }
}

/// `go version -m -json` output, decoded.
struct GoJSONModule: Decodable, Equatable {
    let Path: String?
    let Version: String?
    let Sum: String?
    let Replace: Box?
    final class Box: Decodable, Equatable {
        let module: GoJSONModule
        init(from decoder: any Decoder) throws { module = try GoJSONModule(from: decoder) }
        static func == (a: Box, b: Box) -> Bool { a.module == b.module }
    }
}

struct GoJSONSetting: Decodable, Equatable {
    let Key: String
    let Value: String
}

struct GoJSONBuildInfo: Decodable {
    let GoVersion: String
    let Path: String?
    let Main: GoJSONModule?
    let Deps: [GoJSONModule]?
    let Settings: [GoJSONSetting]?
}

/// Runs `go version -m -json FILE`.
func goVersionJSON(_ file: String) async throws -> GoJSONBuildInfo {
    let r = try await runProcess(goTool, ["version", "-m", "-json", file], environment: FixtureStore.environment(root: NSTemporaryDirectory()))
    guard r.status == 0 else { throw FixtureError(description: "go version -m -json \(file): \(r.stderr)") }
    return try JSONDecoder().decode(GoJSONBuildInfo.self, from: Data(r.stdout.utf8))
}

/// Runs `go version -m FILE` and returns stdout.
func goVersionText(_ file: String) async throws -> ProcessOutput {
    try await runProcess(goTool, ["version", "-m", file], environment: FixtureStore.environment(root: NSTemporaryDirectory()))
}
