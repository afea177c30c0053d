// Issue 27 (items 1, 2, 4): multi-arch OCI images without Docker — written as an OCI image layout, pushed to a real
// registry (Debian's docker-registry), read back with skopeo, unpacked with umoci and run (arm64 and riscv64 under
// qemu); reproducible digests; a registry that is down or refuses the credentials is exit 3 and no secret is printed.
@testable import CrossGoKit
import Foundation
import Synchronization
import TestSupport
import Testing

/// One registry and one pushed release of a committed, tagged copy of Examples/hello with `image:` in crossgo.yaml,
/// for linux/amd64, linux/arm64 and linux/riscv64 (and darwin/arm64, which gets no image).
enum ImageFixture {
    static let shared = Once { try await make() }
    static let targets = "linux/amd64,linux/arm64,linux/riscv64,darwin/arm64"
    static let platforms = ["linux/amd64", "linux/arm64", "linux/riscv64"]
    static let config = """
        image:
          tags: ["{{.Version}}", "{{.Major}}.{{.Minor}}", latest]
          ca-certificates: true
          files:
            - source: hello.conf
              destination: /etc/hello/hello.conf
              mode: "0600"
          args: [-version]
          labels:
            org.example.team: crossgo

        """

    struct Made: Sendable {
        var root: TempFolder
        var registry: RegistryServer
        var module: String
        var dist: String
        var result: ProgramResult
        var manifest: ReleaseManifest
    }

    /// A tagged commit of Examples/hello with `config` as crossgo.yaml and a GitHub remote, in `folder`/hello
    /// (the packages' fixture module: hello.conf, a LICENSE and a postinst beside it).
    static func module(in folder: String, config: String = config) async throws -> String {
        try await PackageFixture.module(in: folder, config: config)
    }

    static func make() async throws -> Made {
        let root = try TempFolder("images")
        let registry = try await RegistryServer()
        let module = try await module(in: root.path + "/one")
        let result = try await runCrossgo(["release", "--target", targets, "--image", "\(registry.host)/hello", "--push", "--ldflags=-s -w",
                                           "--no-progress"], in: module)
        let dist = module + "/dist"
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/release.json")))
        return Made(root: root, registry: registry, module: module, dist: dist, result: result, manifest: manifest)
    }

    /// Runs a linux program of `goarch` from an unpacked rootfs: natively on this host's architecture, else under qemu-user.
    static func run(_ path: String, goarch: String, _ arguments: [String] = []) async throws -> ProgramResult {
        if hostPair == "linux/" + goarch { return try await runProgram(path, arguments) }
        return try await runProgram(goarch == "amd64" ? "qemu-x86_64" : "qemu-" + (goarch == "arm64" ? "aarch64" : goarch), [path] + arguments)
    }

