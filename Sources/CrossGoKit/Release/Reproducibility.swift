// `release --check-reproducible`: the same build again, from a copy of the source in another folder, with an
// empty GOCACHE; then each artifact compared byte for byte, and where two differ, which sections and why.
import Foundation
import GoBinary

struct ReproducibilityCheck: Sendable {
    var context: CrossGoContext

    /// Rebuilds `request` from a copy of the checkout and compares with `original`'s artifacts.
    func run(_ request: BuildRequest, original: BuildOutcome, moduleRoot: String, facts: SourceFacts) async throws -> [ReproducibilityRecord] {
        let scratchFolder = try ScratchFolder("reproduce", system: context.system)
        defer { scratchFolder.remove() }
        let scratch = scratchFolder.path
        context.reporter.report(.notice("rebuilding \(original.artifacts.count) artifact(s) from a copy of the source in \(scratch), with an empty GOCACHE",
                                        level: "info"))
        let (copiedRoot, copiedCwd) = try await copySource(moduleRoot: moduleRoot, facts: facts, into: scratch + "/src")

        var again = request
        again.out = scratch + "/dist"
        again.clean = false
        again.run = false
        again.extraEnvironment["GOCACHE"] = scratch + "/gocache"
        again.extraEnvironment["GOCACHEPROG"] = ""  // built again from nothing: no shared cache either
        var quiet = context
        quiet.workingDirectory = copiedCwd
        quiet.reporter = CapturingReporter()
        // The rebuild runs as if a day later (reprotest varies the clock too): a build that embeds the time it
        // ran ({{.Date}}) must show as such even when both builds fall within one second.
        let clock = context.clock
        quiet.clock = { clock().addingTimeInterval(Self.clockShift) }
        _ = copiedRoot
        let rebuilt = try await BuildSession(context: quiet).run(again)
        let byPath = Dictionary(rebuilt.artifacts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })

