// The go query cache: a second ask is answered from the file with go's output byte for byte; a damaged entry
// or a changed input (a go.mod appearing) runs go again.
@testable import CrossGoKit
import GoBinary
import Foundation
import Testing

@Suite struct GoQueryCacheTests {
    @Test func remembersExactlyAndForgetsWhenAnInputChanges() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gocache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/work", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A stand-in `go` that counts its runs and prints several lines, non-ASCII text and a trailing newline.
        let go = folder + "/go"
        let printed = "{\n\t\"GOOS\": \"linux\",\n\t\"NOTE\": \"ünïcode — \\\"quoted\\\"\"\n}\n"
        try "#!/bin/sh\necho run >> '\(folder)/runs'\nprintf '%s' '\(printed)'\n".write(toFile: go, atomically: true, encoding: .utf8)
        #expect(chmod(go, 0o755) == 0)
        let cache = GoQueryCache(directory: folder + "/cache")
        func ask() async throws -> GoQueryResult {
            try await cache.run(go, ["env", "-json"], workingDirectory: folder + "/work", timeout: 30, system: liveSystem())
        }
        func runs() -> Int { ((try? String(contentsOfFile: folder + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count }

        let first = try await ask()
        #expect(first.cachedAt == nil && first.result.stdout == printed && runs() == 1)
        let second = try await ask()
        #expect(second.cachedAt != nil && second.result.stdout == printed && runs() == 1)

        // A damaged entry is not an answer.
        // (The folder also holds the remembered `which` of the C compilers, one of go's inputs.)
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder + "/cache").filter { !$0.hasPrefix("which-") }
        #expect(entries.count == 1)
        try "not a time\n{}".write(toFile: folder + "/cache/" + entries[0], atomically: true, encoding: .utf8)
        let third = try await ask()
        #expect(third.cachedAt == nil && third.result.stdout == printed && runs() == 2)

        // A go.mod appearing in the folder changes the key (a new cache, as the next command would make).
        #expect(FileManager.default.createFile(atPath: folder + "/work/go.mod", contents: Data("module x\n".utf8)))
        let fourth = try await GoQueryCache(directory: folder + "/cache").run(go, ["env", "-json"], workingDirectory: folder + "/work",
                                                                              timeout: 30, system: liveSystem())
        #expect(fourth.cachedAt == nil && runs() == 3)
    }

    /// `which` remembered: the entry is used while the folders are unchanged, a name added to a folder makes a new
    /// search, and a remembered program that is no longer executable is never reported.
    @Test func remembersWhereProgramsAreWhileTheirFoldersStayTheSame() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("which-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for dir in ["a", "b"] { try FileManager.default.createDirectory(atPath: folder + "/" + dir, withIntermediateDirectories: true) }
        func program(_ path: String) throws {
            try "#!/bin/sh\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(chmod(path, 0o755) == 0)
        }
        let one = "crossgo-which-one-\(UUID().uuidString)", two = "crossgo-which-two-\(UUID().uuidString)"
        try program(folder + "/a/" + one)
        let system = liveSystem(), cache = GoQueryCache(directory: folder + "/cache")
        let folders = [folder + "/a", folder + "/b"]
        #expect(cache.which([one, two], extraDirectories: folders, system: system) == [one: folder + "/a/" + one])
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder + "/cache").filter { $0.hasPrefix("which-") }
        #expect(entries.count == 1)

        // While the folders are unchanged the entry is the answer: one edited to name a second program is believed
        // (both paths are executables).
        let entry = folder + "/cache/" + entries[0]
        let text = try String(contentsOfFile: entry, encoding: .utf8)
        try (text + "\n" + two + "\t" + folder + "/a/" + one).write(toFile: entry, atomically: false, encoding: .utf8)
        #expect(cache.which([one, two], extraDirectories: folders, system: system)[two] == folder + "/a/" + one)

        // A program added to a folder changes the folder, so the search runs again.
        try program(folder + "/b/" + two)
        #expect(cache.which([one, two], extraDirectories: folders, system: system) == [one: folder + "/a/" + one, two: folder + "/b/" + two])

        // A remembered program that lost its x bit (its folder unchanged) is not reported: the search runs again.
        #expect(chmod(folder + "/a/" + one, 0o644) == 0)
        #expect(cache.which([one, two], extraDirectories: folders, system: system) == [two: folder + "/b/" + two])
    }

