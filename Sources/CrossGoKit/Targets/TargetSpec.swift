// Turns what users type (pairs, lists, named sets, LLVM/Rust triples) into Targets.
import Foundation

/// A target name that is not one, with an explanation and the closest valid names.
public enum TargetError: Error, CustomStringConvertible, Equatable {
    case unknown(String, suggestions: [String])
    case rustOnly(String, explanation: String)
    case badVariant(String, variable: String, valid: [String])
    case variantNotSupported(String, goarch: String)
    case empty
    case noMatch(String)

    public var description: String {
        switch self {
        case .unknown(let name, let suggestions):
            let hint = suggestions.isEmpty ? "run `crossgo targets` for the list" : "did you mean \(suggestions.joined(separator: ", "))?"
            return "unknown target '\(name)': \(hint)"
        case .rustOnly(let name, let explanation):
            return "'\(name)' is not a Go target: \(explanation)"
        case .badVariant(let name, let variable, let valid):
            return "bad level in target '\(name)': \(variable) accepts \(valid.joined(separator: ", "))"
        case .variantNotSupported(let name, let goarch):
            return "bad target '\(name)': \(goarch) has no architecture level (only \(Target.variantVariables.keys.sorted().joined(separator: ", ")) do)"
        case .noMatch(let pattern):
            return "target pattern '\(pattern)' matches no target of this toolchain (* is any text, ? one character): run `crossgo targets` for the list"
        case .empty:
            return "empty target list: name targets as GOOS/GOARCH pairs, sets (default, release, first-class, all, host) or triples"
        }
    }
}

/// Resolves target specs against one toolchain's `go tool dist list`.
public struct TargetResolver: Sendable {
    public static let setNames = ["default", "release", "first-class", "all", "host"]
    static let levelFeatures: Set<String> = ["lse", "crypto", "softfloat", "hardfloat"]

    public var dist: [DistTarget]
    public var host: Target

    public init(dist: [DistTarget], host: Target) {
        self.dist = dist
        self.host = host
    }

    public init(toolchain: GoToolchain) {
        self.init(dist: toolchain.distTargets, host: toolchain.host)
    }