        var records: [ReproducibilityRecord] = []
        for artifact in original.artifacts.sorted(by: { $0.path < $1.path }) {
            guard let twin = byPath[artifact.path] else {
                let why = rebuilt.failures.first { $0.binary == artifact.binary && $0.target == artifact.target }
                records.append(ReproducibilityRecord(artifact: artifact.path, target: artifact.target, status: .failed, sha256: artifact.sha256,
                                                     rebuiltSha256: nil, sections: nil,
                                                     cause: "the rebuild did not produce it" + (why.map { ": \($0.message.split(separator: "\n").first ?? "")" } ?? "")))
                continue
            }
            if twin.sha256 == artifact.sha256 {
                records.append(ReproducibilityRecord(artifact: artifact.path, target: artifact.target, status: .reproducible, sha256: artifact.sha256,
                                                     rebuiltSha256: twin.sha256, sections: nil, cause: nil))
                continue
            }
            let first = original.outDir + "/" + artifact.path
            let second = rebuilt.outDir + "/" + twin.path
            let comparison = Self.compare(first, second, arguments: (artifact.goArguments, twin.goArguments), system: context.system)
            records.append(ReproducibilityRecord(artifact: artifact.path, target: artifact.target, status: .differs, sha256: artifact.sha256,
                                                 rebuiltSha256: twin.sha256, sections: comparison.sections, cause: comparison.cause))
        }
        return records
    }

    /// How much later the rebuild's clock reads.
    static let clockShift: TimeInterval = 86_400

    /// A copy of the source at `into`: a git checkout is cloned (sharing its objects, read-only) at HEAD, and its
    /// uncommitted changes copied over, so go's VCS stamping sees the same revision and the same modified state;
    /// other modules are copied as files. Returns the copied module root and working folder.
    func copySource(moduleRoot: String, facts: SourceFacts, into target: String) async throws -> (String, String) {
        let system = context.system
        let cwd = context.workingDirectory
        func moved(_ path: String, from root: String, to newRoot: String) -> String {
            path == root ? newRoot : path.hasPrefix(root + "/") ? newRoot + path.dropFirst(root.count) : newRoot
        }
        if let top = facts.top, let commit = facts.commit, let git = system.which("git") {
            let env: EnvironmentChanges = ["GIT_OPTIONAL_LOCKS": "0"]
            func git_(_ args: [String]) async throws -> String {
                let result = try await system.run(git, args, environment: env, timeout: 600)
                guard result.succeeded else {
                    throw EnvironmentError("git \(args.prefix(2).joined(separator: " ")) failed for the rebuild: \(result.stderr.split(separator: "\n").first ?? "")")
                }
                return result.stdout
            }
            _ = try await git_(["clone", "--quiet", "--shared", "--no-checkout", top, target])
            _ = try await git_(["-C", target, "checkout", "--quiet", "--detach", commit])
            // Uncommitted changes: modified and untracked (not ignored) files, and deletions.
            let changed = try await git_(["-C", top, "ls-files", "-z", "--modified", "--others", "--exclude-standard"])
            let deleted = try await git_(["-C", top, "ls-files", "-z", "--deleted"])
            for name in Set(changed.split(separator: "\0").map(String.init)).subtracting(deleted.split(separator: "\0").map(String.init)) {
                let destination = target + "/" + name
                try? system.createDirectory((destination as NSString).deletingLastPathComponent)
                try? system.removeItem(destination)
                try system.copyItem(top + "/" + name, to: destination)
            }
            for name in deleted.split(separator: "\0") { try? system.removeItem(target + "/" + name) }
            return (moved(moduleRoot, from: top, to: target), moved(cwd, from: top, to: target))
        }
        let copied = target + "/" + (moduleRoot as NSString).lastPathComponent
        try system.createDirectory(target)
        try system.copyItem(moduleRoot, to: copied)
        return (copied, moved(cwd, from: moduleRoot, to: copied))
    }

    /// Which sections of two builds of one artifact differ, and the likely cause.
    static func compare(_ first: String, _ second: String, arguments: ([String], [String]) = ([], []), system: any HostSystem) -> (sections: [String], cause: String) {
        guard let a = system.readData(first), let b = system.readData(second),
              let imageA = try? system.binaryImage(first), let imageB = try? system.binaryImage(second) else {
            return (["(unreadable)"], "one of the two files cannot be read as a binary")
        }
        var sections: [String] = []
        for (sliceA, sliceB) in zip(imageA.slices, imageB.slices) {
            let listA = sectionRanges(sliceA), listB = sectionRanges(sliceB)
            let named = Dictionary(listB.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            for section in listA {
                guard let other = named[section.name] else { sections.append(section.name); continue }
                let bytesA = a.subdata(in: clamp(section.range, a.count))
                let bytesB = b.subdata(in: clamp(other.range, b.count))
                if bytesA != bytesB { sections.append(section.name) }
            }
            for section in listB where !listA.contains(where: { $0.name == section.name }) { sections.append(section.name) }
        }
        if sections.isEmpty { sections = ["(headers)"] }
        // The section holding Go's build ID changes whenever any input does: name it last.
        let idHolders: Set<String> = [".note.go.buildid", ".note.gnu.build-id", "go:buildid", "go.buildid"]
        sections = sections.filter { !idHolders.contains($0) } + sections.filter { idHolders.contains($0) }
        return (sections, cause(imageA.slices.first?.buildInfo, imageB.slices.first?.buildInfo, arguments: arguments))
    }

    static func clamp(_ range: Range<Int>, _ count: Int) -> Range<Int> {
        min(range.lowerBound, count)..<min(range.upperBound, count)
    }

    /// Each section with file bytes: name and range in the file.
    static func sectionRanges(_ slice: BinarySlice) -> [(name: String, range: Range<Int>)] {
        let base = slice.offset
        let generic = slice.elf?.sections ?? slice.macho?.sections ?? slice.pe?.sections ?? slice.xcoff?.sections ?? slice.plan9?.sections ?? []
        var out = generic.filter { $0.size > 0 }.map { (name: ($0.segment.map { "\($0)," } ?? "") + $0.name, range: (base + Int($0.offset))..<(base + Int($0.offset) + Int($0.size))) }
        if let wasm = slice.wasm {
            out += wasm.sections.filter { $0.size > 0 }.map { (name: $0.name, range: (base + $0.offset)..<(base + $0.offset + $0.size)) }
        }
        return out.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// What differs between the two builds' recorded inputs, said as the likely cause.
    static func cause(_ a: BuildInfo?, _ b: BuildInfo?, arguments: ([String], [String]) = ([], [])) -> String {
        // go leaves -ldflags out of build info under -trimpath (go.dev/issue/52372), so crossgo compares what it passed.
        let flagsA = arguments.0.first { $0.hasPrefix("-ldflags=") }, flagsB = arguments.1.first { $0.hasPrefix("-ldflags=") }
        if flagsA != flagsB {
            return "a value that changes per build in -ldflags (a time, e.g. -X with {{.Date}}; use {{.CommitDate}}): "
                + "'\(flagsA.map { String($0.dropFirst(9)) } ?? "")' then '\(flagsB.map { String($0.dropFirst(9)) } ?? "")'"
        }
        guard let a, let b else { return "unknown: the build info of one file cannot be read" }
        let keys = Set(a.settings.map(\.key)).union(b.settings.map(\.key)).sorted()
        let differing = keys.filter { a.setting($0) != b.setting($0) }
        if let flags = differing.first(where: { $0 == "-ldflags" }) {
            return "a value that changes per build in \(flags) (a time, e.g. -X with {{.Date}}; use {{.CommitDate}}): "
                + "'\(a.setting(flags) ?? "")' then '\(b.setting(flags) ?? "")'"
        }
        if a.setting("-trimpath") != "true" {
            return "paths: built without -trimpath, so the source folder's path is in the binary (the rebuild ran elsewhere)"
        }
        if let vcs = differing.first(where: { $0.hasPrefix("vcs.") }) {
            return "-buildvcs: \(vcs) differs ('\(a.setting(vcs) ?? "")' then '\(b.setting(vcs) ?? "")'); build from a clean, committed checkout"
        }
        if !differing.isEmpty { return "build settings differ: \(differing.joined(separator: ", "))" }
        if a.deps != b.deps { return "the module graph differs between the two builds (go.sum or a replace?)" }
        if a.setting("CGO_ENABLED") == "1" { return "cgo: the C toolchain's output (paths or timestamps of the C compiler)" }
        return "unknown: the inputs recorded in build info are the same"
    }
}
