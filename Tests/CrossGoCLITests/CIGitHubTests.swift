// Issue 16, part 3: `crossgo ci github` on a real module (Examples/hello, a crossgo.yaml naming the release
// set), the workflow read back with Yams and checked by the outside validators check-jsonschema and zizmor,
// each also shown rejecting a broken variant.
import CrossGoCLI
import CrossGoKit
import Foundation
import TestSupport
import Testing
import Yams

/// One generated workflow for the suite: Examples/hello in the `hello/` folder of a fresh git repository,
/// with `targets: release` in crossgo.yaml.
enum CIFixture {
    static let shared = Once { try await make() }

    struct Made: Sendable {
        var repo: TempFolder
        var module: String
        var workflowPath: String
        var text: String
        var result: ProgramResult
    }


    static func make() async throws -> Made {
        let repo = try TempFolder("crossgo-ci")
        let module = repo.path + "/hello"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Examples/hello", toPath: module)
        try repo.write("hello/crossgo.yaml", "targets: release\n")
        let git = try await runProgram("git", ["init", "-q", repo.path], environment: [:], workingDirectory: repo.path)
        guard git.exitCode == 0 else { throw EnvironmentError("git init: \(git.stderr)") }
        let result = try await runCrossgo(["ci", "github", "--json"], in: module)
        let path = repo.path + "/" + GitHubWorkflow.relativePath
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return Made(repo: repo, module: module, workflowPath: path, text: text, result: result)
    }
}

/// The generated workflow as a YAML tree.
func workflowTree(_ text: String) throws -> [String: Any] {
    try #require(try Yams.load(yaml: text) as? [String: Any])
}

func jobs(_ tree: [String: Any]) throws -> [String: [String: Any]] {
    try #require(tree["jobs"] as? [String: [String: Any]])
}

/// Every step of every job.
func allSteps(_ tree: [String: Any]) throws -> [[String: Any]] {
    try jobs(tree).values.flatMap { ($0["steps"] as? [[String: Any]]) ?? [] }
}

/// The matrix `include` entries of a job.
func includes(_ job: [String: Any]?) -> [[String: String]] {
    let matrix = (job?["strategy"] as? [String: Any])?["matrix"] as? [String: Any]
    return (matrix?["include"] as? [[String: Any]] ?? []).map { $0.compactMapValues { "\($0)" } }
}

/// Runs one of the outside validators in .tools/bin.
/// A run line as the shell splits it, for the workflow's simple lines: double quotes group, `$NAME` becomes a
/// sample value (`$SHARD/$CROSSGO_SHARDS` → `1/2`), a glob stays a word.
func shellWords(_ line: String) -> [String] {
    let samples = ["SHARD": "1", "CROSSGO_SHARDS": "2", "CROSSGO_TARGETS": "linux/amd64,windows/amd64", "TARGET": "darwin/arm64",
                   "NAME": "darwin-arm64", "RUNNER_TEMP": "/tmp/runner", "key": "/tmp/runner/key"]
    var expanded = line
    for (name, value) in samples.sorted(by: { $0.key.count > $1.key.count }) {
        expanded = expanded.replacingOccurrences(of: "$" + name, with: value)
    }
    var words: [String] = [], word = "", quoted = false, inWord = false
    for c in expanded {
        if c == "\"" { quoted.toggle(); inWord = true } else if c == " " && !quoted {
            if inWord { words.append(word) }
            word = ""; inWord = false
        } else { word.append(c); inWord = true }
    }
    if inWord { words.append(word) }
    return words
}

/// The jobs the header comment's "Jobs:" paragraph names (the backticked words).
func headerJobs(_ text: String) -> Set<String> {
    let header = text.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("#") }
    guard let start = header.firstIndex(where: { $0.hasPrefix("# Jobs:") }) else { return [] }
    let paragraph = header[start...].prefix { $0 != "#" }.joined(separator: " ")
    return Set(paragraph.matches(of: /`([a-z]+)`/).map { String($0.output.1) })
}

func validate(_ tool: String, _ arguments: [String]) async throws -> ProgramResult {
    try await runProgram(repositoryRoot + "/.tools/bin/" + tool, arguments, environment: ["NO_COLOR": "1"], timeout: 300)
}

