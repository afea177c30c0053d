// The words a user types after `--` in `crossgo test`, split the way `go test` splits its own command line:
// build flags for `go test -c`, test flags for the test binary (as -test.X), and the rest for the binary unchanged.
// Also: which targets can build with -race, and merging Go coverage profiles (one per package x target) into one per target.
//
// The flag tables below follow Go 1.27.3 (`go help testflag`, `go help build`, `go help test`):
//   build flags, bool:   -a -x -work -race -msan -asan -linkshared -trimpath -modcacherw -cover; -buildvcs (true, false or auto)
//   build flags, value:  -p -asmflags -buildmode -compiler -gccgoflags -gcflags -installsuffix -ldflags -mod -modfile -overlay
//                        -pgo -pkgdir -tags -toolexec -covermode -coverpkg -vet -debug-actiongraph -debug-runtime-trace -debug-trace
//   test flags, bool:    -artifacts -benchmem -failfast -fullpath -short; -v (true, false or test2json)
//   test flags, value:   -bench -benchtime -blockprofile -blockprofilerate -count -coverprofile -cpu -cpuprofile -fuzz
//                        -fuzzminimizetime -fuzztime -list -memprofile -memprofilerate -mutexprofile -mutexprofilefraction
//                        -outputdir -parallel -run -shuffle -skip -timeout -trace
//   go test's own:       -c -o -exec -json -C -n (and -args, which hands the rest to the binary)
// Test flags are also recognized with a `test.` prefix (-test.run); build flags are not.
import Foundation

/// The passthrough words of `crossgo test ... -- WORDS`, split as `go test` splits them.
///
/// Rules (those of `go test`):
/// - A flag is `-name`, `--name`, `-name=value` or `--name=value`; a flag that takes a value and has no `=` takes the
///   next word as its value, whatever it looks like (`-run -x` runs tests matching "-x").
/// - Build flags go to `go test -c`, written `-name=value` (or `-name` for a bool flag given without a value).
/// - Test flags go to the binary as `-test.name=value`; a bool test flag without a value becomes `-test.name=true`.
/// - A flag `go test` does not know (`-myflag`, `-test.paniconexit0`) goes to the binary unchanged. If it has no `=value`,
///   the next word, when it is not a flag, is taken as its value and also goes to the binary unchanged, and flags after it
///   are still recognized (`-myflag data -v`), as in `go test`.
/// - Any other word that is not a flag ends the flags: it and every word after it go to the binary unchanged.
/// - `-args` (or `--args`) ends the flags too, and is dropped; `--` ends them and is kept (go test hands it to the binary).
/// - crossgo owns some of what `go test` does itself, so these are absorbed instead of passed on:
///   `-v` (crossgo always runs binaries with -test.v=test2json, and a later -test.v=true would turn that framing off),
///   `-json` (crossgo's --json), `-timeout` (crossgo sets -test.timeout and times the runner from it) and
///   `-coverprofile` (each binary gets its own scratch profile; crossgo merges them per target, see `coverProfilePath`).
/// - `-c`, `-o`, `-exec`, `-C`, `-n`, `-fuzz` and `-h`/`-help` cannot work through crossgo and are errors.
public struct TestFlags: Sendable, Equatable {
    /// For `go test -c`, in the order typed. Ends with `-cover` when -coverprofile asked for coverage and no other flag did.
    public var buildArguments: [String] = []
    /// For the test binary, after crossgo's own -test.v/-test.timeout/-test.testlogfile flags, in the order typed.
    public var binaryArguments: [String] = []
    /// The file `-coverprofile` named, as typed (see `coverProfilePath`).
    public var coverProfile: String?
    /// The `-timeout` value (a Go duration), for -test.timeout and the runner's own deadline.
    public var timeout: String?
    /// `-v` was given (and not turned off).
    public var verbose = false
    /// `-json` was given: go test's way to ask for crossgo's --json.
    public var json = false
    /// `-race` was given (and not turned off).
    public var race = false
    /// Coverage instrumentation was asked for: -cover, -covermode, -coverpkg or -coverprofile.
    public var cover = false
    /// Test flags that write files (-cpuprofile, -memprofile, -blockprofile, -mutexprofile, -trace, -artifacts), by name.
    /// Relative paths land in -test.outputdir, which is the package folder unless -outputdir is given.
    public var fileWritingFlags: [String] = []
    /// Test flags among the arguments, by name without `test.` (for cacheability and callers' checks).
    public var testFlagNames: [String] = []
    /// Unknown flags and positional words were passed to the binary.
    public var hasOtherArguments = false