    /// go's two answers read with JSONSerialization: every field of every dist list entry is needed, and a wrong one
    /// is the one-line bad-output error, not a partial list.
    @Test func readsGoAnswersAndRefusesDamagedOnes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("goanswers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func fakeGo(list: String) throws -> String {
            let go = folder + "/go-\(UUID().uuidString)"
            let env = #"{"GOOS": "linux", "GOARCH": "amd64", "GOROOT": "/opt/go", "GOVERSION": "go1.24.0", "GOHOSTOS": "linux", "GOHOSTARCH": "amd64"}"#
            try "#!/bin/sh\nif [ \"$1\" = env ]; then printf '%s' '\(env)'; else printf '%s' '\(list)'; fi\n".write(toFile: go, atomically: true, encoding: .utf8)
            #expect(chmod(go, 0o755) == 0)
            return go
        }
        let good = #"[{"GOOS": "linux", "GOARCH": "amd64", "CgoSupported": true, "FirstClass": true}, {"GOOS": "js", "GOARCH": "wasm", "CgoSupported": false, "FirstClass": false, "Broken": false}]"#
        let toolchain = try await GoToolchain.load(goPath: try fakeGo(list: good), workingDirectory: folder, system: liveSystem())
        #expect(toolchain.distTargets == [DistTarget(goos: "linux", goarch: "amd64", cgoSupported: true, firstClass: true),
                                          DistTarget(goos: "js", goarch: "wasm", cgoSupported: false, firstClass: false)])
        #expect(toolchain.env["GOROOT"] == "/opt/go")
        for bad in [#"[{"GOOS": "linux", "GOARCH": "amd64", "CgoSupported": "yes", "FirstClass": true}]"#,
                    #"[{"GOOS": "linux", "CgoSupported": true, "FirstClass": true}]"#, #"{"GOOS": "linux"}"#, "not json"] {
            let go = try fakeGo(list: bad)
            await #expect(throws: ToolchainError.badOutput(go, "go tool dist list -json")) {
                try await GoToolchain.load(goPath: go, workingDirectory: folder, system: liveSystem())
            }
        }
    }
}

/// The names of remembered answers: BLAKE2b-256 of the parts joined by NUL, checked against BLAKE2b's own reading of
/// the joined bytes (the published test vectors check BLAKE2b itself: BLAKE2bTests).
@Suite struct QueryKeyTests {
    @Test func theKeyIsBLAKE2bOfTheJoinedParts() {
        let cache = GoQueryCache(directory: "/nonexistent")
        for parts in [[], [""], ["a"], ["a", "b"], ["go /usr/bin/go 1:2:3:4.5", "env PATH=/bin", "ü\u{0}é"], (0..<300).map { "part \($0)" }] {
            let joined = Array(parts.joined(separator: "\u{0}").utf8)
            #expect(cache.keyDigest(parts) == hexString(BLAKE2b.hash(joined, outputLength: 32)), "\(parts.prefix(3))")
        }
        #expect(cache.keyDigest(["ab", "c"]) != cache.keyDigest(["a", "bc"]))
        #expect(cache.keyDigest(["a"]).count == 64)
    }

    @Test func utf8DataIsTheTextsBytes() {
        for text in ["", "a", "{\"GOOS\":\"linux\"}", "ü é ß \u{0} 🦫", String(repeating: "x", count: 100_000)] {
            #expect(utf8Data(text) == Data(text.utf8))
        }
    }
}
