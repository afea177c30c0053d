// `crossgo audit`: every artifact's Go version and module versions against the Go vulnerability database, then
// each finding by symbol: *linked* when a function the entry names is in the artifact's function table (compiled
// on its own or inlined into a caller: the pclntab names both), *not linked* when the module is there but none of its
// vulnerable functions is, *unknown* when that cannot be told (an SBOM, an entry naming no packages, an unreadable
// table). Whether linked code is reachable at run time is not decided (that needs the source: govulncheck).
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
    /// `--vex FILE`: also write an OpenVEX document here.
    public var vex: String?
    /// `--strict`: findings whose vulnerable symbols are not linked fail the audit too.
    public var strict = false

    public init(paths: [String] = [], database: String? = nil, sarif: String? = nil, vex: String? = nil, strict: Bool = false) {
        self.paths = paths
        self.database = database
        self.sarif = sarif
        self.vex = vex
        self.strict = strict
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
    /// `linked`, `not-linked` or `unknown` (see the file's header).
    public var linked: String
    /// The vulnerable functions found in the artifact (`net/url.URL.JoinPath`); a package named without symbols
    /// appears as `<package> (any function)`.
    public var symbols: [String]
    /// Why `unknown`.
    public var linkNote: String?
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
    /// `linked` when linked in any artifact, else `unknown` when unknown in any, else `not-linked`.
    public var linked: String
    /// The vulnerable functions found, across the artifacts.
    public var symbols: [String]
    /// The artifacts it is linked into (or unknown for); the others have the module without its vulnerable functions.
    public var linkedIn: [String]
}

/// An artifact's result: one per file (a universal binary's slices are listed under it).
public struct AuditArtifactRecord: Sendable, Codable, Equatable {
    public var artifact: String
    public var file: String
    public var kind: String
    /// `linux/amd64`; a universal file's slice targets, comma-separated.
    public var target: String
    public var goVersion: String?
    /// `vulnerable` (a linked or unknown finding), `not-linked` (findings, none linked), `clean` or `not-audited`
    /// (a universal file: its worst slice).
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
    /// `symbol` when every binary's function table was read (findings say whether vulnerable functions are linked),
    /// else `module` (some findings only say that the module version is affected).
    public var level: String = "module"
    public var findings: [AuditFindingGroup]
    public var artifacts: [AuditArtifactRecord]
    /// Where SARIF was written.
    public var sarif: String?
    /// Where the OpenVEX document was written.
    public var vex: String?
    /// `--strict`: not-linked findings fail too.
    public var strict = false

    enum CodingKeys: String, CodingKey {
        case database, databaseModified, indexFromCache, level, findings, artifacts, sarif, vex, strict
    }

    public var vulnerable: Int { artifacts.filter { $0.status == "vulnerable" }.count }
    public var notLinked: Int { artifacts.filter { $0.status == "not-linked" }.count }
    public var notAudited: Int { artifacts.filter { $0.status == "not-audited" }.count }
    public var clean: Int { artifacts.filter { $0.status == "clean" }.count }

    /// The findings that fail the audit: linked or unknown ones; with --strict every one.
    public var failing: [AuditFindingGroup] { findings.filter { strict || $0.linked != "not-linked" } }

    /// 1 when a failing finding was found or something could not be audited (never "clean" then), else 0.
    public var exitStatus: ExitStatus { failing.isEmpty && notAudited == 0 ? .ok : .failed }