    public init() {}

    /// Splits the words typed after `--`.
    public static func parse(_ words: [String]) throws(TestFlagsError) -> TestFlags {
        var flags = TestFlags()
        var rest = words[...]
        var afterUnknownWithoutValue = false
        var coverMode: String?
        var sanitizers: [String] = []
        while let raw = rest.first {
            rest = rest.dropFirst()
            let wasAfterUnknown = afterUnknownWithoutValue
            afterUnknownWithoutValue = false
            if raw == "--" {
                flags.binaryArguments.append(raw)
                flags.binaryArguments += rest
                flags.hasOtherArguments = true
                break
            }
            let arg = raw.hasPrefix("--") ? String(raw.dropFirst()) : raw
            let chars = Array(arg)
            if chars.count < 2 || chars[0] != "-" || chars[1] == "-" || chars[1] == "=" {
                flags.hasOtherArguments = true
                if wasAfterUnknown {
                    // The value of the unknown flag before it; keep looking for flags.
                    flags.binaryArguments.append(raw)
                    continue
                }
                flags.binaryArguments.append(raw)
                flags.binaryArguments += rest
                break
            }
            let body = arg.dropFirst()
            let name: String
            var value: String?
            if let eq = body.firstIndex(of: "=") {
                name = String(body[..<eq])
                value = String(body[body.index(after: eq)...])
            } else {
                name = String(body)
            }
            if name == "args" && value == nil {
                flags.binaryArguments += rest
                flags.hasOtherArguments = flags.hasOtherArguments || !rest.isEmpty
                break
            }
            guard let spec = FlagSpec.lookup(name) else {
                flags.binaryArguments.append(raw)
                flags.hasOtherArguments = true
                afterUnknownWithoutValue = value == nil
                continue
            }
            if let reason = spec.unsupported { throw .unsupported(flag: "-" + name, reason: reason) }
            if !spec.isBool, value == nil {
                guard let next = rest.first else { throw .missingValue(flag: "-" + name) }
                value = next
                rest = rest.dropFirst()
            }
            if let v = value, !spec.accepts(v) {
                throw .invalidValue(flag: "-" + name, value: v, expected: spec.expected)
            }
            let on = value.map { parseGoBool($0) ?? true } ?? true
            switch spec.role {
            case .build:
                flags.buildArguments.append("-" + spec.name + (value.map { "=" + $0 } ?? ""))
                switch spec.name {
                case "race": flags.race = on
                case "cover": flags.cover = on
                case "covermode": flags.cover = true; coverMode = value
                case "coverpkg": flags.cover = true
                case "msan", "asan": if on { sanitizers.append(spec.name) } else { sanitizers.removeAll { $0 == spec.name } }
                default: break
                }
            case .test:
                flags.binaryArguments.append("-test." + spec.name + "=" + (value ?? "true"))
                flags.testFlagNames.append(spec.name)
                if spec.writesFiles, !flags.fileWritingFlags.contains(spec.name) { flags.fileWritingFlags.append(spec.name) }
            case .verbose:
                flags.verbose = value.map { $0 == "test2json" || parseGoBool($0) == true } ?? true
                flags.testFlagNames.append(spec.name)
            case .json:
                flags.json = on
            case .timeout:
                flags.timeout = value
                flags.testFlagNames.append(spec.name)
            case .coverProfile:
                flags.coverProfile = value
                flags.testFlagNames.append(spec.name)
            }
        }
        // -coverprofile sets -cover, as in go test (even after -cover=false).
        if flags.coverProfile != nil {
            if !flags.cover { flags.buildArguments.append("-cover") }
            flags.cover = true
        }
        if flags.race, let other = sanitizers.first {
            throw .conflict("-race and -\(other) cannot be used together")
        }
        if flags.race, let mode = coverMode, mode != "atomic" {
            throw .conflict("-covermode must be atomic, not \(mode), when -race is given")
        }
        return flags
    }

