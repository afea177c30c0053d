// SBOMs from real Go binaries (linux/amd64 ELF and js/wasm) with real dependencies: a module from a file proxy, a
// directory replacement and a module replacement. Validated by cyclonedx-python-lib (CycloneDX 1.6) and spdx-tools
// (SPDX 2.3), each also shown rejecting a broken document; contents, determinism and the verify check asserted.
@testable import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing
import ZIPFoundation

/// The fixture program built once per test process for both targets, with its SBOMs written.
struct SBOMFixture: Sendable {
    var folder: TempFolder
    var goVersion: String
    /// The go.sum the go command wrote for the fixture (module lines only).
    var goSum: String
    var revision: String
    var elf: Built
    var wasm: Built
    var macho: Built
    static let created = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z

    struct Built: Sendable {
        var binary: String
        var subject: SBOMSubject
        var cdx: String
        var spdx: String
    }

    static func shared() async throws -> SBOMFixture { try await SBOMFixtureCache.shared.get() }

    static func make() async throws -> SBOMFixture {
        let toolchain = try await realToolchain()
        let folder = try processFolder()
        for item in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Tests/Fixtures/sbom") {
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Fixtures/sbom/" + item, toPath: folder.path + "/" + item)
        }
        try writeFileProxy(from: folder.path + "/proxy", to: folder.path + "/goproxy")
        let app = folder.path + "/app"
        // A git checkout, so that the go command stamps vcs.* settings.
        let gitEnv: EnvironmentChanges = ["GIT_AUTHOR_DATE": "2023-11-14T12:00:00Z", "GIT_COMMITTER_DATE": "2023-11-14T12:00:00Z",
                                          "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"]
        for args in [["init", "-q"], ["add", "."], ["-c", "user.name=crossgo", "-c", "user.email=crossgo@example.com", "commit", "-q", "-m", "fixture"]] {
            let r = try await runProgram("git", args, environment: gitEnv, workingDirectory: app, timeout: 60)
            try #require(r.succeeded, "git \(args.joined(separator: " ")): \(r.stderr)")
        }
        // go.sum is written by the first build; it is ignored by git so that the tree stays clean (vcs.modified=false).
        try "go.sum\n".write(toFile: app + "/.git/info/exclude", atomically: true, encoding: .utf8)
        let revision = try await runProgram("git", ["rev-parse", "HEAD"], workingDirectory: app, timeout: 60).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // Hermetic module settings (a file proxy, no network, no user go.env); the user's Go build cache is kept.
        let env: EnvironmentChanges = [
            "GOENV": "off", "GOTOOLCHAIN": "local", "GOPROXY": "file://" + folder.path + "/goproxy", "GOSUMDB": "off", "GOWORK": "off",
            "GOFLAGS": "-mod=mod -modcacherw", "GOMODCACHE": folder.path + "/modcache", "CGO_ENABLED": "0",
            "GOAMD64": nil, "GOEXPERIMENT": nil, "GOPRIVATE": nil, "GONOSUMDB": nil, "GONOPROXY": nil, "GOINSECURE": nil,
        ]
        let out = folder.path + "/dist"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func build(_ goos: String, _ goarch: String, _ name: String, _ flags: [String]) async throws -> Built {
            let binary = out + "/" + name
            var e = env
            e["GOOS"] = goos
            e["GOARCH"] = goarch
            let r = try await runProgram(toolchain.goPath, ["build"] + flags + ["-o", binary, "."], environment: e, workingDirectory: app, timeout: 1800)
            try #require(r.succeeded, "go build for \(goos)/\(goarch): \(r.stderr)")
            let subject = try SBOMSubject.read(artifactAt: binary)
            let paths = try SBOM.write(for: subject, created: created, into: out, system: liveSystem())
            return Built(binary: binary, subject: subject, cdx: paths[0], spdx: paths[1])
        }
        // linux: -trimpath (so Go leaves -ldflags out of the build info); wasm: without, so -ldflags is recorded.
        let elf = try await build("linux", "amd64", "sbomapp_linux_amd64", ["-trimpath", "-tags", "netgo", "-ldflags", "-s -w -X main.version=1.0"])
        let wasm = try await build("js", "wasm", "sbomapp_js_wasm.wasm", ["-ldflags", "-X main.version=1.0"])
        let macho = try await build("darwin", "arm64", "sbomapp_darwin_arm64", ["-trimpath"])
        let goSum = try String(contentsOfFile: app + "/go.sum", encoding: .utf8)
        return SBOMFixture(folder: folder, goVersion: toolchain.version, goSum: goSum, revision: revision, elf: elf, wasm: wasm, macho: macho)
    }

    /// `<tmp>/crossgo-sbom-tests/<pid>`, after removing the folders of earlier test processes that have exited
    /// (the fixture lives as long as the test process, so no test can remove it).
    static func processFolder() throws -> TempFolder {
        let fm = FileManager.default
        let parent = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path + "/crossgo-sbom-tests"
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        for entry in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] {
            if let pid = Int32(entry), pid != getpid(), kill(pid, 0) != 0 && errno == ESRCH { try? fm.removeItem(atPath: parent + "/" + entry) }
        }
        let path = parent + "/\(getpid())"
        try? fm.removeItem(atPath: path)
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        return TempFolder(existing: path)
    }

    /// A GOPROXY folder (`<module>/@v/list`, `.info`, `.mod`, `.zip`) from `proxy/<module>@<version>/` sources.
    static func writeFileProxy(from sources: String, to proxy: String) throws {
        for host in try FileManager.default.contentsOfDirectory(atPath: sources) {
            for item in try FileManager.default.contentsOfDirectory(atPath: sources + "/" + host) {
                let parts = item.split(separator: "@").map(String.init)
                let (module, version) = (host + "/" + parts[0], parts[1])
                let src = sources + "/" + host + "/" + item
                let dir = proxy + "/" + module + "/@v"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try (version + "\n").write(toFile: dir + "/list", atomically: true, encoding: .utf8)
                try "{\"Version\":\"\(version)\",\"Time\":\"2023-11-01T00:00:00Z\"}".write(toFile: dir + "/\(version).info", atomically: true, encoding: .utf8)
                try FileManager.default.copyItem(atPath: src + "/go.mod", toPath: dir + "/\(version).mod")
                let archive = try Archive(url: URL(fileURLWithPath: dir + "/\(version).zip"), accessMode: .create)
                for file in try FileManager.default.contentsOfDirectory(atPath: src).sorted() {
                    try archive.addEntry(with: "\(module)@\(version)/\(file)", fileURL: URL(fileURLWithPath: src + "/" + file))
                }
            }
        }
    }
}

