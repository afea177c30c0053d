// A Go build target: GOOS/GOARCH plus an optional architecture level (GOARM, GOAMD64, ...).
import Foundation

/// A Go target such as `linux/riscv64`, `linux/arm/7` or `linux/amd64/v3`.
public struct Target: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var goos: String
    public var goarch: String
    /// Value for the architecture's level variable (see `variantVariable`), e.g. "7" or "v3".
    public var variant: String?

    public init(goos: String, goarch: String, variant: String? = nil) {
        self.goos = goos
        self.goarch = goarch
        self.variant = variant
    }

    /// "linux/arm/7"
    public var description: String { variant.map { "\(pair)/\($0)" } ?? pair }
    /// "linux/arm"
    public var pair: String { "\(goos)/\(goarch)" }

    /// The environment variable that carries this architecture's level, if it has one.
    public var variantVariable: String? { Target.variantVariables[goarch] }

    /// `.exe` for windows, `.wasm` for js and wasip1, nothing otherwise.
    public var executableExtension: String {
        switch goos {
        case "windows": return ".exe"
        case "js", "wasip1": return ".wasm"
        default: return ""
        }
    }

    /// Whether go links this target's executables only with an external linker, so only with cgo: android except
    /// arm64, and ios (the go command: "requires external (cgo) linking, but cgo is not enabled"; for ios/amd64,
    /// because its default PIE needs the external linker). Checked against go list by ExternalLinkingTests.
    public var requiresExternalLinking: Bool { (goos == "android" && goarch != "arm64") || goos == "ios" }

    /// GOOS, GOARCH and the level variable, for `go build`.
    public var environment: [String: String] {
        var env = ["GOOS": goos, "GOARCH": goarch]
        if let variant, let variable = variantVariable { env[variable] = variant }
        return env
    }

    public static func < (a: Target, b: Target) -> Bool {
        (a.goos, a.goarch, a.variant ?? "") < (b.goos, b.goarch, b.variant ?? "")
    }

    /// GOARCH -> the variable selecting its instruction-set level.
    public static let variantVariables: [String: String] = [
        "arm": "GOARM", "amd64": "GOAMD64", "arm64": "GOARM64", "386": "GO386",
        "mips": "GOMIPS", "mipsle": "GOMIPS", "mips64": "GOMIPS64", "mips64le": "GOMIPS64",
        "ppc64": "GOPPC64", "ppc64le": "GOPPC64", "riscv64": "GORISCV64",
    ]

    /// Accepted level values per variable (from the go command's documentation, `go help environment`).
    public static func validVariants(for goarch: String) -> [String] {
        switch goarch {
        case "arm": return ["5", "6", "7"]
        case "amd64": return ["v1", "v2", "v3", "v4"]
        case "arm64": return (0...9).map { "v8.\($0)" } + (0...5).map { "v9.\($0)" }
        case "386": return ["sse2", "softfloat"]
        case "mips", "mipsle", "mips64", "mips64le": return ["hardfloat", "softfloat"]
        case "ppc64", "ppc64le": return ["power8", "power9", "power10"]
        case "riscv64": return ["rva20u64", "rva22u64", "rva23u64"]
        default: return []
        }
    }

    /// Normalises a level as users write it (`v7` for arm, `V3`) and checks it; nil when invalid.
    /// Feature suffixes are kept (`7,softfloat`, `v8.2,lse`).
    public static func normalizedVariant(_ raw: String, goarch: String) -> String? {
        var parts = raw.lowercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard var level = parts.first, !level.isEmpty else { return nil }
        if goarch == "arm", level.hasPrefix("v") { level.removeFirst() }
        guard validVariants(for: goarch).contains(level) else { return nil }
        parts[0] = level
        let features: Set<String>
        switch goarch {
        case "arm": features = ["softfloat", "hardfloat"]
        case "arm64": features = ["lse", "crypto"]
        default: features = []
        }
        guard parts.dropFirst().allSatisfy(features.contains) else { return nil }
        return parts.joined(separator: ",")
    }
}