    public var counts: [(String, Int)] {
        [("artifacts", artifacts.count), ("vulnerable", vulnerable), ("notLinked", notLinked), ("clean", clean), ("not-audited", notAudited),
         ("vulnerabilities", Set(findings.map(\.id)).count), ("linked", Set(findings.filter { $0.linked == "linked" }.map(\.id)).count)]
    }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        var results: [String] = []
        for group in findings {
            let aliases = group.aliases.isEmpty ? "" : " (" + group.aliases.joined(separator: ", ") + ")"
            let fix = group.fixed.map { "fixed in \($0)" } ?? "no fix yet"
            let replaced = group.replaces.map { " (replacing \($0))" } ?? ""
            let targets = group.targets.count == 1 ? "1 target" : "\(group.targets.count) targets"
            let id = group.linked == "not-linked" && !strict ? painter.yellow(group.id) : painter.red(group.id)
            results.append("\(id)\(aliases)  \(group.module) \(group.version)\(replaced), \(fix)  [\(targets): \(group.targets.joined(separator: ", "))]")
            switch group.linked {
            case "linked":
                results.append("    linked: " + group.symbols.joined(separator: ", ")
                    + (group.linkedIn.count < group.artifacts.count ? " (in \(group.linkedIn.joined(separator: ", ")); not linked in the others)" : ""))
            case "not-linked":
                results.append("    not linked: the module is in the binary, none of the functions the entry names is" + (strict ? " (--strict: fails)" : " (does not fail; --strict fails it)"))
            default:
                results.append("    linked or not: unknown (\(group.linkedIn.joined(separator: ", "))): treated as linked")
            }
            results.append("    " + group.summary + "  " + painter.dim(group.url))
        }
        for record in artifacts where record.status == "not-audited" {
            results.append("\(painter.yellow("not audited"))  \(record.artifact): \(record.reason ?? "")")
        }
        for record in artifacts where record.status != "not-audited" {
            for note in record.unchecked { results.append(painter.dim("partly audited  \(record.artifact): \(note)")) }
        }
        let linkedIDs = Set(findings.filter { $0.linked != "not-linked" }.map(\.id)).count
        let notLinkedIDs = Set(findings.filter { $0.linked == "not-linked" }.map(\.id)).subtracting(findings.filter { $0.linked != "not-linked" }.map(\.id)).count
        var summary = findings.isEmpty
            ? "no known vulnerabilities in \(clean) artifact\(clean == 1 ? "" : "s")"
            : linkedIDs > 0
                ? "\(linkedIDs) known vulnerabilit\(linkedIDs == 1 ? "y" : "ies") linked into \(vulnerable) of \(artifacts.count - notAudited) artifacts"
                : "no known vulnerability linked into \(artifacts.count - notAudited) artifact\(artifacts.count - notAudited == 1 ? "" : "s")"
        if notLinkedIDs > 0 { summary += "; \(notLinkedIDs) more in modules whose vulnerable functions are not linked" + (strict ? " (--strict: failing)" : "") }
        if notAudited > 0 { summary += "; \(notAudited) not audited" }
        summary += level == "symbol"
            ? " (symbol level: linked functions, reachability at run time not checked; database \(database), modified \(databaseModified))"
            : " (partly module level: some function tables not read; database \(database), modified \(databaseModified))"
        if let sarif { summary += "; SARIF: \(sarif)" }
        if let vex { summary += "; OpenVEX: \(vex)" }
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
        let sarifPath = try request.sarif.map { try outputFile($0, flag: "--sarif") }
        let vexPath = try request.vex.map { try outputFile($0, flag: "--vex") }
        let subjects = try collect(request.paths)
        if subjects.isEmpty {
            throw UsageError("\(request.paths.joined(separator: ", ")): no Go binaries to audit (in folders only Go binaries are read; name a CycloneDX SBOM, *.cdx.json, to audit it)")
        }
        let database = VulnDatabase(location: location,
                                    cacheDirectory: VulnDatabase.cacheDirectory(for: location, environment: context.system.environment),
                                    system: context.system)
        var outcome = try await audit(subjects, database: database)
        outcome.strict = request.strict
        if let sarifPath {
            // The go.mod of the module holding the working folder, if any: results point at its lines.
            let goMod = findUpward("go.mod", from: context.workingDirectory, system: context.system)
                .flatMap { path in GoModFile.read(path, system: context.system).map { (path, $0) } }
            let data = SARIFReport.encode(outcome, subjects: subjects, relativeTo: context.workingDirectory, goMod: goMod)
            do {
                try context.system.writeData(data, to: sarifPath)
            } catch {
                throw EnvironmentError("--sarif \(request.sarif ?? sarifPath): cannot write: \(error.localizedDescription)")
            }
            outcome.sarif = request.sarif
        }
        if let vexPath, outcome.findings.isEmpty {
            context.reporter.report(.notice("--vex \(request.vex ?? vexPath): not written: no finding, so no VEX statement to make", level: "info"))
        } else if let vexPath {
            let data = OpenVEX.encode(outcome, subjects: subjects, timestamp: context.clock())
            do {
                try context.system.writeData(data, to: vexPath)
            } catch {
                throw EnvironmentError("--vex \(request.vex ?? vexPath): cannot write: \(error.localizedDescription)")
            }
            outcome.vex = request.vex
        }
        return outcome
    }

    /// An output file flag's path: not a folder, in a folder that exists.
    private func outputFile(_ given: String, flag: String) throws -> String {
        let full = context.absolute(given)
        if context.system.isDirectory(full) {
            throw UsageError("\(flag) \(given): is a folder")
        }
        let parent = (full as NSString).deletingLastPathComponent
        guard context.system.isDirectory(parent) else {
            throw UsageError("\(flag) \(given): no folder \(parent)")
        }
        return full
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
        // Each file a job on the matrix runner (its start and end events): matching is quick, so one at a time, in plan order.
        let matched = await MatrixRunner(concurrency: 1, reporter: reporter).run(
            Array(zip(files, jobs)), id: { $0.1 }, firstPhase: "audit",
            work: { file, _ -> (record: AuditArtifactRecord, findings: [AuditFinding]) in
                let (parts, job) = file
                var findings: [AuditFinding] = []
                var slices: [AuditSliceRecord] = []
                for subject in parts {
                    var slice = AuditSliceRecord(slice: subject.slice ?? "", target: subject.target, goVersion: subject.goVersion, status: "clean",
                                                 reason: subject.notAudited, modules: subject.modules.count, findings: [], unchecked: subject.unchecked)
                    if subject.notAudited != nil {
                        slice.status = "not-audited"
                    } else {
                        let found = Self.findings(subject, index: index, entries: entries)
                        slice.findings = found.map(\.id)
                        slice.status = found.isEmpty ? "clean" : found.contains { $0.linked != "not-linked" } ? "vulnerable" : "not-linked"
                        findings += found
                    }
                    slices.append(slice)
                }
                return (Self.record(parts, slices: slices, target: job.target), findings)
            },
            end: { matched in
                let record = matched.record
                switch record.status {
                case "not-audited": return JobEnd(status: .notRun, summary: "not audited: \(record.reason ?? "")", record: record)
                case "vulnerable": return JobEnd(status: .failed, summary: record.findings.joined(separator: ", "), record: record)
                case "not-linked":
                    return JobEnd(status: .passed, summary: "\(record.findings.joined(separator: ", ")) in its modules, vulnerable functions not linked", record: record)
                default: return JobEnd(status: .passed, summary: "clean (\(record.modules) modules)", record: record)
                }
            })
        try Task.checkCancellation()
        let findings = matched.completed.flatMap(\.findings)
        let records = matched.completed.map(\.record)
        let level = subjects.allSatisfy { $0.notAudited != nil || $0.linkedSymbols != nil } ? "symbol" : "module"
        return AuditOutcome(database: database.location.description, databaseModified: modified, indexFromCache: fromCache, level: level,
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
        let status = !notAudited.isEmpty ? "not-audited" : slices.contains { $0.status == "vulnerable" } ? "vulnerable"
            : slices.contains { $0.status == "not-linked" } ? "not-linked" : "clean"
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
        // A few requests at a time on the one bounded loop; the first failure starts no more and is the error.
        let fetched = await Concurrency.bounded(wanted.sorted { $0.key < $1.key }, limit: Concurrency.databaseRequests,
                                                stop: { if case .failure = $0 { true } else { false } }) { wanted -> Result<(String, OSVEntry), any Error>? in
            do { return .success((wanted.key, try await database.entry(wanted.key, modified: wanted.value))) } catch { return .failure(error) }
        }
        var entries: [String: OSVEntry] = [:]
        for case let result? in fetched {
            let (id, entry) = try result.get()
            entries[id] = entry
        }
        try Task.checkCancellation()
        return entries
    }

    /// The finding of an entry for a module version on the subject's target, if it is affected.
    public static func match(_ entry: OSVEntry, module: AuditModule, version: GoSemver, subject: AuditSubject) -> AuditFinding? {
        if entry.withdrawn != nil { return nil }
        for affected in entry.affected where affected.package.name == module.path {
            guard OSVMatch.applies(affected, goos: subject.goos, goarch: subject.goarch) else { continue }
            let r = OSVMatch.affects(affected, version: version)
            guard r.affected else { continue }
            let (linked, symbols, note) = linkage(affected, subject: subject)
            return AuditFinding(id: entry.id, aliases: entry.aliases ?? [], summary: entry.title, url: entry.url, module: module.path,
                                version: module.version, fixed: r.fixed.map { spell($0, like: module) }, replaces: module.replaces,
                                packages: OSVMatch.packages(affected, goos: subject.goos, goarch: subject.goarch),
                                artifact: subject.artifact, target: subject.target, linked: linked, symbols: symbols, linkNote: note)
        }
        return nil
    }

    /// Whether the functions an entry names for this target are in the subject's function table: `linked` (with the
    /// ones found), `not-linked`, or `unknown` (with why).
    static func linkage(_ affected: OSVEntry.Affected, subject: AuditSubject) -> (String, [String], String?) {
        if subject.kind == "sbom" { return ("unknown", [], "an SBOM names modules, not the functions linked") }
        let imports = (affected.ecosystemSpecific?.imports ?? []).filter { OSVMatch.allows($0, goos: subject.goos, goarch: subject.goarch) }
        guard !imports.isEmpty, imports.allSatisfy({ $0.path != nil }) else { return ("unknown", [], "the entry names no packages") }
        guard let table = subject.linkedSymbols else { return ("unknown", [], subject.symbolsUnread ?? "the function table was not read") }
        var found: [String] = []
        for imp in imports {
            guard let path = imp.path else { continue }
            let present = table[path] ?? []
            let symbols = (imp.symbols ?? []).map { FunctionNames.symbol(path + "." + $0).symbol }
            if symbols.isEmpty {
                if !present.isEmpty { found.append(path + " (any function)") }
            } else {
                for symbol in symbols where present.contains(symbol) { found.append(path + "." + symbol) }
            }
        }
        var seen = Set<String>()
        found = found.filter { seen.insert($0).inserted }
        return found.isEmpty ? ("not-linked", [], nil) : ("linked", found, nil)
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
                for symbol in f.symbols where !groups[i].symbols.contains(symbol) { groups[i].symbols.append(symbol) }
                if f.linked != "not-linked", !groups[i].linkedIn.contains(f.artifact) { groups[i].linkedIn.append(f.artifact) }
                if f.linked == "linked" || (f.linked == "unknown" && groups[i].linked == "not-linked") { groups[i].linked = f.linked }
            } else {
                groups.append(AuditFindingGroup(id: f.id, aliases: f.aliases, summary: f.summary, url: f.url, module: f.module, version: f.version,
                                                fixed: f.fixed, replaces: f.replaces, packages: f.packages, artifacts: [f.artifact], targets: [f.target],
                                                linked: f.linked, symbols: f.symbols, linkedIn: f.linked == "not-linked" ? [] : [f.artifact]))
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
            guard context.system.fileExists(full) else {
                throw UsageError("\(path): no such file or folder")
            }
            if context.system.isDirectory(full) {
                for file in FolderWalk.regularFiles(under: full, system: context.system) {
                    let display = path.hasSuffix("/") ? path + file.dropFirst(full.count + 1) : path + "/" + file.dropFirst(full.count + 1)
                    subjects += AuditInputs.subjects(file: file, display: display, named: false, system: context.system) ?? []
                }
            } else {
                subjects += AuditInputs.subjects(file: full, display: path, named: true, system: context.system) ?? []
            }
        }
        return subjects
    }
}