@Suite(.requires("git", "check-jsonschema", "zizmor"))
struct CIGitHubTests {
    @Test("the workflow is written at the repository root, from the module's real targets, placed on the right runners")
    func structure() async throws {
        let made = try await CIFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stderr)")
        #expect(!made.text.isEmpty)
        let tree = try workflowTree(made.text)
        let jobs = try jobs(tree)
        #expect(Set(jobs.keys) == ["crossgo", "shards", "darwin", "windows", "merge", "release"])
        #expect(headerJobs(made.text) == Set(jobs.keys))

        // The release set, as crossgo's resolver and the real toolchain say, is what the shards build and test.
        let toolchain = try await realToolchain()
        let release = try TargetResolver(toolchain: toolchain).resolve("release").map(\.description)
        let env = try #require(tree["env"] as? [String: Any])
        #expect(env["CROSSGO_TARGETS"] as? String == release.joined(separator: ","))
        #expect(env["GO_VERSION"] as? String == String(toolchain.version.dropFirst(2)))
        #expect(made.text.contains("Targets (crossgo.yaml): " + release.joined(separator: " ")))

        // Shards on Linux, one matrix entry per shard, the count in the env the commands read.
        let shards = try #require(jobs["shards"])
        #expect(shards["runs-on"] as? String == "ubuntu-24.04")
        let matrix = (shards["strategy"] as? [String: Any])?["matrix"] as? [String: Any]
        let shardNumbers = try #require(matrix?["shard"] as? [Int])
        #expect(shardNumbers == Array(1...shardNumbers.count))
        #expect(env["CROSSGO_SHARDS"] as? String == String(shardNumbers.count))
        let shardRuns = (shards["steps"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(shardRuns.contains { $0.contains("crossgo test") && $0.contains("--shard \"$SHARD/$CROSSGO_SHARDS\"") })
        #expect(shardRuns.contains { $0.contains("crossgo build") && $0.contains("--out dist-shard") })
        #expect(shardRuns.contains { $0.contains("crossgo test") && $0.contains("--results dist-shard/test-results.json") })
        #expect(shardRuns.contains { $0.contains("apt-get install") && $0.contains("qemu-user") && $0.contains("wine64") })

        // darwin targets only in the darwin job, each on its own Mac; windows likewise.
        let darwin = includes(jobs["darwin"])
        #expect(darwin.map { $0["target"] ?? "" } == release.filter { $0.hasPrefix("darwin/") })
        #expect(darwin.allSatisfy { ($0["target"] == "darwin/arm64") == ($0["runner"] == "macos-14") })
        #expect(darwin.contains { $0["target"] == "darwin/amd64" && $0["runner"] == "macos-15-intel" })
        #expect(jobs["darwin"]?["runs-on"] as? String == "${{ matrix.runner }}")
        let windows = includes(jobs["windows"])
        #expect(windows.map { $0["target"] ?? "" } == release.filter { $0.hasPrefix("windows/") })
        #expect(windows.contains { $0["target"] == "windows/amd64" && $0["runner"] == "windows-latest" })

        // The final job waits for all the others, runs merge; the signed release has its own environment.
        let merge = try #require(jobs["merge"])
        #expect(Set(merge["needs"] as? [String] ?? []) == ["crossgo", "shards", "darwin", "windows"])
        let mergeSteps = merge["steps"] as? [[String: Any]] ?? []
        #expect(mergeSteps.contains { ($0["run"] as? String)?.contains("crossgo merge ") == true && ($0["run"] as? String)?.contains("--out dist") == true })
        #expect(mergeSteps.contains { ($0["with"] as? [String: Any])?["pattern"] as? String == "crossgo-shard-*" })
        let releaseJob = try #require(jobs["release"])
        #expect(releaseJob["environment"] as? String == "release")
        let sign = try #require((releaseJob["steps"] as? [[String: Any]])?.first { ($0["run"] as? String)?.contains("--sign-key") == true })
        #expect((sign["env"] as? [String: Any])?["MINISIGN_SECRET_KEY"] as? String == "${{ secrets.CROSSGO_MINISIGN_KEY }}")
        // GitHub's provenance attestation of every file the checksums file lists: pinned, with the permissions it needs
        // (an OIDC token, storing attestations) in the release job only, and the workflow's read-only default elsewhere.
        #expect(sign["id"] as? String == "release" && (sign["run"] as? String)?.contains(#"/release/*_checksums.txt >> "$GITHUB_OUTPUT""#) == true)
        let attest = try #require((releaseJob["steps"] as? [[String: Any]])?.first { ($0["uses"] as? String)?.hasPrefix("actions/attest-build-provenance@") == true })
        #expect(attest["uses"] as? String == "actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32")
        #expect((attest["with"] as? [String: Any])?["subject-checksums"] as? String == "${{ steps.release.outputs.checksums }}")
        #expect(attest["if"] as? String == "${{ steps.release.outputs.checksums != '' }}")
        #expect(releaseJob["permissions"] as? [String: String] == ["contents": "read", "id-token": "write", "attestations": "write"])
        for name in ["crossgo", "shards", "darwin", "windows", "merge"] { #expect(jobs[name]?["permissions"] == nil, "\(name)") }

        // The module is in hello/ of the repository: the jobs that check out run there.
        for name in ["shards", "darwin", "windows", "merge", "release"] {
            let wd = ((jobs[name]?["defaults"] as? [String: Any])?["run"] as? [String: Any])?["working-directory"] as? String
            #expect(wd == "hello", "\(name)")
        }
        // --json: the outcome names the file and the plan.
        let outcome = try summaryOutcome(CIOutcomeJSON.self, from: made.result.stdout)
        #expect(outcome.path == made.workflowPath)
        #expect(outcome.plan.targets == release)
        #expect(outcome.plan.darwin.map(\.target) == darwin.map { $0["target"] ?? "" })
    }

    @Test("every crossgo command the workflow runs is one this crossgo accepts (flags and values), and the check catches one it does not")
    func commandsParse() async throws {
        let made = try await CIFixture.shared.get()
        let commands = try allSteps(workflowTree(made.text)).compactMap { $0["run"] as? String }
            .flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { $0.hasPrefix("crossgo ") }
        // test, build (shards), test (darwin, natively), merge, release.
        #expect(Set(commands.map { $0.split(separator: " ")[1] }) == ["test", "build", "merge", "release"])
        for command in commands {
            let words = shellWords(command)
            #expect(throws: Never.self, "\(command)") { _ = try CrossGo.parseAsRoot(Array(words.dropFirst())) }
        }
        // The check itself: the flag an earlier workflow gave crossgo test is refused.
        #expect(throws: (any Error).self) { _ = try CrossGo.parseAsRoot(["test", "--shard", "1/2", "--out", "dist-shard"]) }
    }

    @Test("security: pinned actions, least privilege, no credentials kept, no expressions inside run, limits")
    func security() async throws {
        let made = try await CIFixture.shared.get()
        let tree = try workflowTree(made.text)
        #expect(tree["permissions"] as? [String: String] == ["contents": "read"])
        #expect((tree["concurrency"] as? [String: Any])?["group"] is String)
        let steps = try allSteps(tree)
        let uses = steps.compactMap { $0["uses"] as? String }
        #expect(uses.count >= 10)
        let pinned = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+@[0-9a-f]{40}$/
        for u in uses { #expect(u.wholeMatch(of: pinned) != nil, "\(u)") }
        // Each pin says its version in a comment.
        for line in made.text.split(separator: "\n") where line.contains("uses: ") {
            #expect(line.wholeMatch(of: /\s*(- )?uses: \S+@[0-9a-f]{40} # v\d+\.\d+\.\d+/) != nil, "\(line)")
        }
        for step in steps where (step["uses"] as? String)?.hasPrefix("actions/checkout@") == true {
            #expect((step["with"] as? [String: Any])?["persist-credentials"] as? Bool == false)
        }
        for step in steps {
            if let run = step["run"] as? String { #expect(!run.contains("${{"), "\(run)") }
        }
        for (name, job) in try jobs(tree) {
            #expect(job["timeout-minutes"] as? Int != nil, "\(name)")
            // The release job alone adds what GitHub's provenance attestation needs, and no more.
            if name == "release" {
                #expect(job["permissions"] as? [String: String] == ["contents": "read", "id-token": "write", "attestations": "write"])
            } else {
                #expect(job["permissions"] == nil, "\(name) asks for more than the top-level read access")
            }
        }
        // The secret reaches only the signing step, through env.
        #expect(made.text.components(separatedBy: "secrets.").count == 2)
    }

    @Test("check-jsonschema and zizmor --offline accept the workflow, with no findings even for the auditor persona")
    func validatorsAccept() async throws {
        let made = try await CIFixture.shared.get()
        let schema = try await validate("check-jsonschema", ["--builtin-schema", "vendor.github-workflows", made.workflowPath])
        #expect(schema.exitCode == 0, "\(schema.stdout)\(schema.stderr)")
        let zizmor = try await validate("zizmor", ["--offline", "--no-progress", "--format", "json", made.workflowPath])
        #expect(zizmor.exitCode == 0, "\(zizmor.stdout)\(zizmor.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(zizmor.stdout.utf8)) as? [Any])?.count == 0)
        let auditor = try await validate("zizmor", ["--offline", "--no-progress", "--persona", "auditor", "--format", "json", made.workflowPath])
        #expect(auditor.exitCode == 0, "\(auditor.stdout)\(auditor.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(auditor.stdout.utf8)) as? [Any])?.count == 0)
    }

    @Test("each validator rejects a broken variant: an unknown key, an unpinned action, an untrusted expression in run")
    func validatorsReject() async throws {
        let made = try await CIFixture.shared.get()
        let folder = try TempFolder("crossgo-ci-broken")
        defer { folder.cleanup() }

        let unknownKey = made.text.replacingOccurrences(of: "    runs-on: ubuntu-24.04\n    timeout-minutes: 45\n    steps:",
                                                         with: "    runs-on: ubuntu-24.04\n    timeout-minutes: 45\n    runs-onn: ubuntu-24.04\n    steps:")
        #expect(unknownKey != made.text)
        let schema = try await validate("check-jsonschema", ["--builtin-schema", "vendor.github-workflows",
                                                              try folder.write(".github/workflows/unknown-key.yml", unknownKey)])
        #expect(schema.exitCode != 0)
        #expect((schema.stdout + schema.stderr).contains("runs-onn"))

        let checkout = PinnedAction.checkout.uses
        let unpinned = made.text.replacingOccurrences(of: checkout, with: "actions/checkout@v4")
        #expect(unpinned != made.text)
        let z1 = try await validate("zizmor", ["--offline", "--no-progress", "--format", "json",
                                               try folder.write(".github/workflows/unpinned.yml", unpinned)])
        #expect(z1.exitCode != 0)
        #expect(z1.stdout.contains("unpinned-uses"))

        let injected = made.text.replacingOccurrences(of: "run: crossgo merge ", with: "run: echo \"${{ github.event.issue.title }}\"; crossgo merge ")
        #expect(injected != made.text)
        let z2 = try await validate("zizmor", ["--offline", "--no-progress", "--format", "json",
                                               try folder.write(".github/workflows/injected.yml", injected)])
        #expect(z2.exitCode != 0)
        #expect(z2.stdout.contains("template-injection"))
    }

    @Test("--stdout writes nothing; the same inputs write the same text; an existing file is kept without --force")
    func stdoutAndForce() async throws {
        let copy = try copyExample("hello")
        defer { copy.cleanup() }
        try copy.write("crossgo.yaml", "targets: release\n")
        let before = filesUnder(copy.path)
        let printed = try await runCrossgo(["ci", "github", "--stdout"], in: copy.path)
        #expect(printed.exitCode == 0, "\(printed.stderr)")
        #expect(filesUnder(copy.path) == before)
        #expect(try jobs(workflowTree(printed.stdout))["shards"] != nil)
        #expect(printed.stderr.contains("nothing written"))

        // Outside git the workflow goes next to go.mod; written, it is what --stdout printed.
        let path = copy.path + "/" + GitHubWorkflow.relativePath
        let written = try await runCrossgo(["ci", "github"], in: copy.path)
        #expect(written.exitCode == 0, "\(written.stderr)")
        #expect(written.stdout.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == printed.stdout)

        // A file of the user's is refused with one line naming it, and left as it was.
        try copy.write(".github/workflows/crossgo.yml", "name: mine\n")
        let refused = try await runCrossgo(["ci", "github"], in: copy.path)
        #expect(refused.exitCode == 2)
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(path) == true && lines.first?.contains("--force") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "name: mine\n")

        let forced = try await runCrossgo(["ci", "github", "--force"], in: copy.path)
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == printed.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.path + "/.github/workflows") == ["crossgo.yml"])
    }

    @Test("--target and --shards shape the jobs: Linux targets only give no darwin or windows job and no Wine")
    func targetsAndShards() async throws {
        let copy = try copyExample("hello")
        defer { copy.cleanup() }
        let r = try await runCrossgo(["ci", "github", "--stdout", "--target", "linux/amd64,linux/riscv64,wasip1/wasm", "--shards", "2",
                                      "--crossgo-source", "https://example.com/crossgo.git", "--crossgo-ref", "v0.2.0"], in: copy.path)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let tree = try workflowTree(r.stdout)
        let jobs = try jobs(tree)
        #expect(Set(jobs.keys) == ["crossgo", "shards", "merge", "release"])
        #expect(headerJobs(r.stdout) == Set(jobs.keys), "the header names only jobs that exist")
        #expect(Set(jobs["merge"]?["needs"] as? [String] ?? []) == ["crossgo", "shards"])
        let matrix = (jobs["shards"]?["strategy"] as? [String: Any])?["matrix"] as? [String: Any]
        #expect(matrix?["shard"] as? [Int] == [1, 2])
        let env = try #require(tree["env"] as? [String: Any])
        #expect(env["CROSSGO_TARGETS"] as? String == "linux/amd64,linux/riscv64,wasip1/wasm")
        #expect(env["CROSSGO_SOURCE"] as? String == "https://example.com/crossgo.git")
        #expect(env["CROSSGO_REF"] as? String == "v0.2.0")
        let runs = (jobs["shards"]?["steps"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }.joined(separator: "\n")
        #expect(runs.contains("qemu-user") && !runs.contains("wine"))
        // The module is the root of nothing but itself: no working-directory.
        #expect(jobs["shards"]?["defaults"] == nil)
        #expect(!r.stderr.contains("CROSSGO_SOURCE"))
    }

    @Test("a library (no main package): test shards and merge, no build step, no release job; pushes on origin's default branch, else the current one; both validators accept it")
    func library() async throws {
        let repo = try TempFolder("crossgo-ci-library")
        defer { repo.cleanup() }
        let work = repo.path + "/router"
        try repo.write("router/go.mod", "module example.com/router\n\ngo 1.21\n")
        try repo.write("router/router.go", "package router\n\n// Route joins a method and a path.\nfunc Route(method, path string) string { return method + \" \" + path }\n")
        try repo.write("router/router_test.go", "package router\n\nimport \"testing\"\n\nfunc TestRoute(t *testing.T) {\n\tif Route(\"GET\", \"/\") != \"GET /\" {\n\t\tt.Fatal(\"route\")\n\t}\n}\n")
        let gitEnv: EnvironmentChanges = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"]
        func git(_ arguments: [String], in folder: String) async throws {
            let r = try await runProgram("git", arguments, environment: gitEnv, workingDirectory: folder, timeout: 60)
            try #require(r.succeeded, "git \(arguments.joined(separator: " ")): \(r.stderr)")
        }
        // origin's default branch is `trunk`; the work tree is on `dev`.
        try await git(["init", "-q", "--bare", "-b", "trunk", repo.path + "/origin.git"], in: repo.path)
        try await git(["init", "-q", "-b", "dev"], in: work)
        try await git(["add", "."], in: work)
        try await git(["-c", "user.name=crossgo", "-c", "user.email=crossgo@example.com", "commit", "-q", "-m", "router"], in: work)
        try await git(["remote", "add", "origin", repo.path + "/origin.git"], in: work)
        try await git(["push", "-q", "origin", "dev:trunk"], in: work)
        try await git(["remote", "set-head", "origin", "trunk"], in: work)

        let r = try await runCrossgo(["ci", "github", "--target", "linux/amd64,linux/arm64,windows/amd64"], in: work)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stderr.contains("a library (no main package)"), "\(r.stderr)")
        let path = work + "/" + GitHubWorkflow.relativePath
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let tree = try workflowTree(text)
        let jobMap = try jobs(tree)
        #expect(Set(jobMap.keys) == ["crossgo", "shards", "windows", "merge"])
        #expect(headerJobs(text) == Set(jobMap.keys))
        let commands = try allSteps(tree).compactMap { $0["run"] as? String }
            .flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { $0.hasPrefix("crossgo ") }
        #expect(Set(commands.map { $0.split(separator: " ")[1] }) == ["test", "merge"])
        for command in commands {
            #expect(throws: Never.self, "\(command)") { _ = try CrossGo.parseAsRoot(Array(shellWords(command).dropFirst())) }
        }
        #expect(!text.contains("secrets."))
        let on = try #require(tree["on"] as? [String: Any])
        #expect((on["push"] as? [String: Any])?["branches"] as? [String] == ["trunk"])
        #expect(text.contains("# Pushes to trunk run it: origin's default branch (origin/HEAD)."))
        // The shard's test results are what the shard uploads: the test command the shard runs passes here.
        let shardTest = try #require(commands.first { $0.contains("--shard") })
        let ran = try await runCrossgo(Array(shellWords(shardTest).dropFirst()).map { $0 == "1/2" ? "1/1" : $0 == "linux/amd64,windows/amd64" ? "linux/amd64" : $0 }, in: work)
        #expect(ran.exitCode == 0, "\(ran.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/dist-shard/test-results.json"))

        let schema = try await validate("check-jsonschema", ["--builtin-schema", "vendor.github-workflows", path])
        #expect(schema.exitCode == 0, "\(schema.stdout)\(schema.stderr)")
        let zizmor = try await validate("zizmor", ["--offline", "--no-progress", "--persona", "auditor", "--format", "json", path])
        #expect(zizmor.exitCode == 0, "\(zizmor.stdout)\(zizmor.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(zizmor.stdout.utf8)) as? [Any])?.count == 0)

        // No origin/HEAD: the current branch, and the header says so.
        try await git(["remote", "remove", "origin"], in: work)
        let current = try await runCrossgo(["ci", "github", "--stdout", "--target", "linux/amd64"], in: work)
        #expect(current.exitCode == 0, "\(current.stderr)")
        let currentTree = try workflowTree(current.stdout)
        #expect(((currentTree["on"] as? [String: Any])?["push"] as? [String: Any])?["branches"] as? [String] == ["dev"])
        #expect(current.stdout.contains("# Pushes to dev run it: the current branch (git knows no origin/HEAD)."))
        #expect(try Set(jobs(currentTree).keys) == ["crossgo", "shards", "merge"])
    }

    @Test("bad input: one line, exit 2, nothing written", arguments: [
        (["--shards", "0"], "--shards 0"),
        (["--shards", "33"], "--shards 33"),
        (["--target", "plan10/amd64"], "plan10/amd64"),
        (["--crossgo-ref=-x"], "--crossgo-ref"),
        (["--crossgo-source=a'b"], "--crossgo-source"),
    ])
    func badInput(_ arguments: [String], _ named: String) async throws {
        let copy = try copyExample("hello")
        defer { copy.cleanup() }
        let r = try await runCrossgo(["ci", "github"] + arguments, in: copy.path)
        #expect(r.exitCode == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(named), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: copy.path + "/.github"))
    }
}

/// The parts of the ci outcome the tests read.
struct CIOutcomeJSON: Decodable {
    struct Plan: Decodable {
        struct Native: Decodable { var target: String; var runner: String }
        var targets: [String]
        var darwin: [Native]
    }
    var path: String?
    var plan: Plan
}
