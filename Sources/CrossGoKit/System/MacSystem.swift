// The live macOS host: sysctl for the real CPU and for Rosetta translation.
#if canImport(Darwin)
import Darwin
#endif
import Foundation

/// The machine crossgo runs on, when that is macOS.
public struct MacSystem: POSIXSystem {
    public init() {}

    public var osName: String { "darwin" }
    public static let maxRSSUnit = 1

    public var executablePath: String? { Bundle.main.executableURL?.resolvingSymlinksInPath().path }

    /// macOS keeps the system roots exported as PEM in /etc/ssl/cert.pem (SSL_CERT_FILE first, as Go reads it).
    public var certificateBundles: [String] { (environment["SSL_CERT_FILE"].map { [$0] } ?? []) + ["/etc/ssl/cert.pem"] }

    public func hardwareArchitecture() async -> String {
        // hw.optional.arm64 is 1 on Apple Silicon, even inside a translated process.
        if let value = try? await run("/usr/sbin/sysctl", ["-n", "hw.optional.arm64"], environment: [:], timeout: 5),
           value.succeeded, value.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1" {
            return "arm64"
        }
        return "amd64"
    }

    public func isTranslated() async -> Bool? {
        guard let value = try? await run("/usr/sbin/sysctl", ["-n", "sysctl.proc_translated"], environment: [:], timeout: 5),
              value.succeeded else { return nil }  // the name does not exist on Intel Macs
        return value.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    public func binfmtEntries() -> [BinfmtEntry] { [] }

    /// ~/Library/Caches.
    public var userCacheDirectory: String? { Self.userCacheDirectory(environment: environment) }

    public static func userCacheDirectory(environment: [String: String]) -> String {
        (environment["HOME"] ?? NSHomeDirectory()) + "/Library/Caches"
    }

    /// Not asked: a Mac's amd64 programs run natively or under Rosetta, never under a qemu given a CPU model.
    public func cpuFlags() -> Set<String> { [] }

    public func terminalRows(_ fd: Int32) -> Int? {
        guard isatty(fd) == 1 else { return nil }
        var size = winsize()
        // TIOCGWINSZ is _IOR('t', 104, struct winsize): a function-like macro Swift cannot import.
        guard ioctl(fd, 0x4008_7468, &size) == 0, size.ws_row > 0 else { return 24 }
        return Int(size.ws_row)
    }
}
