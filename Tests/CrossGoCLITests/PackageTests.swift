// Issue 26: .deb and .rpm packages, a Homebrew formula and a Scoop manifest from a release, read back with Debian's
// and RPM's own tools (dpkg-deb, dpkg, lintian, rpm, rpmlint) and ruby, installed and run (arm64 under qemu).
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// One release of a committed, tagged copy of Examples/hello with `packages:` in crossgo.yaml and a GitHub remote,
/// for linux/amd64, linux/arm64, linux/mips (no package architecture), darwin/arm64 and windows/amd64.
enum PackageFixture {
    static let shared = Once { try await make() }
    static let targets = "linux/amd64,linux/arm64,linux/mips,darwin/arm64,windows/amd64"
    static let arguments = ["release", "--target", targets, "--package", "deb,rpm,brew,scoop",
                            "--ldflags=-s -w -X main.version={{.Version}}",
                            "--no-progress"]
    static let config = """
        packages:
          maintainer: Jane Doe <jane@example.com>
          description: |
            Says which platform it was built for
            hello prints the platform it was built for and the one it runs on.
          homepage: https://example.com/hello
          license: MIT
          recommends: [ca-certificates]
          files:
            - source: hello.conf
              destination: /etc/hello/hello.conf
              config: true
          scripts:
            postinstall: postinst.sh

        """
    static let debs = ["hello_1.2.3-1_amd64.deb", "hello_1.2.3-1_arm64.deb"]
    static let rpms = ["hello-1.2.3-1.x86_64.rpm", "hello-1.2.3-1.aarch64.rpm"]

    typealias Made = ReleaseFixture.Made

    /// A tagged commit of Examples/hello with the packaging files, in `folder`.
    static func module(in folder: String, config: String = config) async throws -> String {
        let module = folder + "/hello"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let example = try copyExample("hello")
        try FileManager.default.copyItem(atPath: example.path, toPath: module)
        example.cleanup()
        try config.write(toFile: module + "/crossgo.yaml", atomically: true, encoding: .utf8)
        try "greeting = hello\n".write(toFile: module + "/hello.conf", atomically: true, encoding: .utf8)
        try "#!/bin/sh\nset -e\necho hello installed\n".write(toFile: module + "/postinst.sh", atomically: true, encoding: .utf8)
        try "MIT License\n\nCopyright (c) 2026 Jane Doe\n".write(toFile: module + "/LICENSE", atomically: true, encoding: .utf8)
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hello"], ["tag", "v1.2.3"],
                     ["remote", "add", "origin", "https://github.com/example/hello.git"]] {
            _ = try await ReleaseFixture.git(args, in: module)
        }
        return module
    }

    static func make() async throws -> Made {
        let root = try TempFolder("packages")
        let module = try await module(in: root.path + "/one")
        let keyBase = root.path + "/release"
        let keygen = try await runCrossgo(["release", "keygen", keyBase])
        guard keygen.exitCode == 0 else { throw EnvironmentError("keygen: \(keygen.stderr)") }
        let result = try await runCrossgo(arguments + ["--sign-key", keyBase + ".key"], in: module)
        let dist = module + "/dist"
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/release.json")))
        return Made(root: root, module: module, dist: dist, keyBase: keyBase, result: result, manifest: manifest)
    }

    /// The checksums file as name -> sha256.
    static func checksums(_ dist: String) throws -> [String: String] {
        let text = try String(contentsOfFile: dist + "/hello_1.2.3_checksums.txt", encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            out[String(parts[1].dropFirst())] = String(parts[0])
        }
        return out
    }

    /// Runs an installed hello with -version: natively on a host of its architecture, else under qemu-user.
    static func run(_ path: String, goarch: String) async throws -> ProgramResult {
        if hostPair == "linux/" + goarch { return try await runProgram(path, ["-version"]) }
        return try await runProgram(goarch == "amd64" ? "qemu-x86_64" : "qemu-aarch64", [path, "-version"])
    }

    /// A copy of `file` with one byte in the middle of its payload flipped.
    static func damaged(_ dist: String, _ file: String, into folder: TempFolder) throws -> String {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dist + "/" + file))
        bytes[bytes.count - bytes.count / 4] ^= 0x10  // in data.tar.gz / the compressed payload, both at the end of the file
        let path = folder.path + "/" + file
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The checks of `crossgo verify --json`'s summary.
struct VerifyChecks: Decodable {
    var checks: [VerifyCheck]
}