    /// `buildArguments` for a target: without `-race` where the target cannot build with it (see `raceUnsupportedReason`).
    public func buildArguments(race allowed: Bool) -> [String] {
        guard !allowed else { return buildArguments }
        return buildArguments.filter { arg in
            let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
            return name != "-race"
        }
    }

    /// Whether `go test` would cache this run: only the flags it calls cacheable, and no other arguments.
    /// crossgo keeps no coverage profiles in its cache, so -coverprofile (which go test allows) makes a run uncacheable here.
    public var cacheable: Bool {
        coverProfile == nil && !hasOtherArguments && testFlagNames.allSatisfy { Self.cacheableTestFlags.contains($0) }
    }

    /// The test flags `go test` lets its result cache serve (go help test).
    public static let cacheableTestFlags: Set<String> = [
        "benchtime", "coverprofile", "cpu", "failfast", "fullpath", "list", "outputdir", "parallel", "run", "short", "skip", "timeout", "v",
    ]

    /// Where the merged profile of one target goes.
    ///
    /// The rule: with one target, the file `-coverprofile` named, unchanged. With several, the target's name
    /// (slashes made underscores) is inserted before the file name's last extension: `cover.out` on linux/riscv64 is
    /// `cover_linux_riscv64.out`, `out/c.prof` on linux/arm/7 is `out/c_linux_arm_7.prof`, `coverage` is
    /// `coverage_linux_riscv64` and `.cover` is `.cover_linux_riscv64` (a leading dot is not an extension).
    /// Relative names are relative to -outputdir when given, else to crossgo's working folder, as in `go test`.
    public func coverProfilePath(target: String, targetCount: Int, workingDirectory: String) -> String? {
        guard let file = coverProfile else { return nil }
        let named = targetCount <= 1 ? file : Self.insertingTarget(target, into: file)
        return absolutePath(named, against: outputDirectory.map { absolutePath($0, against: workingDirectory) } ?? workingDirectory)
    }

    /// The -outputdir value, when one was given.
    public var outputDirectory: String? {
        binaryArguments.last { $0.hasPrefix("-test.outputdir=") }.map { String($0.dropFirst("-test.outputdir=".count)) }
    }

    /// `file` with `_goos_goarch[_variant]` inserted before the file name's last extension (see `coverProfilePath`).
    public static func insertingTarget(_ target: String, into file: String) -> String {
        let suffix = "_" + target.replacingOccurrences(of: "/", with: "_")
        let slash = file.lastIndex(of: "/").map { file.index(after: $0) } ?? file.startIndex
        let name = file[slash...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(file[..<dot]) + suffix + String(file[dot...])
        }
        return file + suffix
    }
}

/// Why the words after `--` cannot be used. `description` is one line naming the flag.
public enum TestFlagsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A flag that takes a value was the last word.
    case missingValue(flag: String)
    /// A flag's value is not one it accepts.
    case invalidValue(flag: String, value: String, expected: String)
    /// A flag crossgo cannot honour, with what to do instead.
    case unsupported(flag: String, reason: String)
    /// Two flags that cannot go together.
    case conflict(String)

    public var description: String {
        switch self {
        case .missingValue(let flag): "flag \(flag) needs a value (\(flag)=VALUE or \(flag) VALUE)"
        case .invalidValue(let flag, let value, let expected): "flag \(flag): invalid value \"\(value)\" (expected \(expected))"
        case .unsupported(let flag, let reason): "flag \(flag) cannot be used with crossgo test: \(reason)"
        case .conflict(let text): text
        }
    }
}

/// One flag `go test` knows.
struct FlagSpec: Sendable {
    enum Role: Sendable { case build, test, verbose, json, timeout, coverProfile }
    enum Values: Sendable { case any, bool, boolOr(String), oneOf([String]), shuffle }

