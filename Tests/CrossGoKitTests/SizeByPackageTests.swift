// Size by package with the real Go toolchain: for -s -w builds of every format the package code adds up to the
// code section and packages + data sections to text+data (within 5%); on an unstripped ELF build the largest
// packages agree with `go tool nm -size`.
import CrossGoKit
import Foundation
import GoBinary
import TestSupport
import Testing

@Suite(.requires("go")) struct SizeByPackageTests {
    /// Builds Examples/bench's cmd/churn for a target into `folder`.
    static func build(_ goos: String, _ goarch: String, stripped: Bool, into folder: TempFolder) async throws -> String {
        let toolchain = try await realToolchain()
        let out = folder.path + "/churn-\(goos)-\(goarch)\(stripped ? "-stripped" : "")"
        let r = try await runProgram(toolchain.goPath, ["build", "-trimpath", "-o", out] + (stripped ? ["-ldflags=-s -w"] : []) + ["./cmd/churn"],
                                     environment: ["GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0"],
                                     workingDirectory: repositoryRoot + "/Examples/bench", timeout: 600)
        try #require(r.succeeded, "\(r.stderr)")
        return out
    }

    @Test(arguments: [("linux", "amd64"), ("linux", "riscv64"), ("linux", "386"), ("windows", "amd64"), ("darwin", "arm64"),
                      ("js", "wasm"), ("wasip1", "wasm")])
    func strippedPackagesAddUpToTextAndData(_ goos: String, _ goarch: String) async throws {
        let folder = try TempFolder("crossgo-sizes")
        defer { folder.cleanup() }
        let path = try await Self.build(goos, goarch, stripped: goos != "js" && goos != "wasip1", into: folder)
        let b = try SizeByPackage.read(path: path)
        let code = b.packages.reduce(0) { $0 + $1.code }
        let all = b.packages.reduce(0) { $0 + $1.code + $1.data }
        #expect(b.functions > 1000, "\(goos)/\(goarch): \(b.functions) functions")
        #expect(Double(abs(all - (b.textSize + b.dataSize))) <= 0.05 * Double(b.textSize + b.dataSize),
                "\(goos)/\(goarch): packages \(all) vs text+data \(b.textSize + b.dataSize)")
        // The code part alone, the one that could drift: function extents against the code section.
        #expect(Double(abs(code - b.textSize)) <= 0.05 * Double(b.textSize), "\(goos)/\(goarch): code \(code) vs text \(b.textSize)")
        #expect(b.packages.first { $0.code > 0 }?.package == "runtime")
        #expect(b.packages.contains { $0.package == "fmt" } || b.packages.contains { $0.package.hasSuffix("fmt") })
        #expect(b.packages.contains { $0.package == "main" })
    }

    @Test func largestPackagesAgreeWithGoToolNm() async throws {
        let folder = try TempFolder("crossgo-sizes")
        defer { folder.cleanup() }
        let full = try await Self.build("linux", "amd64", stripped: false, into: folder)
        let stripped = try await Self.build("linux", "amd64", stripped: true, into: folder)
        let toolchain = try await realToolchain()
        let nm = try await runProgram(toolchain.goPath, ["tool", "nm", "-size", full], timeout: 300)
        try #require(nm.succeeded, "\(nm.stderr)")
        var fromNm: [String: Int] = [:]
        for line in nm.stdout.split(separator: "\n") {
            // "  401000        222 T internal/abi.BoundsDecode": address, size, type, name (which may hold spaces).
            let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard f.count == 4, f[2] == "T" || f[2] == "t", let size = Int(f[1]) else { continue }
            fromNm[SizeByPackage.packageOf(String(f[3])), default: 0] += size
        }
        let ours = try SizeByPackage.read(path: stripped).packages.filter { $0.code > 0 }
        let topNm = fromNm.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map(\.key)
        #expect(Array(ours.prefix(5).map(\.package)) == topNm, "ours \(ours.prefix(5).map(\.package)) vs nm \(topNm)")
        // nm's sizes are the symbols' own; the pclntab gives entry-to-entry extents, alignment padding included.
        for p in ours.prefix(5) {
            let n = try #require(fromNm[p.package])
            #expect(p.code >= n && Double(p.code - n) <= 0.08 * Double(n), "\(p.package): \(p.code) vs nm \(n)")
        }
    }

    @Test func packageNames() {
        #expect(SizeByPackage.packageOf("example.com/x.(*T).M") == "example.com/x")
        #expect(SizeByPackage.packageOf("runtime.gcStart.func1") == "runtime")
        #expect(SizeByPackage.packageOf("type:.eq.[2]interface {}") == "type:")
        #expect(SizeByPackage.packageOf("slices.Sort[go.shape.[]int,go.shape.int]") == "slices")
        #expect(SizeByPackage.packageOf("go:buildid") == "go:buildid")
    }

    /// Damaged tables (bytes of the pclntab, the wasm name and code sections changed or cut) give an error or a
    /// breakdown, never a crash or a hang.
    @Test func damagedBinariesNeverCrash() async throws {
        let folder = try TempFolder("crossgo-sizes")
        defer { folder.cleanup() }
        for (goos, goarch) in [("linux", "amd64"), ("wasip1", "wasm")] {
            let path = try await Self.build(goos, goarch, stripped: goos == "linux", into: folder)
            let original = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            let image = try BinaryImage.read(MemorySource(original))
            let slice = try #require(image.slices.first)
            let regions: [(Int, Int)] = slice.elf.map { elf in elf.sections.filter { $0.name == ".gopclntab" }.map { (Int($0.offset), Int($0.size)) } }
                ?? slice.wasm!.sections.filter { $0.id == 10 || $0.name == "name" }.map { ($0.offset, min($0.size, 4096)) }
            var g = SplitMix(seed: 7)
            var failures = 0
            for round in 0..<200 {
                var bytes = original
                let (start, size) = regions[round % regions.count]
                for _ in 0..<8 { bytes[start + Int(g.next() * Double(min(size, 65536)))] = UInt8(Int(g.next() * 256) & 0xff) }
                if round % 10 == 0 { bytes = Array(bytes.prefix(start + Int(g.next() * Double(size)))) }
                do { _ = try SizeByPackage.read(bytes: bytes, slice: slice) } catch { failures += 1 }
            }
            #expect(failures > 0, "\(goos)/\(goarch): some damage is noticed")
        }
    }

    @Test func notAGoBinaryIsAnErrorNotACrash() throws {
        let folder = try TempFolder("crossgo-sizes")
        defer { folder.cleanup() }
        let path = try folder.write("x.bin", String(repeating: "\u{7F}ELF junk ", count: 100))
        #expect(throws: SizeByPackageError.self) { try SizeByPackage.read(path: path) }
    }
}