enum SBOMFixtureCache {
    static let shared = Once { try await SBOMFixture.make() }
}

/// Runs cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6 on each file, in one Python process (loading
/// the schema costs seconds): path -> (valid, the validator's message or "valid").
func validateCycloneDX(_ paths: [String]) async throws -> [String: (valid: Bool, message: String)] {
    let script = """
    import json, sys
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    results = {}
    for path in sys.argv[1:]:
        error = validator.validate_str(open(path).read())
        results[path] = "valid" if error is None else "invalid: " + str(error)
    print(json.dumps(results))
    """
    let r = try await runProgram(repositoryRoot + "/.tools/bin/crossgo-validators-python", ["-c", script] + paths, timeout: 300)
    try #require(r.succeeded, "the validator did not run: \(r.stderr)")
    let results = try JSONDecoder().decode([String: String].self, from: Data(r.stdout.utf8))
    return results.mapValues { ($0 == "valid", $0) }
}

/// Runs spdx-tools' `pyspdxtools -i` on a file: (valid, output).
func validateSPDX(_ path: String) async throws -> (Bool, String) {
    let r = try await runProgram(repositoryRoot + "/.tools/bin/pyspdxtools", ["-i", path], timeout: 300)
    return (r.succeeded, r.stdout + r.stderr)
}

func jsonObject(_ path: String) throws -> [String: Any] {
    let data = try #require(FileManager.default.contents(atPath: path))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func writeJSON(_ object: [String: Any], to path: String) throws {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
}

/// The first line of `sha256sum`/`sha1sum` (or `shasum -a N` on macOS) for a file: its digest, computed outside crossgo.
func externalDigest(_ path: String, bits: Int) async throws -> String {
    let r = toolAvailable("sha256sum")
        ? try await runProgram(bits == 256 ? "sha256sum" : "sha1sum", [path], timeout: 60)
        : try await runProgram("shasum", ["-a", String(bits), path], timeout: 60)
    return String(r.stdout.prefix { $0 != " " })
}

