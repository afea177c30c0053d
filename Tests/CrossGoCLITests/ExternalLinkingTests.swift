// Targets whose executables need external (cgo) linking (android/386, android/amd64, android/arm, ios/*):
// `crossgo targets` says so per target, as the real go command does, and `build` skips them with that reason
// unless cgo is on.
import CrossGoKit
import Foundation
import Testing
import TestSupport

@Suite("External linking", .requires("go"))
struct ExternalLinkingTests {
    struct Listing: Decodable {
        struct Row: Decodable { var target: String; var cgo: Bool; var externalLinking: Bool? }
        var targets: [Row]
    }

    @Test("targets: externalLinking is true exactly where go list says the program requires external (cgo) linking without cgo")
    func targetsSayWhichNeedExternalLinking() async throws {
        let toolchain = try await realToolchain()
        let hello = repositoryRoot + "/Examples/hello"
        let json = try await runCrossgo(["targets", "--json"], in: hello)
        #expect(json.exitCode == 0, "\(json.stderr)")
        let rows = try summaryOutcome(Listing.self, from: json.stdout).targets
        #expect(rows.count == toolchain.distTargets.count)
        var required: [String] = []
        for row in rows {
            let parts = row.target.split(separator: "/").map(String.init)
            let listed = try await runProgram(toolchain.goPath, ["list", "-e", "-f", "{{.Error}}", "."],
                                              environment: ["GOOS": parts[0], "GOARCH": parts[1], "CGO_ENABLED": "0"], workingDirectory: hello, timeout: 120)
            let needs = listed.stdout.contains("requires external (cgo) linking")
            if needs { required.append(row.target) }
            #expect(row.externalLinking == needs, "\(row.target): crossgo \(String(describing: row.externalLinking)), go \(listed.stdout)")
        }
        #expect(required.contains("android/386") && required.contains("ios/arm64") && !required.contains("android/arm64"), "\(required)")
        let text = try await runCrossgo(["targets", "--target", "android/386,android/arm64,linux/amd64"], in: hello, environment: ["NO_COLOR": "1"])
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first { $0.first == "android/386" }?[2] == "required", "\(text.stdout)")
        #expect(lines.first { $0.first == "android/arm64" }?[2] == "yes", "\(text.stdout)")
    }

    @Test("build: targets that need external linking are skipped with go's reason when cgo is off; the rest build and the run passes")
    func buildSkipsThem() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let r = try await runCrossgo(["build", "--target", "android/386,android/arm64,ios/amd64,linux/amd64"], in: module.path,
                                     environment: ["NO_COLOR": "1", "CGO_ENABLED": nil])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.contains("skipped hello android/386: android/386 requires external (cgo) linking"), "\(r.stdout)")
        #expect(r.stdout.contains("skipped hello ios/amd64: ios/amd64 requires external (cgo) linking"), "\(r.stdout)")
        let manifest = try JSONDecoder().decode(BuildManifest.self, from: Data(contentsOf: URL(fileURLWithPath: module.path + "/dist/manifest.json")))
        #expect(Set(manifest.artifacts.map(\.target)) == ["android/arm64", "linux/amd64"])
        #expect(manifest.failures.isEmpty)
        #expect(Set((manifest.absent ?? []).map(\.target)) == ["android/386", "ios/amd64"])
    }
}
