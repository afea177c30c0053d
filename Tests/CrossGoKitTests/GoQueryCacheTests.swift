// The go query cache: a second ask is answered from the file with go's output byte for byte; a damaged entry
// or a changed input (a go.mod appearing) runs go again.
import CrossGoKit
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
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder + "/cache")
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
}
