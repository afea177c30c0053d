// --shard K/N: a deterministic split of a matrix's (item x target) jobs over N machines, the same on every
// machine for the same plan, and the record each shard leaves so that `crossgo merge` can check and join them.
import Foundation

/// Which of N shards this run is.
public struct Shard: Sendable, Codable, Equatable {
    /// 1-based.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "K/N" (1 <= K <= N <= 256); a usage error naming --shard otherwise.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 256, k >= 1, k <= n else {
            throw UsageError("--shard '\(text)': expected K/N with 1 <= K <= N <= 256, e.g. --shard 2/3")
        }
        self.init(index: k, count: n)
    }

    /// "shard-2-of-3": the default output folder's name.
    public var name: String { "shard-\(index)-of-\(count)" }
    public var description: String { "\(index)/\(count)" }

    /// The shard (1-based) of every job: longest first (by `cost`, then by id), each to the shard with the least
    /// total so far (the lowest index on a tie). Depends only on the ids and costs, so every machine agrees.
    public static func assign(ids: [String], cost: (String) -> Double, count: Int) -> [String: Int] {
        let order = ids.sorted { (cost($0), $1) > (cost($1), $0) }
        var totals = Array(repeating: 0.0, count: count)
        var result: [String: Int] = [:]
        for id in order {
            let shard = totals.indices.min { (totals[$0], $0) < (totals[$1], $1) } ?? 0
            totals[shard] += max(cost(id), 0.001)
            result[id] = shard + 1
        }
        return result
    }

    /// A stable cost estimate of a job when no earlier run recorded one: emulated targets cost more.
    public static func estimatedCost(target: String) -> Double {
        let goos = target.split(separator: "/").first.map(String.init) ?? target
        let goarch = target.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        switch (goos, goarch) {
        case ("js", _), ("wasip1", _): return 3
        case ("linux", "s390x"), ("linux", "ppc64"), ("linux", "ppc64le"), ("linux", "mips64"), ("linux", "mips64le"): return 4
        case ("linux", "riscv64"), ("linux", "arm64"), ("linux", "arm"), ("linux", "loong64"): return 2
        case ("windows", _): return 2
        default: return 1
        }
    }

    /// Durations of an earlier run, by job id ("item target"): a build's manifest.json or test-results.json.
    public static func recordedDurations(from path: String, system: any HostSystem = liveSystem()) throws -> [String: Double] {
        guard let data = system.readData(path) else {
            throw UsageError("--shard-durations \(path): no such file (give an earlier run's manifest.json or test-results.json)")
        }
        if let manifest = try? JSONDecoder().decode(BuildManifest.self, from: data) {
            return Dictionary(manifest.artifacts.map { ("\($0.binary) \($0.target)", $0.duration) }, uniquingKeysWith: max)
        }
        if let results = try? JSONDecoder().decode(TestResultsFile.self, from: data) {
            return Dictionary(results.results.map { ("\($0.package) \($0.target)", $0.elapsed) }, uniquingKeysWith: max)
        }
        throw UsageError("--shard-durations \(path): neither a crossgo manifest.json nor a test-results.json")
    }
}

/// What a shard records next to its outputs, for `crossgo merge`.
public struct ShardRecord: Sendable, Codable, Equatable {
    public var index: Int
    public var count: Int
    /// Every job of the whole plan ("item target"), sorted, with the shard it went to.
    public var plan: [String: Int]
    /// SHA-256 of the plan's job ids and the settings every shard must share (go version, flags, targets).
    public var planDigest: String
    /// The git commit the shard built (nil outside git).
    public var commit: String?

    /// The jobs this shard ran.
    public var jobs: [String] { plan.filter { $0.value == index }.map(\.key).sorted() }
}

extension Shard {
    /// What --shard does to a plan, the same for build, test and bench: without a shard, every job and no record; with
    /// one, its jobs (balanced by the durations of `durationsFile`, an earlier run's record read from the working
    /// folder, else by estimate), its record for `crossgo merge` with the commit of `folder`, and the notice
    /// "shard K/N: X of Y <what>".
    static func pick<Job>(_ shard: Shard?, _ jobs: [Job], what: String, durationsFile: String?, settings: () -> [String], folder: String,
                          context: CrossGoContext, id: (Job) -> String, target: (Job) -> String,
                          free: (Job) -> Bool = { _ in false }) async throws -> ([Job], ShardRecord?) {
        guard let shard else { return (jobs, nil) }
        let durations = try durationsFile.map { try recordedDurations(from: context.absolute($0), system: context.system) }
        let commit = await SourceFacts.read(folder, system: context.system).commit
        let (picked, record) = shard.select(jobs, id: id, target: target, durations: durations, settings: settings(), commit: commit, free: free)
        context.reporter.report(.notice("shard \(shard.description): \(picked.count) of \(jobs.count) \(what)", level: "info"))
        return (picked, record)
    }

    /// Picks this shard's jobs out of a plan and makes its record. A `free` job (a package without tests for its target)
    /// costs nothing in the estimate, so that the jobs that run are what gets balanced.
    func select<Job>(_ jobs: [Job], id: (Job) -> String, target: (Job) -> String, durations: [String: Double]?, settings: [String],
                     commit: String?, free: (Job) -> Bool = { _ in false }) -> ([Job], ShardRecord) {
        let ids = jobs.map(id)
        let targets = Dictionary(jobs.map { (id($0), target($0)) }, uniquingKeysWith: { a, _ in a })
        let freeIDs = Set(jobs.filter(free).map(id))
        let assignment = Self.assign(ids: ids, cost: { freeIDs.contains($0) ? 0 : durations?[$0] ?? Self.estimatedCost(target: targets[$0] ?? "") },
                                     count: count)
        let digest = sha256Hex(Data((ids.sorted() + ["--"] + settings).joined(separator: "\n").utf8))
        let record = ShardRecord(index: index, count: count, plan: assignment, planDigest: digest, commit: commit)
        return (jobs.filter { assignment[id($0)] == index }, record)
    }
}

/// test-results.json: what a test run (a shard, or `--results FILE`) leaves for merge and report.
public struct TestResultsFile: Sendable, Codable, Equatable {
    public var crossgo: String
    public var go: String
    public var targets: [String]
    public var results: [PackageResult]
    public var shard: ShardRecord?
    /// The module path (go.mod's `module`), for the report's title; nil in files of earlier crossgo versions.
    public var module: String? = nil

    public static let fileName = "test-results.json"

    /// Where `crossgo test` keeps the module's last results for `crossgo report` (nil when the cache is off).
    public static func lastPath(moduleRoot: String, environment: [String: String]) -> String? {
        guard !CacheFolder.isOff(environment: environment) else { return nil }
        return CacheFolder.path("tests", environment: environment) + "/" + String(sha256Hex(Data(moduleRoot.utf8)).prefix(16)) + "-last.json"
    }
}
