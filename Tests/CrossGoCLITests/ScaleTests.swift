// Issue 16: --shard K/N and crossgo merge. Shards of a build merged equal the one-machine build; shards of a
// test run merged give the same matrix and JUnit counts; merge refuses shards that do not belong together.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.requires("git")) struct ShardTests {
    static func commit(_ dir: String, _ message: String) async throws {
        for args in [["add", "-A"], ["commit", "-q", "--allow-empty", "-m", message]] { _ = try await ReleaseFixture.git(args, in: dir) }
    }

    @Test func unitAssignmentIsDeterministicAndBalanced() {
        let ids = (1...10).map { "p\($0) linux/amd64" }
        let costs = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, Double($0 + 1)) })
        let a = Shard.assign(ids: ids, cost: { costs[$0] ?? 1 }, count: 3)
        let b = Shard.assign(ids: ids.reversed(), cost: { costs[$0] ?? 1 }, count: 3)
        #expect(a == b)
        let totals = (1...3).map { shard in ids.filter { a[$0] == shard }.map { costs[$0]! }.reduce(0, +) }
        #expect(totals.reduce(0, +) == 55 && totals.max()! - totals.min()! <= 1, "\(totals)")
        #expect(throws: UsageError.self) { try Shard(parsing: "3/2") }
        #expect(throws: UsageError.self) { try Shard(parsing: "1-2") }
    }

    @Test func shardsOfABuildMergeIntoTheOneMachineBuild() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        _ = try await ReleaseFixture.git(["init", "-q"], in: module.path)
        try await Self.commit(module.path, "one")
        let targets = ["--target", "release", "--no-progress"]
        for k in 1...3 {
            let shard = try await runCrossgo(["build", "--shard", "\(k)/3"] + targets, in: module.path)
            #expect(shard.exitCode == 0, "\(shard.stderr)")
        }
        let shardDirs = (1...3).map { "dist/shard-\($0)-of-3" }
        let counts = try shardDirs.map { try TruthTests.manifest(module.path + "/" + $0).artifacts.count }
        #expect(counts.reduce(0, +) == 9 && counts.allSatisfy { $0 == 3 }, "\(counts)")
        let merged = try await runCrossgo(["merge"] + shardDirs + ["--out", "merged", "--no-progress"], in: module.path)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        let single = try await runCrossgo(["build"] + targets, in: module.path)
        #expect(single.exitCode == 0)
        let sumsMerged = try String(contentsOfFile: module.path + "/merged/SHA256SUMS", encoding: .utf8)
        let sumsSingle = try String(contentsOfFile: module.path + "/dist/SHA256SUMS", encoding: .utf8)
        #expect(sumsMerged == sumsSingle)
        let manifest = try TruthTests.manifest(module.path + "/merged")
        #expect(manifest.shard == nil && manifest.artifacts.count == 9)
        #expect(Set(filesUnder(module.path + "/merged").map { ($0 as NSString).lastPathComponent })
            == Set(manifest.artifacts.map(\.path) + ["manifest.json", "SHA256SUMS", ".gitignore"]))
        let check = try await runProgram("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: module.path + "/merged")
        #expect(check.exitCode == 0)

        // A missing shard, an overlapping one, and one of another commit are refused with one line, exit 2.
        let missing = try await runCrossgo(["merge", shardDirs[0], shardDirs[2], "--out", "m1"], in: module.path)
        #expect(missing.exitCode == 2 && missing.stderr.contains("missing shard 2/3"), "\(missing.stderr)")
        let twice = try await runCrossgo(["merge", shardDirs[0], shardDirs[0], shardDirs[1], shardDirs[2], "--out", "m2"], in: module.path)
        #expect(twice.exitCode == 2 && twice.stderr.contains("overlapping"), "\(twice.stderr)")
        try module.write("CHANGES.md", "a change\n")
        try await Self.commit(module.path, "two")
        let later = try await runCrossgo(["build", "--shard", "2/3", "--out", "later"] + targets, in: module.path)
        #expect(later.exitCode == 0)
        let mixed = try await runCrossgo(["merge", shardDirs[0], "later", shardDirs[2], "--out", "m3"], in: module.path)
        #expect(mixed.exitCode == 2 && mixed.stderr.contains("different commits"), "\(mixed.stderr)")
        #expect(mixed.stderr.split(separator: "\n").count == 1)
        for refused in ["m1", "m2", "m3"] { #expect(!FileManager.default.fileExists(atPath: module.path + "/" + refused)) }
    }

    @Test func shardsOfATestRunMergeIntoTheSameMatrix() async throws {
        let module = try copyFixture("testmatrix")
        defer { module.cleanup() }
        let cache = try TempFolder("crossgo-test-cache")
        defer { cache.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": cache.path]
        let args = ["test", "--target", "host,wasip1/wasm", "--no-progress"]
        let whole = try await runCrossgo(args + ["--junit", "whole.xml", "--results", "whole.json"], in: module.path, environment: env)
        #expect(whole.exitCode == 1)  // other.TestAlwaysFails
        for k in 1...2 {
            let shard = try await runCrossgo(args + ["--shard", "\(k)/2"], in: module.path, environment: env)
            #expect(shard.exitCode == 1 || shard.exitCode == 0)
        }
        let merged = try await runCrossgo(["merge", "dist/shard-1-of-2", "dist/shard-2-of-2", "--out", "merged", "--no-progress"], in: module.path)
        #expect(merged.exitCode == 1, "\(merged.stderr)")  // the failing package is still failing
        let one = try JSONDecoder().decode(TestResultsFile.self, from: Data(contentsOf: URL(fileURLWithPath: module.path + "/whole.json")))
        let joined = try JSONDecoder().decode(TestResultsFile.self, from: Data(contentsOf: URL(fileURLWithPath: module.path + "/merged/test-results.json")))
        func matrix(_ file: TestResultsFile) -> [String] {
            file.results.map { "\($0.package) \($0.target) \($0.status.rawValue) \($0.passedCount)/\($0.failedCount)/\($0.skippedCount)" }.sorted()
        }
        #expect(matrix(one) == matrix(joined) && one.results.count == 4)
        func junitCounts(_ path: String) throws -> [String] {
            let xml = try String(contentsOfFile: path, encoding: .utf8)
            let head = xml.split(separator: "\n").first { $0.contains("<testsuites") } ?? ""
            return head.split(separator: " ").filter { $0.hasPrefix("tests=") || $0.hasPrefix("failures=") || $0.hasPrefix("skipped=") }.map(String.init)
        }
        let wholeCounts = try junitCounts(module.path + "/whole.xml")
        let mergedCounts = try junitCounts(module.path + "/merged/junit.xml")
        #expect(!wholeCounts.isEmpty && wholeCounts == mergedCounts, "\(wholeCounts)")
    }

    @Test(.requires("minisign")) func shardsOfAReleaseMergeIntoTheOneMachineRelease() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        _ = try await ReleaseFixture.git(["init", "-q"], in: module.path)
        try await Self.commit(module.path, "one")
        let keys = try TempFolder("crossgo-keys")
        defer { keys.cleanup() }
        #expect(try await runCrossgo(["release", "keygen", keys.path + "/k"]).exitCode == 0)
        let args = ["release", "--target", "linux/amd64,linux/arm64,js/wasm", "--version", "1.0.0", "--no-progress"]
        for k in 1...2 { #expect(try await runCrossgo(args + ["--shard", "\(k)/2"], in: module.path).exitCode == 0) }
        let merged = try await runCrossgo(["merge", "dist/shard-1-of-2", "dist/shard-2-of-2", "--out", "merged", "--sign-key", keys.path + "/k.key"],
                                          in: module.path)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        // Merge reports its stages as release does, sealing last: checksums, provenance, release.json, then the signature.
        let order = ["stage build: done", "stage release files: done", "stage checksums: done", "stage provenance: done",
                     "stage release.json: done", "stage sign: done"].map { merged.stderr.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "\(merged.stderr)")
        #expect(try await runCrossgo(args, in: module.path).exitCode == 0)
        let sums = "hello_1.0.0_checksums.txt"
        #expect(try String(contentsOfFile: module.path + "/merged/" + sums, encoding: .utf8)
            == String(contentsOfFile: module.path + "/dist/" + sums, encoding: .utf8))
        let verified = try await runCrossgo(["verify", "merged", "--pub", keys.path + "/k.pub"], in: module.path)
        #expect(verified.exitCode == 0, "\(verified.stdout)")
        let minisign = try await runProgram("minisign", ["-V", "-p", keys.path + "/k.pub", "-m", module.path + "/merged/" + sums])
        #expect(minisign.exitCode == 0)
    }
}
