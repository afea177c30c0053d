// OS floors (ELF version needs, Mach-O LC_BUILD_VERSION, PE versions) and signature kinds (Mach-O code signature,
// PE certificate table) read from real binaries, each checked against an outside reader: binutils (readelf,
// objdump), LLVM (llvm-objdump, llvm-readobj) and PyPI's LIEF.
import Foundation
import Testing
@testable import GoBinary

/// A tool the witnesses need; a missing one fails the test (scripts/setup --all installs them all).
func witnessTool(_ name: String) throws -> String {
    try #require(findTool(name), "\(name) is missing: run scripts/setup --all")
}

/// `readelf --version-info`: the "Version needs" section as (file, [version names]) in table order.
func readelfVersionNeeds(_ file: String) async throws -> [(String, [String])] {
    let r = try await runProcess(try witnessTool("readelf"), ["--version-info", "-W", file])
    #expect(r.status == 0, "readelf: \(r.stderr)")
    var out: [(String, [String])] = []
    var inNeeds = false
    for line in r.stdout.split(separator: "\n").map(String.init) {
        if line.hasPrefix("Version needs section") { inNeeds = true; continue }
        if line.hasPrefix("Version") && !line.hasPrefix("Version needs") { inNeeds = false }
        guard inNeeds else { continue }
        if let range = line.range(of: "File: ") {
            out.append((String(line[range.upperBound...].split(separator: " ").first ?? ""), []))
        } else if let range = line.range(of: "Name: "), !out.isEmpty {
            out[out.count - 1].1.append(String(line[range.upperBound...].split(separator: " ").first ?? ""))
        }
    }
    return out
}

/// `objdump -T`: the undefined dynamic symbols with a version, as "name@version".
func objdumpVersionedUndefined(_ file: String) async throws -> Set<String> {
    let r = try await runProcess(try witnessTool("objdump"), ["-T", file])
    #expect(r.status == 0, "objdump: \(r.stderr)")
    var out = Set<String>()
    for line in r.stdout.split(separator: "\n") where line.contains("*UND*") {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let version = words.first(where: { $0.hasPrefix("(") && $0.hasSuffix(")") }), let name = words.last, name != version else { continue }
        out.insert("\(name)@\(version.dropFirst().dropLast())")
    }
    return out
}

/// LIEF's view of a file (Mach-O slices, PE optional header and certificate table, ELF version needs), as JSON.
func liefFacts(_ file: String) async throws -> [String: Any] {
    let script = """
        import json, sys, lief
        lief.logging.disable()
        path = sys.argv[1]
        out = {}
        if lief.is_macho(path):
            fat = lief.MachO.parse(path)
            slices = []
            for b in fat:
                s = {"cpu": str(b.header.cpu_type)}
                if b.has_build_version:
                    bv = b.build_version
                    s["minos"] = list(bv.minos); s["sdk"] = list(bv.sdk); s["platform"] = str(bv.platform)
                if b.has_code_signature:
                    cs = b.code_signature
                    s["cs_offset"] = cs.data_offset; s["cs_size"] = cs.data_size
                    s["cs_magic"] = bytes(cs.content[:4]).hex()
                slices.append(s)
            out["slices"] = slices
        elif lief.is_pe(path):
            b = lief.PE.parse(path)
            oh = b.optional_header
            out["os"] = "%d.%d" % (oh.major_operating_system_version, oh.minor_operating_system_version)
            out["subsystem_version"] = "%d.%d" % (oh.major_subsystem_version, oh.minor_subsystem_version)
            out["subsystem"] = int(oh.subsystem.value) if hasattr(oh.subsystem, "value") else int(oh.subsystem)
            out["signed"] = b.has_signatures
            out["cert_size"] = b.data_directory(lief.PE.DataDirectory.TYPES.CERTIFICATE_TABLE).size
        elif lief.is_elf(path):
            b = lief.ELF.parse(path)
            out["needs"] = [[r.name, [a.name for a in r.get_auxiliary_symbols()]] for r in b.symbols_version_requirement]
        print(json.dumps(out))
        """
    let r = try await runProcess(try witnessTool("crossgo-validators-python"), ["-c", script, file])
    try #require(r.status == 0, "LIEF: \(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
}

