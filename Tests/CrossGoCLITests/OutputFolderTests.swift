// Folders crossgo creates for its outputs stay out of git, so that a later build in the same checkout is not
// stamped vcs.modified=true by crossgo's own files (the sequence the generated CI workflow runs).
import CrossGoKit
import Foundation
import Testing
import TestSupport

@Suite("Output folders")
struct OutputFolderTests {
    /// A copy of Examples/bench committed to a fresh git repository.
    static func gitModule() async throws -> TempFolder {
        let module = try copyExample("bench")
        let gitEnv: EnvironmentChanges = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"]
        for args in [["init", "-q"], ["add", "."], ["-c", "user.name=crossgo", "-c", "user.email=crossgo@example.com", "commit", "-q", "-m", "fixture"]] {
            let r = try await runProgram("git", args, environment: gitEnv, workingDirectory: module.path, timeout: 60)
            try #require(r.succeeded, "git \(args.joined(separator: " ")): \(r.stderr)")
        }
        return module
    }

    static func gitStatus(_ folder: String) async throws -> String {
        let r = try await runProgram("git", ["status", "--porcelain", "--untracked-files=all"], workingDirectory: folder, timeout: 60)
        try #require(r.succeeded)
        return r.stdout
    }

    @Test("test --results/--junit, bench --results and report -o create their folders with a .gitignore: the next build says vcs.modified=false; a folder of the user's gets none")
    func outputsStayOutOfGit() async throws {
        let module = try await Self.gitModule()
        defer { module.cleanup() }
        let env: EnvironmentChanges = ["CROSSGO_CACHE": "off", "NO_COLOR": "1"]
        let test = try await runCrossgo(["test", "--target", "linux/amd64", "--results", "out/test-results.json", "--junit", "reports/ci/junit.xml"],
                                        in: module.path, environment: env)
        #expect(test.exitCode == 0, "\(test.stderr)")
        #expect(FileManager.default.fileExists(atPath: module.path + "/out/test-results.json"))
        #expect(FileManager.default.fileExists(atPath: module.path + "/reports/ci/junit.xml"))
        let bench = try await runCrossgo(["bench", "--target", "linux/amd64", "--count", "1", "--benchtime", "1x", "--results", "benches/b.json"],
                                         in: module.path, environment: env)
        #expect(bench.exitCode == 0, "\(bench.stderr)")
        let report = try await runCrossgo(["report", "out", "-o", "pages/report.html"], in: module.path, environment: env)
        #expect(report.exitCode == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: module.path + "/pages/report.html"))
        // Only the topmost folder each run created holds the .gitignore (it hides everything below it).
        for folder in ["out", "reports", "benches", "pages"] {
            #expect((try? String(contentsOfFile: module.path + "/" + folder + "/.gitignore", encoding: .utf8))?.hasSuffix("\n*\n") == true, "\(folder)")
        }
        #expect(!FileManager.default.fileExists(atPath: module.path + "/reports/ci/.gitignore"))
        #expect(try await Self.gitStatus(module.path) == "")

        let build = try await runCrossgo(["build", "--target", "linux/amd64", "--out", "out"], in: module.path, environment: env)
        #expect(build.exitCode == 0, "\(build.stderr)")
        let toolchain = try await realToolchain()
        let info = try await runProgram(toolchain.goPath, ["version", "-m", module.path + "/out/churn_linux_amd64"], timeout: 60)
        #expect(info.stdout.contains("build\tvcs.modified=false"), "\(info.stdout)")
        #expect(info.stdout.contains("build\tvcs=git"), "\(info.stdout)")

        // An existing folder of the user's: the file is written there, the folder gets no .gitignore.
        try FileManager.default.createDirectory(atPath: module.path + "/mine", withIntermediateDirectories: true)
        let mine = try await runCrossgo(["test", "--target", "linux/amd64", "--junit", "mine/junit.xml"], in: module.path, environment: env)
        #expect(mine.exitCode == 0, "\(mine.stderr)")
        #expect(FileManager.default.fileExists(atPath: module.path + "/mine/junit.xml"))
        #expect(!FileManager.default.fileExists(atPath: module.path + "/mine/.gitignore"))
        #expect(try await Self.gitStatus(module.path) == "?? mine/junit.xml\n")
    }
}
