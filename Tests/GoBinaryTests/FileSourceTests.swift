// FileSource's block cache: small reads served from a cached block return exactly the file's bytes, and a
// file that shrinks after it was opened is a thrown error, never a crash.
import Foundation
import Testing
@testable import GoBinary

@Suite struct FileSourceTests {
    /// A file of `count` pseudo-random bytes in a fresh folder.
    func randomFile(_ count: Int, seed: UInt64) throws -> (path: String, bytes: [UInt8]) {
        var rng = SplitMix(state: seed)
        let bytes = (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("filesource-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("data").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    @Test func smallAndLargeReadsReturnTheFilesBytes() throws {
        // 3 blocks and a part: reads inside a block, across a block boundary, at the very end, and larger than a block.
        let (path, bytes) = try randomFile(3 * 4096 + 123, seed: 7)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let source = try FileSource(path: path)
        var rng = SplitMix(state: 11)
        var ranges: [(Int, Int)] = [(0, 1), (4095, 1), (4095, 2), (4096, 8), (bytes.count - 1, 1), (bytes.count - 8, 8),
                                    (3 * 4096, 123), (100, 5000), (0, bytes.count)]
        for _ in 0 ..< 2000 {
            let count = Int.random(in: 1 ... 64, using: &rng)
            ranges.append((Int.random(in: 0 ... bytes.count - count, using: &rng), count))
        }
        for (offset, count) in ranges {
            #expect(try source.bytes(at: offset, count: count) == Array(bytes[offset ..< offset + count]), "\(offset)+\(count)")
        }
        #expect(throws: GoBinaryError.self) { try source.bytes(at: bytes.count - 1, count: 2) }
    }

    @Test func aFileThatShrinksIsAnErrorNotACrash() throws {
        let (path, _) = try randomFile(5 * 4096, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let source = try FileSource(path: path)
        _ = try source.bytes(at: 0, count: 8)  // block 0 is cached
        #expect(truncate(path, 4096) == 0)
        // A small read in a block that is no longer there, and a large one: both throw `.truncated`.
        for (offset, count) in [(3 * 4096 + 10, 8), (2 * 4096, 2 * 4096)] {
            do {
                _ = try source.bytes(at: offset, count: count)
                Issue.record("read \(offset)+\(count) of a shrunk file returned bytes")
            } catch {
                guard case .truncated = error.kind else { Issue.record("\(error)"); continue }
            }
        }
        #expect(try source.bytes(at: 0, count: 8).count == 8)
    }
}
