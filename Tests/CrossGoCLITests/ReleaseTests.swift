// Issue 13: `crossgo release` and `crossgo verify` on a real module, checked with outside tools: tar, unzip,
// sha256sum, minisign, llvm-lipo, and a second release from another clone.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

/// One release of a committed, tagged copy of Examples/hello for six targets, made once for the suite.
enum ReleaseFixture {
    static let shared = Once { try await make() }
    static let targets = "linux/amd64,linux/arm64,darwin/arm64,darwin/amd64,windows/amd64,js/wasm"
    static let arguments = ["release", "--target", targets, "--universal", "--ldflags=-X main.version={{.Version}}", "--no-progress", "--json"]
    /// 2026-01-01T00:00:00Z, the fixture's commit time.
    static let commitTime: Int64 = 1_767_225_600

    struct Made: Sendable {
        var root: TempFolder
        var module: String
        var dist: String
        var keyBase: String
        var result: ProgramResult
        var manifest: ReleaseManifest
    }


    static func git(_ args: [String], in dir: String) async throws -> ProgramResult {
        let result = try await runProgram("git", args, environment: [
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"], workingDirectory: dir)
        guard result.exitCode == 0 else { throw EnvironmentError("git \(args.joined(separator: " ")): \(result.stderr)") }
        return result
    }

    static func make() async throws -> Made {
        let root = try TempFolder("release")
        let module = root.path + "/one/hello"
        try FileManager.default.createDirectory(atPath: root.path + "/one", withIntermediateDirectories: true)
        let example = try copyExample("hello")
        try FileManager.default.copyItem(atPath: example.path, toPath: module)
        example.cleanup()
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"], ["tag", "v1.2.3"]] {
            _ = try await git(args, in: module)
        }
        let keyBase = root.path + "/keys/release"
        try FileManager.default.createDirectory(atPath: root.path + "/keys", withIntermediateDirectories: true)
        let keygen = try await runCrossgo(["release", "keygen", keyBase])
        guard keygen.exitCode == 0 else { throw EnvironmentError("keygen: \(keygen.stderr)") }
        let result = try await runCrossgo(arguments + ["--sign-key", keyBase + ".key"], in: module)
        let dist = module + "/dist"
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/release.json")))
        return Made(root: root, module: module, dist: dist, keyBase: keyBase, result: result, manifest: manifest)
    }
}

@Suite(.requires("git", "tar", "unzip", "sha256sum", "minisign", "llvm-lipo"))
struct ReleaseTests {
    static let binaries = ["hello_darwin_amd64", "hello_darwin_arm64", "hello_js_wasm.wasm", "hello_linux_amd64", "hello_linux_arm64",
                           "hello_windows_amd64.exe"]