    /// The JSON object in `text`.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

@Suite(.requires("git", "docker-registry", "skopeo", "umoci", "htpasswd", "sha256sum", "qemu-aarch64", "qemu-riscv64"))
struct ImageTests {
    @Test func theImageIsPushedAndSkopeoSeesAnIndexOfThreePlatforms() async throws {
        let made = try await ImageFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stdout)\(made.result.stderr)")
        let image = try #require(made.manifest.image, "release.json records no image: \(made.manifest.stages)")
        #expect(image.layout == "hello_1.2.3_oci" && image.tags == ["1.2.3", "1.2", "latest"], "\(image)")
        #expect(image.platforms.map(\.platform) == ImageFixture.platforms && image.platforms.allSatisfy { $0.path == "/usr/local/bin/hello" })
        let repository = "\(made.registry.host)/hello"
        #expect(image.repository == repository)
        #expect(Set(image.pushed ?? []) == Set(["\(repository)@\(image.index)"] + image.tags.map { "\(repository):\($0)" }), "\(String(describing: image.pushed))")
        #expect(made.manifest.stages.first { $0.name == "push" }?.status == .done, "\(made.manifest.stages)")
        // The registry serves the very index the layout holds, under each tag, with the three platforms.
        for tag in image.tags {
            let raw = try await runProgram("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(repository):\(tag)"])
            #expect(raw.exitCode == 0, "\(raw.stderr)")
            let digest = try await sha256(raw.stdout)
            #expect("sha256:" + digest == image.index, "\(tag): the registry's index is not the layout's")
            let index = try ImageFixture.object(raw.stdout)
            #expect(index["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
            let manifests = try #require(index["manifests"] as? [[String: Any]])
            let platforms = manifests.compactMap { $0["platform"] as? [String: String] }.map { "\($0["os"] ?? "")/\($0["architecture"] ?? "")" }
            #expect(platforms == ImageFixture.platforms, "\(raw.stdout)")
            #expect(manifests.map { $0["digest"] as? String } == image.platforms.map(\.manifest))
        }
        // Each platform's config: os/architecture, the OCI labels (created = the commit time), the entrypoint, diff_ids.
        let config = try await runProgram("skopeo", ["inspect", "--tls-verify=false", "--override-arch", "riscv64", "--config", "docker://\(repository):1.2.3"])
        #expect(config.exitCode == 0, "\(config.stderr)")
        let parsed = try ImageFixture.object(config.stdout)
        #expect(parsed["architecture"] as? String == "riscv64" && parsed["os"] as? String == "linux" && parsed["created"] as? String == "2026-01-01T00:00:00Z")
        let settings = try #require(parsed["config"] as? [String: Any])
        #expect(settings["Entrypoint"] as? [String] == ["/usr/local/bin/hello", "-version"])
        let labels = try #require(settings["Labels"] as? [String: String])
        let commit = try await ReleaseFixture.git(["rev-parse", "HEAD"], in: made.module).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(labels == ["org.opencontainers.image.source": "https://github.com/example/hello", "org.opencontainers.image.revision": commit,
                           "org.opencontainers.image.version": "1.2.3", "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
                           "org.example.team": "crossgo"], "\(labels)")
        let rootfs = try #require(parsed["rootfs"] as? [String: Any])
        #expect(rootfs["diff_ids"] as? [String] == [image.platforms[2].diffID])
        #expect(!made.manifest.files.contains { $0.kind == .image && $0.target == "darwin/arm64" })
    }

    @Test func skopeoCopiesEachPlatformAndUmociUnpacksARootfsWhoseProgramRuns() async throws {
        let made = try await ImageFixture.shared.get()
        try #require(made.result.exitCode == 0, "\(made.result.stderr)")
        let scratch = try TempFolder("images-unpack")
        defer { scratch.cleanup() }
        let hostCA = try Data(contentsOf: URL(fileURLWithPath: "/etc/ssl/certs/ca-certificates.crt"))
        for goarch in ["amd64", "arm64", "riscv64"] {
            let layout = scratch.path + "/oci-" + goarch
            let copy = try await runProgram("skopeo", ["--override-arch", goarch, "copy", "--src-tls-verify=false",
                                                      "docker://\(made.registry.host)/hello:1.2.3", "oci:\(layout):1.2.3"])
            #expect(copy.exitCode == 0, "\(goarch): \(copy.stderr)")
            let bundle = scratch.path + "/bundle-" + goarch
            let unpack = try await runProgram("umoci", ["unpack", "--rootless", "--image", "\(layout):1.2.3", bundle])
            #expect(unpack.exitCode == 0, "\(goarch): \(unpack.stdout)\(unpack.stderr)")
            let program = bundle + "/rootfs/usr/local/bin/hello"
            let ran = try await ImageFixture.run(program, goarch: goarch)
            #expect(ran.exitCode == 0 && ran.stdout.hasPrefix("hello from linux/\(goarch) (go"), "\(goarch): \(ran.stdout)\(ran.stderr)")
            // The released binary, byte for byte; the extra file with its mode; the host's CA bundle.
            #expect(FileManager.default.contents(atPath: program) == FileManager.default.contents(atPath: made.dist + "/hello_linux_" + goarch))
            #expect(try String(contentsOfFile: bundle + "/rootfs/etc/hello/hello.conf", encoding: .utf8) == "greeting = hello\n")
            let mode = try FileManager.default.attributesOfItem(atPath: bundle + "/rootfs/etc/hello/hello.conf")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(String(describing: mode))")
            #expect(FileManager.default.contents(atPath: bundle + "/rootfs/etc/ssl/certs/ca-certificates.crt") == hostCA)
            // umoci's runtime config carries the entrypoint.
            let runtime = try ImageFixture.object(String(contentsOfFile: bundle + "/config.json", encoding: .utf8))
            #expect((runtime["process"] as? [String: Any])?["args"] as? [String] == ["/usr/local/bin/hello", "-version"])
        }
    }

    @Test func theLayoutIsListedChecksummedAndVerified() async throws {
        let made = try await ImageFixture.shared.get()
        try #require(made.result.exitCode == 0, "\(made.result.stderr)")
        let image = try #require(made.manifest.image)
        let listed = Set(made.manifest.files.filter { $0.kind == .image }.map(\.path))
        let onDisk = Set(filesUnder(made.dist + "/" + image.layout).map { image.layout + "/" + $0 })
        #expect(listed == onDisk && onDisk.contains(image.layout + "/index.json") && onDisk.contains(image.layout + "/oci-layout"), "\(listed) \(onDisk)")
        // 3 layers, 3 configs, 3 manifests, the index.
        #expect(onDisk.filter { $0.contains("/blobs/sha256/") }.count == 10)
        let sums = try String(contentsOfFile: made.dist + "/hello_1.2.3_checksums.txt", encoding: .utf8)
        for path in onDisk { #expect(sums.contains("  \(path)\n"), "\(path) is not in the checksums file") }
        let check = try await runProgram("sha256sum", ["-c", "hello_1.2.3_checksums.txt"], workingDirectory: made.dist)
        #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
        let verified = try await runCrossgo(["verify", made.dist, "--no-progress", "--json"])
        #expect(verified.exitCode == 0, "\(verified.stdout)")
        let checks = try summaryOutcome(VerifyChecks.self, from: verified.stdout).checks.filter { $0.kind == "image" }
        #expect(checks.count == 5 && checks.allSatisfy { $0.status == .ok }, "\(checks)")
        #expect(checks.contains { $0.subject == image.index && $0.detail.contains("linux/amd64, linux/arm64, linux/riscv64") })

        // A changed blob (and its checksum line made to agree) and a changed recorded digest each fail verify.
        let copy = try TempFolder("images-damaged")
        defer { copy.cleanup() }
        let dist = try copy.copy(folder: made.dist)
        let layer = dist + "/" + image.layout + "/blobs/sha256/" + image.platforms[1].layer.dropFirst(7)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: layer))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: layer))
        var record = try #require(try ReleaseManifest.read(from: dist))
        record.image?.index = "sha256:" + String(repeating: "0", count: 64)
        try record.write(to: dist, system: liveSystem())
        let failed = try await runCrossgo(["verify", dist, "--no-progress"])
        #expect(failed.exitCode == 1)
        #expect(failed.stdout.contains("FAILED image \(image.layout): blob(s) whose SHA-256 is not their name: \(image.platforms[1].layer.dropFirst(7).prefix(12))"), "\(failed.stdout)")
        #expect(failed.stdout.contains("FAILED image \(image.layout)/index.json: names \(image.index)"), "\(failed.stdout)")
    }

    @Test func twoReleasesOfOneCommitInTwoFoldersHaveOneIndexDigest() async throws {
        let made = try await ImageFixture.shared.get()
        try #require(made.result.exitCode == 0, "\(made.result.stderr)")
        let other = try TempFolder("images-clone")
        defer { other.cleanup() }
        let clone = other.path + "/elsewhere/hello"
        try FileManager.default.createDirectory(atPath: other.path + "/elsewhere", withIntermediateDirectories: true)
        _ = try await ReleaseFixture.git(["clone", "-q", made.module, clone], in: other.path)
        _ = try await ReleaseFixture.git(["remote", "set-url", "origin", "https://github.com/example/hello.git"], in: clone)
        // Pushed again to the same registry: every blob is there already (HEAD), and the tags name the same index.
        let result = try await runCrossgo(["release", "--target", ImageFixture.targets, "--image", "\(made.registry.host)/hello", "--push",
                                           "--ldflags=-s -w", "--no-progress"], in: clone)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let second = try #require(try ReleaseManifest.read(from: clone + "/dist")?.image)
        let first = try #require(made.manifest.image)
        #expect(second.index == first.index && second.platforms == first.platforms, "\(first) \(second)")
        #expect(filesUnder(clone + "/dist/" + second.layout) == filesUnder(made.dist + "/" + first.layout))
        for file in filesUnder(made.dist + "/" + first.layout) {
            #expect(FileManager.default.contents(atPath: clone + "/dist/" + second.layout + "/" + file)
                    == FileManager.default.contents(atPath: made.dist + "/" + first.layout + "/" + file), "\(file) differs")
        }
        #expect(result.stderr.contains("(0 blob(s) uploaded, 6 already there)"), "\(result.stderr)")
    }

    @Test func aStoppedRegistryIsExitThreeWithOneLineNamingIt() async throws {
        let registry = try await RegistryServer()
        let host = registry.host
        registry.stop()
        let root = try TempFolder("images-down")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m")
        let result = try await runCrossgo(["release", "--target", "linux/amd64", "--image", "\(host)/hello", "--push", "--no-progress"], in: module)
        #expect(result.exitCode == 3, "\(result.stdout)\(result.stderr)")
        let naming = result.stderr.split(separator: "\n").filter { $0.contains(host) }
        #expect(naming.count == 1 && naming[0].contains("registry \(host): connection refused") && naming[0].contains("no tag pushed"), "\(result.stderr)")
        let record = try #require(try ReleaseManifest.read(from: module + "/dist"))
        #expect(record.image?.pushed == [], "\(String(describing: record.image))")
        #expect(record.stages.first { $0.name == "push" }?.status == .failed)
        #expect(!result.stdout.contains("pushed "), "\(result.stdout)")
    }

    @Test func aWrongPasswordIsExitThreeAndNeverPrintedTheRightOnePushes() async throws {
        let password = "s3cret-Pa55-\(UUID().uuidString.prefix(8))"
        let registry = try await RegistryServer(user: "ci", password: password)
        defer { registry.stop() }
        let root = try TempFolder("images-auth")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m")
        let arguments = ["release", "--target", "linux/amd64", "--image", "\(registry.host)/team/hello:edge", "--push", "--no-progress"]
        let wrong = "not-\(password)"
        for json in [false, true] {
            let refused = try await runCrossgo(arguments + (json ? ["--json"] : []), in: module,
                                               environment: ["CROSSGO_REGISTRY_USERNAME": "ci", "CROSSGO_REGISTRY_PASSWORD": wrong])
            #expect(refused.exitCode == 3, "\(refused.stdout)\(refused.stderr)")
            let output = refused.stdout + refused.stderr
            #expect(!output.contains(wrong) && !output.contains(password), "a password was printed")
            #expect(!output.contains(Data("ci:\(wrong)".utf8).base64EncodedString()), "the Authorization header was printed")
            #expect(output.contains("registry \(registry.host): refused the credentials"), "\(output)")
            if json {
                let summary = refused.stdout.split(separator: "\n").last { $0.contains("\"event\":\"summary\"") } ?? ""
                #expect(summary.contains("\"exitCode\":3") && summary.contains("\"name\":\"push\",\"status\":\"failed\""), "\(summary)")
            }
        }
        // No credentials at all: the registry asks, and crossgo says which variables to set.
        let anonymous = try await runCrossgo(arguments, in: module, environment: ["CROSSGO_REGISTRY_USERNAME": nil, "CROSSGO_REGISTRY_PASSWORD": nil])
        #expect(anonymous.exitCode == 3 && anonymous.stderr.contains("asks for credentials"), "\(anonymous.stderr)")
        let pushed = try await runCrossgo(arguments, in: module, environment: ["CROSSGO_REGISTRY_USERNAME": "ci", "CROSSGO_REGISTRY_PASSWORD": password])
        #expect(pushed.exitCode == 0, "\(pushed.stdout)\(pushed.stderr)")
        #expect(!(pushed.stdout + pushed.stderr).contains(password))
        let record = try #require(try ReleaseManifest.read(from: module + "/dist")?.image)
        #expect(record.tags == ["edge"] && record.pushed?.contains("\(registry.host)/team/hello:edge") == true, "\(record)")
        let raw = try await runProgram("skopeo", ["inspect", "--tls-verify=false", "--creds", "ci:\(password)", "--raw", "docker://\(registry.host)/team/hello:edge"])
        let digest = try await sha256(raw.stdout)
        #expect(raw.exitCode == 0 && "sha256:" + digest == record.index, "\(raw.stderr)")
    }

    @Test func aBaseLayoutGivesItsLayersAndSettingsAndAMissingPlatformFailsItsTarget() async throws {
        let root = try TempFolder("images-base")
        defer { root.cleanup() }
        // The base: made with umoci (for this host's platform only), one file and two settings.
        let own = String(hostPair.split(separator: "/")[1]), other = own == "amd64" ? "arm64" : "amd64"
        let base = root.path + "/base"
        try root.write("motd", "welcome\n")
        for args in [["init", "--layout", base], ["new", "--image", base + ":latest"], ["insert", "--rootless", "--image", base + ":latest", root.path + "/motd", "/etc/motd"],
                     ["config", "--image", base + ":latest", "--config.env", "FOO=bar", "--config.user", "65532"]] {
            let made = try await runProgram("umoci", args)
            try #require(made.exitCode == 0, "umoci \(args): \(made.stderr)")
        }
        let module = try await ImageFixture.module(in: root.path + "/m", config: "image:\n  base: \(base)\n")
        let result = try await runCrossgo(["release", "--target", "linux/\(own),linux/\(other)", "--image", "127.0.0.1:5000/hello", "--no-progress"], in: module)
        // The other architecture: the base has no such image, so that target fails and no index is written.
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("FAILED hello linux/\(other) (image):") && result.stdout.contains("has no linux/\(other) image (it has linux/\(own))"), "\(result.stdout)")
        #expect(try ReleaseManifest.read(from: module + "/dist")?.image == nil)

        let single = try await runCrossgo(["release", "--target", "linux/" + own, "--image", "127.0.0.1:5000/hello", "--no-progress"], in: module)
        #expect(single.exitCode == 0, "\(single.stdout)\(single.stderr)")
        let image = try #require(try ReleaseManifest.read(from: module + "/dist")?.image)
        #expect(image.base == base && image.platforms.map(\.platform) == ["linux/" + own])
        // skopeo reads the layout crossgo wrote as it is, and umoci unpacks the copy: the base's file under crossgo's program.
        let layout = module + "/dist/" + image.layout
        let config = try ImageFixture.object(try await runProgram("skopeo", ["inspect", "--config", "oci:\(layout):1.2.3"]).stdout)
        let settings = try #require(config["config"] as? [String: Any])
        #expect(settings["Env"] as? [String] == ["FOO=bar"] && settings["User"] as? String == "65532", "\(settings)")
        #expect(((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String])?.count == 2)
        let copy = try await runProgram("skopeo", ["copy", "oci:\(layout):1.2.3", "oci:\(root.path)/flat:x"])
        #expect(copy.exitCode == 0, "\(copy.stderr)")
        let unpack = try await runProgram("umoci", ["unpack", "--rootless", "--image", root.path + "/flat:x", root.path + "/bundle"])
        #expect(unpack.exitCode == 0, "\(unpack.stderr)")
        #expect(try String(contentsOfFile: root.path + "/bundle/rootfs/etc/motd", encoding: .utf8) == "welcome\n")
        let ran = try await ImageFixture.run(root.path + "/bundle/rootfs/usr/local/bin/hello", goarch: own)
        #expect(ran.stdout.hasPrefix("hello from linux/\(own)"), "\(ran.stdout)\(ran.stderr)")
    }

    /// A registry behind a token service, as ghcr.io and Docker Hub are: a proxy answers every /v2/ request without the
    /// bearer token with a `Bearer realm=...` challenge, hands out the token at its realm for the right basic credentials,
    /// and passes the rest on to a real docker-registry.
    @Test func aBearerChallengeIsAnsweredWithATokenFromItsRealm() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let password = "tok3n-Pa55-\(UUID().uuidString.prefix(8))"
        let token = "granted-\(UUID().uuidString)"
        let asked = Mutex<[String]>([])
        let proxyPort = Mutex<UInt16>(0)
        let proxy = try await LocalHTTPServer.start { request in
            let port = proxyPort.withLock { $0 }
            if request.path.hasPrefix("/token") {
                asked.withLock { $0.append(request.path) }
                guard request.headers["authorization"] == "Basic " + Data("ci:\(password)".utf8).base64EncodedString() else {
                    return LocalResponse(status: 401, body: Data(#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#.utf8))
                }
                return LocalResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"token":"\#(token)"}"#.utf8))
            }
            guard request.headers["authorization"] == "Bearer " + token else {
                return LocalResponse(status: 401, headers: ["WWW-Authenticate": #"Bearer realm="http://127.0.0.1:\#(port)/token",service="crossgo-test",scope="repository:hello:pull""#])
            }
            var headers: [(String, String)] = []
            if let type = request.headers["content-type"] { headers.append(("Content-Type", type)) }
            do {
                let reply = try await HTTP.send(request.method, URL(string: "http://\(registry.host)" + request.path)!, headers: headers,
                                                body: request.method == "PUT" || request.method == "POST" ? request.body : nil, stallTimeout: 30, deadline: 120)
                var out: [String: String] = [:]
                for name in ["location", "docker-content-digest", "content-type"] {
                    if let value = reply.headers[name] { out[name] = value.replacingOccurrences(of: registry.host, with: "127.0.0.1:\(port)") }
                }
                return LocalResponse(status: reply.status, headers: out, body: reply.body)
            } catch {
                return LocalResponse(status: 502)
            }
        }
        proxyPort.withLock { $0 = proxy.port }
        let root = try TempFolder("images-bearer")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m", config: "")
        let arguments = ["release", "--target", "linux/amd64", "--image", "127.0.0.1:\(proxy.port)/hello", "--push", "--no-progress"]
        let refused = try await runCrossgo(arguments, in: module, environment: ["CROSSGO_REGISTRY_USERNAME": "ci", "CROSSGO_REGISTRY_PASSWORD": "wrong-\(password)"])
        #expect(refused.exitCode == 3 && refused.stderr.contains("registry 127.0.0.1:\(proxy.port): its token service 127.0.0.1 refused: HTTP 401"), "\(refused.stderr)")
        #expect(!(refused.stdout + refused.stderr).contains(password))
        let pushed = try await runCrossgo(arguments, in: module, environment: ["CROSSGO_REGISTRY_USERNAME": "ci", "CROSSGO_REGISTRY_PASSWORD": password])
        #expect(pushed.exitCode == 0, "\(pushed.stdout)\(pushed.stderr)")
        #expect(!(pushed.stdout + pushed.stderr).contains(password) && !(pushed.stdout + pushed.stderr).contains(token))
        // One token per run, asked for the push scope with the challenge's service.
        let requests = asked.withLock { $0 }
        #expect(requests.count == 2 && requests.allSatisfy { $0.contains("service=crossgo-test") && $0.contains("scope=repository:hello:pull,push") }, "\(requests)")
        // What went through the proxy is in the real registry.
        let record = try #require(try ReleaseManifest.read(from: module + "/dist")?.image)
        let raw = try await runProgram("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(registry.host)/hello:1.2.3"])
        let digest = try await sha256(raw.stdout)
        #expect(raw.exitCode == 0 && "sha256:" + digest == record.index, "\(raw.stderr)")
        await proxy.stop()
    }

    @Test func goarmIsTheVariantAndLevelsShareTheirPlatformsImage() async throws {
        let root = try TempFolder("images-variants")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m", config: "image:\n  repository: 127.0.0.1:5000/team/hello\n  tags: [\"v{{.Major}}\"]\n")
        let result = try await runCrossgo(["release", "--target", "linux/amd64/v3,linux/amd64,linux/arm/6,linux/arm/7", "--no-progress"], in: module)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("no image for linux/amd64/v3: linux/amd64 has the linux/amd64 image"), "\(result.stderr)")
        let image = try #require(try ReleaseManifest.read(from: module + "/dist")?.image)
        #expect(image.repository == "127.0.0.1:5000/team/hello" && image.tags == ["v1"] && image.pushed == nil, "\(image)")
        #expect(image.platforms.map { "\($0.target) \($0.platform)" } == ["linux/amd64 linux/amd64", "linux/arm/6 linux/arm/v6", "linux/arm/7 linux/arm/v7"])
        // skopeo reads the index from the layout: GOARM as the variant, no level in the platform.
        let raw = try await runProgram("skopeo", ["inspect", "--raw", "oci:\(module)/dist/\(image.layout):v1"])
        #expect(raw.exitCode == 0, "\(raw.stderr)")
        let manifests = try #require(try ImageFixture.object(raw.stdout)["manifests"] as? [[String: Any]])
        let platforms = manifests.compactMap { $0["platform"] as? [String: String] }
        #expect(platforms == [["os": "linux", "architecture": "amd64"], ["os": "linux", "architecture": "arm", "variant": "v6"],
                              ["os": "linux", "architecture": "arm", "variant": "v7"]], "\(raw.stdout)")
        let config = try await runProgram("skopeo", ["--override-arch", "arm", "--override-variant", "v7", "inspect", "--config", "oci:\(module)/dist/\(image.layout):v1"])
        let parsed = try ImageFixture.object(config.stdout)
        #expect(parsed["architecture"] as? String == "arm" && parsed["variant"] as? String == "v7", "\(config.stdout)\(config.stderr)")
    }

    @Test func everyFileOfTheLayoutIsASubjectOfTheProvenance() async throws {
        let root = try TempFolder("images-provenance")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m", config: "image:\n  tags: [latest]\n")
        let keygen = try await runCrossgo(["release", "keygen", root.path + "/release"])
        try #require(keygen.exitCode == 0, "\(keygen.stderr)")
        let result = try await runCrossgo(["release", "--target", "linux/amd64,linux/arm64", "--sign-key", root.path + "/release.key", "--no-progress"], in: module)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let manifest = try #require(try ReleaseManifest.read(from: module + "/dist"))
        let layout = manifest.files.filter { $0.kind == .image }
        #expect(layout.count == 9 && manifest.image?.tags == ["latest"], "\(layout.map(\.path))")
        let provenance = try #require(manifest.provenance)
        let envelope = try ImageFixture.object(try String(contentsOfFile: module + "/dist/" + provenance, encoding: .utf8)
            .split(separator: "\n")[0].description)
        let encoded = try #require(envelope["payload"] as? String)
        let payload = try #require(Data(base64Encoded: encoded))
        let statement = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        var subjects: [String: String] = [:]
        for subject in statement["subject"] as? [[String: Any]] ?? [] {
            if let name = subject["name"] as? String { subjects[name] = (subject["digest"] as? [String: String])?["sha256"] }
        }
        for file in layout { #expect(subjects[file.path] == file.sha256, "\(file.path) is not a subject with its digest") }
        let verified = try await runCrossgo(["verify", module + "/dist", "--pub", root.path + "/release.pub", "--no-progress", "--json"])
        #expect(verified.exitCode == 0, "\(verified.stdout)")
        let checks = try summaryOutcome(VerifyChecks.self, from: verified.stdout).checks
        #expect(checks.contains { $0.kind == "provenance" && $0.status == .ok } && checks.filter { $0.kind == "image" }.count == 4, "\(checks.filter { $0.kind != "checksums" })")
    }

    @Test(arguments: [
        (["--image", "127.0.0.1:5000/hello"], "image:\n  tag: latest\n", "crossgo.yaml:2: image.tag: unknown key (did you mean tags?)"),
        (["--image", "127.0.0.1:5000/hello"], "image:\n  tags: [\"{{.Verison}}\"]\n", "crossgo.yaml:2: image.tags: {{.Verison}}: unknown field {{.Verison}}"),
        (["--image", "127.0.0.1:5000/hello"], "image:\n  base: nowhere\n", "crossgo.yaml:2: image.base: nowhere: expected scratch or the folder of an OCI image layout"),
        // packages' files may be `config`; an image's may not.
        (["--image", "127.0.0.1:5000/hello"], "image:\n  files:\n    - source: hello.conf\n      destination: /etc/hello.conf\n      config: true\n",
         "crossgo.yaml:5: image.files[0].config: unknown key"),
        (["--image", "127.0.0.1:5000/hello"], "image:\n  files:\n    - source: hello.conf\n", "crossgo.yaml:3: image.files[0].destination: missing: its path in the image"),
        (["--image", "127.0.0.1:5000/Hello"], "", "--image 127.0.0.1:5000/Hello: Hello is not a repository name"),
        (["--image", "hello"], "", "--image hello: name the registry too"),
        (["--push"], "", "--push: there is no image to push"),
        (["--image", "127.0.0.1:5000/hello", "--push", "--shard", "1/2"], "", "--push with --shard 1/2: a shard's index holds only its own targets"),
    ])
    func badImageInputIsOneLineExitTwoAndNothingWritten(arguments: [String], config: String, message: String) async throws {
        let root = try TempFolder("images-bad")
        defer { root.cleanup() }
        let module = try await ImageFixture.module(in: root.path + "/m", config: config)
        let result = try await runCrossgo(["release", "--target", "linux/amd64", "--no-progress"] + arguments, in: module)
        #expect(result.exitCode == 2, "\(result.stdout)\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: module + "/dist"), "a refused release wrote \(filesUnder(module + "/dist"))")
    }
}

/// SHA-256 (hex) of a text's UTF-8 bytes, through sha256sum.
private func sha256(_ text: String) async throws -> String {
    let result = try await runProgram("sh", ["-c", "printf %s \"$1\" | sha256sum", "sh", text])
    return String(result.stdout.prefix(64))
}
