// The live Linux host: uname for the CPU, /proc/sys/fs/binfmt_misc for foreign-binary support.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The machine crossgo runs on, when that is Linux.
public struct LinuxSystem: POSIXSystem {
    public static let binfmtDirectory = "/proc/sys/fs/binfmt_misc"

    public init() {}

    public var osName: String { "linux" }

    public func hardwareArchitecture() async -> String {
        var info = utsname()
        guard uname(&info) == 0 else { return processArchitecture }
        let machine = withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return goArch(fromMachine: machine)
    }

    public func isTranslated() async -> Bool? { nil }

    public func terminalRows(_ fd: Int32) -> Int? {
        guard isatty(fd) == 1 else { return nil }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return 24 }
        return Int(size.ws_row)
    }

    public func binfmtEntries() -> [BinfmtEntry] {
        let dir = Self.binfmtDirectory
        if let status = readTextFile(dir + "/status"), status.hasPrefix("disabled") { return [] }
        return listDirectory(dir).compactMap { name in
            guard name != "status", name != "register", let text = readTextFile(dir + "/" + name) else { return nil }
            return BinfmtEntry.parse(name: name, text: text)
        }
    }
}