@Suite(.requires("crossgo-validators-python", "pyspdxtools", "git"))
struct SBOMTests {
    @Test func cycloneDXValidatesForBothTargetsAndABrokenDocumentIsRejected() async throws {
        let f = try await SBOMFixture.shared()
        // Three ways to break it: a component without its required name, a hash algorithm the schema does not know
        // (what claiming go.sum's h1 as a hash would need), and a serial number that is no UUID URN.
        var doc = try jsonObject(f.elf.cdx)
        var components = try #require(doc["components"] as? [[String: Any]])
        components[0].removeValue(forKey: "name")
        doc["components"] = components
        let noName = f.folder.path + "/broken-noname.cdx.json"
        try writeJSON(doc, to: noName)

        doc = try jsonObject(f.elf.cdx)
        components = try #require(doc["components"] as? [[String: Any]])
        components[1]["hashes"] = [["alg": "h1", "content": "CaXIxafzm6RByeM4r5hUXK76PQrCjT7CqjgrwJ7TV6M="]]
        doc["components"] = components
        let badHash = f.folder.path + "/broken-hash.cdx.json"
        try writeJSON(doc, to: badHash)

        doc = try jsonObject(f.elf.cdx)
        doc["serialNumber"] = "crossgo-1"
        let badSerial = f.folder.path + "/broken-serial.cdx.json"
        try writeJSON(doc, to: badSerial)

        let results = try await validateCycloneDX([f.elf.cdx, f.wasm.cdx, f.macho.cdx, noName, badHash, badSerial])
        for path in [f.elf.cdx, f.wasm.cdx, f.macho.cdx] {
            #expect(results[path]?.valid == true, "\(path): \(results[path]?.message ?? "not validated")")
        }
        #expect(results[noName]?.valid == false)
        #expect(results[noName]?.message.contains("'name' is a required property") == true, "\(results[noName]?.message ?? "")")
        #expect(results[badHash]?.valid == false)
        #expect(results[badHash]?.message.contains("'h1' is not one of") == true, "\(results[badHash]?.message ?? "")")
        #expect(results[badSerial]?.valid == false)
        #expect(results[badSerial]?.message.contains("does not match") == true, "\(results[badSerial]?.message ?? "")")
    }