    @Test func everyFileIsMadeListedAndChecksummed() async throws {
        let made = try await ReleaseFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stderr)")
        let manifest = made.manifest
        #expect(manifest.version == "1.2.3" && manifest.project == "hello")
        #expect(manifest.sourceDateEpoch == ReleaseFixture.commitTime && manifest.sourceDateFrom == "last commit")
        let archives = ["darwin_amd64.tar.gz", "darwin_arm64.tar.gz", "darwin_universal.tar.gz", "js_wasm.tar.gz", "linux_amd64.tar.gz",
                        "linux_arm64.tar.gz", "windows_amd64.zip"].map { "hello_1.2.3_" + $0 }
        let sboms = (Self.binaries + ["hello_darwin_universal"]).flatMap { [$0 + ".cdx.json", $0 + ".spdx.json"] }
        let expected = Set(archives + sboms + ["hello_darwin_universal"])
        #expect(Set(manifest.files.map(\.path)) == expected)
        #expect(manifest.checksums == "hello_1.2.3_checksums.txt" && manifest.interrupted == nil)
        // The provenance is part of the seal: recorded (and signed) by release.json, not listed in the checksums file.
        #expect(Set(manifest.records?.keys.map { $0 } ?? []) == ["manifest.json", "SHA256SUMS", ".gitignore", "hello_1.2.3.intoto.jsonl"])
        #expect(manifest.provenance == "hello_1.2.3.intoto.jsonl")
        for name in ["hello_1.2.3_checksums.txt", "hello_1.2.3_checksums.txt.minisig", "release.json.minisig"] {
            #expect(FileManager.default.fileExists(atPath: made.dist + "/" + name), "\(name)")
        }
        // The universal binary is released like the others: an archive (with its entries recorded) and two SBOMs.
        let universalArchive = manifest.files.first { $0.path == "hello_1.2.3_darwin_universal.tar.gz" }
        #expect(universalArchive?.entries == ["hello", "README.md"], "\(String(describing: universalArchive))")
        #expect(manifest.failed.isEmpty && manifest.stages.allSatisfy { $0.status != .failed }, "\(manifest.stages)")
        #expect(manifest.files.filter { $0.kind == .sbom }.allSatisfy { $0.covers?.count == 1 })
        for file in expected { #expect(FileManager.default.fileExists(atPath: made.dist + "/" + file), "\(file)") }
        // sha256sum agrees with the checksums file, which lists every released file.
        let check = try await runProgram("sha256sum", ["-c", "hello_1.2.3_checksums.txt"], workingDirectory: made.dist)
        #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.split(separator: "\n").count == expected.count)
        // The stamped version is in the binary, and the archive holds that binary.
        let extract = try TempFolder("extract")
        defer { extract.cleanup() }
        #expect(try await runProgram("tar", ["-xzf", made.dist + "/hello_1.2.3_linux_amd64.tar.gz", "-C", extract.path]).exitCode == 0)
        let ran = try await runProgram(extract.path + "/hello", ["-version"])
        #expect(ran.stdout == "1.2.3\n")
    }

    @Test func archivesAreNormalised() async throws {
        let made = try await ReleaseFixture.shared.get()
        let listing = try await runProgram("tar", ["--numeric-owner", "-tvzf", made.dist + "/hello_1.2.3_linux_amd64.tar.gz"], environment: ["TZ": "UTC"])
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(listing.stdout)")
        #expect(lines.first?.hasPrefix("-rw-r--r-- 0/0") == true && lines.first?.hasSuffix(" 2026-01-01 00:00 README.md") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("-rwxr-xr-x 0/0") == true && lines.last?.hasSuffix(" 2026-01-01 00:00 hello") == true, "\(lines)")
        let zip = try await runProgram("unzip", ["-l", made.dist + "/hello_1.2.3_windows_amd64.zip"])
        let entries = zip.stdout.split(separator: "\n").filter { $0.contains("2026") }.map { $0.split(separator: " ").suffix(3).joined(separator: " ") }
        #expect(entries == ["2026-01-01 00:00 README.md", "2026-01-01 00:00 hello.exe"], "\(zip.stdout)")
        let gzip = try await runProgram("gzip", ["-t", made.dist + "/hello_1.2.3_js_wasm.tar.gz"])
        #expect(gzip.exitCode == 0)
    }

