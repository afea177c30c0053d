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

    /// A module whose path has dots and a dash, a package folder with a dash and an underscore, a generic method,
    /// and std packages with slashes (regexp/syntax, compress/flate).
    static func dottedModule() throws -> TempFolder {
        let m = try TempFolder("crossgo-sizes-dotted")
        try m.write("go.mod", "module example.com/my-mod.v2\n\ngo 1.21\n")
        try m.write("sub-pkg/in_ner/x.go", """
            package in_ner

            import "regexp"

            type T[K comparable] struct{ k K }

            func (t *T[K]) Get() K { return t.k }

            func Match(s string) bool { return regexp.MustCompile(`a+b`).MatchString(s) && (&T[string]{s}).Get() != "" }

            """)
        try m.write("main.go", """
            package main

            import (
            \t"compress/flate"
            \t"fmt"
            \t"os"

            \t"example.com/my-mod.v2/sub-pkg/in_ner"
            )

            func main() {
            \tw, _ := flate.NewWriter(os.Stdout, 1)
            \tfmt.Println(in_ner.Match(os.Args[0]), w != nil)
            }

            """)
        return m
    }

    @Test("wasm rows are import paths (dotted module paths, std paths with slashes), the same rows as the ELF build of the same program; with and without the name section")
    func wasmRowsAreImportPaths() async throws {
        let module = try Self.dottedModule()
        defer { module.cleanup() }
        let toolchain = try await realToolchain()
        var rows: [String: Set<String>] = [:]
        for (goos, goarch, flags) in [("linux", "amd64", "-s -w"), ("js", "wasm", ""), ("wasip1", "wasm", ""), ("wasip1", "wasm", "-s -w")] {
            let key = "\(goos)/\(goarch)\(flags.isEmpty ? "" : " " + flags)"
            let out = module.path + "/bin-\(goos)-\(goarch)\(flags.isEmpty ? "" : "-stripped")"
            let env: EnvironmentChanges = ["GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0"]
            let built = try await runProgram(toolchain.goPath, ["build", "-trimpath", "-ldflags=" + flags, "-o", out, "."], environment: env,
                                             workingDirectory: module.path, timeout: 600)
            try #require(built.succeeded, "\(built.stderr)")
            let b = try SizeByPackage.read(path: out)
            let code = Set(b.packages.filter { $0.code > 0 }.map(\.package))
            rows[key] = code
            #expect(code.isSuperset(of: ["example.com/my-mod.v2/sub-pkg/in_ner", "regexp/syntax", "compress/flate", "internal/abi", "main", "runtime"]),
                    "\(key): \(code.sorted())")
            // No row is a mangled or cut import path (the wasm linker writes `[^\w.]` as `_`): every row that matches
            // a package go lists for this target once mangled, or the start of one, is that package's import path.
            let deps = try await runProgram(toolchain.goPath, ["list", "-deps", "."], environment: env, workingDirectory: module.path, timeout: 300)
            try #require(deps.succeeded, "\(deps.stderr)")
            let listed = Set(deps.stdout.split(separator: "\n").map(String.init)).subtracting(["example.com/my-mod.v2"]).union(["main"])
            let mangled = listed.map { String($0.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." ? $0 : "_" }) }
            let unknown = code.filter { row in !listed.contains(row) && mangled.contains { $0 == row || $0.hasPrefix(row + ".") } }
            #expect(unknown.isEmpty, "\(key): rows that are not import paths: \(unknown.sorted())")
        }
        // The module's own packages line up across the targets.
        let ours = rows.mapValues { $0.filter { $0.hasPrefix("example.com/") || $0 == "main" } }
        #expect(Set(ours.values).count == 1, "\(ours)")
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