    @Test func spdxValidatesForBothTargetsAndABrokenDocumentIsRejected() async throws {
        let f = try await SBOMFixture.shared()
        for built in [f.elf, f.wasm, f.macho] {
            let (valid, output) = try await validateSPDX(built.spdx)
            #expect(valid, "\(built.spdx): \(output)")
            #expect(!output.contains("invalid"), "\(output)")  // it logs nothing when the document is valid
        }
        // A bad SPDXID, a file without its required SHA1 checksum, and a purl that is no purl.
        var doc = try jsonObject(f.elf.spdx)
        var packages = try #require(doc["packages"] as? [[String: Any]])
        packages[1]["SPDXID"] = "SPDXRef-Package_not/allowed"
        doc["packages"] = packages
        let badID = f.folder.path + "/broken-id.spdx.json"
        try writeJSON(doc, to: badID)
        let (v1, o1) = try await validateSPDX(badID)
        #expect(!v1)
        #expect(o1.contains("The document is invalid"))
        #expect(o1.contains("SPDXRef-Package_not/allowed"), "\(o1)")

        doc = try jsonObject(f.elf.spdx)
        var files = try #require(doc["files"] as? [[String: Any]])
        files[0]["checksums"] = (files[0]["checksums"] as? [[String: Any]])?.filter { $0["algorithm"] as? String != "SHA1" }
        doc["files"] = files
        let noSHA1 = f.folder.path + "/broken-sha1.spdx.json"
        try writeJSON(doc, to: noSHA1)
        let (v2, o2) = try await validateSPDX(noSHA1)
        #expect(!v2)
        #expect(o2.contains("The document is invalid"))
        #expect(o2.contains("SHA1"), "\(o2)")

        doc = try jsonObject(f.elf.spdx)
        packages = try #require(doc["packages"] as? [[String: Any]])
        packages[2]["externalRefs"] = [["referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "golang/example.com/fake"]]
        doc["packages"] = packages
        let badPurl = f.folder.path + "/broken-purl.spdx.json"
        try writeJSON(doc, to: badPurl)
        let (v3, o3) = try await validateSPDX(badPurl)
        #expect(!v3)
        #expect(o3.contains("The document is invalid"))
        #expect(o3.contains("golang/example.com/fake"), "\(o3)")
    }

    @Test func cycloneDXContents() async throws {
        let f = try await SBOMFixture.shared()
        let doc = try jsonObject(f.elf.cdx)
        #expect(doc["specVersion"] as? String == "1.6")
        #expect(doc["bomFormat"] as? String == "CycloneDX")
        #expect(doc["version"] as? Int == 1)
        let metadata = try #require(doc["metadata"] as? [String: Any])
        #expect(metadata["timestamp"] as? String == "2023-11-14T22:13:20Z")
        let tools = try #require((metadata["tools"] as? [String: Any])?["components"] as? [[String: Any]])
        #expect(tools.first?["name"] as? String == "crossgo" && tools.first?["version"] as? String == CrossGoVersion.current)

        // The artifact: its own SHA-256, as sha256sum computes it, and the build settings.
        let artifact = try #require(metadata["component"] as? [String: Any])
        #expect(artifact["name"] as? String == "sbomapp_linux_amd64")
        #expect(artifact["type"] as? String == "application")
        let hashes = try #require(artifact["hashes"] as? [[String: String]])
        #expect(hashes == [["alg": "SHA-256", "content": try await externalDigest(f.elf.binary, bits: 256)]])
        let props = Dictionary(((artifact["properties"] as? [[String: String]]) ?? []).map { ($0["name"]!, $0["value"] ?? "") }) { a, _ in a }
        #expect(props["crossgo:build:GOOS"] == "linux")
        #expect(props["crossgo:build:GOARCH"] == "amd64")
        #expect(props["crossgo:build:CGO_ENABLED"] == "0")
        #expect(props["crossgo:build:-tags"] == "netgo")
        #expect(props["crossgo:build:-trimpath"] == "true")
        #expect(props["crossgo:build:-ldflags"] == nil)  // -trimpath: Go does not record -ldflags
        #expect(props["crossgo:build:vcs"] == "git")
        #expect(props["crossgo:build:vcs.revision"] == f.revision)
        #expect(props["crossgo:build:vcs.modified"] == "false")
        #expect(props["crossgo:go.version"] == f.goVersion)
        #expect(props["crossgo:target"] == "linux/amd64/v1")
        #expect(props["crossgo:format"] == "elf")
        #expect(props["crossgo:size"] == String(f.elf.subject.size))
        #expect(props["crossgo:main.package"] == "example.com/sbomapp")

        let components = try #require(doc["components"] as? [[String: Any]])
        func component(_ ref: String) throws -> [String: Any] { try #require(components.first { $0["bom-ref"] as? String == ref }) }
        func properties(_ c: [String: Any]) -> [String: String] {
            Dictionary(((c["properties"] as? [[String: String]]) ?? []).map { ($0["name"]!, $0["value"] ?? "") }) { a, _ in a }
        }
        let stdlibVersion = String(f.goVersion.dropFirst(2))
        // The main module's version is the pseudo-version Go derives from the commit (time and 12-digit revision).
        let mainVersion = "v0.0.0-20231114120000-\(f.revision.prefix(12))"
        #expect(components.map { $0["purl"] as? String } == [
            "pkg:golang/example.com/sbomapp@\(mainVersion)", "pkg:golang/example.com/fake", "pkg:golang/example.com/greet@v1.0.0",
            "pkg:golang/example.com/fork@v1.1.0", "pkg:golang/stdlib@\(stdlibVersion)",
        ])
        let main = try component("crossgo:main:example.com/sbomapp")
        #expect(main["type"] as? String == "application")
        #expect(main["version"] as? String == mainVersion)
        #expect(artifact["version"] as? String == mainVersion)

        // go.sum's h1 hash is a property with the go.sum text, not a (false) SHA-256 hash.
        let greet = try component("crossgo:module:example.com/greet")
        #expect(greet["hashes"] == nil)
        let greetSum = try #require(properties(greet)["crossgo:go.sum"])
        #expect(f.goSum.contains("example.com/greet v1.0.0 \(greetSum)\n"))

        // The module replacement: the fork's identity and go.sum hash, the required module as pedigree ancestor.
        let old = try component("crossgo:module:example.com/old")
        #expect(old["name"] as? String == "example.com/fork" && old["version"] as? String == "v1.1.0")
        #expect(properties(old)["crossgo:go.mod.require"] == "example.com/old v1.0.0")
        #expect(properties(old)["crossgo:go.mod.replace"] == "example.com/fork v1.1.0")
        #expect(f.goSum.contains("example.com/fork v1.1.0 \(properties(old)["crossgo:go.sum"] ?? "-")\n"))
        let ancestors = try #require((old["pedigree"] as? [String: Any])?["ancestors"] as? [[String: Any]])
        #expect(ancestors.first?["purl"] as? String == "pkg:golang/example.com/old@v1.0.0")

        // The directory replacement: no version, no sum, the directory named.
        let fake = try component("crossgo:module:example.com/fake")
        #expect(fake["version"] == nil)
        #expect(properties(fake) == ["crossgo:go.mod.require": "example.com/fake v0.3.0", "crossgo:go.mod.replace": "../fake"])

        let stdlib = try component("crossgo:stdlib")
        #expect(stdlib["version"] as? String == f.goVersion)

        // Flat build info: artifact -> main -> every dependency and the standard library.
        let dependencies = try #require(doc["dependencies"] as? [[String: Any]])
        #expect(dependencies.count == 2)
        #expect(dependencies[0]["ref"] as? String == "crossgo:artifact")
        #expect(dependencies[0]["dependsOn"] as? [String] == ["crossgo:main:example.com/sbomapp"])
        #expect(dependencies[1]["dependsOn"] as? [String] == [
            "crossgo:module:example.com/fake", "crossgo:module:example.com/greet", "crossgo:module:example.com/old", "crossgo:stdlib",
        ])
        let compositions = try #require(doc["compositions"] as? [[String: Any]])
        #expect(compositions.map { $0["aggregate"] as? String } == ["complete", "unknown"])
    }

    @Test func wasmSBOMsCarryTheWasmTargetAndLdflags() async throws {
        let f = try await SBOMFixture.shared()
        #expect(f.wasm.subject.format == .wasm)
        let artifact = try #require((try jsonObject(f.wasm.cdx)["metadata"] as? [String: Any])?["component"] as? [String: Any])
        let props = Dictionary(((artifact["properties"] as? [[String: String]]) ?? []).map { ($0["name"]!, $0["value"] ?? "") }) { a, _ in a }
        #expect(props["crossgo:build:GOOS"] == "js")
        #expect(props["crossgo:build:GOARCH"] == "wasm")
        #expect(props["crossgo:format"] == "wasm")
        #expect(props["crossgo:build:-ldflags"] == "-X main.version=1.0")
        #expect((artifact["hashes"] as? [[String: String]])?.first?["content"] == (try await externalDigest(f.wasm.binary, bits: 256)))

        let spdx = try jsonObject(f.wasm.spdx)
        let packages = try #require(spdx["packages"] as? [[String: Any]])
        let described = try #require(packages.first { $0["SPDXID"] as? String == "SPDXRef-Package-artifact" })
        let notes = ((described["annotations"] as? [[String: String]]) ?? []).compactMap { $0["comment"] }
        #expect(notes.contains("crossgo:build:GOOS=js"))
        #expect(notes.contains("crossgo:build:-ldflags=-X main.version=1.0"))
    }

    @Test func spdxContents() async throws {
        let f = try await SBOMFixture.shared()
        let doc = try jsonObject(f.elf.spdx)
        #expect(doc["spdxVersion"] as? String == "SPDX-2.3")
        #expect(doc["dataLicense"] as? String == "CC0-1.0")
        #expect(doc["SPDXID"] as? String == "SPDXRef-DOCUMENT")
        #expect((doc["documentNamespace"] as? String)?.hasPrefix("urn:uuid:") == true)
        let info = try #require(doc["creationInfo"] as? [String: Any])
        #expect(info["created"] as? String == "2023-11-14T22:13:20Z")
        #expect(info["creators"] as? [String] == ["Tool: crossgo-\(CrossGoVersion.current)"])

        let files = try #require(doc["files"] as? [[String: Any]])
        let checksums = try #require(files.first?["checksums"] as? [[String: String]])
        #expect(checksums == [["algorithm": "SHA1", "checksumValue": try await externalDigest(f.elf.binary, bits: 1)],
                              ["algorithm": "SHA256", "checksumValue": try await externalDigest(f.elf.binary, bits: 256)]])
        #expect(files.first?["fileName"] as? String == "./sbomapp_linux_amd64")

        let packages = try #require(doc["packages"] as? [[String: Any]])
        let purls = packages.compactMap { ($0["externalRefs"] as? [[String: String]])?.first?["referenceLocator"] }
        #expect(purls == ["pkg:golang/example.com/sbomapp@v0.0.0-20231114120000-\(f.revision.prefix(12))", "pkg:golang/example.com/fake", "pkg:golang/example.com/greet@v1.0.0",
                          "pkg:golang/example.com/fork@v1.1.0", "pkg:golang/stdlib@\(f.goVersion.dropFirst(2))"])
        #expect(Set(packages.map { $0["downloadLocation"] as? String }) == ["NOASSERTION"])
        let fork = try #require(packages.first { $0["name"] as? String == "example.com/fork" })
        #expect(fork["comment"] as? String == "go.mod replaces example.com/old v1.0.0 with example.com/fork v1.1.0")
        #expect(((fork["annotations"] as? [[String: String]]) ?? []).contains { $0["comment"]?.hasPrefix("crossgo:go.sum=h1:") == true })

        let relationships = try #require(doc["relationships"] as? [[String: String]])
        #expect(relationships.first == ["spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-artifact"])
        let mainID = try #require(packages.first { $0["name"] as? String == "example.com/sbomapp" }?["SPDXID"] as? String)
        let fromMain = relationships.filter { $0["spdxElementId"] == mainID && $0["relationshipType"] == "DEPENDS_ON" }
        #expect(fromMain.count == 4)  // fake, greet, old (as fork), stdlib
    }

    @Test func sbomsAreByteIdenticalForTheSameArtifactAndTime() async throws {
        let f = try await SBOMFixture.shared()
        let again = try TempFolder("crossgo-sbom-again")
        defer { again.cleanup() }
        let subject = try SBOMSubject.read(artifactAt: f.elf.binary)
        let paths = try SBOM.write(for: subject, created: SBOMFixture.created, into: again.path, system: liveSystem())
        #expect(paths.map { ($0 as NSString).lastPathComponent } == ["sbomapp_linux_amd64.cdx.json", "sbomapp_linux_amd64.spdx.json"])
        #expect(FileManager.default.contents(atPath: paths[0]) == FileManager.default.contents(atPath: f.elf.cdx))
        #expect(FileManager.default.contents(atPath: paths[1]) == FileManager.default.contents(atPath: f.elf.spdx))
        #expect(filesUnder(again.path) == ["sbomapp_linux_amd64.cdx.json", "sbomapp_linux_amd64.spdx.json"])  // no temporary left

        // Another release time is another document: another serial number and namespace.
        let later = SBOM.document(.cycloneDX, for: subject, created: SBOMFixture.created.addingTimeInterval(1))
        let serial = try #require(try JSONSerialization.jsonObject(with: later) as? [String: Any])["serialNumber"] as? String
        #expect(serial != (try jsonObject(f.elf.cdx)["serialNumber"] as? String))
        #expect(serial?.hasPrefix("urn:uuid:") == true)
    }

    @Test func checkAgreesWithTheBinaryAndNamesEachDifference() async throws {
        let f = try await SBOMFixture.shared()
        for built in [f.elf, f.wasm, f.macho] {
            #expect(SBOM.check(sbomAt: built.cdx, againstArtifactAt: built.binary) == [])
            #expect(SBOM.check(sbomAt: built.spdx, againstArtifactAt: built.binary) == [])
        }
        // The linux SBOM against the wasm binary: digest, GOOS and GOARCH differ, the modules do not.
        let wrong = SBOM.check(sbomAt: f.elf.cdx, againstArtifactAt: f.wasm.binary)
        #expect(wrong == [
            "sbomapp_linux_amd64.cdx.json: artifact SHA-256 is \(f.elf.subject.sha256) in the SBOM, \(f.wasm.subject.sha256) in the binary",
            "sbomapp_linux_amd64.cdx.json: GOOS is linux in the SBOM, js in the binary",
            "sbomapp_linux_amd64.cdx.json: GOARCH is amd64 in the SBOM, wasm in the binary",
        ])

        // A changed version and a missing module, in each format.
        var cdx = try jsonObject(f.elf.cdx)
        var components = try #require(cdx["components"] as? [[String: Any]])
        components = components.filter { $0["name"] as? String != "example.com/fake" }
        for i in components.indices where components[i]["name"] as? String == "example.com/greet" { components[i]["version"] = "v1.0.1" }
        cdx["components"] = components
        let tamperedCDX = f.folder.path + "/tampered.cdx.json"
        try writeJSON(cdx, to: tamperedCDX)
        #expect(SBOM.check(sbomAt: tamperedCDX, againstArtifactAt: f.elf.binary) == [
            "tampered.cdx.json: module example.com/fake (no version) is built into the binary but missing from the SBOM",
            "tampered.cdx.json: module example.com/greet is v1.0.1 in the SBOM, v1.0.0 in the binary",
        ])

        var spdx = try jsonObject(f.elf.spdx)
        var packages = try #require(spdx["packages"] as? [[String: Any]])
        for i in packages.indices where packages[i]["name"] as? String == "stdlib" { packages[i]["versionInfo"] = "go1.0.0" }
        spdx["packages"] = packages
        let tamperedSPDX = f.folder.path + "/tampered.spdx.json"
        try writeJSON(spdx, to: tamperedSPDX)
        #expect(SBOM.check(sbomAt: tamperedSPDX, againstArtifactAt: f.elf.binary) == [
            "tampered.spdx.json: module stdlib is go1.0.0 in the SBOM, \(f.goVersion) in the binary",
        ])

        // Unreadable inputs: one line each, naming the file.
        let notJSON = try f.folder.write("garbage.cdx.json", "not json")
        #expect(SBOM.check(sbomAt: notJSON, againstArtifactAt: f.elf.binary) == ["garbage.cdx.json: not a JSON object"])
        let text = try f.folder.write("notes.txt", "hello\n")
        let notGo = SBOM.check(sbomAt: f.elf.cdx, againstArtifactAt: text)
        #expect(notGo.count == 1 && notGo[0].hasPrefix("sbomapp_linux_amd64.cdx.json: \(text): "), "\(notGo)")
        #expect(SBOM.check(sbomAt: f.folder.path + "/missing.cdx.json", againstArtifactAt: f.elf.binary)
            == ["missing.cdx.json: cannot read \(f.folder.path)/missing.cdx.json"])
    }

    @Test func aMachOArtifactAndAUniversalFileOfOneProgramButNotOfTwo() async throws {
        let f = try await SBOMFixture.shared()
        #expect(f.macho.subject.format == .machO)
        #expect(f.macho.subject.target == Target(goos: "darwin", goarch: "arm64", variant: "v8.0"))  // GOARM64 from the build info
        let slice = try Data(contentsOf: URL(fileURLWithPath: f.macho.binary))
        func fat(_ first: Data, _ second: Data, name: String) throws -> String {
            let align = 14, offset1 = 1 << align, offset2 = (offset1 + first.count + (1 << align) - 1) & ~((1 << align) - 1)
            var fat = Data()
            func u32(_ v: Int) { fat.append(contentsOf: withUnsafeBytes(of: UInt32(v).bigEndian, Array.init)) }
            u32(0xcafe_babe)
            u32(2)
            for (offset, size) in [(offset1, first.count), (offset2, second.count)] { u32(0x0100_000c); u32(0); u32(offset); u32(size); u32(align) }
            fat.append(Data(count: offset1 - fat.count))
            fat.append(first)
            fat.append(Data(count: offset2 - fat.count))
            fat.append(second)
            let path = f.folder.path + "/" + name
            try fat.write(to: URL(fileURLWithPath: path))
            return path
        }
        // A universal file of one program (two copies of the slice: enough for the reader) is one subject, darwin/universal,
        // without the per-slice GOARCH and GOARM64 settings; its SBOM checks against it.
        let universal = try fat(slice, slice, name: "sbomapp_darwin_universal")
        let subject = try SBOMSubject.read(artifactAt: universal)
        #expect(subject.target == Target(goos: "darwin", goarch: "universal") && subject.format == .universal)
        #expect(subject.buildInfo.setting("GOARCH") == nil && subject.buildInfo.setting("GOARM64") == nil && subject.buildInfo.setting("GOOS") == "darwin")
        let written = try SBOM.write(for: subject, created: Date(timeIntervalSince1970: 0), into: f.folder.path, system: liveSystem())
        for path in written { #expect(SBOM.check(sbomAt: path, againstArtifactAt: universal).isEmpty) }
        #expect(SBOM.check(sbomAt: written[0], againstArtifactAt: f.macho.binary).contains { $0.contains("GOARCH") })
        // Slices whose build info differs (one build setting changed in the second) are not one program: refused.
        var other = slice
        let setting = Data("-trimpath=true".utf8)
        var changed = 0
        while let at = other.range(of: setting) {  // the build info and the runtime's copy of it
            other.replaceSubrange(at, with: Data("-trimpath=tru3".utf8))
            changed += 1
        }
        #expect(changed > 0)
        let mixed = try fat(slice, other, name: "mixed_darwin_universal")
        #expect(throws: SBOMError("\(mixed): the slices of this universal file are not one program (their Go version, modules or settings differ)")) {
            _ = try SBOMSubject.read(artifactAt: mixed)
        }
    }

    @Test func unwritableFolderIsOneLineAndLeavesNothing() async throws {
        let f = try await SBOMFixture.shared()
        // The folder cannot be made: a regular file stands where its parent should be.
        let blocker = FileManager.default.temporaryDirectory.path + "/sbom-blocker-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("not a folder\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        do {
            try SBOM.write(for: f.elf.subject, created: SBOMFixture.created, into: blocker + "/folder", system: liveSystem())
            Issue.record("an SBOM was written under a regular file")
        } catch {
            #expect(error.description.hasPrefix("\(blocker)/folder/sbomapp_linux_amd64.cdx.json: cannot write"))
            #expect(ExitStatus.of(error) == .failed)
        }
        #expect(try String(contentsOfFile: blocker, encoding: .utf8) == "not a folder\n")
    }
}

