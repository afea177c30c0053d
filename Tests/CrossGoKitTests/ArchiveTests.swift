// Reproducible archives, checked with tar, gzip, unzip/zipinfo and Python's zipfile and tarfile.
import CrossGoKit
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ArchiveTests {
    static let mtime: Int64 = 1_700_000_000  // 2023-11-14 22:13:20 UTC
    static let longName = "docs/" + String(repeating: "very-long-folder-name/", count: 5) + "NOTES.txt"

    /// Source files with awkward modes and mtimes: a binary, a README, a LICENSE and a file with a long name.
    func makeSources(_ folder: TempFolder, seed: UInt8, mtime: Date) throws -> [ArchiveEntry] {
        let binary = (0 ..< 200_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let files: [(String, [UInt8], Bool, Int)] = [
            ("hello", binary, true, 0o700),
            ("README.md", Array("# hello\n".utf8), false, 0o600),
            ("LICENSE", Array("MIT\n".utf8), false, 0o664),
            (ArchiveTests.longName, Array("long\n".utf8), false, 0o755),
        ]
        var entries: [ArchiveEntry] = []
        for (name, bytes, executable, mode) in files {
            let path = folder.path + "/src-\(seed)/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: mode, .modificationDate: mtime], ofItemAtPath: path)
            if getuid() == 0 { _ = chown(path, 1234 + uid_t(seed), 5678) }
            entries.append(ArchiveEntry(name: name, source: URL(fileURLWithPath: path), executable: executable))
        }
        return entries
    }

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Writes both archives twice: from two copies of the sources with different modes, owners and mtimes, given
    /// in different orders, the second time under another time zone. The bytes are identical.
    @Test func sameInputsGiveSameBytes() throws {
        let folder = try TempFolder("archive-repro")
        defer { folder.cleanup() }
        let first = try makeSources(folder, seed: 1, mtime: Date(timeIntervalSince1970: 1_000_000_000))
        var second = try makeSources(folder, seed: 2, mtime: Date(timeIntervalSince1970: 1_600_000_000))
        second.reverse()
        for (index, path) in second.map(\.source.path).enumerated() {
            try FileManager.default.setAttributes([.posixPermissions: 0o640 + index], ofItemAtPath: path)
        }
        try ReproducibleArchive.writeTarGz(entries: first, to: URL(fileURLWithPath: folder.path + "/a.tar.gz"), modificationTime: ArchiveTests.mtime)
        try ReproducibleArchive.writeZip(entries: first, to: URL(fileURLWithPath: folder.path + "/a.zip"), modificationTime: ArchiveTests.mtime)

        let savedTZ = ProcessInfo.processInfo.environment["TZ"]
        setenv("TZ", "Pacific/Kiritimati", 1)  // UTC+14: a local-time conversion would move the date
        tzset()
        defer {
            if let savedTZ { setenv("TZ", savedTZ, 1) } else { unsetenv("TZ") }
            tzset()
        }
        try ReproducibleArchive.writeTarGz(entries: second, to: URL(fileURLWithPath: folder.path + "/b.tar.gz"), modificationTime: ArchiveTests.mtime)
        try ReproducibleArchive.writeZip(entries: second, to: URL(fileURLWithPath: folder.path + "/b.zip"), modificationTime: ArchiveTests.mtime)
        #expect(try bytes(folder.path + "/a.tar.gz") == bytes(folder.path + "/b.tar.gz"))
        #expect(try bytes(folder.path + "/a.zip") == bytes(folder.path + "/b.zip"))

        // A different time changes the bytes (so the comparison above could fail).
        try ReproducibleArchive.writeTarGz(entries: first, to: URL(fileURLWithPath: folder.path + "/c.tar.gz"), modificationTime: ArchiveTests.mtime + 2)
        try ReproducibleArchive.writeZip(entries: first, to: URL(fileURLWithPath: folder.path + "/c.zip"), modificationTime: ArchiveTests.mtime + 2)
        #expect(try bytes(folder.path + "/a.tar.gz") != bytes(folder.path + "/c.tar.gz"))
        #expect(try bytes(folder.path + "/a.zip") != bytes(folder.path + "/c.zip"))

        // The gzip header: deflate, no flags (no name), mtime 0, OS 255.
        #expect(Array(try bytes(folder.path + "/a.tar.gz").prefix(10)) == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        #expect(filesUnder(folder.path).filter { $0.contains("partial") }.isEmpty)
    }

    @Test(.requires("tar", "gzip", "python3"))
    func tarGzListsNormalisedEntriesAndExtracts() async throws {
        let folder = try TempFolder("archive-tar")
        defer { folder.cleanup() }
        let entries = try makeSources(folder, seed: 1, mtime: Date())
        let archive = folder.path + "/hello_1.0.0_linux_amd64.tar.gz"
        try ReproducibleArchive.writeTarGz(entries: entries, to: URL(fileURLWithPath: archive), modificationTime: ArchiveTests.mtime)

        let test = try await runProgram("gzip", ["-t", archive])
        #expect(test.exitCode == 0, "\(test.stderr)")
        let list = try await runProgram("tar", ["--numeric-owner", "-tvzf", archive], environment: ["TZ": "UTC"])
        #expect(list.exitCode == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        // mode, owner/group, size, date, time, name — in sorted order.
        #expect(lines.map { $0.last! } == ["LICENSE", "README.md", ArchiveTests.longName, "hello"])
        #expect(lines.map { $0[0] } == ["-rw-r--r--", "-rw-r--r--", "-rw-r--r--", "-rwxr-xr-x"])
        #expect(lines.allSatisfy { $0[1] == "0/0" && $0[3] == "2023-11-14" && $0[4] == "22:13" })
        #expect(lines.last?[2] == "200000")

        // Python's tarfile: uid/gid 0, no user names, the exact mtime.
        let py = try await runProgram("python3", ["-c", """
            import sys, tarfile
            for m in tarfile.open(sys.argv[1]):
                print(m.name, oct(m.mode), m.uid, m.gid, repr(m.uname), repr(m.gname), m.mtime, m.type.decode())
            """, archive])
        #expect(py.exitCode == 0, "\(py.stderr)")
        #expect(py.stdout.split(separator: "\n").last == "hello 0o755 0 0 '' '' 1700000000 0")
        #expect(py.stdout.contains("\(ArchiveTests.longName) 0o644 0 0 '' '' 1700000000 0"))

        let out = folder.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let extract = try await runProgram("tar", ["-xzf", archive, "-C", out])
        #expect(extract.exitCode == 0, "\(extract.stderr)")
        for entry in entries {
            #expect(try bytes(out + "/" + entry.name) == bytes(entry.source.path), "\(entry.name)")
        }
    }

    @Test(.requires("unzip", "zipinfo", "python3"))
    func zipListsFixedTimeAndModesAndExtracts() async throws {
        let folder = try TempFolder("archive-zip")
        defer { folder.cleanup() }
        let entries = try makeSources(folder, seed: 1, mtime: Date())
        let archive = folder.path + "/hello_1.0.0_windows_amd64.zip"
        try ReproducibleArchive.writeZip(entries: entries, to: URL(fileURLWithPath: archive), modificationTime: ArchiveTests.mtime)

        let check = try await runProgram("python3", ["-m", "zipfile", "-t", archive])
        #expect(check.exitCode == 0, "\(check.stdout) \(check.stderr)")
        let list = try await runProgram("unzip", ["-l", archive], environment: ["TZ": "America/Los_Angeles"])
        #expect(list.exitCode == 0, "\(list.stderr)")
        // The stored time is shown as it is, whatever the time zone.
        let rows = list.stdout.split(separator: "\n").filter { $0.contains("  2023-11-14 22:13   ") }
        #expect(rows.count == 4, "\(list.stdout)")
        // DOS times have 2-second steps: 22:13:20 is stored exactly.
        let info = try await runProgram("zipinfo", ["-T", archive])
        #expect(info.exitCode == 0, "\(info.stderr)")
        let infoLines = info.stdout.split(separator: "\n").filter { $0.hasPrefix("-") }
        #expect(infoLines.count == 4)
        #expect(infoLines.allSatisfy { $0.contains("unx") && $0.contains("20231114.221320") }, "\(info.stdout)")
        #expect(infoLines.map { $0.split(separator: " ")[0] } == ["-rw-r--r--", "-rw-r--r--", "-rw-r--r--", "-rwxr-xr-x"])
        #expect(infoLines.map { String($0.split(separator: " ").last!) } == ["LICENSE", "README.md", ArchiveTests.longName, "hello"])
        // No extra fields: no extended timestamps or owners.
        let extras = try await runProgram("python3", ["-c", """
            import sys, zipfile
            for i in zipfile.ZipFile(sys.argv[1]).infolist():
                print(i.filename, len(i.extra), oct(i.external_attr >> 16), i.date_time)
            """, archive])
        #expect(extras.stdout.split(separator: "\n").last == "hello 0 0o100755 (2023, 11, 14, 22, 13, 20)")

        let out = folder.path + "/out"
        let extract = try await runProgram("unzip", ["-q", archive, "-d", out])
        #expect(extract.exitCode == 0, "\(extract.stderr)")
        for entry in entries {
            #expect(try bytes(out + "/" + entry.name) == bytes(entry.source.path), "\(entry.name)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: out + "/hello"))
    }

    @Test func badEntriesAreRefusedWithoutLeavingFiles() throws {
        let folder = try TempFolder("archive-bad")
        defer { folder.cleanup() }
        let source = URL(fileURLWithPath: try folder.write("a.txt", "a\n"))
        let target = URL(fileURLWithPath: folder.path + "/out.tar.gz")
        for name in ["", "/etc/passwd", "../up", "a//b", "./a", "a\\b"] {
            let error = #expect(throws: ArchiveError.badName(name)) {
                try ReproducibleArchive.writeTarGz(entries: [ArchiveEntry(name: name, source: source, executable: false)], to: target, modificationTime: 0)
            }
            #expect(error?.exitStatus == .usage)
        }
        #expect(throws: ArchiveError.duplicateName("a")) {
            try ReproducibleArchive.writeZip(entries: [ArchiveEntry(name: "a", source: source, executable: false),
                                                       ArchiveEntry(name: "a", source: source, executable: true)], to: target, modificationTime: 0)
        }
        #expect(throws: ArchiveError.empty(archive: target.path)) { try ReproducibleArchive.writeZip(entries: [], to: target, modificationTime: 0) }
        let missing = folder.path + "/missing"
        let withMissing = [ArchiveEntry(name: "a", source: source, executable: false),
                           ArchiveEntry(name: "b", source: URL(fileURLWithPath: missing), executable: false)]
        for zip in [false, true] {
            let error = #expect(throws: ArchiveError.unreadable(path: missing, reason: "no such file")) {
                if zip {
                    try ReproducibleArchive.writeZip(entries: withMissing, to: target, modificationTime: 0)
                } else {
                    try ReproducibleArchive.writeTarGz(entries: withMissing, to: target, modificationTime: 0)
                }
            }
            #expect(error?.exitStatus == .environment)
            #expect(error?.description == "\(missing): cannot read: no such file")
        }
        #expect(filesUnder(folder.path) == ["a.txt"])
    }
}
