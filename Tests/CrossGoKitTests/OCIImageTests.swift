// The pieces of release images that need no registry: references, auth challenges, tag templates, platforms, and the
// layer's tar (read back by the package reader and by tar(1)).
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

struct OCIImageTests {
    @Test func referencesNameARegistryARepositoryAndMaybeATag() throws {
        let local = try ImageReference.parse("127.0.0.1:5000/team/hello:1.2", what: "--image")
        #expect(local == ImageReference(registry: "127.0.0.1:5000", repository: "team/hello", tag: "1.2") && local.isLoopback)
        #expect(local.baseURL.absoluteString == "http://127.0.0.1:5000")
        let ghcr = try ImageReference.parse("ghcr.io/owner/hello", what: "--image")
        #expect(ghcr.tag == nil && !ghcr.isLoopback && ghcr.baseURL.absoluteString == "https://ghcr.io")
        let hub = try ImageReference.parse("docker.io/hello", what: "--image")
        #expect(hub.repository == "library/hello" && hub.apiHost == "registry-1.docker.io")
        #expect(try ImageReference.parse("localhost/x", what: "--image").isLoopback)
        #expect(try ImageReference.parse("[::1]:5000/x", what: "--image").isLoopback)
        for (text, problem) in [("hello", "name the registry too"), ("owner/hello", "owner is not a registry host"),
                                ("ghcr.io/Owner/hello", "is not a repository name"), ("ghcr.io/owner/hello:-bad", "tag \"-bad\""),
                                ("ghcr.io/owner//hello", "is not a repository name"), ("ghcr.io/owner/hello@sha256:00", "not a digest"),
                                ("ghcr io/owner/hello", "ghcr io is not a host name"), ("exa_mple.com/hello", "is not a host name")] {
            #expect(throws: UsageError.self, "\(text)") { try ImageReference.parse(text, what: "--image") }
            do { _ = try ImageReference.parse(text, what: "--image") } catch {
                #expect("\(error)".contains(problem), "\(text): \(error)")
            }
        }
    }

    @Test func challengesAreParsedWithQuotedCommas() {
        let bearer = AuthChallenge.parse(#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/h:pull,push""#)
        #expect(bearer == AuthChallenge(scheme: "bearer", parameters: ["realm": "https://ghcr.io/token", "service": "ghcr.io", "scope": "repository:o/h:pull,push"]))
        #expect(AuthChallenge.parse(#"Basic realm="Registry Realm""#) == AuthChallenge(scheme: "basic", parameters: ["realm": "Registry Realm"]))
        #expect(AuthChallenge.parse("") == nil)
    }

    @Test func secretsAreScrubbedFromMessages() throws {
        let credentials = RegistryCredentials(environment: ["CROSSGO_REGISTRY_USERNAME": "ci", "CROSSGO_REGISTRY_PASSWORD": "hunter22"])
        let basic = try #require(credentials.basic)
        #expect(basic == "Basic " + Data("ci:hunter22".utf8).base64EncodedString())
        let text = credentials.scrubbed("said hunter22 and \(basic)")
        #expect(!text.contains("hunter22") && !text.contains(String(basic.dropFirst(6))), "\(text)")
    }

    @Test func tagTemplatesAndPlatforms() {
        let facts = SourceFacts(commit: "0123456789abcdef0123", tag: "v1.2.3")
        #expect(ImageConfig.expand("{{.Version}} {{.Major}}.{{.Minor}} {{.Tag}} {{.ShortCommit}}", version: "1.2.3", facts: facts) == "1.2.3 1.2 v1.2.3 0123456789ab")
        #expect(ImageConfig.tagTemplateProblem("{{.Version}}-{{ .Major }}") == nil)
        #expect(ImageConfig.tagTemplateProblem("{{.Date}}")?.contains("unknown field {{.Date}}") == true)
        #expect(OCIPlatform.of(goos: "linux", goarch: "arm", goarm: "7").name == "linux/arm/v7")
        #expect(OCIPlatform.of(goos: "linux", goarch: "arm", goarm: "6,softfloat").name == "linux/arm/v6")
        #expect(OCIPlatform.of(goos: "linux", goarch: "amd64", goarm: nil).name == "linux/amd64")
    }

    @Test func theLayerIsSortedWithItsFoldersAndReadsBackWithTar() async throws {
        let program = Data("#!/bin/true\n".utf8)
        let tar = try OCIImageWriter.layerTar(program: ("/usr/local/bin/hello", program),
                                             files: [OCILayerFile(path: "/etc/hello/hello.conf", mode: 0o600, contents: Data("x\n".utf8))], epoch: 1_767_225_600)
        #expect(try OCIImageWriter.layerTar(program: ("/usr/local/bin/hello", program),
                                            files: [OCILayerFile(path: "/etc/hello/hello.conf", mode: 0o600, contents: Data("x\n".utf8))], epoch: 1_767_225_600) == tar)
        #expect(try PackageReader.tarFiles(tar) == ["/usr/local/bin/hello": program, "/etc/hello/hello.conf": Data("x\n".utf8)])
        let folder = try TempFolder("oci-layer")
        defer { folder.cleanup() }
        try tar.write(to: URL(fileURLWithPath: folder.path + "/layer.tar"))
        let listed = try await runProgram("tar", ["-tvf", folder.path + "/layer.tar", "--numeric-owner", "--utc"])
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.map { String($0.split(separator: " ").last ?? "") } == ["etc/", "etc/hello/", "etc/hello/hello.conf", "usr/", "usr/local/", "usr/local/bin/",
                                                                            "usr/local/bin/hello"], "\(listed.stdout)")
        #expect(lines.allSatisfy { $0.contains(" 0/0 ") && $0.contains("2026-01-01 00:00") }, "\(listed.stdout)")
        #expect(lines[2].hasPrefix("-rw-------") && lines[6].hasPrefix("-rwxr-xr-x") && lines[0].hasPrefix("drwxr-xr-x"), "\(listed.stdout)")
        #expect(throws: UsageError.self) {
            try OCIImageWriter.layerTar(program: ("/usr/local/bin/hello", program), files: [OCILayerFile(path: "/usr/local/bin/hello", mode: 0o644, contents: Data())], epoch: 0)
        }
    }
}