/// The module model and purls, from build info text (no toolchain needed).
@Suite struct SBOMModelTests {
    func graph(_ text: String, go: String = "go1.27.3") throws -> GoModuleGraph {
        GoModuleGraph(try BuildInfo.parse(goVersion: go, moduleInfo: text))
    }

    @Test func purlsFollowSyftsConvention() {
        #expect(Purl.golang("github.com/docker/docker", version: "v20.10.7+incompatible") == "pkg:golang/github.com/docker/docker@v20.10.7%2Bincompatible")
        #expect(Purl.golang("github.com/Azure/go-autorest", version: "v14.2.0") == "pkg:golang/github.com/Azure/go-autorest@v14.2.0")
        #expect(Purl.golang("example.com/a b", version: nil) == "pkg:golang/example.com/a%20b")
        #expect(GoModuleGraph.stdlibVersion("go1.27.3 X:nocoverageredesign") == "1.27.3")
        #expect(GoModuleGraph.stdlibVersion("devel go1.28-abcdef") == "devel")
    }

    @Test func replacementsAndTheMainModule() throws {
        let g = try graph("path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:main=\n" +
                          "dep\texample.com/b\tv0.1.0\n=>\t/abs/dir\t\t\n" +
                          "dep\texample.com/a\tv1.0.0\th1:aaa=\n" +
                          "dep\texample.com/c\tv1.0.0\n=>\texample.com/c\tv1.0.1\th1:ccc=\n")
        #expect(g.main?.purl == "pkg:golang/example.com/app@v1.2.3")
        #expect(g.dependencies.map(\.ref) == ["crossgo:module:example.com/a", "crossgo:module:example.com/b", "crossgo:module:example.com/c"])
        #expect(g.dependencies[1].replacement == .directory("/abs/dir") && g.dependencies[1].version == nil)
        #expect(g.dependencies[2].replacement == .module(path: "example.com/c", version: "v1.0.1"))
        #expect(g.dependencies[2].sum == "h1:ccc=" && g.dependencies[2].purl == "pkg:golang/example.com/c@v1.0.1")
        #expect(g.stdlib.purl == "pkg:golang/stdlib@1.27.3")
        // SPDX IDs hold only letters, digits, '.' and '-', and two paths that sanitize alike stay apart.
        let a = SPDX.spdxID("crossgo:module:example.com/x_y"), b = SPDX.spdxID("crossgo:module:example.com/x-y")
        #expect(a != b)
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
    }

