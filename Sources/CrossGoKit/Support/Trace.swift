// Phase timestamps on stderr when CROSSGO_TRACE is set: how the benchmark scripts' figures were explained.
import Foundation

/// Prints `crossgo-trace: +12.34 ms label` lines to stderr when `CROSSGO_TRACE` is set in the environment.
public enum Trace {
    static let enabled = getenv("CROSSGO_TRACE") != nil
    static let start = DispatchTime.now().uptimeNanoseconds

    /// Starts the clock (call first thing in main).
    public static func begin() { _ = start }

    public static func mark(_ label: @autoclosure () -> String) {
        guard enabled else { return }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e6
        FileHandle.standardError.write(Data("crossgo-trace: +\(String(format: "%.2f", ms)) ms (at \(String(format: "%.2f", now))) \(label())\n".utf8))
    }
}
