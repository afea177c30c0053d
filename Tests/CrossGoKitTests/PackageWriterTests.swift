// The package writers' facts without a release: architecture names, package names and versions, `packages:` in
// crossgo.yaml, and the .deb and .rpm read back by crossgo's own reader (verify's) and by dpkg-deb and rpm.
@testable import CrossGoKit
import Foundation
import Testing
import TestSupport

struct PackageWriterTests {
    @Test func goarchToDebianAndRPMArchitectures() throws {
        let cases: [(String, String?, String, String)] = [
            ("amd64", nil, "amd64", "x86_64"), ("arm64", nil, "arm64", "aarch64"), ("386", nil, "i386", "i686"),
            ("arm", "7", "armhf", "armv7hl"), ("arm", nil, "armhf", "armv7hl"), ("arm", "6", "armel", "armv6hl"), ("arm", "5", "armel", "armv5tel"),
            ("riscv64", nil, "riscv64", "riscv64"), ("ppc64le", nil, "ppc64el", "ppc64le"), ("s390x", nil, "s390x", "s390x"),
            ("loong64", nil, "loong64", "loongarch64"), ("mips64le", nil, "mips64el", "mips64el"),
        ]
        for (goarch, goarm, deb, rpm) in cases {
            #expect(try PackageArchitecture.of(goarch: goarch, goarm: goarm).get() == PackageArchitecture(deb: deb, rpm: rpm), "\(goarch) \(goarm ?? "")")
        }
        for goarch in ["mips", "mipsle", "mips64", "ppc64", "wasm"] {
            guard case .failure(let unsupported) = PackageArchitecture.of(goarch: goarch, goarm: nil) else {
                Issue.record("\(goarch) has a package architecture"); continue
            }
            #expect(unsupported.reason == "linux/\(goarch) has no Debian and RPM architecture that crossgo knows")
        }
    }