    /// A subject made from build info text (digests invented: nothing here reads a file).
    func subject(_ text: String) throws -> SBOMSubject {
        SBOMSubject(fileName: "tool", sha256: String(repeating: "a", count: 64), sha1: String(repeating: "b", count: 40), size: 1,
                    target: Target(goos: "linux", goarch: "arm64"), format: .elf,
                    buildInfo: try BuildInfo.parse(goVersion: "go1.27.3", moduleInfo: text))
    }

    @Test func cgoMakesTheComponentListIncompleteAndNoMainModuleHangsDepsOnTheArtifact() throws {
        // cgo links C code that Go's build info does not list.
        let cgo = try subject("path\texample.com/t\nmod\texample.com/t\t(devel)\t\nbuild\tCGO_ENABLED=1\nbuild\tGOOS=linux\n")
        let doc = try JSONDecoder().decode(CycloneDX.Document.self, from: SBOM.document(.cycloneDX, for: cgo, created: Date(timeIntervalSince1970: 0)))
        #expect(doc.compositions?.map(\.aggregate) == ["incomplete", "unknown"])
        #expect(doc.metadata?.timestamp == "1970-01-01T00:00:00Z")
        #expect(doc.components?.first?.purl == "pkg:golang/example.com/t")  // "(devel)" is no version for a purl
        #expect(doc.components?.first?.version == "(devel)")
        // `go build file.go`: no main module; the dependencies and the standard library hang on the artifact.
        let loose = try subject("path\tcommand-line-arguments\ndep\texample.com/d\tv1.0.0\th1:d=\nbuild\tCGO_ENABLED=0\n")
        let doc2 = try JSONDecoder().decode(CycloneDX.Document.self, from: SBOM.document(.cycloneDX, for: loose, created: Date(timeIntervalSince1970: 0)))
        #expect(doc2.dependencies == [CycloneDX.Dependency(ref: "crossgo:artifact", dependsOn: ["crossgo:module:example.com/d", "crossgo:stdlib"])])
        #expect(doc2.compositions?.first?.aggregate == "complete")
        let spdx = try JSONDecoder().decode(SPDX.Document.self, from: SBOM.document(.spdx, for: loose, created: Date(timeIntervalSince1970: 0)))
        #expect(spdx.relationships?.filter { $0.relationshipType == "DEPENDS_ON" }.map(\.spdxElementId) == ["SPDXRef-Package-artifact", "SPDXRef-Package-artifact"])
    }

    @Test func aNonGoFileIsRefusedWithItsPath() throws {
        let folder = try TempFolder("crossgo-sbom-input")
        defer { folder.cleanup() }
        let text = try folder.write("README", "not a binary\n")
        #expect { try SBOMSubject.read(artifactAt: text) } throws: { error in
            (error as? SBOMError)?.description.hasPrefix(text + ": ") == true
        }
    }
}
