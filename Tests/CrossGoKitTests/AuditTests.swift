// crossgo audit's rules case by case: the database documentation's example entries and real advisories,
// semver ranges, pseudo-versions, +incompatible, stdlib/toolchain versions, goos limits, replacements,
// the CycloneDX adapter, and the database client (folder; HTTP with its cached index; unreachable).
import Foundation
import GoBinary
import Testing
import TestSupport
@testable import CrossGoKit

@Suite("Audit rules")
struct AuditRuleTests {
    func entry(_ id: String) throws -> OSVEntry {
        let data = try Data(contentsOf: URL(fileURLWithPath: VulnDBFixture.entriesFolder + "/\(id).json"))
        return try JSONDecoder().decode(OSVEntry.self, from: data)
    }

    /// The finding for a module version on a target, as the session computes it.
    func finding(_ id: String, _ module: String, _ version: String, goos: String? = "linux", goarch: String? = "amd64") throws -> AuditFinding? {
        let subject = AuditSubject(artifact: "a", file: "a", kind: "binary", goos: goos, goarch: goarch)
        let m = AuditModule(path: module, version: version)
        return AuditSession.match(try entry(id), module: m, version: try #require(OSVMatch.semver(version)), subject: subject)
    }

    @Test("GO-2022-0191 (the documentation's stdlib example): two intervals, Go versions as go1.X.Y")
    func stdlibExample() throws {
        let cases: [(String, String?)] = [
            ("go1.10.5", "go1.10.6"), ("go1.10.6", nil), ("go1.10", "go1.10.6"), ("go1.11rc1", nil), ("go1.11.0", "go1.11.3"),
            ("go1.11.2", "go1.11.3"), ("go1.11.3", nil), ("go1.12", nil), ("go1.9beta1", "go1.10.6"),
        ]
        for (version, fixed) in cases {
            let f = try finding("GO-2022-0191", "stdlib", version)
            #expect((f != nil) == (fixed != nil), "\(version)")
            #expect(f?.fixed == fixed, "\(version)")
        }
        // The entry names stdlib: a module called anything else is never matched by it.
        #expect(try finding("GO-2022-0191", "toolchain", "go1.10.5") == nil)
    }

    @Test("GO-2022-0189 (the documentation's toolchain example) matches the toolchain module only")
    func toolchainExample() throws {
        #expect(try finding("GO-2022-0189", "toolchain", "go1.11.1")?.fixed == "go1.11.3")
        #expect(try finding("GO-2022-0189", "toolchain", "go1.11.3") == nil)
        #expect(try finding("GO-2022-0189", "stdlib", "go1.11.1") == nil)
    }

    @Test("GO-2020-0015 (the documentation's module example): v-prefixed versions and pseudo-versions")
    func moduleExample() throws {
        #expect(try finding("GO-2020-0015", "golang.org/x/text", "v0.3.2")?.fixed == "v0.3.3")
        #expect(try finding("GO-2020-0015", "golang.org/x/text", "v0.3.3") == nil)
        #expect(try finding("GO-2020-0015", "golang.org/x/text", "v0.0.0-20170915032832-14c0d48ead0c")?.fixed == "v0.3.3")
        // A pseudo-version based on v0.3.3 (v0.3.4-0.…) is after the fix.
        #expect(try finding("GO-2020-0015", "golang.org/x/text", "v0.3.4-0.20200601000000-abcdefabcdef") == nil)
        // A pseudo-version based on v0.3.2 (v0.3.3-0.…) is a prerelease of v0.3.3: before the fix.
        #expect(try finding("GO-2020-0015", "golang.org/x/text", "v0.3.3-0.20200601000000-abcdefabcdef")?.fixed == "v0.3.3")
        #expect(try finding("GO-2020-0015", "golang.org/x/net", "v0.3.2") == nil)
    }

    @Test("GO-2025-3750: a Windows-only stdlib entry applies to windows artifacts only, on its two branches")
    func goosLimit() throws {
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.3", goos: "windows")?.fixed == "go1.24.4")
        #expect(try finding("GO-2025-3750", "stdlib", "go1.23.9", goos: "windows")?.fixed == "go1.23.10")
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.3", goos: "linux") == nil)
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.3", goos: "js", goarch: "wasm") == nil)
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.4", goos: "windows") == nil)
        #expect(try finding("GO-2025-3750", "stdlib", "go1.26.6", goos: "windows") == nil)
        // Unknown target (an SBOM without GOOS): not ruled out.
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.3", goos: nil, goarch: nil) != nil)
        #expect(try finding("GO-2025-3750", "stdlib", "go1.24.3", goos: "windows")?.packages == ["syscall", "os"])
    }

    @Test("A fix backported to three branches: each version gets its own branch's fix; a release candidate at or past the fix is clean")
    func backport() throws {
        let cases: [(String, String?)] = [
            ("go1.25.11", "go1.25.12"), ("go1.25.12", nil), ("go1.26rc1", "go1.26.7"), ("go1.26.6", "go1.26.7"), ("go1.26.7", nil),
            ("go1.27rc1", "go1.27rc2"), ("go1.27rc2", nil), ("go1.27.3", nil),
        ]
        for (version, fixed) in cases {
            #expect(try finding("GO-0000-0001", "stdlib", version)?.fixed == fixed, "\(version)")
        }
        // No fixed event: every version from the introduced one on.
        #expect(try finding("GO-0000-0002", "stdlib", "go1.27.3", goos: "windows") != nil)
        #expect(try finding("GO-0000-0002", "stdlib", "go1.27.3", goos: "windows")?.fixed == nil)
        #expect(try finding("GO-0000-0002", "stdlib", "go1.25.9", goos: "windows") == nil)
    }

    @Test("Ranges: +incompatible, unsorted events, no events, several ranges, goarch limits")
    func ranges() throws {
        func range(_ events: [OSVEntry.Event]) -> OSVEntry.Range { OSVEntry.Range(type: "SEMVER", events: events) }
        let incompatible = range([.init(introduced: "2.0.0+incompatible"), .init(fixed: "2.3.1+incompatible")])
        #expect(OSVMatch.contains(incompatible, GoSemver("v2.1.0+incompatible")!) == (true, "2.3.1+incompatible"))
        #expect(OSVMatch.contains(incompatible, GoSemver("v2.3.1+incompatible")!).affected == false)
        #expect(OSVMatch.contains(incompatible, GoSemver("v1.9.0")!).affected == false)
        let unsorted = range([.init(fixed: "1.5.0"), .init(introduced: "1.2.0"), .init(introduced: "0"), .init(fixed: "1.0.1")])
        #expect(OSVMatch.contains(unsorted, GoSemver("v1.0.0")!) == (true, "1.0.1"))
        #expect(OSVMatch.contains(unsorted, GoSemver("v1.1.0")!).affected == false)
        #expect(OSVMatch.contains(unsorted, GoSemver("v1.4.9")!) == (true, "1.5.0"))
        #expect(OSVMatch.contains(range([]), GoSemver("v9.9.9")!).affected)
        #expect(OSVMatch.contains(OSVEntry.Range(type: "GIT", events: [.init(introduced: "0")]), GoSemver("v1.0.0")!).affected == false)
        let arm = OSVEntry.Affected(package: .init(name: "m"), ranges: nil,
                                    ecosystemSpecific: .init(imports: [.init(path: "m/p", goos: nil, goarch: ["arm64"], symbols: nil)]))
        #expect(OSVMatch.applies(arm, goos: "linux", goarch: "arm64"))
        #expect(!OSVMatch.applies(arm, goos: "linux", goarch: "amd64"))
        #expect(OSVMatch.affects(arm, version: GoSemver("v0.0.1")!).affected)  // no ranges: every version
    }

    @Test("Build info: stdlib and toolchain at the Go version, replacements at their version, directory replacements not checked")
    func buildInfoModules() {
        let (modules, unchecked) = AuditInputs.modules(
            goVersion: "go1.26.6",
            main: Module(path: "example.com/app", version: "(devel)"),
            deps: [
                Module(path: "golang.org/x/text", version: "v0.3.7", sum: "h1:x"),
                Module(path: "golang.org/x/net", version: "v0.1.0", replace: Module(path: "example.com/netfork", version: "v0.1.1")),
                Module(path: "example.com/local", version: "v1.0.0", replace: Module(path: "../local", version: "")),
                Module(path: "example.com/devel", version: "v1.0.0", replace: Module(path: "./devel", version: "(devel)")),
            ])
        #expect(modules == [
            AuditModule(path: "stdlib", version: "go1.26.6"), AuditModule(path: "toolchain", version: "go1.26.6"),
            AuditModule(path: "golang.org/x/text", version: "v0.3.7"),
            AuditModule(path: "example.com/netfork", version: "v0.1.1", replaces: "golang.org/x/net@v0.1.0"),
        ])
        #expect(unchecked == ["example.com/local => ../local: a directory replacement has no version, not checked",
                              "example.com/devel => ./devel: a directory replacement has no version, not checked"])
        let devel = AuditInputs.modules(goVersion: "devel go1.28-abcdef", main: nil, deps: [])
        #expect(devel.0.isEmpty)
        #expect(devel.1.first?.contains("not a Go release") == true)
    }

    @Test("CycloneDX 1.6 JSON: pkg:golang purls, stdlib as the Go version, GOOS/GOARCH properties; anything else is not audited")
    func cycloneDX() throws {
        let folder = try TempFolder("audit-cdx")
        defer { folder.cleanup() }
        let sbom = try folder.write("hello_windows_amd64.exe.cdx.json", """
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
             "metadata": {"component": {"type": "application", "name": "hello", "purl": "pkg:golang/example.com/hello@(devel)",
                "properties": [{"name": "GOOS", "value": "windows"}, {"name": "GOARCH", "value": "amd64"}]}},
             "components": [
                {"type": "library", "name": "golang.org/x/text", "version": "v0.3.7", "purl": "pkg:golang/golang.org/x/text@v0.3.7?type=module"},
                {"type": "library", "name": "github.com/!burnt!sushi/toml", "purl": "pkg:golang/github.com/BurntSushi/toml@v1.2.0%2Bincompatible"},
                {"type": "library", "name": "stdlib", "version": "go1.26.6", "purl": "pkg:golang/stdlib@go1.26.6"}]}
            """)
        let subject = AuditInputs.cycloneDX(file: sbom, display: "dist/x.cdx.json")
        #expect(subject.notAudited == nil)
        #expect(subject.goos == "windows" && subject.goarch == "amd64")
        #expect(subject.goVersion == "go1.26.6")
        #expect(Set(subject.modules) == [
            AuditModule(path: "golang.org/x/text", version: "v0.3.7"), AuditModule(path: "github.com/BurntSushi/toml", version: "v1.2.0+incompatible"),
            AuditModule(path: "stdlib", version: "go1.26.6"), AuditModule(path: "toolchain", version: "go1.26.6"),
        ])
        #expect(subject.unchecked.isEmpty)
        let spdx = try folder.write("x.json", #"{"spdxVersion": "SPDX-2.3"}"#)
        #expect(AuditInputs.cycloneDX(file: spdx, display: "x.json").notAudited?.contains("not a CycloneDX") == true)
        let namedSPDX = try folder.write("x.spdx.json", #"{"spdxVersion": "SPDX-2.3"}"#)
        #expect(AuditInputs.subjects(file: namedSPDX, display: "x.spdx.json", named: true)?.first?.notAudited?.contains("SPDX") == true)
        #expect(AuditInputs.subjects(file: namedSPDX, display: "x.spdx.json", named: false) == nil)
        // No stdlib, no target: audited for what it names, and says what it could not check.
        let partial = try folder.write("p.cdx.json", #"{"bomFormat": "CycloneDX", "components": [{"purl": "pkg:golang/golang.org/x/text@v0.3.7"}]}"#)
        let p = AuditInputs.cycloneDX(file: partial, display: "p")
        #expect(p.notAudited == nil && p.unchecked.count == 2)
    }

    @Test("Unreadable inputs are not audited, with the reason; in folders, files that are no executable are skipped")
    func unreadable() throws {
        let folder = try TempFolder("audit-bad")
        defer { folder.cleanup() }
        let text = try folder.write("notes.txt", "hello\n")
        #expect(AuditInputs.subjects(file: text, display: "notes.txt", named: false) == nil)
        #expect(AuditInputs.subjects(file: text, display: "notes.txt", named: true)?.first?.notAudited?.contains("build info cannot be read") == true)
        // An ELF header that ends early: damaged, not skipped, even in a folder.
        let elf = folder.path + "/broken"
        try Data([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 12)).write(to: URL(fileURLWithPath: elf))
        let broken = try #require(AuditInputs.subjects(file: elf, display: "broken", named: false)?.first)
        #expect(broken.notAudited?.hasPrefix("build info cannot be read") == true)
    }
}

@Suite("Vulnerability database client")
struct VulnDatabaseTests {
    @Test("A folder in the published layout; a folder without it is bad input (2), not an empty database")
    func folder() async throws {
        let tmp = try TempFolder("vulndb-folder")
        defer { tmp.cleanup() }
        try VulnDBFixture.write(to: tmp.path + "/db", modified: "2026-11-20T00:00:00Z")
        let db = VulnDatabase(location: try VulnDatabaseLocation.parse("db", base: tmp.path), cacheDirectory: nil)
        let (index, modified, cached) = try await db.moduleIndex()
        #expect(modified == "2026-11-20T00:00:00Z" && !cached)
        #expect(Set(index.vulns(for: "golang.org/x/text").map(\.id)) == ["GO-2020-0015", "GO-2022-1059"])
        #expect(try await db.entry("GO-2022-1059", modified: nil).aliases == ["CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"])
        try FileManager.default.createDirectory(atPath: tmp.path + "/empty", withIntermediateDirectories: true)
        let empty = VulnDatabase(location: .folder(tmp.path + "/empty"), cacheDirectory: nil)
        await #expect(throws: VulnDatabaseError.self) { _ = try await empty.moduleIndex() }
        do { _ = try await empty.moduleIndex() } catch { #expect(ExitStatus.of(error) == .usage) }
        #expect(throws: UsageError.self) { _ = try VulnDatabaseLocation.parse("nosuch", base: tmp.path) }
        #expect(throws: UsageError.self) { _ = try VulnDatabaseLocation.parse("ftp://example.com", base: tmp.path) }
    }

    @Test("Over HTTP: the index is cached with its modified time and fetched again only when db.json is newer")
    func httpCache() async throws {
        let tmp = try TempFolder("vulndb-http")
        defer { tmp.cleanup() }
        try VulnDBFixture.write(to: tmp.path + "/db", modified: "2026-11-20T00:00:00Z")
        let server = try await FolderServer(root: tmp.path + "/db")
        let url = await server.url
        let location = try VulnDatabaseLocation.parse(url, base: tmp.path)
        let cache = tmp.path + "/cache"
        let first = try await VulnDatabase(location: location, cacheDirectory: cache).moduleIndex()
        #expect(!first.fromCache)
        #expect(server.requests("index/modules.json") == 1)
        let second = try await VulnDatabase(location: location, cacheDirectory: cache).moduleIndex()
        #expect(second.fromCache && second.index == first.index)
        #expect(server.requests("index/db.json") == 2)
        #expect(server.requests("index/modules.json") == 1)
        // A newer database: fetched again, and now without GO-2022-1059.
        try VulnDBFixture.write(to: tmp.path + "/db2", modified: "2026-11-21T08:00:00Z", only: ["GO-2020-0015"])
        try FileManager.default.removeItem(atPath: tmp.path + "/db/index")
        try FileManager.default.copyItem(atPath: tmp.path + "/db2/index", toPath: tmp.path + "/db/index")
        let third = try await VulnDatabase(location: location, cacheDirectory: cache).moduleIndex()
        #expect(!third.fromCache && third.modified == "2026-11-21T08:00:00Z")
        #expect(server.requests("index/modules.json") == 2)
        #expect(third.index.vulns(for: "golang.org/x/text").map(\.id) == ["GO-2020-0015"])
        // Entries are cached by id and modified time.
        _ = try await VulnDatabase(location: location, cacheDirectory: cache).entry("GO-2020-0015", modified: "2024-05-20T16:03:47Z")
        _ = try await VulnDatabase(location: location, cacheDirectory: cache).entry("GO-2020-0015", modified: "2024-05-20T16:03:47Z")
        #expect(server.requests("ID/GO-2020-0015.json") == 1)
        // A missing file is an environment error, not an empty answer.
        do {
            _ = try await VulnDatabase(location: location, cacheDirectory: nil).entry("GO-9999-9999", modified: nil)
            Issue.record("a missing entry was not an error")
        } catch {
            #expect(ExitStatus.of(error) == .environment)
            #expect("\(error)".contains("404"))
        }
        await server.stop()
        // The server is gone: unreachable is an environment error (3), never "no vulnerabilities".
        do {
            _ = try await VulnDatabase(location: location, cacheDirectory: cache).moduleIndex()
            Issue.record("an unreachable database gave an answer")
        } catch {
            #expect(ExitStatus.of(error) == .environment)
            #expect("\(error)".contains("cannot be reached"))
        }
    }
}
