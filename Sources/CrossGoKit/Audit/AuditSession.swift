// `crossgo audit`: every artifact's Go version and module versions against the Go vulnerability database.
// Module-level findings (binary mode does not decide whether vulnerable symbols are reachable).
import Foundation
import GoBinary

/// What to audit and against which database.
public struct AuditRequest: Sendable {
    /// Files and folders (folders are walked; files in them that are no executable and no SBOM are skipped).
    public var paths: [String] = []
    /// `--db`: URL or folder; nil is https://vuln.go.dev.
    public var database: String?
    /// `--sarif FILE`: also write SARIF 2.1.0 here.
    public var sarif: String?

    public init(paths: [String] = [], database: String? = nil, sarif: String? = nil) {
        self.paths = paths
        self.database = database
        self.sarif = sarif
    }
}

/// One vulnerability found in one artifact.
public struct AuditFinding: Sendable, Codable, Equatable {
    public var id: String
    public var aliases: [String]
    public var summary: String
    public var url: String
    /// The module path the database lists (`stdlib`, `toolchain`, `golang.org/x/text`).
    public var module: String
    /// The version in the artifact, as recorded (`v0.3.7`, `go1.26.6`).
    public var version: String
    /// The version that fixes the branch the found version is on (nil: no fix yet), in the module's
    /// spelling (`v0.3.8`, `go1.26.7`).
    public var fixed: String?
    /// The module the found one replaced, if it was a replacement.
    public var replaces: String?
    /// Affected packages for this target.
    public var packages: [String]
    public var artifact: String
    public var target: String
}

/// One finding across the artifacts it was found in.
public struct AuditFindingGroup: Sendable, Codable, Equatable {
    public var id: String
    public var aliases: [String]
    public var summary: String
    public var url: String
    public var module: String
    public var version: String
    public var fixed: String?
    public var replaces: String?
    public var packages: [String]
    public var artifacts: [String]
    public var targets: [String]
}

/// An artifact's result: one per file (a universal binary's slices are listed under it).
public struct AuditArtifactRecord: Sendable, Codable, Equatable {
    public var artifact: String
    public var file: String
    public var kind: String
    /// `linux/amd64`; a universal file's slice targets, comma-separated.
    public var target: String
    public var goVersion: String?
    /// `vulnerable`, `clean` or `not-audited` (a universal file: its worst slice).
    public var status: String
    public var reason: String?
    public var modules: Int
    public var findings: [String]
    public var unchecked: [String]
    /// The slices of a universal file, each with its own result; nil for any other file.
    public var slices: [AuditSliceRecord]?
}

/// One slice of a universal file in an audit.
public struct AuditSliceRecord: Sendable, Codable, Equatable {
    /// `arm64`, `x86_64`.
    public var slice: String
    public var target: String
    public var goVersion: String?
    public var status: String
    public var reason: String?
    public var modules: Int
    public var findings: [String]
    public var unchecked: [String]
}

/// The audit's outcome: per finding (grouped across artifacts) and per artifact.
public struct AuditOutcome: SessionOutcome, Equatable {
    public var command: String { "audit" }
    public var database: String
    public var databaseModified: String
    /// Whether the module index came from crossgo's cache (db.json said nothing newer was published).
    public var indexFromCache: Bool
    /// Always `module`: findings say the module version is affected, not that vulnerable code is reachable.
    public var level: String = "module"
    public var findings: [AuditFindingGroup]
    public var artifacts: [AuditArtifactRecord]
    /// Where SARIF was written.
    public var sarif: String?

    enum CodingKeys: String, CodingKey {
        case database, databaseModified, indexFromCache, level, findings, artifacts, sarif
    }

    public var vulnerable: Int { artifacts.filter { $0.status == "vulnerable" }.count }
    public var notAudited: Int { artifacts.filter { $0.status == "not-audited" }.count }
    public var clean: Int { artifacts.filter { $0.status == "clean" }.count }

    /// 1 when anything was found or something could not be audited (never "clean" then), else 0.
    public var exitStatus: ExitStatus { findings.isEmpty && notAudited == 0 ? .ok : .failed }

