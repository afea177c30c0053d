// Per-artifact measurements of `crossgo bench --artifacts`: size, size by package, start-up time, peak RSS, GC.
import Foundation

/// The size a package takes in one binary.
public struct PackageSize: Sendable, Codable, Equatable {
    public var package: String
    /// Bytes of code (function bodies) attributed to the package.
    public var code: Int
    /// Bytes of data symbols attributed to the package (where the format names them).
    public var data: Int
    public var total: Int { code + data }
}

/// What `crossgo bench --artifacts` measured for one artifact of dist/manifest.json.
public struct ArtifactMeasurement: Sendable, Codable, Equatable {
    public var binary: String
    public var target: String
    public var path: String
    public var size: Int
    /// How the sizes by package were read ("pclntab function table + data sections", "wasm name section + code section").
    public var sizeMethod: String?
    /// Largest first.
    public var packages: [PackageSize]?
    /// Bytes of the text and data sections (the total the package sizes are checked against).
    public var textAndData: Int?
    /// How the program was run (native, qemu-user, node, wasmtime, ...); nil when it was not run.
    public var runner: String?
    /// Start-up (wall) times, seconds, one per run.
    public var startup: [Double]?
    /// Peak resident set sizes, bytes, one per run (from wait4's rusage: the emulator's under an emulator).
    public var peakRSS: [Int]?
    /// Whose memory peakRSS is: "program", or the runner's ("qemu-user process").
    public var rssOf: String?
    /// GC cycles and total stop-the-world pause (ms) from GODEBUG=gctrace=1, median over the runs.
    public var gcCycles: Int?
    public var gcPauseMs: Double?
    /// Why something could not be measured.
    public var notes: [String]?

    public var emulated: Bool { runner != nil && runner != "native" }
}
