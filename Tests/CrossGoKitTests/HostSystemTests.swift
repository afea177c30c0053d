// `which` for many names at once agrees with `which` one name at a time; the live system's folder listing
// (readdir) agrees with FileManager's.
@testable import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct HostSystemTests {
    @Test func manyNamesAtOnceAgreeWithOneAtATime() {
        // PATH order wins; a non-executable file is passed over; a missing folder is no error; extra folders come last.
        let system = DescribedSystem(
            osName: "linux", environment: ["PATH": "/first:/missing:/second/:/third"],
            files: ["/first/node": "#!/bin/sh (not executable)"],
            executables: ["/first/qemu-riscv64", "/second/node", "/second/qemu-riscv64", "/third/wasmtime", "/extra/wine", "/second/wine"],
            hardwareArch: "amd64")
        let names = ["node", "qemu-riscv64", "wasmtime", "wine", "wine64"]
        let batch = system.which(names, extraDirectories: ["/extra"])
        #expect(batch == ["node": "/second/node", "qemu-riscv64": "/first/qemu-riscv64", "wasmtime": "/third/wasmtime", "wine": "/second/wine"])
        for name in names {
            #expect(batch[name] == system.which(name, extraDirectories: ["/extra"]), "\(name)")
        }
        #expect(system.which(["wine"], extraDirectories: []) == ["wine": "/second/wine"])
    }

    @Test func theLiveListingIsFileManagersSorted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("listing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/sub dir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["b", "a.go", "ünïcode", ".hidden", String(repeating: "x", count: 200)] {
            #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data()))
        }
        let system = liveSystem()
        for dir in [folder, "/usr/bin", "/"] {
            let expected = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(system.listDirectory(dir) == expected, "\(dir)")
        }
        #expect(system.listDirectory(folder).count == 6)
        #expect(system.listDirectory(folder + "/missing").isEmpty)
        // The live PATH: every tool the runner probe looks for is found where one-at-a-time finds it.
        let names = ["sh", "ls", "go", "node", "qemu-riscv64", "no-such-tool-\(UUID().uuidString)"]
        let batch = system.which(names)
        for name in names { #expect(batch[name] == system.which(name), "\(name)") }
        #expect(batch["sh"] != nil)
    }

    /// The live resolution of links (realpath on Linux) agrees with Foundation's, for a link to a link, a folder
    /// through a link, a missing path and a relative one.
    @Test func resolvesLinksAsFoundationDoes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/real/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(FileManager.default.createFile(atPath: folder + "/real/sub/file", contents: Data()))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link1", withDestinationPath: "real")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link2", withDestinationPath: folder + "/link1")
        let system = liveSystem()
        let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path + "/real"
        #expect(system.resolveSymlinks(folder + "/link2/sub/file") == real + "/sub/file")
        #expect(system.resolveSymlinks(folder + "/link2/") == real)
        for path in [folder + "/link2/sub/file", folder + "/link1", folder + "/link2/sub/../sub", folder + "/missing/x", "/usr/bin/env", "relative/name"] {
            #expect(system.resolveSymlinks(path) == URL(fileURLWithPath: path).resolvingSymlinksInPath().path, "\(path)")
        }
    }

    /// crossgo's caches: CROSSGO_CACHE when set, else the OS's user cache folder (XDG_CACHE_HOME only when absolute).
    /// The environment read from `environ` is ProcessInfo's; odd entries: "=" in a value, an empty value, non-ASCII,
    /// no "=" at all (skipped), a repeated name (the first wins, as getenv says).
    @Test func theEnvironmentIsReadAsProcessInfoReadsIt() {
        #expect(liveSystem().environment == ProcessInfo.processInfo.environment)
        let texts = ["A=1", "B=x=y", "EMPTY=", "NAME=ünïcode ☃", "NOEQUALS", "A=second", "=anonymous"]
        let pointers = texts.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        let read = pointers.withUnsafeBufferPointer { environmentDictionary($0.baseAddress!) }
        #expect(read == ["A": "1", "B": "x=y", "EMPTY": "", "NAME": "ünïcode ☃", "": "anonymous"])
    }

    @Test func cacheFoldersFollowTheRulesOfTheOS() {
        #expect(CacheFolder.path("go", environment: ["CROSSGO_CACHE": "/c", "HOME": "/h"]) == "/c/go")
        var described = DescribedSystem(osName: "linux", hardwareArch: "amd64")
        described.userCacheDirectory = "/u/.cache"
        #expect(CacheFolder.path("go", environment: [:], system: described) == "/u/.cache/crossgo/go")
        #expect(LinuxSystem.userCacheDirectory(environment: ["HOME": "/h"]) == "/h/.cache")
        #expect(LinuxSystem.userCacheDirectory(environment: ["HOME": "/h", "XDG_CACHE_HOME": "/x"]) == "/x")
        #expect(LinuxSystem.userCacheDirectory(environment: ["HOME": "/h", "XDG_CACHE_HOME": "relative"]) == "/h/.cache")
        #expect(MacSystem.userCacheDirectory(environment: ["HOME": "/h"]) == "/h/Library/Caches")
        // On this machine, Foundation's answer for this process's environment is the live system's.
        let foundation = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first?.path
        #expect(liveSystem().userCacheDirectory == foundation)
    }
}