    var name: String
    var role: Role
    var values: Values
    var writesFiles = false
    var unsupported: String?

    var isBool: Bool {
        switch values {
        case .bool, .boolOr: true
        default: false
        }
    }

    var expected: String {
        switch values {
        case .any: "a value"
        case .bool: "true or false"
        case .boolOr(let extra): "true, false or \(extra)"
        case .oneOf(let list): list.joined(separator: ", ")
        case .shuffle: "off, on or an integer seed"
        }
    }

    func accepts(_ value: String) -> Bool {
        switch values {
        case .any: true
        case .bool: parseGoBool(value) != nil
        case .boolOr(let extra): parseGoBool(value) != nil || value == extra
        case .oneOf(let list): list.contains(value)
        case .shuffle: value == "on" || value == "off" || Int64(value) != nil
        }
    }

    /// The flag called `name` (a test flag may carry a `test.` prefix), or nil when go test does not know it.
    static func lookup(_ name: String) -> FlagSpec? {
        if let spec = table[name] { return spec }
        if name.hasPrefix("test."), let spec = table[String(name.dropFirst(5))], spec.passesToTest { return spec }
        return nil
    }

    /// Test flags go test accepts with a `test.` prefix: those it forwards to the binary.
    var passesToTest: Bool {
        switch role {
        case .test, .verbose, .timeout, .coverProfile: true
        case .build, .json: false
        }
    }

    static let table: [String: FlagSpec] = {
        var t: [String: FlagSpec] = [:]
        func add(_ names: [String], _ role: Role, _ values: Values, writesFiles: Bool = false, unsupported: String? = nil) {
            for n in names { t[n] = FlagSpec(name: n, role: role, values: values, writesFiles: writesFiles, unsupported: unsupported) }
        }
        add(["a", "x", "work", "race", "msan", "asan", "linkshared", "trimpath", "modcacherw", "cover"], .build, .bool)
        add(["buildvcs"], .build, .boolOr("auto"))
        add(["p", "asmflags", "buildmode", "compiler", "gccgoflags", "gcflags", "installsuffix", "ldflags", "mod", "modfile",
             "overlay", "pgo", "pkgdir", "tags", "toolexec", "coverpkg", "vet", "debug-actiongraph", "debug-runtime-trace", "debug-trace"],
            .build, .any)
        add(["covermode"], .build, .oneOf(["set", "count", "atomic"]))
        add(["benchmem", "failfast", "fullpath", "short"], .test, .bool)
        add(["artifacts"], .test, .bool, writesFiles: true)
        add(["bench", "benchtime", "blockprofilerate", "count", "cpu", "fuzzminimizetime", "fuzztime", "list", "memprofilerate",
             "mutexprofilefraction", "outputdir", "parallel", "run", "skip"], .test, .any)
        add(["blockprofile", "cpuprofile", "memprofile", "mutexprofile", "trace"], .test, .any, writesFiles: true)
        add(["shuffle"], .test, .shuffle)
        add(["v"], .verbose, .boolOr("test2json"))
        add(["json"], .json, .bool)
        add(["timeout"], .timeout, .any)
        add(["coverprofile"], .coverProfile, .any)
        add(["fuzz"], .test, .any, unsupported: "fuzzing needs a specially instrumented build of one package; run go test -fuzz on the host")
        add(["c"], .build, .bool, unsupported: "crossgo always builds the test binary itself (go test -c)")
        add(["o"], .build, .any, unsupported: "crossgo chooses where test binaries go")
        add(["exec"], .build, .any, unsupported: "crossgo picks the runner for each target (--target)")
        add(["C"], .build, .any, unsupported: "run crossgo in that folder instead")
        add(["n"], .build, .bool, unsupported: "it prints the build commands without building the test binary crossgo runs")
        for help in ["h", "help", "?"] {
            add([help], .build, .bool, unsupported: "crossgo test --help lists crossgo's options and go help testflag these flags; use -args -h to reach the test binary")
        }
        return t
    }()
}

/// strconv.ParseBool's spellings.
func parseGoBool(_ text: String) -> Bool? {
    switch text {
    case "1", "t", "T", "true", "TRUE", "True": true
    case "0", "f", "F", "false", "FALSE", "False": false
    default: nil
    }
}