    public var counts: [(String, Int)] {
        [("artifacts", artifacts.count), ("vulnerable", vulnerable), ("clean", clean), ("not-audited", notAudited),
         ("vulnerabilities", Set(findings.map(\.id)).count)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var results: [String] = []
        for group in findings {
            let aliases = group.aliases.isEmpty ? "" : " (" + group.aliases.joined(separator: ", ") + ")"
            let fix = group.fixed.map { "fixed in \($0)" } ?? "no fix yet"
            let replaced = group.replaces.map { " (replacing \($0))" } ?? ""
            let targets = group.targets.count == 1 ? "1 target" : "\(group.targets.count) targets"
            results.append("\(painter.red(group.id))\(aliases)  \(group.module) \(group.version)\(replaced), \(fix)  [\(targets): \(group.targets.joined(separator: ", "))]")
            results.append("    " + group.summary + "  " + painter.dim(group.url))
        }
        for record in artifacts where record.status == "not-audited" {
            results.append("\(painter.yellow("not audited"))  \(record.artifact): \(record.reason ?? "")")
        }
        for record in artifacts where record.status != "not-audited" {
            for note in record.unchecked { results.append(painter.dim("partly audited  \(record.artifact): \(note)")) }
        }
        var summary = findings.isEmpty
            ? "no known vulnerabilities in \(clean) artifact\(clean == 1 ? "" : "s")"
            : "\(Set(findings.map(\.id)).count) known vulnerabilit\(Set(findings.map(\.id)).count == 1 ? "y" : "ies") in \(vulnerable) of \(artifacts.count - notAudited) artifacts"
        if notAudited > 0 { summary += "; \(notAudited) not audited" }
        summary += " (module level: symbol reachability not checked; database \(database), modified \(databaseModified))"
        if let sarif { summary += "; SARIF: \(sarif)" }
        let status = exitStatus == .ok ? painter.green("audit: ") : painter.red("audit: ")
        return RenderedOutcome(results: results, messages: ["crossgo: " + status + summary])
    }
}

/// Runs an audit: reads the artifacts, asks the database, matches, reports.
public struct AuditSession: Sendable {
    public var context: CrossGoContext

    public init(context: CrossGoContext) { self.context = context }

    /// Audits the files and folders of a request (the CLI's entry, and `release --audit`'s).
    public func run(_ request: AuditRequest) async throws -> AuditOutcome {
        if request.paths.isEmpty { throw UsageError("audit: name the artifacts (files or folders) to audit") }
        let location = try VulnDatabaseLocation.parse(request.database ?? VulnDatabaseLocation.defaultURL, base: context.workingDirectory)
        var sarifPath: String?
        if let sarif = request.sarif {
            let full = context.absolute(sarif)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue {
                throw UsageError("--sarif \(sarif): is a folder")
            }
            let parent = (full as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageError("--sarif \(sarif): no folder \(parent)")
            }
            sarifPath = full
        }
        let subjects = try collect(request.paths)
        if subjects.isEmpty {
            throw UsageError("\(request.paths.joined(separator: ", ")): no Go binaries to audit (in folders only Go binaries are read; name a CycloneDX SBOM, *.cdx.json, to audit it)")
        }
        let database = VulnDatabase(location: location,
                                    cacheDirectory: VulnDatabase.cacheDirectory(for: location, environment: context.system.environment))
        var outcome = try await audit(subjects, database: database)
        if let sarifPath {
            let data = SARIFReport.encode(outcome, subjects: subjects, relativeTo: context.workingDirectory)
            do {
                try atomicWrite(data, to: sarifPath)
            } catch {
                throw EnvironmentError("--sarif \(request.sarif ?? sarifPath): cannot write: \(error.localizedDescription)")
            }
            outcome.sarif = request.sarif
        }
        return outcome
    }

