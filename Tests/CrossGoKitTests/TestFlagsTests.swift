// Splitting the words after `--` as go test does; -race support; merging coverage profiles (also with the real toolchain).
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct TestFlagsTests {
    func split(_ words: [String]) throws -> TestFlags { try TestFlags.parse(words) }

    @Test func theIssueExample() throws {
        let f = try split(["-tags=netgo", "-race", "-cover", "-run", "X", "-v", "-count=1", "-bench=.", "arg1"])
        #expect(f.buildArguments == ["-tags=netgo", "-race", "-cover"])
        #expect(f.binaryArguments == ["-test.run=X", "-test.count=1", "-test.bench=.", "arg1"])
        #expect(f.verbose && f.race && f.cover && !f.json)
        #expect(f.coverProfile == nil && f.timeout == nil)
        #expect(f.testFlagNames == ["run", "v", "count", "bench"])
        #expect(f.hasOtherArguments && !f.cacheable)
    }

    @Test func valueFlagsTakeTheNextWordOrEquals() throws {
        let f = try split(["-tags", "netgo,osusergo", "-ldflags", "-s -w", "-gcflags=all=-N -l", "-p", "2", "-mod=mod",
                           "-covermode", "count", "-coverpkg=./...", "-trimpath", "-buildvcs", "-buildvcs=auto", "-vet=off"])
        #expect(f.buildArguments == ["-tags=netgo,osusergo", "-ldflags=-s -w", "-gcflags=all=-N -l", "-p=2", "-mod=mod",
                                     "-covermode=count", "-coverpkg=./...", "-trimpath", "-buildvcs", "-buildvcs=auto", "-vet=off"])
        #expect(f.binaryArguments.isEmpty)
        #expect(f.cover && !f.race)
    }

    @Test func testFlagsInEveryForm() throws {
        let f = try split(["--run=^TestA$", "-test.skip", "TestB", "-short", "-benchmem=false", "-benchtime", "1x", "-cpu=1,2",
                           "-parallel", "3", "-failfast", "-shuffle=on", "-list", ".", "-fullpath", "-outputdir", "out", "-artifacts",
                           "-cpuprofile=cpu.out", "-test.trace", "t.out", "-blockprofilerate=1", "-fuzztime=10x"])
        #expect(f.buildArguments.isEmpty)
        #expect(f.binaryArguments == ["-test.run=^TestA$", "-test.skip=TestB", "-test.short=true", "-test.benchmem=false",
                                      "-test.benchtime=1x", "-test.cpu=1,2", "-test.parallel=3", "-test.failfast=true",
                                      "-test.shuffle=on", "-test.list=.", "-test.fullpath=true", "-test.outputdir=out",
                                      "-test.artifacts=true", "-test.cpuprofile=cpu.out", "-test.trace=t.out",
                                      "-test.blockprofilerate=1", "-test.fuzztime=10x"])
        #expect(f.fileWritingFlags == ["artifacts", "cpuprofile", "trace"])
        #expect(f.outputDirectory == "out")
    }

    @Test func valueFlagTakesAnyNextWordEvenADash() throws {
        let f = try split(["-run", "-v", "-tags", "-x"])
        #expect(f.binaryArguments == ["-test.run=-v"])
        #expect(f.buildArguments == ["-tags=-x"])
        #expect(!f.verbose)
    }

    @Test func crossgoAbsorbsVerboseJsonTimeoutAndCoverprofile() throws {
        let f = try split(["-v", "-json", "-timeout", "30m", "-coverprofile", "cover.out", "-run=X"])
        #expect(f.binaryArguments == ["-test.run=X"])
        #expect(f.buildArguments == ["-cover"])
        #expect(f.verbose && f.json && f.cover)
        #expect(f.timeout == "30m" && f.coverProfile == "cover.out")
        #expect(!f.cacheable)  // crossgo's cache keeps no profiles
        let g = try split(["-test.v=false", "-test.timeout=1m", "-test.coverprofile=c.out", "-covermode=atomic"])
        #expect(!g.verbose && g.timeout == "1m" && g.coverProfile == "c.out")
        #expect(g.buildArguments == ["-covermode=atomic"])  // -covermode already sets -cover
        #expect(try split(["-v=test2json"]).verbose)
        let h = try split(["-cover=false", "-coverprofile=c.out"])
        #expect(h.buildArguments == ["-cover=false", "-cover"] && h.cover)
    }

    @Test func unknownFlagsGoToTheBinaryAndMayTakeAValue() throws {
        // As in `go help testflag`: go test -v -myflag testdata -cpuprofile=prof.out -x
        let f = try split(["-v", "-myflag", "testdata", "-cpuprofile=prof.out", "-x"])
        #expect(f.binaryArguments == ["-myflag", "testdata", "-test.cpuprofile=prof.out"])
        #expect(f.buildArguments == ["-x"])
        // With =value the unknown flag is complete: the next plain word ends the flags.
        let g = try split(["-myflag=1", "data", "-count=2"])
        #expect(g.binaryArguments == ["-myflag=1", "data", "-count=2"])
        // Build flags have no test. prefix; crossgo's own -test.X flags are unknown to go test and pass unchanged.
        let h = try split(["-test.tags=x", "-test.paniconexit0", "--test.count=3"])
        #expect(h.binaryArguments == ["-test.tags=x", "-test.paniconexit0", "-test.count=3"])
        #expect(h.buildArguments.isEmpty)
        #expect(!h.cacheable)
    }

    @Test func aPlainWordEndsTheFlags() throws {
        let f = try split(["-short", "arg1", "-race", "-v", "--", "x"])
        #expect(f.binaryArguments == ["-test.short=true", "arg1", "-race", "-v", "--", "x"])
        #expect(f.buildArguments.isEmpty && !f.race && !f.verbose)
        // A lone dash and a triple dash are words, not flags.
        #expect(try split(["-", "-race"]).binaryArguments == ["-", "-race"])
        #expect(try split(["---x", "-race"]).binaryArguments == ["---x", "-race"])
    }

    @Test func argsAndTheTerminator() throws {
        let f = try split(["-race", "-args", "-v", "-x", "pkg"])
        #expect(f.buildArguments == ["-race"])
        #expect(f.binaryArguments == ["-v", "-x", "pkg"])
        #expect(!f.verbose)
        #expect(try split(["--args", "-h"]).binaryArguments == ["-h"])
        let g = try split(["-count=1", "--", "-v", "-tags=x"])
        #expect(g.binaryArguments == ["-test.count=1", "--", "-v", "-tags=x"])
        #expect(g.buildArguments.isEmpty)
        #expect(try split([]) == TestFlags())
    }

    @Test func boolFlagsWithValues() throws {
        let f = try split(["-race=true", "-race=false", "-cover=0", "-short=T"])
        #expect(!f.race && !f.cover)
        #expect(f.buildArguments == ["-race=true", "-race=false", "-cover=0"])
        #expect(f.binaryArguments == ["-test.short=T"])
        #expect(f.buildArguments(race: false) == ["-cover=0"])
        let g = try split(["-race", "-tags=a"])
        #expect(g.buildArguments(race: false) == ["-tags=a"])
        #expect(g.buildArguments(race: true) == ["-race", "-tags=a"])
    }

    @Test func cacheableOnlyWithGoTestsCacheableFlags() throws {
        #expect(try split(["-run=X", "-short", "-v", "-timeout=1m", "-benchtime=2s", "-parallel=2", "-tags=x"]).cacheable)
        #expect(try !split(["-count=1"]).cacheable)
        #expect(try !split(["-bench=."]).cacheable)
        #expect(try !split(["-run=X", "extra"]).cacheable)
        #expect(try split([]).cacheable)
    }

    @Test func errorsNameTheFlag() {
        #expect(throws: TestFlagsError.missingValue(flag: "-tags")) { try TestFlags.parse(["-race", "-tags"]) }
        #expect(throws: TestFlagsError.missingValue(flag: "-test.count")) { try TestFlags.parse(["-test.count"]) }
        #expect(throws: TestFlagsError.missingValue(flag: "-coverprofile")) { try TestFlags.parse(["--coverprofile"]) }
        #expect(throws: TestFlagsError.invalidValue(flag: "-covermode", value: "sometimes", expected: "set, count, atomic")) {
            try TestFlags.parse(["-covermode=sometimes"])
        }
        #expect(throws: TestFlagsError.invalidValue(flag: "-race", value: "yes", expected: "true or false")) { try TestFlags.parse(["-race=yes"]) }
        #expect(throws: TestFlagsError.invalidValue(flag: "-v", value: "2", expected: "true, false or test2json")) { try TestFlags.parse(["-v=2"]) }
        #expect(throws: TestFlagsError.invalidValue(flag: "-shuffle", value: "sometimes", expected: "off, on or an integer seed")) {
            try TestFlags.parse(["-shuffle", "sometimes"])
        }
        for flag in ["-c", "-o=x", "-exec=qemu", "-C=dir", "-n", "-fuzz=FuzzX", "-test.fuzz=FuzzX", "-h", "--help"] {
            #expect(throws: TestFlagsError.self) { try TestFlags.parse([flag]) }
        }
        #expect(throws: TestFlagsError.conflict("-race and -msan cannot be used together")) { try TestFlags.parse(["-race", "-msan"]) }
        #expect(throws: TestFlagsError.conflict("-covermode must be atomic, not set, when -race is given")) {
            try TestFlags.parse(["-covermode=set", "-race"])
        }
        // Messages are one line and name the flag.
        let messages = [TestFlagsError.missingValue(flag: "-tags").description,
                        TestFlagsError.unsupported(flag: "-exec", reason: "crossgo picks the runner").description]
        #expect(messages[0] == "flag -tags needs a value (-tags=VALUE or -tags VALUE)")
        #expect(messages.allSatisfy { !$0.contains("\n") } && messages[1].contains("-exec"))
        do {
            _ = try TestFlags.parse(["-fuzz", "FuzzX"])
            Issue.record("-fuzz was accepted")
        } catch {
            #expect(error.description.hasPrefix("flag -fuzz cannot be used with crossgo test: "))
        }
    }

    @Test func coverProfilePathPerTarget() throws {
        #expect(TestFlags.insertingTarget("linux/riscv64", into: "cover.out") == "cover_linux_riscv64.out")
        #expect(TestFlags.insertingTarget("linux/arm/7", into: "out/c.prof") == "out/c_linux_arm_7.prof")
        #expect(TestFlags.insertingTarget("js/wasm", into: "coverage") == "coverage_js_wasm")
        #expect(TestFlags.insertingTarget("js/wasm", into: ".cover") == ".cover_js_wasm")
        #expect(TestFlags.insertingTarget("js/wasm", into: "a.b/cover") == "a.b/cover_js_wasm")
        #expect(TestFlags.insertingTarget("js/wasm", into: "c.tar.gz") == "c.tar_js_wasm.gz")
        let f = try split(["-coverprofile=cover.out"])
        #expect(f.coverProfilePath(target: "linux/amd64", targetCount: 1, workingDirectory: "/m") == "/m/cover.out")
        #expect(f.coverProfilePath(target: "linux/riscv64", targetCount: 3, workingDirectory: "/m/") == "/m/cover_linux_riscv64.out")
        let g = try split(["-outputdir=prof", "-coverprofile", "/abs/c.out"])
        #expect(g.coverProfilePath(target: "wasip1/wasm", targetCount: 2, workingDirectory: "/m") == "/abs/c_wasip1_wasm.out")
        let h = try split(["-outputdir=prof", "-coverprofile", "c.out"])
        #expect(h.coverProfilePath(target: "wasip1/wasm", targetCount: 2, workingDirectory: "/m") == "/m/prof/c_wasip1_wasm.out")
        #expect(try split(["-cover"]).coverProfilePath(target: "x/y", targetCount: 2, workingDirectory: "/m") == nil)
    }

    @Test func raceSupportFollowsGo127() {
        let yes = ["linux/amd64", "linux/arm64", "linux/loong64", "linux/ppc64le", "linux/riscv64", "linux/s390x",
                   "darwin/amd64", "darwin/arm64", "freebsd/amd64", "netbsd/amd64", "windows/amd64"]
        let no = ["linux/386", "linux/arm", "linux/ppc64", "linux/mips64le", "windows/arm64", "windows/386", "freebsd/arm64",
                  "openbsd/amd64", "js/wasm", "wasip1/wasm", "android/arm64", "ios/arm64", "illumos/amd64"]
        for pair in yes {
            let p = pair.split(separator: "/").map(String.init)
            #expect(raceSupported(goos: p[0], goarch: p[1]), "\(pair)")
        }
        for pair in no {
            let p = pair.split(separator: "/").map(String.init)
            #expect(!raceSupported(goos: p[0], goarch: p[1]), "\(pair)")
        }
        #expect(raceUnsupportedReason(goos: "linux", goarch: "amd64", cgoEnabled: true) == nil)
        #expect(raceUnsupportedReason(goos: "linux", goarch: "riscv64", cgoEnabled: false) == "-race needs cgo, which is off when crossgo builds for linux/riscv64")
        #expect(raceUnsupportedReason(goos: "darwin", goarch: "arm64", cgoEnabled: false) == nil)
        #expect(raceUnsupportedReason(goos: "js", goarch: "wasm", cgoEnabled: false) == "-race is not supported on js/wasm")
    }

    /// The race list against the toolchain itself: `go test -c -race` for a supported target without cgo says cgo is
    /// needed, for an unsupported one that -race is not supported there.
    @Test func raceMessagesMatchTheRealToolchain() async throws {
        let go = try await realToolchain().goPath
        let module = try TempFolder("crossgo-race")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/r\n\ngo 1.22\n")
        try module.write("r_test.go", "package r\n\nimport \"testing\"\n\nfunc TestR(t *testing.T) {}\n")
        for (goos, goarch) in [("linux", "riscv64"), ("linux", "s390x"), ("linux", "386"), ("js", "wasm"), ("windows", "arm64")] {
            let out = try await runProgram(go, ["test", "-c", "-race", "-o", module.path + "/r.test", "."],
                                           environment: ["GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "GOFLAGS": nil],
                                           workingDirectory: module.path, timeout: 1800)
            #expect(!out.succeeded)
            if raceSupported(goos: goos, goarch: goarch) {
                #expect(out.stderr.contains("-race requires cgo"), "\(goos)/\(goarch): \(out.stderr)")
            } else {
                #expect(out.stderr.contains("-race is not supported on \(goos)/\(goarch)"), "\(goos)/\(goarch): \(out.stderr)")
            }
        }
    }
}