    @Test func theSignatureVerifiesWithMinisignAndTamperingFails() async throws {
        let made = try await ReleaseFixture.shared.get()
        let sums = made.dist + "/hello_1.2.3_checksums.txt"
        let good = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", sums])
        #expect(good.exitCode == 0, "\(good.stderr)")
        #expect(good.stdout.contains("Trusted comment: timestamp:\(ReleaseFixture.commitTime)\tfile:hello_1.2.3_checksums.txt\thashed"), "\(good.stdout)")
        let scratch = try TempFolder("tamper")
        defer { scratch.cleanup() }
        // One changed byte in the signed file.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: sums))
        bytes[0] = bytes[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try bytes.write(to: URL(fileURLWithPath: scratch.path + "/sums.txt"))
        try FileManager.default.copyItem(atPath: sums + ".minisig", toPath: scratch.path + "/sums.txt.minisig")
        let changed = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", scratch.path + "/sums.txt"])
        #expect(changed.exitCode != 0)
        // A changed trusted comment.
        let signature = try String(contentsOfFile: sums + ".minisig", encoding: .utf8)
        try signature.replacingOccurrences(of: "trusted comment: timestamp:", with: "trusted comment: timestamp:1").write(
            toFile: scratch.path + "/same.txt.minisig", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: sums, toPath: scratch.path + "/same.txt")
        let comment = try await runProgram("minisign", ["-V", "-p", made.keyBase + ".pub", "-m", scratch.path + "/same.txt"])
        #expect(comment.exitCode != 0)
        #expect(try signature != String(contentsOfFile: scratch.path + "/same.txt.minisig", encoding: .utf8))
    }

    @Test func theUniversalBinaryHasBothSlices() async throws {
        let made = try await ReleaseFixture.shared.get()
        let info = try await runProgram("llvm-lipo", ["-info", made.dist + "/hello_darwin_universal"])
        #expect(info.exitCode == 0 && info.stdout.contains("x86_64") && info.stdout.contains("arm64"), "\(info.stdout)\(info.stderr)")
        let image = try BinaryImage.read(path: made.dist + "/hello_darwin_universal")
        #expect(image.format == .universal && image.slices.map { $0.goarch ?? "" }.sorted() == ["amd64", "arm64"])
        #expect(image.slices.allSatisfy { $0.buildInfo?.path == "example.com/hello" })
        #expect(image.slices.first { $0.goarch == "arm64" }?.macho?.hasCodeSignature == true)
    }

    @Test func verifyChecksEverythingAndNamesWhatWasChanged() async throws {
        let made = try await ReleaseFixture.shared.get()
        let ok = try await runCrossgo(["verify", made.dist, "--pub", made.keyBase + ".pub", "--no-progress"])
        #expect(ok.exitCode == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stderr.contains("0 failed"))
        let copy = try TempFolder("verify")
        defer { copy.cleanup() }
        let dist = try copy.copy(folder: made.dist)
        let archive = dist + "/hello_1.2.3_linux_arm64.tar.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        bytes[bytes.count - 9] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: archive))
        let bad = try await runCrossgo(["verify", dist, "--pub", made.keyBase + ".pub", "--no-progress"])
        #expect(bad.exitCode == 1)
        let failures = bad.stdout.split(separator: "\n").filter { $0.hasPrefix("FAILED") }
        // Its checksum, its release.json record and its provenance subject.
        #expect(failures.count == 3 && failures.allSatisfy { $0.contains("hello_1.2.3_linux_arm64.tar.gz") }, "\(bad.stdout)")
        #expect(failures.contains { $0.hasPrefix("FAILED provenance hello_1.2.3.intoto.jsonl: subject hello_1.2.3_linux_arm64.tar.gz: sha256 ") }, "\(bad.stdout)")
        let noKey = try await runCrossgo(["verify", dist, "--pub", copy.path + "/nosuch.pub"])
        #expect(noKey.exitCode == 2 && noKey.stderr.contains("nosuch.pub"), "\(noKey.stderr)")
    }

    @Test func aSecondCloneElsewhereReleasesTheSameBytes() async throws {
        let made = try await ReleaseFixture.shared.get()
        let other = try TempFolder("release-clone")
        defer { other.cleanup() }
        let clone = other.path + "/elsewhere/hello"
        _ = try await ReleaseFixture.git(["clone", "-q", made.module, clone], in: other.path)
        let result = try await runCrossgo(ReleaseFixture.arguments + ["--sign-key", made.keyBase + ".key"], in: clone)
        #expect(result.exitCode == 0, "\(result.stderr)")
        for name in ["hello_1.2.3_checksums.txt", "hello_1.2.3_checksums.txt.minisig"] + Self.binaries + ["hello_darwin_universal"] {
            let first = try Data(contentsOf: URL(fileURLWithPath: made.dist + "/" + name))
            let second = try Data(contentsOf: URL(fileURLWithPath: clone + "/dist/" + name))
            #expect(first == second, "\(name) differs between the two clones")
        }
    }

    @Test func badInputIsOneLineAndExitTwo() async throws {
        let made = try await ReleaseFixture.shared.get()
        let again = try await runCrossgo(["release", "keygen", made.keyBase])
        #expect(again.exitCode == 2 && again.stderr.contains(made.keyBase + ".key") && !again.stderr.contains("SECRET"), "\(again.stderr)")
        let missingKey = try await runCrossgo(["release", "--target", "linux/amd64", "--sign-key", "nosuch.key"], in: made.module)
        #expect(missingKey.exitCode == 2 && missingKey.stderr.contains("nosuch.key"), "\(missingKey.stderr)")
        let epoch = try await runCrossgo(["release", "--target", "linux/amd64"], in: made.module, environment: ["SOURCE_DATE_EPOCH": "yesterday"])
        #expect(epoch.exitCode == 2 && epoch.stderr.contains("SOURCE_DATE_EPOCH"), "\(epoch.stderr)")
        let version = try await runCrossgo(["release", "--target", "linux/amd64", "--version", "1.0/evil"], in: made.module)
        #expect(version.exitCode == 2 && version.stderr.contains("--version"), "\(version.stderr)")
    }
}

/// release --audit: the artifacts and the SBOMs release wrote are audited against a database folder.
@Suite(.requires("git")) struct ReleaseAuditTests {
    @Test func aWindowsOnlyAdvisoryIsFoundOnTheWindowsArtifactAndItsSBOM() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"]] { _ = try await ReleaseFixture.git(args, in: module.path) }
        let db = try TempFolder("crossgo-vulndb")
        defer { db.cleanup() }
        try VulnDBFixture.write(to: db.path, modified: "2026-11-20T00:00:00Z")
        let released = try await runCrossgo(["release", "--target", "linux/amd64,windows/amd64", "--version", "1.0.0", "--audit-db", db.path,
                                             "--no-progress"], in: module.path)
        // hello never opens a file: os.OpenFile, the function the entry names, is not linked: found, recorded, not failing.
        #expect(released.exitCode == 0, "\(released.stderr)")
        #expect(released.stderr.contains("stage audit: done"), "\(released.stderr)")
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: module.path + "/dist/release.json")))
        let audit = try #require(manifest.audit)
        #expect(audit.findings.map(\.id) == ["GO-0000-0002"] && audit.findings.map(\.linked) == ["not-linked"] && audit.level == "symbol")
        let notLinked = audit.artifacts.filter { $0.status == "not-linked" }.map { ($0.file as NSString).lastPathComponent }
        #expect(notLinked == ["hello_windows_amd64.exe"], "\(audit.artifacts)")
        // The SBOM crossgo wrote carries what audit needs: the same finding, on the windows SBOM only.
        let fromSBOM = try await runCrossgo(["audit", "dist/hello_windows_amd64.exe.cdx.json", "dist/hello_linux_amd64.cdx.json", "--db", db.path, "--json"],
                                            in: module.path)
        #expect(fromSBOM.exitCode == 1)
        struct Summary: Decodable { var findings: [AuditFindingGroup]; var artifacts: [AuditArtifactRecord] }
        let outcome = try summaryOutcome(Summary.self, from: fromSBOM.stdout)
        #expect(outcome.findings.map(\.id) == ["GO-0000-0002"])
        #expect(outcome.artifacts.filter { $0.status == "vulnerable" }.map { ($0.file as NSString).lastPathComponent } == ["hello_windows_amd64.exe.cdx.json"])
    }
}