    /// Audits subjects already read (for a caller that has its own list of artifacts). The slices of a
    /// universal file are one artifact: one job, one record (slices under it), each finding once.
    public func audit(_ subjects: [AuditSubject], database: VulnDatabase) async throws -> AuditOutcome {
        let reporter = context.reporter
        var files: [[AuditSubject]] = []
        for subject in subjects {
            if subject.slice != nil, let last = files.last?.last, last.slice != nil, last.file == subject.file, last.artifact == subject.artifact {
                files[files.count - 1].append(subject)
            } else {
                files.append([subject])
            }
        }
        let jobs = files.map { JobID(item: $0[0].artifact, target: $0.map(\.target).joined(separator: ", ")) }
        reporter.report(.planned(command: "audit", jobs: jobs,
                                 message: "auditing \(files.count) artifact\(files.count == 1 ? "" : "s") against \(database.location)"))
        let (index, modified, fromCache) = try await database.moduleIndex()
        if fromCache { reporter.report(.notice("vulnerability index from cache (database modified \(modified), nothing newer published)", level: "info")) }
        let entries = try await Self.fetchEntries(for: subjects, index: index, database: database)
        var findings: [AuditFinding] = []
        var records: [AuditArtifactRecord] = []
        for (parts, job) in zip(files, jobs) {
            let start = Date()
            reporter.report(.jobStarted(job, phase: "audit"))
            var slices: [AuditSliceRecord] = []
            for subject in parts {
                var slice = AuditSliceRecord(slice: subject.slice ?? "", target: subject.target, goVersion: subject.goVersion, status: "clean",
                                             reason: subject.notAudited, modules: subject.modules.count, findings: [], unchecked: subject.unchecked)
                if subject.notAudited != nil {
                    slice.status = "not-audited"
                } else {
                    let found = Self.findings(subject, index: index, entries: entries)
                    slice.findings = found.map(\.id)
                    slice.status = found.isEmpty ? "clean" : "vulnerable"
                    findings += found
                }
                slices.append(slice)
            }
            let record = Self.record(parts, slices: slices, target: job.target)
            records.append(record)
            let end: JobEnd
            switch record.status {
            case "not-audited":
                end = JobEnd(status: .notRun, elapsed: Date().timeIntervalSince(start), summary: "not audited: \(record.reason ?? "")", record: record)
            case "vulnerable":
                end = JobEnd(status: .failed, elapsed: Date().timeIntervalSince(start), summary: record.findings.joined(separator: ", "), record: record)
            default:
                end = JobEnd(status: .passed, elapsed: Date().timeIntervalSince(start), summary: "clean (\(record.modules) modules)", record: record)
            }
            reporter.report(.jobFinished(job, end))
        }
        return AuditOutcome(database: database.location.description, databaseModified: modified, indexFromCache: fromCache,
                            findings: Self.group(findings), artifacts: records)
    }

    /// The findings for one subject's modules.
    static func findings(_ subject: AuditSubject, index: VulnModuleIndex, entries: [String: OSVEntry]) -> [AuditFinding] {
        var found: [AuditFinding] = []
        for module in subject.modules {
            let listed = index.vulns(for: module.path)
            if listed.isEmpty { continue }
            guard let version = OSVMatch.semver(module.version) else { continue }
            for vuln in listed {
                guard let entry = entries[vuln.id] else { continue }
                if let finding = match(entry, module: module, version: version, subject: subject) { found.append(finding) }
            }
        }
        return found
    }

    /// One file's record from its subjects (one, or a universal file's slices) and their results.
    static func record(_ parts: [AuditSubject], slices: [AuditSliceRecord], target: String) -> AuditArtifactRecord {
        let first = parts[0]
        func unique(_ items: [String]) -> [String] {
            var seen = Set<String>()
            return items.filter { seen.insert($0).inserted }
        }
        guard first.slice != nil else {
            let only = slices[0]
            return AuditArtifactRecord(artifact: first.artifact, file: first.file, kind: first.kind, target: target, goVersion: only.goVersion,
                                       status: only.status, reason: only.reason, modules: only.modules, findings: only.findings,
                                       unchecked: only.unchecked, slices: nil)
        }
        let notAudited = slices.filter { $0.status == "not-audited" }
        let status = !notAudited.isEmpty ? "not-audited" : slices.contains { $0.status == "vulnerable" } ? "vulnerable" : "clean"
        let versions = unique(slices.compactMap(\.goVersion))
        return AuditArtifactRecord(
            artifact: first.artifact, file: first.file, kind: first.kind, target: target,
            goVersion: versions.isEmpty ? nil : versions.joined(separator: ", "), status: status,
            reason: notAudited.isEmpty ? nil : notAudited.map { "[\($0.slice)] \($0.reason ?? "")" }.joined(separator: "; "),
            modules: Set(parts.flatMap(\.modules)).count, findings: unique(slices.flatMap(\.findings)),
            unchecked: unique(slices.flatMap { s in s.unchecked.map { "[\(s.slice)] \($0)" } }), slices: slices)
    }

    /// Every entry the subjects' modules are listed under, fetched once, a few at a time.
    static func fetchEntries(for subjects: [AuditSubject], index: VulnModuleIndex, database: VulnDatabase) async throws -> [String: OSVEntry] {
        var wanted: [String: String?] = [:]
        for subject in subjects where subject.notAudited == nil {
            for module in subject.modules {
                for vuln in index.vulns(for: module.path) where wanted[vuln.id] == nil { wanted[vuln.id] = .some(vuln.modified) }
            }
        }
        var entries: [String: OSVEntry] = [:]
        var pending = wanted.sorted { $0.key < $1.key }[...]
        try await withThrowingTaskGroup(of: (String, OSVEntry).self) { group in
            func next() {
                guard let (id, modified) = pending.popFirst() else { return }
                group.addTask { (id, try await database.entry(id, modified: modified)) }
            }
            for _ in 0..<8 { next() }
            while let (id, entry) = try await group.next() {
                entries[id] = entry
                next()
            }
        }
        return entries
    }

