// One build job: `go build` into a partial file, the artifact verified, then moved into place only when complete.
// How many jobs run at once is the MatrixRunner's (BuildSession) concern, not this file's.
import Crypto
import Foundation

/// A finished, verified artifact.
public struct Artifact: Sendable, Codable, Equatable {
    public var target: String
    public var goos: String
    public var goarch: String
    public var variant: String?
    public var binary: String
    public var package: String
    /// Path relative to the output folder.
    public var path: String
    public var size: Int
    public var sha256: String
    /// Seconds spent building and verifying.
    public var duration: Double
    /// Build settings read back from the artifact.
    public var settings: [String: String]
    /// The `go build` arguments used (without -o), and the environment crossgo set.
    public var goArguments: [String]
    public var environment: [String: String]
    public var verification: ArtifactCheck
    /// How cgo was set up (nil: built without cgo).
    public var cgo: CgoSetting?
    /// The oldest system it runs on, read from the file (nil in manifests written before crossgo recorded it).
    public var floor: ArtifactFloor?
    /// Its signature kind, read from the file ("linker-signed ad-hoc", "not signed", ...).
    public var signature: SignatureKind?
}

/// A target that produced no artifact, and the first lines of why.
public struct BuildFailure: Error, Sendable, Codable, Equatable {
    public enum Stage: String, Sendable, Codable { case build, verify, write, interrupted }
    public var target: String
    public var binary: String
    public var stage: Stage
    /// The compiler's (or verifier's) own first lines.
    public var message: String
}

/// Builds one job: `go build` into a partial file, verify, hash, rename into place. The matrix runner runs many.
public struct Builder: Sendable {
    public static let partialPrefix = ".crossgo-partial-"

    public var toolchain: GoToolchain
    public var outDir: String
    public var workingDirectory: String

    /// SHA-256 of each artifact the previous manifest in `outDir` lists, by relative path.
    let previousDigests: [String: String]
    /// GOTMPDIR for the go commands (crossgo's scratch folder), added when they run; nil leaves go's default.
    public var goTemporaryDirectory: String?
    /// Where the output folder's files are read, copied and removed.
    public var system: any HostSystem

    public init(toolchain: GoToolchain, outDir: String, workingDirectory: String, previous: BuildManifest?, system: any HostSystem = liveSystem()) {
        self.system = system
        self.toolchain = toolchain
        self.outDir = outDir
        self.workingDirectory = workingDirectory
        var digests: [String: String] = [:]
        for artifact in previous?.artifacts ?? [] { digests[artifact.path] = artifact.sha256 }
        previousDigests = digests
    }

    /// A parallelism that suits this machine. A cold `go build` already uses every core, yet measured on
    /// 2 cores (scripts/bench-build) overlapping all five default targets was no slower cold than building
    /// them one at a time, and warm builds are mostly process start-up and cache checks, which overlap well
    /// (0.23 s with 8 at a time against 0.28 s with 4 for Examples/hello). So 8, or the cores if more.
    public static func defaultJobs(cores: Int = Concurrency.cores) -> Int {
        max(8, min(cores, 16))
    }

    /// Removes `.crossgo-partial-*` files that an interrupted earlier run left (only ours, by name).
    public func removeStalePartials() {
        for rel in system.filesUnder(outDir) where (rel as NSString).lastPathComponent.hasPrefix(Self.partialPrefix) {
            try? system.removeItem(outDir + "/" + rel)
        }
    }