@Suite struct CoverageProfileTests {
    static let a = """
        mode: count
        example.com/m/a.go:3.20,5.2 2 1
        example.com/m/a.go:7.10,9.3 1 0
        example.com/m/b.go:1.1,2.2 1 4

        """
    static let b = """
        mode: count
        example.com/m/b.go:1.1,2.2 1 6
        example.com/m/a.go:7.10,9.3 1 2
        example.com/m/a.go:3.20,5.2 2 0
        example.com/m/c.go:10.1,11.5 3 0
        """

    @Test func countsAreSummedAndSorted() throws {
        let merged = try CoverageProfile.merge(texts: [Self.a, Self.b])
        #expect(merged == """
            mode: count
            example.com/m/a.go:3.20,5.2 2 1
            example.com/m/a.go:7.10,9.3 1 2
            example.com/m/b.go:1.1,2.2 1 10
            example.com/m/c.go:10.1,11.5 3 0

            """)
        let profile = try CoverageProfile.parse(merged)
        #expect(profile.mode == .count && profile.blocks.count == 4)
        #expect(profile.percentCovered == Double(4) * 100 / 7)
    }

    @Test func setModeOrsAndAtomicSums() throws {
        let set1 = "mode: set\nm/a.go:1.1,2.2 1 1\nm/a.go:3.1,4.2 2 0\n"
        let set2 = "mode: set\nm/a.go:1.1,2.2 1 0\nm/a.go:3.1,4.2 2 1\nm/a.go:5.1,6.2 1 0\n"
        #expect(try CoverageProfile.merge(texts: [set1, set2]) == "mode: set\nm/a.go:1.1,2.2 1 1\nm/a.go:3.1,4.2 2 1\nm/a.go:5.1,6.2 1 0\n")
        let at1 = "mode: atomic\nm/a.go:1.1,2.2 1 5\n"
        let at2 = "mode: atomic\nm/a.go:1.1,2.2 1 7\nm/a.go:1.1,2.2 2 1\n"  // another statement count is another block
        #expect(try CoverageProfile.merge(texts: [at1, at2]) == "mode: atomic\nm/a.go:1.1,2.2 1 12\nm/a.go:1.1,2.2 2 1\n")
        // One profile alone: duplicate blocks (go test's concatenation) fold together.
        #expect(try CoverageProfile.merge(texts: ["mode: set\nm/a.go:1.1,2.2 1 0\nmode: set\nm/a.go:1.1,2.2 1 1\n"]) == "mode: set\nm/a.go:1.1,2.2 1 1\n")
        // File names with colons and spaces are read from the right.
        let odd = try CoverageProfile.parse("mode: count\nC:/dir with space/a.go:1.2,3.4 5 6\n")
        #expect(odd.blocks == [CoverageProfile.Block(file: "C:/dir with space/a.go", startLine: 1, startColumn: 2, endLine: 3, endColumn: 4, statements: 5, count: 6)])
    }

    @Test func mismatchedModesAndBadTextAreErrors() {
        #expect(throws: CoverageProfileError.mismatchedModes("count", "set")) {
            try CoverageProfile.merge(texts: [Self.a, "mode: set\nm/a.go:1.1,2.2 1 1\n"])
        }
        #expect(throws: CoverageProfileError.mismatchedModes("set", "atomic")) {
            try CoverageProfile.parse("mode: set\nm/a.go:1.1,2.2 1 1\nmode: atomic\n")
        }
        #expect(throws: CoverageProfileError.missingMode) { try CoverageProfile.parse("m/a.go:1.1,2.2 1 1\n") }
        #expect(throws: CoverageProfileError.missingMode) { try CoverageProfile.parse("") }
        #expect(throws: CoverageProfileError.unknownMode("sometimes")) { try CoverageProfile.parse("mode: sometimes\n") }
        #expect(throws: CoverageProfileError.badLine(number: 3, text: "m/a.go:1.1-2.2 1 1")) {
            try CoverageProfile.parse("mode: set\nm/a.go:1.1,2.2 1 1\nm/a.go:1.1-2.2 1 1\n")
        }
        #expect(throws: CoverageProfileError.badLine(number: 2, text: "m/a.go:1.1,2.2 1 -1")) { try CoverageProfile.parse("mode: set\nm/a.go:1.1,2.2 1 -1\n") }
        #expect(throws: CoverageProfileError.nothingToMerge) { try CoverageProfile.merge(texts: []) }
        #expect(CoverageProfileError.mismatchedModes("count", "set").description.contains("count and set"))
    }

    /// Two runs of a -cover test binary, each with its own -test.coverprofile, merged: `go tool cover -func` accepts the
    /// result and totals what either run covered, which neither covers alone.
    @Test func mergedRealProfilesPassGoToolCover() async throws {
        let go = try await realToolchain().goPath
        let module = try TempFolder("crossgo-cover")
        defer { module.cleanup() }
        try module.write("go.mod", "module example.com/cov\n\ngo 1.22\n")
        try module.write("cov.go", """
            package cov

            func Sign(n int) int {
            \tif n < 0 {
            \t\treturn -1
            \t}
            \tif n > 0 {
            \t\treturn 1
            \t}
            \treturn 0
            }

            """)
        try module.write("cov_test.go", """
            package cov

            import "testing"

            func TestNeg(t *testing.T) { if Sign(-3) != -1 { t.Fatal("neg") } }

            func TestPos(t *testing.T) { if Sign(3) != 1 { t.Fatal("pos") } }

            """)
        var texts: [String] = []
        for (index, run) in ["TestNeg", "TestPos"].enumerated() {
            let binary = module.path + "/cov\(index).test"
            let build = try await runProgram(go, ["test", "-c", "-covermode=count", "-o", binary, "."],
                                             environment: ["GOFLAGS": nil], workingDirectory: module.path, timeout: 1800)
            try #require(build.succeeded, "\(build.stderr)")
            let profile = module.path + "/p\(index).out"
            let out = try await runProgram(binary, ["-test.run=^\(run)$", "-test.coverprofile=\(profile)"], workingDirectory: module.path, timeout: 120)
            #expect(out.succeeded && out.stdout.contains("coverage: "))
            texts.append(try String(contentsOfFile: profile, encoding: .utf8))
        }
        // Sign has 5 statements (2 ifs, 3 returns): TestNeg runs the first if and its return, TestPos both ifs and a return.
        #expect(try texts.map { try CoverageProfile.parse($0).percentCovered } == [40, 60])
        let merged = try CoverageProfile.merge(texts: texts)
        let mergedPath = try module.write("merged.out", merged)
        #expect(try CoverageProfile.parse(merged).percentCovered == 80)
        let cover = try await runProgram(go, ["tool", "cover", "-func=" + mergedPath], workingDirectory: module.path, timeout: 300)
        try #require(cover.succeeded, "\(cover.stderr)")
        let total = cover.stdout.split(separator: "\n").first { $0.hasPrefix("total:") }.map(String.init) ?? ""
        #expect(total.hasSuffix("80.0%"), "\(cover.stdout)")
        #expect(cover.stdout.contains("Sign") && cover.stdout.contains("80.0%"))
        // Counts add up: the first if ran once in each run.
        #expect(merged.contains("example.com/cov/cov.go:4.2,4.11 1 2"), "\(merged)")
    }
}