    /// The finding of an entry for a module version on the subject's target, if it is affected.
    public static func match(_ entry: OSVEntry, module: AuditModule, version: GoSemver, subject: AuditSubject) -> AuditFinding? {
        if entry.withdrawn != nil { return nil }
        for affected in entry.affected where affected.package.name == module.path {
            guard OSVMatch.applies(affected, goos: subject.goos, goarch: subject.goarch) else { continue }
            let r = OSVMatch.affects(affected, version: version)
            guard r.affected else { continue }
            return AuditFinding(id: entry.id, aliases: entry.aliases ?? [], summary: entry.title, url: entry.url, module: module.path,
                                version: module.version, fixed: r.fixed.map { spell($0, like: module) }, replaces: module.replaces,
                                packages: OSVMatch.packages(affected, goos: subject.goos, goarch: subject.goarch),
                                artifact: subject.artifact, target: subject.target)
        }
        return nil
    }

    /// A database version in the module's own spelling: `v0.3.8` for modules, `go1.26.7` for Go.
    static func spell(_ version: String, like module: AuditModule) -> String {
        if module.path == OSVMatch.stdlib || module.path == OSVMatch.toolchain {
            guard let v = OSVMatch.semver(version) else { return version }
            if v.prerelease.isEmpty { return "go\(v.major).\(v.minor).\(v.patch)" }
            if v.prerelease.count == 2, ["rc", "beta", "alpha"].contains(v.prerelease[0]), v.patch == "0" {
                return "go\(v.major).\(v.minor)\(v.prerelease[0])\(v.prerelease[1])"
            }
            return version
        }
        return version.hasPrefix("v") ? version : "v" + version
    }

    /// Findings grouped by (id, module, version, fix): one group lists every artifact and target.
    static func group(_ findings: [AuditFinding]) -> [AuditFindingGroup] {
        var groups: [AuditFindingGroup] = []
        for f in findings {
            if let i = groups.firstIndex(where: { $0.id == f.id && $0.module == f.module && $0.version == f.version && $0.fixed == f.fixed }) {
                // The slices of a universal file are one artifact: named once, each slice's target listed.
                if !groups[i].artifacts.contains(f.artifact) { groups[i].artifacts.append(f.artifact) }
                if !groups[i].targets.contains(f.target) { groups[i].targets.append(f.target) }
                for p in f.packages where !groups[i].packages.contains(p) { groups[i].packages.append(p) }
            } else {
                groups.append(AuditFindingGroup(id: f.id, aliases: f.aliases, summary: f.summary, url: f.url, module: f.module, version: f.version,
                                                fixed: f.fixed, replaces: f.replaces, packages: f.packages, artifacts: [f.artifact], targets: [f.target]))
            }
        }
        for i in groups.indices { groups[i].targets.sort() }
        return groups.sorted { ($0.id, $0.module, $0.version) < ($1.id, $1.module, $1.version) }
    }

    /// Reads every named file and walks every named folder.
    public func collect(_ paths: [String]) throws -> [AuditSubject] {
        var subjects: [AuditSubject] = []
        for path in paths {
            let full = context.absolute(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                throw UsageError("\(path): no such file or folder")
            }
            if isDirectory.boolValue {
                for file in walk(full) {
                    let display = path.hasSuffix("/") ? path + file.dropFirst(full.count + 1) : path + "/" + file.dropFirst(full.count + 1)
                    subjects += AuditInputs.subjects(file: file, display: display, named: false) ?? []
                }
            } else {
                subjects += AuditInputs.subjects(file: full, display: path, named: true) ?? []
            }
        }
        return subjects
    }

    /// Regular files under a folder (links to files followed, links to folders not), in lexical order.
    private func walk(_ root: String) -> [String] {
        var files: [String] = []
        var stack = [root]
        while let dir = stack.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in entries.sorted() {
                let full = dir + "/" + name
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: stack.append(full)
                case S_IFREG: files.append(full)
                case S_IFLNK:
                    var target = stat()
                    if stat(full, &target) == 0, target.st_mode & S_IFMT == S_IFREG { files.append(full) }
                default: break
                }
            }
        }
        return files.sorted()
    }
}