/// `llvm-objdump --macho --private-headers`: minos and sdk of each LC_BUILD_VERSION, in file (slice) order.
func llvmBuildVersions(_ file: String) async throws -> [(minos: String, sdk: String)] {
    let r = try await runProcess(try witnessTool("llvm-objdump"), ["--macho", "--private-headers", "--arch=all", file])
    #expect(r.status == 0, "llvm-objdump: \(r.stderr)")
    // Each LC_BUILD_VERSION block prints "sdk X" and "minos Y" (in that order in LLVM 14); take them in any order.
    var out: [(String, String)] = []
    var minos: String?, sdk: String?
    for line in r.stdout.split(separator: "\n") {
        let words = line.split(separator: " ").map(String.init)
        guard words.count == 2 else { continue }
        if words[0] == "minos" { minos = words[1] }
        if words[0] == "sdk" { sdk = words[1] }
        if let m = minos, let s = sdk { out.append((m, s)); minos = nil; sdk = nil }
    }
    return out
}

/// "14.0" from LIEF's [14, 0, 0], as MachOParser.version writes it (patch only when non-zero).
func dotted(_ parts: Any?) -> String? {
    guard let p = parts as? [Int], p.count == 3 else { return nil }
    return p[2] == 0 ? "\(p[0]).\(p[1])" : "\(p[0]).\(p[1]).\(p[2])"
}

@Suite("OS floor and signature kind")
struct FloorSignatureTests {
    @Test("ELF version needs and versioned symbols agree with readelf, objdump -T and LIEF")
    func elfVersionNeeds() async throws {
        // A dynamic glibc program of this machine (not Go: GoBinary reads the headers of any ELF file).
        let file = "/bin/ls"
        let elf = try #require(try BinaryImage.read(path: file).slices.first?.elf)
        let readelf = try await readelfVersionNeeds(file)
        #expect(!readelf.isEmpty)
        #expect(elf.versionNeeds.map(\.file) == readelf.map(\.0))
        #expect(elf.versionNeeds.map(\.versions) == readelf.map(\.1))
        let lief = try await liefFacts(file)
        let liefNeeds = try #require(lief["needs"] as? [[Any]])
        #expect(elf.versionNeeds.map(\.file) == liefNeeds.map { $0[0] as? String ?? "" })
        #expect(elf.versionNeeds.map(\.versions) == liefNeeds.map { $0[1] as? [String] ?? [] })
        // The floor is the highest GLIBC_ version, compared numerically (2.34 > 2.4 > 2.3.4).
        let highest = readelf.flatMap(\.1).filter { $0.hasPrefix("GLIBC_") }.map { $0.dropFirst(6) }
            .max { a, b in a.split(separator: ".").map { Int($0)! }.lexicographicallyPrecedes(b.split(separator: ".").map { Int($0)! }) }
        #expect(elf.glibcFloor == highest.map(String.init))
        let objdump = try await objdumpVersionedUndefined(file)
        #expect(!objdump.isEmpty)
        #expect(Set(elf.versionedSymbols.map { "\($0.name)@\($0.version)" }) == objdump)
    }