    /// Resolves a comma- or space-separated spec into distinct targets, in the order named.
    public func resolve(_ spec: String) throws(TargetError) -> [Target] {
        var items: [String] = []
        for piece in spec.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init) {
            // Level features use commas too (linux/arm64/v8.2,lse): glue them back onto their target.
            if Self.levelFeatures.contains(piece.lowercased()), let last = items.last, last.split(separator: "/").count == 3 {
                items[items.count - 1] = last + "," + piece
            } else {
                items.append(piece)
            }
        }
        guard !items.isEmpty else { throw .empty }
        var out: [Target] = []
        var seen = Set<Target>()
        for item in items {
            for target in try resolveItem(item) where seen.insert(target).inserted { out.append(target) }
        }
        return out
    }

    /// Resolves several specs (one per `--target` flag).
    public func resolve(_ specs: [String]) throws(TargetError) -> [Target] {
        try resolve(specs.joined(separator: ","))
    }

    /// The members of a named set.
    public func set(_ name: String) -> [Target]? {
        let pairs: [Target]
        switch name {
        case "default":
            pairs = [Target(goos: "darwin", goarch: "arm64"), Target(goos: "linux", goarch: "riscv64"),
                     Target(goos: "js", goarch: "wasm"), Target(goos: "wasip1", goarch: "wasm"), host]
        case "release":
            pairs = ["linux", "darwin", "windows"].flatMap { os in ["amd64", "arm64"].map { Target(goos: os, goarch: $0) } }
                + [Target(goos: "linux", goarch: "riscv64"), Target(goos: "js", goarch: "wasm"), Target(goos: "wasip1", goarch: "wasm")]
        case "first-class":
            pairs = dist.filter(\.firstClass).map { Target(goos: $0.goos, goarch: $0.goarch) }
        case "all":
            pairs = dist.map { Target(goos: $0.goos, goarch: $0.goarch) }
        case "host":
            pairs = [host]
        default:
            return nil
        }
        var seen = Set<Target>()
        // A set only offers what this toolchain can build (js/wasm is missing before Go 1.11, wasip1 before 1.21).
        return pairs.filter { known($0.goos, $0.goarch) && seen.insert($0).inserted }
    }

    private func known(_ goos: String, _ goarch: String) -> Bool {
        dist.contains { $0.goos == goos && $0.goarch == goarch }
    }

    private func resolveItem(_ raw: String) throws(TargetError) -> [Target] {
        let item = raw.trimmingCharacters(in: .whitespaces)
        let lower = item.lowercased()
        if let members = set(lower) { return members }
        if item.contains("/") { return try resolvePair(item) }
        if item.contains("-") { return [try resolveTriple(item)] }
        throw .unknown(item, suggestions: suggestions(for: item))
    }

    /// Whether a pair's part is a shell pattern (`*`, `?`, `[...]`): `linux/arm*`, `linux/mips?`, `*/riscv64`.
    static func isGlob(_ part: String) -> Bool { part.contains { "*?[".contains($0) } }

    /// Shell-pattern match (fnmatch), or equality for a plain name.
    static func glob(_ pattern: String, matches name: String) -> Bool {
        isGlob(pattern) ? fnmatch(pattern, name, 0) == 0 : pattern == name
    }

    private func resolvePair(_ item: String) throws(TargetError) -> [Target] {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false).map { String($0).lowercased() }
        guard parts.count == 2 || parts.count == 3 else { throw .unknown(item, suggestions: suggestions(for: item)) }
        let (goos, goarch) = (parts[0], parts[1])
        if Self.isGlob(goos) || Self.isGlob(goarch) {
            guard parts.count == 2 else { throw .unknown(item, suggestions: []) }
            let matches = dist.filter { Self.glob(goos, matches: $0.goos) && Self.glob(goarch, matches: $0.goarch) }
            guard !matches.isEmpty else { throw .noMatch(item) }
            return matches.map { Target(goos: $0.goos, goarch: $0.goarch) }
        }
        guard known(goos, goarch) else {
            if goos == "windows" && goarch == "wasm" {
                throw .rustOnly(item, explanation: "windows/wasm does not exist; Go's wasm targets are js/wasm and wasip1/wasm")
            }
            if goarch == "wasm32" {
                throw .unknown(item, suggestions: ["js/wasm", "wasip1/wasm"])
            }
            throw .unknown(item, suggestions: suggestions(for: item))
        }
        var target = Target(goos: goos, goarch: goarch)
        if parts.count == 3 {
            guard let variable = target.variantVariable else { throw .variantNotSupported(item, goarch: goarch) }
            guard let level = Target.normalizedVariant(parts[2], goarch: goarch) else {
                throw .badVariant(item, variable: variable, valid: Target.validVariants(for: goarch))
            }
            target.variant = level
        }
        return [target]
    }

    /// LLVM/Rust triples: `aarch64-apple-darwin`, `x86_64-unknown-linux-musl`, `wasm32-wasip1`, ...
    private func resolveTriple(_ item: String) throws(TargetError) -> Target {
        let parts = item.lowercased().split(separator: "-").map(String.init)
        guard let archPart = parts.first else { throw .unknown(item, suggestions: []) }
        let rest = Array(parts.dropFirst())
        if archPart == "wasm32" || archPart == "wasm64" {
            if rest.contains("wasip1") || rest == ["wasi"] || rest.contains("wasi") && !rest.contains("wasip2") {
                guard known("wasip1", "wasm") else { throw .unknown(item, suggestions: ["js/wasm"]) }
                return Target(goos: "wasip1", goarch: "wasm")
            }
            if rest.contains("wasip2") {
                throw .rustOnly(item, explanation: "Go has no wasip2 port; the nearest Go target is wasip1/wasm")
            }
            if rest.contains("emscripten") {
                throw .rustOnly(item, explanation: "an Emscripten target; for a JavaScript host Go offers js/wasm")
            }
            throw .rustOnly(item, explanation: "it is a Rust target (no OS, no JavaScript glue); Go offers js/wasm (browsers, node) and wasip1/wasm (WASI runtimes such as wasmtime)")
        }
        guard let (goarch, variant) = Self.tripleArch(archPart) else {
            throw .unknown(item, suggestions: suggestions(for: item))
        }
        guard let goos = Self.tripleOS(rest) else { throw .unknown(item, suggestions: suggestions(for: item)) }
        guard known(goos, goarch) else { throw .unknown(item, suggestions: suggestions(for: "\(goos)/\(goarch)")) }
        return Target(goos: goos, goarch: goarch, variant: variant)
    }

    static func tripleArch(_ a: String) -> (String, String?)? {
        switch a {
        case "aarch64", "arm64", "arm64e": return ("arm64", nil)
        case "x86_64", "x86_64h", "amd64": return ("amd64", nil)
        case "i386", "i486", "i586", "i686", "x86": return ("386", nil)
        case "riscv64", "riscv64gc", "riscv64imac", "riscv64a23": return ("riscv64", nil)
        case "powerpc64le", "ppc64le": return ("ppc64le", nil)
        case "powerpc64", "ppc64": return ("ppc64", nil)
        case "s390x": return ("s390x", nil)
        case "mips": return ("mips", nil)
        case "mipsel": return ("mipsle", nil)
        case "mips64": return ("mips64", nil)
        case "mips64el": return ("mips64le", nil)
        case "loongarch64": return ("loong64", nil)
        case "armv7", "armv7a", "armv7l", "armv7hf", "thumbv7neon", "thumbv7a": return ("arm", "7")
        case "armv6", "armv6l", "arm": return ("arm", "6")
        case "armv5te", "armv5": return ("arm", "5")
        default: return nil
        }
    }

    static func tripleOS(_ parts: [String]) -> String? {
        for p in parts {
            if p == "darwin" || p.hasPrefix("macos") || p == "macosx" { return "darwin" }
            if p == "android" || p.hasPrefix("androideabi") { return "android" }
            if p == "ios" || p.hasPrefix("ios") { return "ios" }
            if p == "windows" { return "windows" }
            if ["freebsd", "netbsd", "openbsd", "dragonfly", "solaris", "illumos", "aix", "plan9"].contains(p) { return p }
        }
        if parts.contains("linux") { return "linux" }
        if parts == ["apple"] { return "darwin" }
        return nil
    }

    /// Valid names closest to what was typed (edit distance on pairs, sets and triples).
    public func suggestions(for name: String) -> [String] {
        let typed = name.lowercased()
        var candidates = Set(dist.map(\.pair))
        candidates.formUnion(Self.setNames)
        // A pair written with LLVM spellings (linux/aarch64, macos/arm64): suggest the Go spelling first.
        let parts = typed.split(separator: "/").map(String.init)
        var direct: [String] = []
        if parts.count >= 2 {
            let os = ["macos": "darwin", "osx": "darwin", "mac": "darwin", "win": "windows", "win64": "windows", "wasi": "wasip1"][parts[0]] ?? parts[0]
            let arch = Self.tripleArch(parts[1])?.0 ?? parts[1]
            if known(os, arch), "\(os)/\(arch)" != typed { direct.append("\(os)/\(arch)") }
        }
        let scored = candidates.map { ($0, editDistance(typed, $0)) }
        let limit = max(2, typed.count / 4)
        let closest = scored.map(\.1).min() ?? 0
        let best = scored.filter { $0.1 <= limit && $0.1 <= closest + 1 }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
        var out: [String] = []
        for s in direct + best where !out.contains(s) { out.append(s) }
        return Array(out.prefix(3))
    }
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = Array(repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}