    /// Builds, verifies and places one artifact. A failure removes the partial file and says why.
    public func build(_ job: BuildJob, handle: JobHandle) async -> Result<Artifact, BuildFailure> {
        let start = Date()
        let final = outDir + "/" + job.relativePath
        let folder = (final as NSString).deletingLastPathComponent
        let partial = folder + "/" + Self.partialPrefix + (job.relativePath as NSString).lastPathComponent + "-\(ProcessInfo.processInfo.processIdentifier)"
        func fail(_ stage: BuildFailure.Stage, _ message: String) -> Result<Artifact, BuildFailure> {
            try? system.removeItem(partial)
            return .failure(BuildFailure(target: job.target.description, binary: job.binary, stage: stage, message: message))
        }
        if let problem = job.problem { return fail(.build, problem) }
        do {
            try system.createDirectory(folder)
        } catch {
            return fail(.write, "cannot create \(folder): \(error.localizedDescription)")
        }
        // Start from the previous artifact, hard-linked: go build then sees an up-to-date file and skips the
        // link (0.2 s a target when nothing changed). go never writes into an existing output: it renames
        // a new file over it, or removes it and creates a new one (cmd/go/internal/work/shell.go,
        // moveOrCopyFile and CopyFile), so the previous artifact stays intact until the rename below.
        // Only its times change when go finds it up to date (go touches outputs it did not rewrite).
        var startFromPrevious = system.fileIdentity(final) != "-"
        var check: ArtifactCheck
        var size: Int
        var digest: String
        while true {
            if startFromPrevious, (try? system.linkItem(final, to: partial)) == nil {
                try? system.copyItem(final, to: partial)
            }
            Trace.mark("build: \(job.target) starting go build")
            let result: ProgramResult
            do {
                var environment = job.environment.mapValues { Optional($0) }
                if let goTemporaryDirectory { environment["GOTMPDIR"] = goTemporaryDirectory }
                result = try await system.run(toolchain.goPath, job.goArguments(output: partial), environment: environment, timeout: nil,
                                              workingDirectory: workingDirectory, options: RunOptions(limit: 4 << 20))
            } catch {
                return fail(.build, "\(error)")
            }
            if Task.isCancelled { return fail(.interrupted, "interrupted before it finished") }
            guard result.succeeded else {
                if let promised = job.cgo?.minGlibc, let line = Self.glibcFloorLine(result.stderr, promised: promised) {
                    return fail(.build, line)
                }
                return fail(.build, Self.compilerLines(result.stderr))
            }
            Trace.mark("build: \(job.target) built")
            handle.phase("verify")
            // One read: the bytes are hashed and parsed from memory.
            guard let data = system.readData(partial) else {
                return fail(.write, "cannot read \(partial)")
            }
            size = data.count
            digest = hexString(SHA256.hash(data: data))
            check = ArtifactCheck.verify(bytes: [UInt8](data), target: job.target, cgo: job.cgo)
            guard check.passed else {
                return fail(.verify, check.problems.joined(separator: "; "))
            }
            // The same file (device, number, size, time) under both names: go left the hard link alone.
            let identity = system.fileIdentity(partial)
            let kept = identity != "-" && identity == system.fileIdentity(final)
            // go judges an existing output by its build ID alone. If the file it kept is not what the last
            // manifest recorded, it was changed after that build: build it afresh instead of carrying it on.
            if kept, let recorded = previousDigests[job.relativePath], recorded != digest {
                try? system.removeItem(partial)
                startFromPrevious = false
                continue
            }
            do {
                if kept {
                    try? system.removeItem(partial)  // go kept the previous artifact: it is already in place
                } else {
                    try system.moveItem(partial, to: final)
                }
            } catch {
                return fail(.write, "cannot write \(final): \(error.localizedDescription)")
            }
            break
        }
        var settings: [String: String] = [:]
        for s in check.settings { settings[s.key] = s.value }
        let artifact = Artifact(target: job.target.description, goos: job.target.goos, goarch: job.target.goarch,
                                variant: job.target.variant, binary: job.binary, package: job.package, path: job.relativePath,
                                size: size, sha256: digest, duration: Date().timeIntervalSince(start), settings: settings,
                                goArguments: job.arguments, environment: job.environment, verification: check, cgo: job.cgo,
                                floor: check.facts?.floor, signature: check.facts?.signature)
        return .success(artifact)
    }

    /// When a build linked against an older glibc (`--min-glibc`) fails because a C function is not in it, the one line
    /// naming the function: from the linker ("undefined symbol: getrandom", "undefined reference to `getrandom'") or
    /// the compiler ("call to undeclared function 'getrandom'"). nil when the failure is something else.
    static func glibcFloorLine(_ stderr: String, promised: String) -> String? {
        let patterns: [(String, Character)] = [("undefined symbol: ", " "), ("undefined reference to `", "'"),
                                               ("undeclared function '", "'"), ("implicit declaration of function '", "'")]
        for line in stderr.split(separator: "\n") {
            for (marker, end) in patterns {
                guard let range = line.range(of: marker) else { continue }
                let name = line[range.upperBound...].prefix { $0 != end && $0 != "\n" }
                guard !name.isEmpty else { continue }
                return "\(name) is not in glibc \(promised) (--min-glibc / libc: gnu.\(promised)): " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The compiler's own first lines, without the `# package` header go build prints.
    static func compilerLines(_ stderr: String, max: Int = 8) -> String {
        let lines = stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("# ") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.isEmpty ? "go build failed without a message" : lines.prefix(max).joined(separator: "\n")
    }

    /// Size and SHA-256 of a file, read a chunk at a time through `system`.
    public static func sha256(path: String, system: any HostSystem = liveSystem()) throws -> (Int, String) {
        var hasher = SHA256()
        var size = 0
        try system.readChunks(path) { chunk in
            hasher.update(bufferPointer: chunk)
            size += chunk.count
        }
        return (size, hexString(hasher.finalize()))
    }
}

/// Lower-case hex of a digest.
func hexString<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
