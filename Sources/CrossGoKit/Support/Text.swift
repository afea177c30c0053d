// Text and path helpers every session shares: tables, sizes, absolute and relative paths.
import Foundation

/// `path` made absolute: as it is when it starts at the root, else read from the folder `base`; "." and ".." removed.
/// The one way crossgo reads a path it was given (a flag, crossgo.yaml, go.work); `CrossGoContext.absolute` reads from
/// the working folder.
public func absolutePath(_ path: String, against base: String) -> String {
    let joined = path.hasPrefix("/") ? path : base + "/" + path
    // `base` is a working folder, so absolute; anything else is Foundation's to resolve.
    guard joined.hasPrefix("/") else { return URL(fileURLWithPath: joined).standardizedFileURL.path }
    // Lexically, as URL's standardizedFileURL does (GoModFileTests compares the two), without building a URL: its
    // standardizing makes Set and URL metadata at first use, ~2% of an `inspect` of 34 files.
    var parts: [Substring] = []
    for part in joined.split(separator: "/") {
        if part == "." { continue }
        if part == ".." {
            if !parts.isEmpty { parts.removeLast() }
            continue
        }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

/// The folder part of `path`, as NSString's `deletingLastPathComponent` gives it (GoModFileTests compares the two):
/// trailing slashes dropped, then the last component, "/" for a top-level path and "" for a bare name. Lexical,
/// without bridging to NSString (its first bridge sets up CoreFoundation's string machinery on the start-up path).
public func parentFolder(_ path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "" }
    var end = slash
    while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
    return end == 0 ? "/" : String(decoding: bytes[..<end], as: UTF8.self)
}

/// The UTF-8 bytes of `text` as Data, copied from its storage: `Data(text.utf8)` asks at run time whether the view
/// is contiguous bytes, which on first use walks the binary's conformance records (the toolchain's two JSON answers
/// are read this way on every start).
public func utf8Data(_ text: String) -> Data {
    var text = text
    return text.withUTF8 { $0.isEmpty ? Data() : Data(bytes: $0.baseAddress!, count: $0.count) }
}

/// `path` relative to `base` when it is inside it.
public func relativePath(_ path: String, to base: String) -> String {
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

/// "1.2 MiB", "340 KiB", "12 B".
public func formatSize(_ bytes: Int) -> String {
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    if bytes >= 1 << 10 { return String(format: "%.0f KiB", Double(bytes) / 1024) }
    return "\(bytes) B"
}

/// Lays out rows in aligned columns: each cell but a row's last padded to its column's widest, two spaces between.
/// (Appended in place, without enumerated() and joined(separator:): `targets` lays out ~50 rows on every run.)
public func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(visibleLength)
    for row in rows { for i in row.indices where i < widths.count { widths[i] = max(widths[i], visibleLength(row[i])) } }
    var out = ""
    func append(_ cells: [String]) {
        for i in cells.indices {
            if i > 0 { out += "  " }
            out += cells[i]
            if i < cells.count - 1, i < widths.count { out += String(repeating: " ", count: max(0, widths[i] - visibleLength(cells[i]))) }
        }
    }
    append(header)
    for row in rows {
        out += "\n"
        append(row)
    }
    return out
}

extension String {
    /// Exactly `width` characters: cut to it, or filled with spaces after (NSString's padding(toLength:withPad:startingAt:)
    /// for one pad character, without a round trip through NSString: inspect pads a label per line of every file).
    public func padded(to width: Int) -> String {
        let length = count
        return length >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - length)
    }
}

/// Characters a terminal shows (colour sequences do not count).
func visibleLength(_ text: String) -> Int {
    var count = 0
    var inEscape = false
    for scalar in text.unicodeScalars {
        if inEscape { if scalar == "m" { inEscape = false }; continue }
        if scalar == "\u{1B}" { inEscape = true; continue }
        count += 1
    }
    return count
}

/// A short reason for a Foundation (or ZIPFoundation) file error: the POSIX message when there is one.
func reason(_ error: any Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "no such file" }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    return ns.domain == NSCocoaErrorDomain ? ns.localizedDescription : "\(error)"  // a Swift error (ZIPFoundation's) reads best as itself
}

/// `path` relative to the folder `base`, with `..` where it lies outside: both standardised first, so that one
/// layout gives one answer wherever it sits (`/a/b/../vdb` from `/a/b/dist` is `../../vdb`).
public func relativeLocation(_ path: String, from base: String) -> String {
    let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents.filter { $0 != "/" }
    let from = URL(fileURLWithPath: base).standardizedFileURL.pathComponents.filter { $0 != "/" }
    var common = 0
    while common < target.count, common < from.count, target[common] == from[common] { common += 1 }
    let parts = Array(repeating: "..", count: from.count - common) + target[common...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}

/// Its own words where Foundation's are asked for (`localizedDescription`): a described machine's refused write reads
/// "PATH: the described system is read-only", not "The operation could not be completed".
extension EnvironmentError: LocalizedError {
    public var errorDescription: String? { description }
}
