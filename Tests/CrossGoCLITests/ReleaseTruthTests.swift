// Issue 23: a release verifies only when every file of its folder is covered by a checksum or a signature and every
// stage passed; a failed or interrupted release is never signed; release.json holds no path of the machine.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.requires("git", "minisign")) struct ReleaseTruthTests {
    /// verify on a copy of the fixture's release folder after `change`.
    static func verifyCopy(pub: Bool = true, _ change: (String) throws -> Void) async throws -> ProgramResult {
        let made = try await ReleaseFixture.shared.get()
        let copy = try TempFolder("crossgo-verify")
        defer { copy.cleanup() }
        let dist = try copy.copy(folder: made.dist)
        try change(dist)
        return try await runCrossgo(["verify", dist, "--no-progress"] + (pub ? ["--pub", made.keyBase + ".pub"] : []))
    }

    static func failures(_ result: ProgramResult) -> [String] {
        result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAILED") }.map(String.init)
    }

    @Test func aFlippedByteInAnyFileOfTheFolderFailsVerify() async throws {
        let made = try await ReleaseFixture.shared.get()
        let intact = try await Self.verifyCopy { _ in }
        #expect(intact.exitCode == 0 && Self.failures(intact).isEmpty, "\(intact.stdout)\(intact.stderr)")
        let files = filesUnder(made.dist)
        #expect(files.contains("release.json") && files.contains("manifest.json") && files.contains("release.json.minisig"))
        for file in files {
            let result = try await Self.verifyCopy { dist in
                let path = dist + "/" + file
                var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                bytes[bytes.count / 2] ^= 0x01
                try bytes.write(to: URL(fileURLWithPath: path))
            }
            #expect(result.exitCode == 1, "a flipped byte in \(file) verified: \(result.stdout)")
            #expect(Self.failures(result).contains { $0.contains(file) }, "\(file): \(result.stdout)")
            // minisign agrees where a signature applies: the flipped file (or the flipped signature) does not verify.
            let signed = file.hasSuffix(".minisig") ? String(file.dropLast(".minisig".count)) : file
            guard files.contains(signed + ".minisig") else { continue }
            let scratch = try TempFolder("crossgo-minisign")
            defer { scratch.cleanup() }
            for name in [signed, signed + ".minisig"] {
                try FileManager.default.copyItem(atPath: made.dist + "/" + name, toPath: scratch.path + "/" + name)
            }
            var bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/" + file))
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: scratch.path + "/" + file))
            let minisign = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", scratch.path + "/" + signed])
            #expect(minisign.exitCode != 0, "minisign accepted a flipped \(file)")
        }
    }

    @Test func aMissingRecordOrSignatureAnExtraFileOrNoKeyFailsVerify() async throws {
        let made = try await ReleaseFixture.shared.get()
        let sums = "hello_1.2.3_checksums.txt"
        let cases: [(String, Bool, (String) throws -> Void)] = [
            ("release.json", true, { try FileManager.default.removeItem(atPath: $0 + "/release.json") }),
            (sums + ".minisig", true, { try FileManager.default.removeItem(atPath: $0 + "/" + sums + ".minisig") }),
            (sums + ".minisig", true, { dist in  // another file's good signature in its place
                try FileManager.default.removeItem(atPath: dist + "/" + sums + ".minisig")
                try FileManager.default.copyItem(atPath: dist + "/release.json.minisig", toPath: dist + "/" + sums + ".minisig")
            }),
            ("notes.txt", true, { try "added later\n".write(toFile: $0 + "/notes.txt", atomically: true, encoding: .utf8) }),
            ("hello_extra", true, { try FileManager.default.copyItem(atPath: $0 + "/hello_linux_amd64", toPath: $0 + "/hello_extra") }),
            ("not checked", false, { _ in }),
        ]
        for (named, pub, change) in cases {
            let result = try await Self.verifyCopy(pub: pub, change)
            #expect(result.exitCode == 1, "\(named): \(result.stdout)")
            #expect(Self.failures(result).contains { $0.contains(named) }, "\(named): \(result.stdout)")
        }
        // minisign agrees about the swapped signature.
        let copy = try TempFolder("crossgo-swap")
        defer { copy.cleanup() }
        try FileManager.default.copyItem(atPath: made.dist + "/" + sums, toPath: copy.path + "/" + sums)
        try FileManager.default.copyItem(atPath: made.dist + "/release.json.minisig", toPath: copy.path + "/" + sums + ".minisig")
        let minisign = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", copy.path + "/" + sums])
        #expect(minisign.exitCode != 0)
        let good = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", made.dist + "/release.json"])
        #expect(good.exitCode == 0, "\(good.stderr)")
    }

    @Test func aReleaseWithAFailedStageIsNotSignedAndDoesNotVerify() async throws {
        let root = try TempFolder("crossgo-failed-release")
        defer { root.cleanup() }
        let module = root.path + "/src/hello"
        try FileManager.default.createDirectory(atPath: root.path + "/src", withIntermediateDirectories: true)
        let example = try copyExample("hello")
        try FileManager.default.copyItem(atPath: example.path, toPath: module)
        example.cleanup()
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"]] { _ = try await ReleaseFixture.git(args, in: module) }
        // An entry naming a function hello calls (fmt.Printf): linked, so the audit stage fails.
        let db = root.path + "/vulndb"
        try VulnDBFixture.write(to: db, modified: "2026-11-20T00:00:00Z", extra: [#"""
            {"schema_version": "1.3.1", "id": "GO-0000-0003", "modified": "2026-11-20T00:00:00Z", "published": "2026-11-20T00:00:00Z",
             "summary": "Test entry (not a real advisory): a standard-library issue in a function hello calls",
             "affected": [{"package": {"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.26.0-0"}]}],
                           "ecosystem_specific": {"imports": [{"path": "fmt", "symbols": ["Printf"]}]}}],
             "database_specific": {"url": "https://pkg.go.dev/vuln/GO-0000-0003"}}
            """#])
        #expect(try await runCrossgo(["release", "keygen", root.path + "/k"]).exitCode == 0)
        let released = try await runCrossgo(["release", "--target", "linux/amd64,windows/amd64", "--version", "1.0.0", "--audit-db", "../../vulndb",
                                             "--sign-key", root.path + "/k.key", "--no-progress"], in: module)
        #expect(released.exitCode == 1, "\(released.stderr)")
        #expect(released.stdout.contains("FAILED stage audit:") && released.stdout.contains("GO-0000-0003"), "\(released.stdout)")
        let summary = released.stderr.split(separator: "\n").last { $0.hasPrefix("crossgo: released") } ?? ""
        #expect(summary.contains("failed stage(s): audit") && summary.contains("not signed"), "\(released.stderr)")
        #expect(released.stderr.contains("stage sign: skipped"), "\(released.stderr)")
        let dist = module + "/dist"
        #expect(!filesUnder(dist).contains { $0.hasSuffix(".minisig") }, "\(filesUnder(dist))")
        // release.json holds no path of this machine: the database relative to the release folder, artifacts by name.
        let text = try String(contentsOfFile: dist + "/release.json", encoding: .utf8)
        #expect(!text.contains(root.path) && !text.contains("\"/"), "\(text)")
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(text.utf8))
        #expect(manifest.audit?.database == "../../../vulndb", "\(String(describing: manifest.audit?.database))")
        #expect(manifest.audit?.artifacts.map(\.file).sorted() == ["hello_linux_amd64", "hello_windows_amd64.exe"])
        // verify names the failed stage, with or without a key.
        let verified = try await runCrossgo(["verify", dist, "--no-progress", "--pub", root.path + "/k.pub"])
        #expect(verified.exitCode == 1 && Self.failures(verified).contains { $0.contains("stage audit") }, "\(verified.stdout)")
    }

    @Test func anInterruptedReleaseLeavesNoSealAndNothingInTMPDIR() async throws {
        let root = try TempFolder("crossgo-interrupted-release")
        defer { root.cleanup() }
        let module = root.path + "/hello"
        let example = try copyExample("hello")
        try FileManager.default.copyItem(atPath: example.path, toPath: module)
        example.cleanup()
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"]] { _ = try await ReleaseFixture.git(args, in: module) }
        #expect(try await runCrossgo(["release", "keygen", root.path + "/k"]).exitCode == 0)
        let args = ["release", "--target", "linux/amd64,linux/arm64", "--version", "1.0.0", "--sign-key", root.path + "/k.key"]
        // A complete, signed release first: the interrupted one must take its seal away.
        let first = try await runCrossgo(args + ["--no-progress"], in: module)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: module + "/dist/hello_1.0.0_checksums.txt.minisig"))
        let tmp = root.path + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        // The rebuild of --check-reproducible starts from an empty GOCACHE: SIGINT to the whole process group then.
        let run = try GroupInterrupt(arguments: args + ["--check-reproducible", "--json"], in: module, environment: ["TMPDIR": tmp])
        let (status, seconds) = try run.interrupt(when: "rebuilding")
        #expect(status == ExitStatus.interrupted.rawValue, "\(run.output)")
        print("release: exit \(status) \(String(format: "%.2f", seconds)) s after SIGINT to the process group")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "left in TMPDIR: \(filesUnder(tmp).prefix(5))")
        let dist = module + "/dist"
        #expect(!filesUnder(dist).contains { $0.hasSuffix(".minisig") || $0.hasSuffix("_checksums.txt") }, "\(filesUnder(dist))")
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/release.json")))
        #expect(manifest.interrupted == true && manifest.checksums == nil && manifest.signature == nil)
        let verified = try await runCrossgo(["verify", dist, "--no-progress", "--pub", root.path + "/k.pub"])
        #expect(verified.exitCode == 1 && Self.failures(verified).contains { $0.contains("interrupted") }, "\(verified.stdout)")
    }
}

/// `crossgo build` under a process-group SIGINT (as `timeout -s INT` sends it) during go's own compile: 130, the
/// jobs reported as interrupted (not failed), and nothing of crossgo's or go's left in TMPDIR.
@Suite struct BuildInterruptTests {
    @Test func aGroupInterruptDuringAColdBuildLeavesNothingInTMPDIR() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let root = try TempFolder("crossgo-build-interrupt")
        defer { root.cleanup() }
        let tmp = root.path + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        // An empty GOCACHE: go is still compiling the standard library when the signal comes.
        let run = try GroupInterrupt(arguments: ["build", "--target", "linux/amd64,linux/arm64", "--json"], in: module.path,
                                     environment: ["TMPDIR": tmp, "GOCACHE": root.path + "/gocache"])
        let (status, seconds) = try run.interrupt(when: "\"job-started\"")
        print("build: exit \(status) \(String(format: "%.2f", seconds)) s after SIGINT to the process group")
        #expect(status == ExitStatus.interrupted.rawValue, "\(run.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "left in TMPDIR: \(filesUnder(tmp).prefix(5))")
        let ends = run.output.split(separator: "\n").filter { $0.contains("\"job-finished\"") }
        #expect(!ends.isEmpty && ends.allSatisfy { !$0.contains("\"failed\"") }, "\(ends)")
    }
}