// MARK: - The race detector

/// Whether Go 1.27's race detector exists for goos/goarch (cmd/go's internal/platform list, which is longer than
/// the one `go help build` prints): linux/amd64, linux/arm64, linux/loong64, linux/ppc64le, linux/riscv64, linux/s390x,
/// darwin/amd64, darwin/arm64, freebsd/amd64, netbsd/amd64 and windows/amd64.
public func raceSupported(goos: String, goarch: String) -> Bool {
    switch goos {
    case "linux": ["amd64", "arm64", "loong64", "ppc64le", "riscv64", "s390x"].contains(goarch)
    case "darwin": goarch == "amd64" || goarch == "arm64"
    case "freebsd", "netbsd", "windows": goarch == "amd64"
    default: false
    }
}

/// Why a target's test binary cannot be built with -race, as one line, or nil when it can.
/// `cgoEnabled`: whether that build has cgo (crossgo builds targets other than the host with CGO_ENABLED=0);
/// -race needs cgo everywhere but on darwin.
public func raceUnsupportedReason(goos: String, goarch: String, cgoEnabled: Bool) -> String? {
    let target = "\(goos)/\(goarch)"
    guard raceSupported(goos: goos, goarch: goarch) else { return "-race is not supported on \(target)" }
    guard cgoEnabled || goos == "darwin" else { return "-race needs cgo, which is off when crossgo builds for \(target)" }
    return nil
}

// MARK: - Coverage profiles

/// A Go coverage profile (`-test.coverprofile`): `mode: set|count|atomic`, then one line per block,
/// `file:startLine.startCol,endLine.endCol numStatements count`.
public struct CoverageProfile: Sendable, Equatable {
    /// How counts are kept.
    public enum Mode: String, Sendable { case set, count, atomic }

    /// One block of statements and how often it ran.
    public struct Block: Sendable, Hashable {
        public var file: String
        public var startLine: Int
        public var startColumn: Int
        public var endLine: Int
        public var endColumn: Int
        public var statements: Int
        public var count: Int

        public init(file: String, startLine: Int, startColumn: Int, endLine: Int, endColumn: Int, statements: Int, count: Int) {
            self.file = file
            self.startLine = startLine
            self.startColumn = startColumn
            self.endLine = endLine
            self.endColumn = endColumn
            self.statements = statements
            self.count = count
        }

        /// Everything but the count.
        var key: Key { Key(file: file, numbers: [startLine, startColumn, endLine, endColumn, statements]) }
        struct Key: Hashable { var file: String; var numbers: [Int] }

        var line: String { "\(file):\(startLine).\(startColumn),\(endLine).\(endColumn) \(statements) \(count)" }
    }

    public var mode: Mode
    public var blocks: [Block]

    public init(mode: Mode, blocks: [Block] = []) {
        self.mode = mode
        self.blocks = blocks
    }