    @Test func namesAndVersionsDebianAccepts() {
        for good in ["hello", "hello-world", "g++", "lib2.0", "x1"] { #expect(LinuxPackage.nameProblem(good) == nil, "\(good)") }
        for bad in ["Hello", "hello_world", "h", "-hello", ".hello", "héllo", ""] { #expect(LinuxPackage.nameProblem(bad) != nil, "\(bad)") }
        #expect(LinuxPackage.packageVersion("1.2.3") == "1.2.3")
        #expect(LinuxPackage.packageVersion("1.2.3-rc.1") == "1.2.3~rc.1")
        #expect(LinuxPackage.packageVersion("0.0.0-dev+meta") == "0.0.0~dev+meta")
        #expect(RPMPackage.relation("libc6 (>= 2.31)") == ("libc6", 4 | 8, "2.31"))
        #expect(RPMPackage.relation("git") == ("git", 0, ""))
    }

    @Test func packagesInCrossgoYAML() throws {
        let folder = try TempFolder("packages-config")
        defer { folder.cleanup() }
        _ = try folder.write("etc/hello.conf", "x = 1\n")
        _ = try folder.write("post.sh", "#!/bin/sh\n")
        let text = """
            packages:
              formats: [rpm, deb]
              name: hello
              maintainer: Jane Doe <jane@example.com>
              description: One line
              license: MIT
              depends: ["libc6 (>= 2.31)"]
              files:
                - source: etc/hello.conf
                  destination: /etc/hello/hello.conf
                  mode: "0600"
                  config: true
              scripts:
                postinstall: post.sh
            release:
              url: https://example.com/{{.Tag}}/{{.ArtifactName}}

            """
        let config = try BuildConfig.parse(text, file: folder.path + "/crossgo.yaml")
        let packages = try #require(config.packages)
        #expect(packages.formats == [.deb, .rpm] && packages.name == "hello" && packages.depends == ["libc6 (>= 2.31)"])
        #expect(packages.files.map { [$0.source, $0.destination, String($0.mode, radix: 8), "\($0.config)"] } == [["etc/hello.conf", "/etc/hello/hello.conf", "600", "true"]])
        #expect(packages.postinstall == "post.sh" && packages.line == 1)
        #expect(config.releaseURL == "https://example.com/{{.Tag}}/{{.ArtifactName}}")
        let bad: [(String, String)] = [
            ("packages:\n  files:\n    - source: etc/hello.conf\n      destination: /etc/x\n      owner: root\n",
             "packages.files[0].owner: unknown key (known keys: source, destination, mode, config)"),
            ("packages:\n  files:\n    - source: etc/hello.conf\n      destination: etc/x\n", "packages.files[0].destination: expected an absolute file path"),
            ("packages:\n  files:\n    - source: etc/hello.conf\n      destination: /etc/x\n      mode: rw\n", "packages.files[0].mode: expected an octal mode"),
            ("packages:\n  scripts:\n    post-install: post.sh\n", "packages.scripts.post-install: unknown key (did you mean postinstall?)"),
            ("packages:\n  formats: [deb, msi]\n", "packages.formats: msi: not a package format"),
            ("packages:\n  maintainer: Jane\n", "packages.maintainer: expected a name and an address"),
            ("release:\n  url: https://example.com/{{.Name}}/{{.ArtifactName}}\n", "release.url: unknown field {{.Name}}"),
            ("release:\n  url: https://example.com/download\n", "release.url: the template must contain {{.ArtifactName}}"),
        ]
        for (text, message) in bad {
            let error = #expect(throws: ConfigError.self) { try BuildConfig.parse(text, file: folder.path + "/crossgo.yaml") }
            #expect(error.map { "\($0)".contains(message) } == true, "\(String(describing: error)) should say \(message)")
        }
    }

    @Test func gitHubRemotesGiveTheDefaultURL() {
        for remote in ["https://github.com/o/r.git", "git@github.com:o/r.git", "ssh://git@github.com/o/r", "https://github.com/o/r/\n"] {
            #expect(ReleaseURL.gitHubRepository(remote: remote) == "https://github.com/o/r", "\(remote)")
        }
        #expect(ReleaseURL.gitHubRepository(remote: "https://gitlab.com/o/r.git") == nil)
        #expect(ReleaseURL.expand("https://x/{{.Tag}}/{{.Version}}/{{.ArtifactName}}", tag: "v1", version: "1", artifact: "a.tar.gz") == "https://x/v1/1/a.tar.gz")
    }

    static func sample() -> LinuxPackage {
        var package = LinuxPackage(name: "hello", version: "1.2.3-rc.1", maintainer: "Jane Doe <jane@example.com>", summary: "Says hello",
                                   description: "A longer text.\n\nTwo paragraphs.", license: "MIT",
                                   files: [PackageFile(path: "/usr/bin/hello", mode: 0o755, contents: Data("#!/bin/sh\necho hello\n".utf8)),
                                           PackageFile(path: "/etc/hello.conf", mode: 0o644, contents: Data("x\n".utf8), config: true)],
                                   modificationTime: 1_767_225_600)
        package.depends = ["libc6 (>= 2.31)"]
        package.postinstall = "#!/bin/sh\ntrue\n"
        return package
    }

    @Test func theReaderGetsBackWhatTheWritersWrote() throws {
        let package = Self.sample()
        for (format, data) in [("deb", try DebPackage.make(package, arch: "amd64")), ("rpm", try RPMPackage.make(package, arch: "x86_64"))] {
            let files = try PackageReader.files(of: data, format: format)
            #expect(files["/usr/bin/hello"] == package.files[0].contents && files["/etc/hello.conf"] == Data("x\n".utf8), "\(format): \(files.keys.sorted())")
            // Same value, same bytes.
            #expect(try (format == "deb" ? DebPackage.make(package, arch: "amd64") : RPMPackage.make(package, arch: "x86_64")) == data)
            // One flipped byte in the compressed payload is noticed.
            var damaged = data
            damaged[damaged.count - 40] ^= 0x01
            #expect(throws: PackageReader.Unreadable.self) { try PackageReader.files(of: damaged, format: format) }
        }
        #expect(DebPackage.fileName(package, arch: "amd64") == "hello_1.2.3~rc.1-1_amd64.deb")
        #expect(RPMPackage.fileName(package, arch: "x86_64") == "hello-1.2.3~rc.1-1.x86_64.rpm")
    }

    @Test(.requires("dpkg-deb", "rpm")) func dpkgDebAndRPMReadThePreReleaseVersionAndTheRelations() async throws {
        let folder = try TempFolder("package-writer")
        defer { folder.cleanup() }
        let package = Self.sample()
        try DebPackage.make(package, arch: "amd64").write(to: URL(fileURLWithPath: folder.path + "/p.deb"))
        try RPMPackage.make(package, arch: "x86_64").write(to: URL(fileURLWithPath: folder.path + "/p.rpm"))
        let control = try await runProgram("dpkg-deb", ["--field", folder.path + "/p.deb", "Version", "Depends"])
        #expect(control.stdout == "Version: 1.2.3~rc.1-1\nDepends: libc6 (>= 2.31)\n", "\(control.stdout)\(control.stderr)")
        let description = try await runProgram("dpkg-deb", ["--field", folder.path + "/p.deb", "Description"])
        #expect(description.stdout == "Says hello\n A longer text.\n .\n Two paragraphs.\n", "\(description.stdout)")
        let requires = try await runProgram("rpm", ["-qp", "--requires", folder.path + "/p.rpm"])
        #expect(requires.stdout.split(separator: "\n").contains("libc6 >= 2.31"), "\(requires.stdout)")
        let version = try await runProgram("rpm", ["-qp", "--queryformat", "%{VERSION}-%{RELEASE} %{POSTIN}", folder.path + "/p.rpm"])
        #expect(version.stdout == "1.2.3~rc.1-1 #!/bin/sh\ntrue\n", "\(version.stdout)")
        let digests = try await runProgram("rpm", ["-Kv", folder.path + "/p.rpm"])
        for line in ["Header SHA256 digest: OK", "Payload SHA256 digest: OK", "MD5 digest: OK"] { #expect(digests.stdout.contains(line), "\(digests.stdout)") }
    }
}

/// The OpenPGP pieces an .rpm's signature needs, checked against published values and against themselves.
struct OpenPGPTests {
    static let key = OpenPGP.SigningKey(key: .init(), created: 0, userID: "test")

    @Test func crc24AndMPIsAsPublished() {
        // The CRC-24 of RFC 4880 §6.1 has the check value 0x21CF02 for "123456789" (the CRC catalogue's CRC-24/OPENPGP).
        #expect(OpenPGP.crc24(Array("123456789".utf8)) == 0x21CF02)
        // RFC 4880 §3.2: [00 01] is 1, [00 09 01 FF] is 511; leading zero octets are dropped.
        #expect(OpenPGP.mpi([0x01]) == [0x00, 0x01, 0x01])
        #expect(OpenPGP.mpi([0x00, 0x01, 0xFF]) == [0x00, 0x09, 0x01, 0xFF])
        // An Ed25519 point: 0x40 and 32 octets, 263 bits.
        #expect(Array(OpenPGP.mpi([0x40] + [UInt8](repeating: 7, count: 32)).prefix(2)) == [0x01, 0x07])
    }

    @Test func aSignatureChecksOnlyWithItsKeyAndItsData() throws {
        let data = Array("an rpm header".utf8)
        let packet = Self.key.signature(of: data, time: 1_767_225_600)
        #expect(try Self.key.publicKey.verify(signature: packet, of: data) == 1_767_225_600)
        // Ed25519 is deterministic: the same key, data and time give the same packet (a release's packages are reproducible).
        #expect(Self.key.signature(of: data, time: 1_767_225_600) == packet)
        #expect(throws: OpenPGP.Invalid.self) { try Self.key.publicKey.verify(signature: packet, of: Array("an rpm headex".utf8)) }
        let other = OpenPGP.SigningKey(key: .init(), created: 0, userID: "other")
        #expect(throws: OpenPGP.Invalid.self) { try other.publicKey.verify(signature: packet, of: data) }
        var flipped = packet
        flipped[flipped.count - 1] ^= 1
        #expect(throws: OpenPGP.Invalid.self) { try Self.key.publicKey.verify(signature: flipped, of: data) }
    }

    @Test func theArmoredKeyReadsBackAndADamagedOneDoesNot() throws {
        let text = Self.key.armoredPublicKey
        #expect(text.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n") && text.hasSuffix("-----END PGP PUBLIC KEY BLOCK-----\n"))
        #expect(OpenPGP.PublicKey.read(text) == Self.key.publicKey)
        // One changed base64 character: the CRC-24 no longer matches.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = (lines[2].first == "A" ? "B" : "A") + lines[2].dropFirst()
        #expect(OpenPGP.PublicKey.read(lines.joined(separator: "\n")) == nil)
        // The key ID is the fingerprint's last 8 octets (RFC 4880 §12.2).
        #expect(Self.key.publicKey.keyID == Array(Self.key.publicKey.fingerprint.suffix(8)) && Self.key.publicKey.fingerprint.count == 20)
    }

    @Test func aSignedRPMKeepsItsHeaderAndPayloadAndItsSignatureChecks() throws {
        let package = LinuxPackage(name: "hello", version: "1.2.3", maintainer: "J <j@example.com>", summary: "hi", description: "", license: "MIT",
                                   files: [PackageFile(path: "/usr/bin/hello", mode: 0o755, contents: Data("x".utf8))], modificationTime: 1_767_225_600)
        let rpm = try RPMPackage.make(package, arch: "x86_64")
        let signed = try RPMPackage.signed(rpm, key: Self.key, time: 1_767_225_600)
        let (before, after) = (try PackageReader.rpmParts(rpm), try PackageReader.rpmParts(signed))
        #expect(before.header.bytes == after.header.bytes && before.payload == after.payload)
        #expect(try PackageReader.rpmFiles(signed)["/usr/bin/hello"] == Data("x".utf8))
        let (packet, header) = try PackageReader.rpmHeaderSignature(signed)
        #expect(try Self.key.publicKey.verify(signature: try #require(packet), of: Array(header)) == 1_767_225_600)
        #expect(try PackageReader.rpmHeaderSignature(rpm).signature == nil)
        // Signing again replaces the signature rather than adding one.
        #expect(try RPMPackage.signed(signed, key: Self.key, time: 1_767_225_600) == signed)
    }
}