/// --check-reproducible: the example rebuilds byte for byte; a time in -ldflags is found and named.
@Suite(.requires("git")) struct ReproducibilityTests {
    @Test func theExampleIsReproducibleAndATimeInLdflagsIsNot() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"]] { _ = try await ReleaseFixture.git(args, in: module.path) }
        let same = try await runCrossgo(["release", "--target", "linux/amd64", "--check-reproducible", "--version", "1.0.0", "--no-progress"], in: module.path)
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(same.stdout.contains("reproducible hello_linux_amd64") && !same.stdout.contains("not reproducible"), "\(same.stdout)")
        let dated = try await runCrossgo(["release", "--target", "linux/amd64", "--check-reproducible", "--version", "1.0.0", "--no-progress",
                                          "--ldflags=-X main.version={{.Date}}"], in: module.path)
        #expect(dated.exitCode == 1)
        let line = dated.stdout.split(separator: "\n").first { $0.hasPrefix("not reproducible hello_linux_amd64") } ?? ""
        #expect(line.contains("differs in .rodata") && line.contains("-ldflags") && line.contains("{{.CommitDate}}"), "\(dated.stdout)")
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: module.path + "/dist/release.json")))
        #expect(manifest.reproducibility?.first?.status == .differs && manifest.reproducibility?.first?.sections?.first == ".rodata")
    }
}