    /// Reads a profile. Blank lines are ignored, and so are repeated `mode:` lines of the same mode (go test writes
    /// one per package when it concatenates profiles).
    public static func parse(_ text: String) throws(CoverageProfileError) -> CoverageProfile {
        var profile: CoverageProfile?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("mode: ") {
                let text = String(line.dropFirst(6)).trimmingCharacters(in: .whitespaces)
                guard let mode = Mode(rawValue: text) else { throw .unknownMode(text) }
                if let existing = profile {
                    guard existing.mode == mode else { throw .mismatchedModes(existing.mode.rawValue, mode.rawValue) }
                } else {
                    profile = CoverageProfile(mode: mode)
                }
                continue
            }
            guard profile != nil else { throw .missingMode }
            guard let block = parseBlock(line) else { throw .badLine(number: index + 1, text: String(line)) }
            profile?.blocks.append(block)
        }
        guard let profile else { throw .missingMode }
        return profile
    }

    /// `file:a.b,c.d n count`, read from the right (file names may hold colons and spaces).
    static func parseBlock(_ line: Substring) -> Block? {
        guard let lastSpace = line.lastIndex(of: " ") else { return nil }
        let head = line[..<lastSpace]
        guard let count = Int(line[line.index(after: lastSpace)...]), count >= 0,
              let secondSpace = head.lastIndex(of: " "),
              let statements = Int(head[head.index(after: secondSpace)...]), statements >= 0 else { return nil }
        let location = head[..<secondSpace]
        guard let colon = location.lastIndex(of: ":") else { return nil }
        let file = String(location[..<colon])
        let range = location[location.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
        guard !file.isEmpty, range.count == 2 else { return nil }
        let start = range[0].split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        let end = range[1].split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard start.count == 2, end.count == 2, let sl = start[0], let sc = start[1], let el = end[0], let ec = end[1] else { return nil }
        return Block(file: file, startLine: sl, startColumn: sc, endLine: el, endColumn: ec, statements: statements, count: count)
    }

    /// The profile as text, one block a line, ending with a newline.
    public var text: String {
        (["mode: \(mode.rawValue)"] + blocks.map(\.line)).joined(separator: "\n") + "\n"
    }

    /// Merges profiles of one mode: blocks that match in everything but the count become one, whose count is the sum
    /// (count, atomic) or 1 when any ran (set). Blocks come out sorted by file, then position.
    public static func merge(_ profiles: [CoverageProfile]) throws(CoverageProfileError) -> CoverageProfile {
        guard let mode = profiles.first?.mode else { throw .nothingToMerge }
        if let other = profiles.first(where: { $0.mode != mode }) { throw .mismatchedModes(mode.rawValue, other.mode.rawValue) }
        var merged: [Block.Key: Block] = [:]
        for profile in profiles {
            for block in profile.blocks {
                let key = block.key
                guard var existing = merged[key] else {
                    var first = block
                    if mode == .set { first.count = block.count > 0 ? 1 : 0 }
                    merged[key] = first
                    continue
                }
                if mode == .set {
                    existing.count = (existing.count > 0 || block.count > 0) ? 1 : 0
                } else {
                    let (sum, overflow) = existing.count.addingReportingOverflow(block.count)
                    existing.count = overflow ? Int.max : sum
                }
                merged[key] = existing
            }
        }
        let blocks = merged.values.sorted { a, b in
            a.file != b.file ? a.file < b.file : a.key.numbers.lexicographicallyPrecedes(b.key.numbers)
        }
        return CoverageProfile(mode: mode, blocks: blocks)
    }

    /// Merges profile texts into one profile text (see `merge(_:)`).
    public static func merge(texts: [String]) throws(CoverageProfileError) -> String {
        var profiles: [CoverageProfile] = []
        for text in texts { profiles.append(try parse(text)) }
        return try merge(profiles).text
    }

    /// The share of statements that ran, in percent, as `go tool cover -func` totals it (nil without statements).
    public var percentCovered: Double? {
        let merged = (try? Self.merge([self])) ?? self
        let total = merged.blocks.reduce(0) { $0 + $1.statements }
        guard total > 0 else { return nil }
        let ran = merged.blocks.reduce(0) { $0 + ($1.count > 0 ? $1.statements : 0) }
        return Double(ran) * 100 / Double(total)
    }
}

/// Why coverage profiles could not be read or merged. `description` is one line.
public enum CoverageProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first line is not `mode: ...`.
    case missingMode
    /// `mode:` names no known mode.
    case unknownMode(String)
    /// Profiles (or parts of one) were written in different modes.
    case mismatchedModes(String, String)
    /// A line is not a coverage block.
    case badLine(number: Int, text: String)
    /// No profiles were given.
    case nothingToMerge

    public var description: String {
        switch self {
        case .missingMode: "coverage profile does not start with a mode: line"
        case .unknownMode(let mode): "coverage profile has unknown mode \"\(mode)\" (expected set, count or atomic)"
        case .mismatchedModes(let a, let b): "coverage profiles have different modes (\(a) and \(b)); build them all with the same -covermode"
        case .badLine(let number, let text): "coverage profile line \(number) is not a block: \(text.prefix(120))"
        case .nothingToMerge: "no coverage profiles to merge"
        }
    }
}
