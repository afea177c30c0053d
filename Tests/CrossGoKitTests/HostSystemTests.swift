// `which` for many names at once agrees with `which` one name at a time; the live system's folder listing
// (readdir) agrees with FileManager's.
import CrossGoKit
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
}