@Suite(.requires("git", "sha256sum", "dpkg-deb", "dpkg", "lintian", "rpm", "rpmkeys", "rpmlint", "gpg", "ruby", "qemu-aarch64"))
struct PackageTests {
    @Test func packagesAndManifestsAreReleasedChecksummedSignedAndVerified() async throws {
        let made = try await PackageFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stdout)\(made.result.stderr)")
        let files = made.manifest.files
        let packages = files.filter { $0.kind == .package }
        #expect(Set(packages.map(\.path)) == Set(PackageFixture.debs + PackageFixture.rpms), "\(files.map(\.path))")
        #expect(Set(files.filter { $0.kind == .manifest }.map(\.path)) == ["hello.rb", "hello.json"])
        #expect(packages.allSatisfy { $0.covers == ["hello_linux_" + ($0.target == "linux/amd64" ? "amd64" : "arm64")] }, "\(packages)")
        // linux/mips has no package architecture: one line says so, and the stage still passes.
        let stage = made.manifest.stages.first { $0.name == "packages" }
        #expect(stage?.status == .done && stage?.detail.contains("none for linux/mips (no package architecture of its own)") == true, "\(String(describing: stage))")
        #expect(made.result.stderr.contains("no package for hello linux/mips: linux/mips has no Debian and RPM architecture"), "\(made.result.stderr)")
        #expect(made.manifest.stages.first { $0.name == "manifests" }?.status == .done)
        // Every package and manifest is in the checksums file (signed), and sha256sum agrees.
        let sums = try PackageFixture.checksums(made.dist)
        for name in PackageFixture.debs + PackageFixture.rpms + ["hello.rb", "hello.json"] {
            #expect(sums[name] == files.first { $0.path == name }?.sha256, "\(name)")
        }
        let check = try await runProgram("sha256sum", ["-c", "hello_1.2.3_checksums.txt"], workingDirectory: made.dist)
        #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
        // verify checks each package's binary against the released one, and each manifest's hashes.
        let verified = try await runCrossgo(["verify", made.dist, "--no-progress", "--pub", made.keyBase + ".pub", "--json"])
        #expect(verified.exitCode == 0, "\(verified.stdout)\(verified.stderr)")
        let outcome = try summaryOutcome(VerifyChecks.self, from: verified.stdout)
        let packageChecks = outcome.checks.filter { $0.kind == "package" }
        #expect(Set(packageChecks.map(\.subject)) == Set(PackageFixture.debs + PackageFixture.rpms))
        #expect(packageChecks.allSatisfy { $0.status == .ok && $0.detail.contains("/usr/bin/hello equals hello_linux_") }, "\(packageChecks)")
        // Each .rpm carries an OpenPGP signature by the key the release includes (RPM-GPG-KEY-hello, in the checksums).
        #expect(packageChecks.filter { $0.subject.hasSuffix(".rpm") }.allSatisfy { $0.detail.contains("its header's OpenPGP signature checks with RPM-GPG-KEY-hello (key ") },
                "\(packageChecks)")
        #expect(outcome.checks.contains { $0.kind == "key" && $0.subject == "RPM-GPG-KEY-hello" && $0.status == .ok }, "\(outcome.checks)")
        #expect(sums["RPM-GPG-KEY-hello"] == files.first { $0.kind == .key }?.sha256)
        #expect(made.manifest.stages.first { $0.name == "package-signatures" }?.status == .done)
        let manifestChecks = outcome.checks.filter { $0.kind == "manifest" }
        #expect(manifestChecks.map(\.status) == [.ok, .ok], "\(manifestChecks)")
    }

    @Test func debianToolsReadLintAndInstallEveryDeb() async throws {
        let made = try await PackageFixture.shared.get()
        for (deb, arch) in zip(PackageFixture.debs, ["amd64", "arm64"]) {
            let path = made.dist + "/" + deb
            let info = try await runProgram("dpkg-deb", ["--info", path])
            #expect(info.exitCode == 0, "\(info.stderr)")
            for field in ["Package: hello", "Version: 1.2.3-1", "Architecture: \(arch)", "Maintainer: Jane Doe <jane@example.com>",
                          "Recommends: ca-certificates", "Homepage: https://example.com/hello", "Description: Says which platform it was built for"] {
                #expect(info.stdout.contains(field), "\(deb): \(field) in \(info.stdout)")
            }
            #expect(info.stdout.contains("postinst") && info.stdout.contains("conffiles") && info.stdout.contains("md5sums"), "\(info.stdout)")
            let contents = try await runProgram("dpkg-deb", ["--contents", path], environment: ["TZ": "UTC"])
            #expect(contents.exitCode == 0, "\(contents.stderr)")
            let lines = contents.stdout.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("-rwxr-xr-x root/root") && $0.hasSuffix("2026-01-01 00:00 ./usr/bin/hello") }, "\(contents.stdout)")
            #expect(lines.contains { $0.hasPrefix("-rw-r--r-- root/root") && $0.hasSuffix(" ./etc/hello/hello.conf") }, "\(contents.stdout)")
            #expect(lines.contains { $0.hasSuffix(" ./usr/share/doc/hello/copyright") } && lines.contains { $0.hasSuffix(" ./usr/share/doc/hello/changelog.Debian.gz") })
            // lintian: no errors (the warnings accepted are listed in the README).
            let lint = try await runProgram("lintian", ["--no-cfg", path])
            let errors = lint.stdout.split(separator: "\n").filter { $0.hasPrefix("E:") }
            #expect(errors.isEmpty, "\(deb): \(lint.stdout)\(lint.stderr)")
            #expect(lint.exitCode == 0, "\(deb): lintian exit \(lint.exitCode): \(lint.stdout)\(lint.stderr)")
            // Unpacked, the binary runs (arm64 under qemu) and prints the released version.
            let root = try TempFolder("deb-root")
            defer { root.cleanup() }
            let unpacked = try await runProgram("dpkg", ["-x", path, root.path])
            #expect(unpacked.exitCode == 0, "\(unpacked.stderr)")
            let ran = try await PackageFixture.run(root.path + "/usr/bin/hello", goarch: arch)
            #expect(ran.stdout == "1.2.3\n", "\(deb): \(ran.stdout)\(ran.stderr)")
            #expect(try String(contentsOfFile: root.path + "/etc/hello/hello.conf", encoding: .utf8) == "greeting = hello\n")
            // dpkg installs it into an empty root of its own (the postinst runs), and removes it keeping the conffile.
            let system = try TempFolder("dpkg-root")
            defer { system.cleanup() }
            try FileManager.default.createDirectory(atPath: system.path + "/var/lib/dpkg/updates", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: system.path + "/var/lib/dpkg/info", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: system.path + "/var/lib/dpkg/status", contents: Data())
            let dpkg = ["--root=" + system.path, "--force-script-chrootless", "--force-not-root", "--force-depends", "--force-architecture", "--log=/dev/null"]
            let install = try await runProgram("dpkg", dpkg + ["-i", path])
            #expect(install.exitCode == 0 && install.stdout.contains("Setting up hello\(hostPair == "linux/" + arch ? "" : ":" + arch) (1.2.3-1)")
                    && install.stdout.contains("hello installed"),
                    "\(deb): \(install.stdout)\(install.stderr)")
            let status = try await runProgram("dpkg", ["--root=" + system.path, "-s", "hello"])
            #expect(status.stdout.contains("Status: install ok installed\n"), "\(status.stdout)")
            #expect(try await PackageFixture.run(system.path + "/usr/bin/hello", goarch: arch).stdout == "1.2.3\n")
            let remove = try await runProgram("dpkg", dpkg + ["-r", "hello"])
            #expect(remove.exitCode == 0, "\(remove.stdout)\(remove.stderr)")
            #expect(!FileManager.default.fileExists(atPath: system.path + "/usr/bin/hello") && FileManager.default.fileExists(atPath: system.path + "/etc/hello/hello.conf"))
        }
    }

    @Test func rpmToolsReadCheckLintAndInstallEveryRpm() async throws {
        let made = try await PackageFixture.shared.get()
        // rpm and rpmlint check signatures against the keys of rpm's database: a database of the test's own (%_dbpath in
        // the .rpmmacros of a HOME of its own), so that this machine's is left alone.
        let home = try TempFolder("rpm-home")
        defer { home.cleanup() }
        try "%_dbpath \(home.path)/rpmdb\n".write(toFile: home.path + "/.rpmmacros", atomically: true, encoding: .utf8)
        let rpmEnvironment = ["HOME": home.path]
        let key = made.dist + "/RPM-GPG-KEY-hello"
        // Before the release's key is imported, rpm knows the signature but not its key.
        let unknown = try await runProgram("rpm", ["-Kv", made.dist + "/" + PackageFixture.rpms[0]], environment: rpmEnvironment)
        #expect(unknown.exitCode != 0 && unknown.stdout.contains("Header V4 EdDSA/SHA256 Signature, key ID ") && unknown.stdout.contains(": NOKEY"),
                "\(unknown.stdout)\(unknown.stderr)")
        let imported = try await runProgram("rpmkeys", ["--import", key], environment: rpmEnvironment)
        #expect(imported.exitCode == 0, "\(imported.stdout)\(imported.stderr)")
        // GnuPG reads the same key block and checks the key's signature of its user ID.
        let gnupg = try TempFolder("gnupg")
        defer { gnupg.cleanup() }
        let gpgEnvironment = ["GNUPGHOME": gnupg.path]
        let gpgImport = try await runProgram("gpg", ["--batch", "--import", key], environment: gpgEnvironment)
        #expect(gpgImport.exitCode == 0 && gpgImport.stderr.contains("public key \"hello packages (crossgo, from minisign key "), "\(gpgImport.stderr)")
        let gpgCheck = try await runProgram("gpg", ["--batch", "--check-sigs"], environment: gpgEnvironment)
        #expect(gpgCheck.exitCode == 0 && gpgCheck.stdout.contains("sig!") && gpgCheck.stderr.contains("1 good signature"), "\(gpgCheck.stdout)\(gpgCheck.stderr)")
        for (rpm, arch) in zip(PackageFixture.rpms, ["x86_64", "aarch64"]) {
            let path = made.dist + "/" + rpm
            let query = try await runProgram("rpm", ["-qp", "--queryformat", "%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}\n", path])
            #expect(query.exitCode == 0 && query.stdout == "hello 1.2.3 1 \(arch) MIT\n", "\(rpm): \(query.stdout)\(query.stderr)")
            let info = try await runProgram("rpm", ["-qip", path])
            #expect(info.exitCode == 0 && info.stdout.contains("Summary     : Says which platform it was built for"), "\(info.stdout)\(info.stderr)")
            let list = try await runProgram("rpm", ["-qlvp", path])
            #expect(list.stdout.contains("/usr/bin/hello") && list.stdout.contains("/etc/hello/hello.conf"), "\(list.stdout)")
            let configs = try await runProgram("rpm", ["-qcp", path])
            #expect(configs.stdout == "/etc/hello/hello.conf\n", "\(configs.stdout)")
            let scripts = try await runProgram("rpm", ["-qp", "--scripts", path])
            #expect(scripts.stdout == "postinstall scriptlet (using /bin/sh):\n#!/bin/sh\nset -e\necho hello installed\n\n", "\(scripts.stdout)")
            let digests = try await runProgram("rpm", ["-K", path], environment: rpmEnvironment)
            #expect(digests.exitCode == 0 && digests.stdout.hasSuffix("digests signatures OK\n"), "\(rpm): \(digests.stdout)\(digests.stderr)")
            let signature = try await runProgram("rpm", ["-Kv", path], environment: rpmEnvironment)
            #expect(signature.stdout.contains("Header V4 EdDSA/SHA256 Signature, key ID ") && signature.stdout.contains(": OK\n"), "\(signature.stdout)")
            // rpmlint: no errors but the one the README accepts (a Go program built with CGO_ENABLED=0 is static by design).
            let lint = try await runProgram("rpmlint", [path], environment: rpmEnvironment)
            let errors = Set(lint.stdout.split(separator: "\n").filter { $0.contains(": E: ") }.map { String($0.split(separator: " ")[2]) })
            #expect(errors == ["statically-linked-binary"], "\(rpm): \(lint.stdout)\(lint.stderr)")
            #expect(lint.stdout.contains(" 1 errors"), "\(lint.stdout)")
            // Installed into a scratch root with its own database, the binary runs.
            let root = try TempFolder("rpm-root")
            defer { root.cleanup() }
            let installed = try await runProgram("rpm", ["-i", "--root", root.path, "--dbpath", root.path + "/rpmdb", "--nodeps", "--noscripts",
                                                          "--ignorearch", path])
            #expect(installed.exitCode == 0, "\(rpm): \(installed.stdout)\(installed.stderr)")
            let ran = try await PackageFixture.run(root.path + "/usr/bin/hello", goarch: arch == "x86_64" ? "amd64" : "arm64")
            #expect(ran.stdout == "1.2.3\n", "\(rpm): \(ran.stdout)\(ran.stderr)")
        }
    }

    @Test func everyToolRejectsAFlippedPayloadByte() async throws {
        let made = try await PackageFixture.shared.get()
        let scratch = try TempFolder("damaged")
        defer { scratch.cleanup() }
        let deb = try PackageFixture.damaged(made.dist, PackageFixture.debs[0], into: scratch)
        let contents = try await runProgram("dpkg-deb", ["--contents", deb])
        #expect(contents.exitCode != 0, "dpkg-deb read a damaged .deb: \(contents.stdout)")
        let unpack = try TempFolder("damaged-root")
        defer { unpack.cleanup() }
        #expect(try await runProgram("dpkg", ["-x", deb, unpack.path]).exitCode != 0)
        let lint = try await runProgram("lintian", ["--no-cfg", deb])
        #expect(lint.exitCode != 0, "lintian passed a damaged .deb: \(lint.stdout)")

        let rpm = try PackageFixture.damaged(made.dist, PackageFixture.rpms[0], into: scratch)
        let digests = try await runProgram("rpm", ["-K", rpm])
        #expect(digests.exitCode != 0 && digests.stdout.contains("NOT OK"), "rpm -K: \(digests.stdout)\(digests.stderr)")
        let root = try TempFolder("damaged-rpm-root")
        defer { root.cleanup() }
        let installed = try await runProgram("rpm", ["-i", "--root", root.path, "--dbpath", root.path + "/rpmdb", "--nodeps", "--noscripts", "--ignorearch", rpm])
        #expect(installed.exitCode != 0, "rpm -i installed a damaged .rpm")
        let lintRPM = try await runProgram("rpmlint", [rpm])
        #expect(lintRPM.exitCode != 0, "rpmlint passed a damaged .rpm: \(lintRPM.stdout)")

        // A flipped byte in the second .rpm's OpenPGP signature (its digests intact): rpm, with the key imported, says BAD.
        var forged = try Data(contentsOf: URL(fileURLWithPath: made.dist + "/" + PackageFixture.rpms[1]))
        let packet = try #require(forged.firstRange(of: Data([0x04, 0x00, 0x16, 0x08])), "no v4 EdDSA/SHA-256 signature packet")
        let packetLength = Int(forged[packet.lowerBound - 1])
        forged[packet.lowerBound + packetLength - 1] ^= 0x01  // the last byte of S
        let forgedPath = scratch.path + "/" + PackageFixture.rpms[1]
        try forged.write(to: URL(fileURLWithPath: forgedPath))
        let home = try TempFolder("rpm-home")
        defer { home.cleanup() }
        try "%_dbpath \(home.path)/rpmdb\n".write(toFile: home.path + "/.rpmmacros", atomically: true, encoding: .utf8)
        _ = try await runProgram("rpmkeys", ["--import", made.dist + "/RPM-GPG-KEY-hello"], environment: ["HOME": home.path])
        let bad = try await runProgram("rpm", ["-Kv", forgedPath], environment: ["HOME": home.path])
        #expect(bad.exitCode != 0 && bad.stdout.contains("EdDSA/SHA256 Signature, key ID ") && bad.stdout.contains(": BAD"), "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains("Header SHA256 digest: OK"), "\(bad.stdout)")

        // crossgo verify says which package is damaged, though the checksums are made to agree with it.
        let copy = try TempFolder("damaged-dist")
        defer { copy.cleanup() }
        let dist = try copy.copy(folder: made.dist)
        for name in [PackageFixture.debs[0], PackageFixture.rpms[0], PackageFixture.rpms[1]] {
            try FileManager.default.removeItem(atPath: dist + "/" + name)
            try FileManager.default.copyItem(atPath: scratch.path + "/" + name, toPath: dist + "/" + name)
        }
        let verified = try await runCrossgo(["verify", dist, "--no-progress", "--pub", made.keyBase + ".pub"])
        #expect(verified.exitCode == 1)
        for name in [PackageFixture.debs[0], PackageFixture.rpms[0]] {
            #expect(verified.stdout.contains("FAILED package \(name): not readable"), "\(verified.stdout)")
        }
        #expect(verified.stdout.contains("FAILED package \(PackageFixture.rpms[1]): its OpenPGP signature does not check with RPM-GPG-KEY-hello: "
                                          + "the EdDSA signature does not check with key "), "\(verified.stdout)")
    }

    @Test func theFormulaAndTheScoopManifestCarryTheArchivesHashes() async throws {
        let made = try await PackageFixture.shared.get()
        let formula = made.dist + "/hello.rb"
        let syntax = try await runProgram("ruby", ["-c", formula])
        #expect(syntax.exitCode == 0 && syntax.stdout == "Syntax OK\n", "\(syntax.stdout)\(syntax.stderr)")
        let text = try String(contentsOfFile: formula, encoding: .utf8)
        let sums = try PackageFixture.checksums(made.dist)
        let base = "https://github.com/example/hello/releases/download/v1.2.3/"
        for archive in ["hello_1.2.3_darwin_arm64.tar.gz", "hello_1.2.3_linux_amd64.tar.gz", "hello_1.2.3_linux_arm64.tar.gz"] {
            let digest = try #require(sums[archive])
            #expect(text.contains("      url \"\(base + archive)\"\n      sha256 \"\(digest)\"\n"), "\(archive) in \(text)")
        }
        for line in ["class Hello < Formula", "  desc \"Says which platform it was built for\"", "  homepage \"https://example.com/hello\"",
                     "  version \"1.2.3\"", "  license \"MIT\"", "  on_macos do", "  on_linux do", "    on_arm do", "    on_intel do",
                     "    bin.install \"hello\"", "  test do", "    system bin/\"hello\", \"--version\""] {
            #expect(text.contains(line + "\n"), "\(line) in \(text)")
        }
        #expect(!text.contains("windows") && !text.contains("mips"))
        // Scoop: every required field, the windows archive's URL and hash.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: made.dist + "/hello.json"))) as? [String: Any])
        #expect(json["version"] as? String == "1.2.3" && json["bin"] as? String == "hello.exe" && json["license"] as? String == "MIT")
        #expect(json["homepage"] as? String == "https://example.com/hello" && json["description"] as? String == "Says which platform it was built for")
        let architecture = try #require(json["architecture"] as? [String: [String: String]])
        #expect(Set(architecture.keys) == ["64bit"])
        #expect(architecture["64bit"] == ["url": base + "hello_1.2.3_windows_amd64.zip", "hash": try #require(sums["hello_1.2.3_windows_amd64.zip"])])
        // A changed hash fails verify.
        let copy = try TempFolder("manifest-dist")
        defer { copy.cleanup() }
        let dist = try copy.copy(folder: made.dist)
        let digest = try #require(sums["hello_1.2.3_linux_amd64.tar.gz"])
        try text.replacingOccurrences(of: digest, with: String(digest.reversed())).write(toFile: dist + "/hello.rb", atomically: true, encoding: .utf8)
        let verified = try await runCrossgo(["verify", dist, "--no-progress", "--pub", made.keyBase + ".pub"])
        #expect(verified.exitCode == 1 && verified.stdout.contains("FAILED manifest hello.rb: hello_1.2.3_linux_amd64.tar.gz: hash"), "\(verified.stdout)")
    }

    @Test func twoReleasesOfOneCommitInTwoFoldersAreByteIdentical() async throws {
        let made = try await PackageFixture.shared.get()
        let other = try TempFolder("packages-clone")
        defer { other.cleanup() }
        let clone = other.path + "/elsewhere/hello"
        try FileManager.default.createDirectory(atPath: other.path + "/elsewhere", withIntermediateDirectories: true)
        _ = try await ReleaseFixture.git(["clone", "-q", made.module, clone], in: other.path)
        _ = try await ReleaseFixture.git(["remote", "set-url", "origin", "https://github.com/example/hello.git"], in: clone)
        // Signed with the same key: Ed25519 signatures are deterministic, so the signed .rpm files are identical too.
        let result = try await runCrossgo(PackageFixture.arguments + ["--sign-key", made.keyBase + ".key"], in: clone)
        #expect(result.exitCode == 0, "\(result.stderr)")
        for name in PackageFixture.debs + PackageFixture.rpms + ["hello.rb", "hello.json", "RPM-GPG-KEY-hello"] {
            let first = try Data(contentsOf: URL(fileURLWithPath: made.dist + "/" + name))
            let second = try Data(contentsOf: URL(fileURLWithPath: clone + "/dist/" + name))
            #expect(first == second, "\(name) differs between the two folders")
        }
    }

    @Test(arguments: [
        ("packages:\n  maintainer: J <j@example.com>\n  licence: MIT\n", "crossgo.yaml:3: packages.licence: unknown key (did you mean license?)"),
        ("packages:\n  maintainer: J <j@example.com>\n  license: MIT\n  files:\n    - source: missing.conf\n      destination: /etc/x\n",
         "crossgo.yaml:5: packages.files[0].source: missing.conf: no such file"),
        ("packages:\n  maintainer: J <j@example.com>\n  license: MIT\n  files:\n    - source: hello.conf\n",
         "crossgo.yaml:5: packages.files[0].destination: missing: where it is installed"),
        ("packages:\n  maintainer: J <j@example.com>\n  license: MIT\n  files: hello.conf\n",
         "crossgo.yaml:4: packages.files: expected a list of files (source, destination, mode, config)"),
        ("packages:\n  name: Hello_World\n", "crossgo.yaml:2: packages.name: Debian refuses the package name \"Hello_World\""),
        ("packages:\n  license: MIT\n", "crossgo.yaml:1: packages.maintainer: missing: a .deb and .rpm names its maintainer"),
    ])
    func badPackagingInputIsOneLineExitTwoAndNothingWritten(config: String, message: String) async throws {
        let root = try TempFolder("packages-bad")
        defer { root.cleanup() }
        let module = try await PackageFixture.module(in: root.path + "/m", config: config)
        let result = try await runCrossgo(["release", "--target", "linux/amd64", "--package", "deb,rpm", "--no-progress"], in: module)
        #expect(result.exitCode == 2, "\(result.stdout)\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: module + "/dist"), "a refused release wrote \(filesUnder(module + "/dist"))")
    }

    @Test func shardsMergeTheirPackagesAndWriteTheManifestsOverAllArchives() async throws {
        let root = try TempFolder("packages-shards")
        defer { root.cleanup() }
        let module = try await PackageFixture.module(in: root.path + "/m")
        let args = ["release", "--target", "linux/amd64,linux/arm64,windows/amd64,darwin/arm64", "--package", "deb,rpm,brew,scoop",
                    "--ldflags=-s -w", "--no-progress"]
        let formulaArchives = ["hello_1.2.3_darwin_arm64.tar.gz", "hello_1.2.3_linux_amd64.tar.gz", "hello_1.2.3_linux_arm64.tar.gz"]
        for k in 1...2 {
            let shard = try await runCrossgo(args + ["--shard", "\(k)/2"], in: module)
            #expect(shard.exitCode == 0, "\(shard.stderr)")
            // A shard's own formula (if it wrote one) points to its own archives only.
            if let text = try? String(contentsOfFile: module + "/dist/shard-\(k)-of-2/hello.rb", encoding: .utf8) {
                #expect(!formulaArchives.allSatisfy { text.contains($0) }, "shard \(k) had every archive: the test shows nothing")
            }
        }
        // The shards are unsigned (a CI shard has no secret); the merge signs, the packages too.
        let keygen = try await runCrossgo(["release", "keygen", root.path + "/release"])
        #expect(keygen.exitCode == 0, "\(keygen.stderr)")
        let sign = ["--sign-key", root.path + "/release.key"]
        let merged = try await runCrossgo(["merge", "dist/shard-1-of-2", "dist/shard-2-of-2", "--out", "merged", "--no-progress"] + sign, in: module)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        #expect(!merged.stderr.contains("not merged"), "\(merged.stderr)")
        let manifest = try #require(try ReleaseManifest.read(from: module + "/merged"))
        #expect(Set(manifest.files.filter { $0.kind == .package }.map(\.path)) == Set(PackageFixture.debs + PackageFixture.rpms))
        #expect(manifest.stages.map(\.name).contains("packages"))
        #expect(manifest.stages.first { $0.name == "manifests" }?.status == .done, "\(manifest.stages)")
        // The merged formula points to the darwin and both linux archives, the Scoop manifest to the windows one, and
        // both are byte for byte what one release of all four targets writes.
        let formula = try String(contentsOfFile: module + "/merged/hello.rb", encoding: .utf8)
        #expect(formulaArchives.allSatisfy { formula.contains("/" + $0) }, "\(formula)")
        #expect(try String(contentsOfFile: module + "/merged/hello.json", encoding: .utf8).contains("/hello_1.2.3_windows_amd64.zip"))
        let whole = try await runCrossgo(args + ["--out", "whole"] + sign, in: module)
        #expect(whole.exitCode == 0, "\(whole.stderr)")
        #expect(manifest.stages.first { $0.name == "package-signatures" }?.status == .done, "\(manifest.stages)")
        for name in ["hello.rb", "hello.json", "RPM-GPG-KEY-hello"] + PackageFixture.rpms {
            #expect(FileManager.default.contents(atPath: module + "/merged/" + name) == FileManager.default.contents(atPath: module + "/whole/" + name),
                    "\(name) differs between the merged and the unsharded release")
        }
        #expect(manifest.manifestSource == (try ReleaseManifest.read(from: module + "/whole"))?.manifestSource)
        let verified = try await runCrossgo(["verify", "merged", "--no-progress", "--json", "--pub", root.path + "/release.pub"], in: module)
        #expect(verified.exitCode == 0, "\(verified.stdout)")
        let allChecks = try summaryOutcome(VerifyChecks.self, from: verified.stdout).checks
        let checks = allChecks.filter { $0.kind == "manifest" }
        #expect(Set(checks.map(\.subject)) == ["hello.rb", "hello.json"] && checks.allSatisfy { $0.status == .ok }, "\(checks)")
        // The merge's own provenance covers every merged file (the shards, unsigned, wrote none).
        #expect(allChecks.contains { $0.kind == "provenance" && $0.subject == "hello_1.2.3.intoto.jsonl" && $0.status == .ok }, "\(allChecks.filter { $0.kind == "provenance" })")
        #expect(manifest.stages.first { $0.name == "provenance" }?.status == .done, "\(manifest.stages)")
        let rpmChecks = allChecks.filter { $0.kind == "package" && $0.subject.hasSuffix(".rpm") }
        #expect(rpmChecks.count == 2 && rpmChecks.allSatisfy { $0.detail.contains("OpenPGP signature checks with RPM-GPG-KEY-hello") }, "\(rpmChecks)")

        // Shards that recorded different manifest settings are not one release: one line naming both, exit 2, no folder.
        let other = try root.copy(folder: module + "/dist/shard-2-of-2", as: "shard-2-other")
        var record = try #require(try ReleaseManifest.read(from: other))
        record.manifestSource?.tag = "v9.9.9"
        try record.write(to: other, system: liveSystem())
        let refused = try await runCrossgo(["merge", "dist/shard-1-of-2", other, "--out", "refused", "--no-progress"], in: module)
        #expect(refused.exitCode == 2 && refused.stderr.contains("\(other) and ") && refused.stderr.contains("record different manifest settings"),
                "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: module + "/refused"))
    }

    @Test func levelsOfOneArchitectureGiveOnePackage() async throws {
        let root = try TempFolder("packages-levels")
        defer { root.cleanup() }
        let module = try await PackageFixture.module(in: root.path + "/m")
        let result = try await runCrossgo(["release", "--target", "linux/amd64/v3,linux/amd64,linux/arm/6,linux/arm/5", "--package", "deb,rpm",
                                           "--ldflags=-s -w", "--no-progress"], in: module)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: module + "/dist/release.json")))
        let packages = manifest.files.filter { $0.kind == .package }.map { "\($0.path) \($0.target ?? "")" }.sorted()
        #expect(packages == ["hello-1.2.3-1.armv5tel.rpm linux/arm/5", "hello-1.2.3-1.x86_64.rpm linux/amd64",
                             "hello_1.2.3-1_amd64.deb linux/amd64", "hello_1.2.3-1_armel.deb linux/arm/5"], "\(packages)")
        #expect(result.stderr.contains("no package for hello linux/amd64/v3: linux/amd64 has the amd64 package"), "\(result.stderr)")
        #expect(result.stderr.contains("no package for hello linux/arm/6: linux/arm/5 has the armel package"), "\(result.stderr)")
    }

    @Test func anUnknownPackageFormatIsAUsageError() async throws {
        let result = try await runCrossgo(["release", "--package", "deb,msi"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--package msi: not a package format (deb, rpm, brew, scoop)"), "\(result.stderr)")
    }
}