    @Test("A static Go binary needs no versions")
    func staticGo() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let elf = try #require(try BinaryImage.read(path: fixtures.path("linux-amd64")).slices.first?.elf)
        #expect(elf.isStatic)
        #expect(elf.versionNeeds.isEmpty && elf.versionedSymbols.isEmpty && elf.glibcFloor == nil)
        #expect(try await readelfVersionNeeds(fixtures.path("linux-amd64")).isEmpty)
    }

    @Test("Go's darwin binaries: LC_BUILD_VERSION as llvm-objdump and LIEF read it; arm64 is linker-signed ad-hoc")
    func darwinDefaults() async throws {
        let fixtures = try await FixtureStore.shared.get()
        for name in ["darwin-arm64", "darwin-amd64"] {
            let file = fixtures.path(name)
            let m = try #require(try BinaryImage.read(path: file).slices.first?.macho)
            let llvm = try await llvmBuildVersions(file)
            #expect(llvm.count == 1)
            #expect(m.minOS == llvm.first?.minos && m.sdk == llvm.first?.sdk, "\(name)")
            #expect(m.versionSource == "LC_BUILD_VERSION")
            // go-facts.md: Go 1.27's linker writes minos 13.0, sdk 26.2.
            if fixtures.goVersion.hasPrefix("go1.27") { #expect(m.minOS == "13.0" && m.sdk == "26.2") }
            let lief = try #require((try await liefFacts(file))["slices"] as? [[String: Any]])
            #expect(dotted(lief.first?["minos"]) == m.minOS && dotted(lief.first?["sdk"]) == m.sdk)
            if name == "darwin-arm64" {
                let s = m.codeSignature
                #expect(s.kind == .linkerSignedAdhoc)
                #expect(s.flags.map { $0 & 0x20002 == 0x20002 } == true)
                #expect(s.teamIdentifier == nil && !s.hardenedRuntime && s.cmsSize == 0)
                #expect(s.identifier?.isEmpty == false)
                #expect(lief.first?["cs_offset"] as? Int == m.codeSignatureOffset.map(Int.init))
                #expect(lief.first?["cs_size"] as? Int == m.codeSignatureSize.map(Int.init))
                #expect(lief.first?["cs_magic"] as? String == "fade0cc0")
            } else {
                #expect(m.codeSignature.kind == .unsigned)
                #expect(lief.first?["cs_offset"] == nil)
            }
        }
    }

    @Test("-ldflags=-macos=14.0: minos 14.0 in each slice of a universal file, as llvm-objdump and LIEF say")
    func universalMinOS() async throws {
        let root = NSTemporaryDirectory() + "/crossgo-floor-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "module example.com/floor\n\ngo 1.21\n".write(toFile: root + "/go.mod", atomically: true, encoding: .utf8)
        try "package main\n\nfunc main() { println(\"floor\") }\n".write(toFile: root + "/main.go", atomically: true, encoding: .utf8)
        var slices: [FatMachOWriter.Slice] = []
        for arch in ["arm64", "amd64"] {
            var env = FixtureStore.environment(root: root)
            env["GOOS"] = "darwin"
            env["GOARCH"] = arch
            let out = "\(root)/floor-\(arch)"
            let r = try await runProcess(goTool, ["build", "-trimpath", "-ldflags=-macos=14.0 -macsdk=15.1", "-o", out, "."], environment: env, directory: root)
            try #require(r.status == 0, "go build: \(r.stderr)")
            slices.append(FatMachOWriter.Slice(name: out, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))))
        }
        let fat = root + "/floor-universal"
        try Data(try FatMachOWriter.build(slices)).write(to: URL(fileURLWithPath: fat))
        let image = try BinaryImage.read(path: fat)
        #expect(image.slices.count == 2)
        let llvm = try await llvmBuildVersions(fat)
        #expect(llvm.count == 2)
        let lief = try #require((try await liefFacts(fat))["slices"] as? [[String: Any]])
        #expect(lief.count == 2)
        for (i, slice) in image.slices.enumerated() {
            let m = try #require(slice.macho)
            #expect(m.minOS == "14.0" && m.sdk == "15.1", "\(m.cpuName)")
            #expect(i < llvm.count && llvm[i].minos == m.minOS && llvm[i].sdk == m.sdk)
            #expect(i < lief.count && dotted(lief[i]["minos"]) == m.minOS && dotted(lief[i]["sdk"]) == m.sdk)
            #expect(m.codeSignature.kind == (slice.goarch == "arm64" ? .linkerSignedAdhoc : .unsigned))
        }
    }

    @Test("LC_VERSION_MIN_MACOSX (older linkers' form) gives the minimum when there is no LC_BUILD_VERSION, as LIEF reads it")
    func versionMin() async throws {
        let fixtures = try await FixtureStore.shared.get()
        var bytes = try fixtures.bytes("darwin-amd64")
        // Turn LC_BUILD_VERSION (cmd 0x32) into LC_VERSION_MIN_MACOSX (0x24: version, sdk as xxxx.yy.zz nibbles);
        // the command keeps its size, as a linker padding it would.
        let ncmds = Int(CodeSignatureFixture.readLE32(bytes, 16))
        var p = 32
        var found = false
        for _ in 0 ..< ncmds {
            if CodeSignatureFixture.readLE32(bytes, p) == 0x32 {
                let patch: [(Int, UInt32)] = [(p, 0x24), (p + 8, 0x000a_0f00), (p + 12, 0x000e_0200)]  // 10.15, SDK 14.2
                for (at, value) in patch { for i in 0 ..< 4 { bytes[at + i] = UInt8((value >> (8 * UInt32(i))) & 0xff) } }
                found = true
            }
            p += Int(CodeSignatureFixture.readLE32(bytes, p + 4))
        }
        try #require(found)
        let file = fixtures.directory + "/darwin-amd64-version-min"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let m = try #require(try BinaryImage.read(path: file).slices.first?.macho)
        #expect(m.minOS == "10.15" && m.sdk == "14.2" && m.versionSource == "LC_VERSION_MIN_MACOSX" && m.platform == nil)
        let script = "import lief, sys\nlief.logging.disable()\nb = lief.MachO.parse(sys.argv[1]).at(0)\n"
            + "print('%d.%d' % tuple(b.version_min.version[:2]), '%d.%d' % tuple(b.version_min.sdk[:2]))"
        let r = try await runProcess(try witnessTool("crossgo-validators-python"), ["-c", script, file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10.15 14.2")
    }

    @Test("Windows: OS and subsystem versions as llvm-readobj and LIEF read them; not signed", arguments: ["windows-amd64", "windows-arm64", "windows-386"])
    func windowsVersions(_ name: String) async throws {
        let fixtures = try await FixtureStore.shared.get()
        let file = fixtures.path(name)
        let pe = try #require(try BinaryImage.read(path: file).slices.first?.pe)
        let r = try await runProcess(try witnessTool("llvm-readobj"), ["--file-headers", file])
        #expect(r.status == 0)
        var fields: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        #expect(pe.osVersion == "\(fields["MajorOperatingSystemVersion"] ?? "?").\(fields["MinorOperatingSystemVersion"] ?? "?")")
        #expect(pe.subsystemVersion == "\(fields["MajorSubsystemVersion"] ?? "?").\(fields["MinorSubsystemVersion"] ?? "?")")
        let lief = try await liefFacts(file)
        #expect(lief["os"] as? String == pe.osVersion)
        #expect(lief["subsystem_version"] as? String == pe.subsystemVersion)
        #expect(lief["subsystem"] as? Int == Int(pe.subsystem))
        #expect(lief["signed"] as? Bool == false && lief["cert_size"] as? Int == 0)
        #expect(!pe.authenticode.isSigned && pe.authenticode.size == 0 && pe.authenticode.problem == nil)
    }

    @Test("A rewritten signature with a team and a CMS blob is certificate-signed; LIEF finds the same blob")
    func certificateSigned() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let original = try fixtures.bytes("darwin-arm64")
        let signed = try CodeSignatureFixture.withCertificate(original, team: "ABCDE12345", cms: Array("not a real CMS message, only its wrapper".utf8))
        let file = fixtures.directory + "/darwin-arm64-cms"
        try Data(signed).write(to: URL(fileURLWithPath: file))
        let m = try #require(try BinaryImage.read(path: file).slices.first?.macho)
        #expect(m.codeSignature.kind == .certificate)
        #expect(m.codeSignature.teamIdentifier == "ABCDE12345")
        #expect(m.codeSignature.hardenedRuntime)
        #expect(m.codeSignature.slots == [0, 0x10000])
        let lief = try #require((try await liefFacts(file))["slices"] as? [[String: Any]])
        #expect(lief.first?["cs_offset"] as? Int == m.codeSignatureOffset.map(Int.init))
        #expect(lief.first?["cs_size"] as? Int == m.codeSignatureSize.map(Int.init))
        #expect(lief.first?["cs_magic"] as? String == "fade0cc0")
        // The same rewrite with an empty CMS wrapper is neither ad-hoc nor certificate-signed: said so, no false green.
        let empty = try CodeSignatureFixture.withCertificate(original, team: "ABCDE12345", cms: [])
        let e = try #require(try BinaryImage.read(MemorySource(empty)).slices.first?.macho)
        #expect(e.codeSignature.kind == .unreadable)
    }

    @Test("Damaged signatures and version tables never crash and never read as certificate-signed")
    func damaged() async throws {
        let fixtures = try await FixtureStore.shared.get()
        let bytes = try fixtures.bytes("darwin-arm64")
        let m = try #require(try BinaryImage.read(MemorySource(bytes)).slices.first?.macho)
        let start = Int(try #require(m.codeSignatureOffset))
        let memory = MemorySource(bytes)
        var rng = SplitMix(state: 28)
        for _ in 0 ..< 800 {
            var patches: [Int: UInt8] = [:]
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                let at = start + Int.random(in: 0 ..< 200, using: &rng)
                patches[at] = [0, 0xff, 0x7f, 0x80].randomElement(using: &rng)!
            }
            if case .success(let image) = readResult(PatchedSource(base: memory, patches: patches)) {
                let kind = image.slices.first?.macho?.codeSignature.kind
                #expect(kind != .certificate && kind != .unsigned, "patches \(patches.sorted { $0.key < $1.key })")
            }
        }
        // The version-needs table of a dynamic ELF file: cut and scrambled, never more than it holds.
        let ls = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/bin/ls")))
        let elf = try #require(try BinaryImage.read(MemorySource(ls)).slices.first?.elf)
        let section = try #require(elf.sections.first { $0.name == ".gnu.version_r" })
        let lsMemory = MemorySource(ls)
        for _ in 0 ..< 800 {
            var patches: [Int: UInt8] = [:]
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                patches[Int(section.offset) + Int.random(in: 0 ..< Int(section.size), using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
            }
            if case .success(let image) = readResult(PatchedSource(base: lsMemory, patches: patches)), let e = image.slices.first?.elf {
                #expect(e.versionNeeds.count <= 64 && e.versionedSymbols.count <= ELFParser.maxVersionedSymbols)
            }
        }
        // vn_next 0 ends the table early: only the first library is listed, and nothing is invented.
        var cut = ls
        for i in 12 ..< 16 { cut[Int(section.offset) + i] = 0 }
        let short = try #require(try BinaryImage.read(MemorySource(cut)).slices.first?.elf)
        #expect(short.versionNeeds.count == 1 && short.versionNeeds.first == elf.versionNeeds.first)
    }
}

/// Rewrites a Go darwin/arm64 binary's code signature: a CodeDirectory with a team identifier, the hardened
/// runtime flag and no ad-hoc flag, followed by a CMS blob wrapper (cs_blobs.h layouts, see MachOSignature.swift).
/// The new SuperBlob is appended at the end of the file and LC_CODE_SIGNATURE points to it.
enum CodeSignatureFixture {
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    static func readBE32(_ b: [UInt8], _ at: Int) -> UInt32 { b[at ..< at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
    static func readLE32(_ b: [UInt8], _ at: Int) -> UInt32 { b[at ..< at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }

    static func withCertificate(_ original: [UInt8], team: String, cms: [UInt8]) throws -> [UInt8] {
        let ncmds = Int(readLE32(original, 16))
        var p = 32
        var command: Int?, linkedit: Int?
        for _ in 0 ..< ncmds {
            if readLE32(original, p) == 0x1d { command = p }
            if readLE32(original, p) == 0x19, String(decoding: original[p + 8 ..< p + 18], as: UTF8.self) == "__LINKEDIT" { linkedit = p }
            p += Int(readLE32(original, p + 4))
        }
        let lc = try #require(command)
        let sigOffset = Int(readLE32(original, lc + 8))
        // The original CodeDirectory (slot 0 of the original SuperBlob).
        let cdAt = sigOffset + Int(readBE32(original, sigOffset + 16))
        let cdLength = Int(readBE32(original, cdAt + 4))
        var cd = Array(original[cdAt ..< cdAt + cdLength])
        let hashOffset = Int(readBE32(cd, 16)), identOffset = Int(readBE32(cd, 20))
        let nSpecial = Int(readBE32(cd, 24)), hashSize = Int(cd[36])
        try #require(readBE32(cd, 8) >= 0x20200)
        // Header up to the identifier, the identifier, the team, then the special slots and code hashes.
        let ident = Array(cd[identOffset ..< hashOffset - nSpecial * hashSize])
        let hashes = Array(cd[(hashOffset - nSpecial * hashSize)...])
        let teamOffset = identOffset + ident.count
        let teamBytes = Array(team.utf8) + [0]
        var header = Array(cd[0 ..< identOffset])
        let newHashOffset = teamOffset + teamBytes.count + nSpecial * hashSize
        header.replaceSubrange(16 ..< 20, with: be32(UInt32(newHashOffset)))
        header.replaceSubrange(48 ..< 52, with: be32(UInt32(teamOffset)))
        let flags = (readBE32(cd, 12) & ~UInt32(0x20002)) | 0x10000
        header.replaceSubrange(12 ..< 16, with: be32(flags))
        cd = header + ident + teamBytes + hashes
        cd.replaceSubrange(4 ..< 8, with: be32(UInt32(cd.count)))
        let wrapper = be32(0xfade_0b01) + be32(UInt32(8 + cms.count)) + cms
        let indexSize = 12 + 2 * 8
        var blob = be32(0xfade_0cc0) + be32(UInt32(indexSize + cd.count + wrapper.count)) + be32(2)
        blob += be32(0) + be32(UInt32(indexSize)) + be32(0x10000) + be32(UInt32(indexSize + cd.count))
        blob += cd + wrapper
        var out = original
        while out.count % 16 != 0 { out.append(0) }
        let newOffset = out.count
        out += blob
        for (i, b) in withUnsafeBytes(of: UInt32(newOffset).littleEndian, Array.init).enumerated() { out[lc + 8 + i] = b }
        for (i, b) in withUnsafeBytes(of: UInt32(blob.count).littleEndian, Array.init).enumerated() { out[lc + 12 + i] = b }
        // __LINKEDIT grows to hold it (segment_command_64: vmsize at 32, fileoff at 40, filesize at 48), as codesign does.
        let segment = try #require(linkedit)
        let fileoff = Int(original[segment + 40 ..< segment + 48].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let filesize = UInt64(out.count - fileoff), vmsize = (filesize + 0x3fff) & ~UInt64(0x3fff)
        for (i, b) in withUnsafeBytes(of: vmsize.littleEndian, Array.init).enumerated() { out[segment + 32 + i] = b }
        for (i, b) in withUnsafeBytes(of: filesize.littleEndian, Array.init).enumerated() { out[segment + 48 + i] = b }
        return out
    }
}
