// The Homebrew formula `<name>.rb` over the release's darwin and linux arm64/amd64 archives (Homebrew's Formula
// Cookbook: desc, homepage, version, license, url/sha256 in on_macos/on_linux and on_arm/on_intel blocks, install,
// test). Deterministic: the same archives give the same text.
import Foundation

public enum HomebrewFormula {
    /// The formula's class name: `hello-world` -> `HelloWorld`, as Homebrew derives it from the file name.
    static func className(_ name: String) -> String {
        name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The platforms a formula covers, and the archive that serves each.
    static let platforms: [(os: String, block: String, arch: String, cpu: String)] = [
        ("darwin", "on_macos", "arm64", "on_arm"), ("darwin", "on_macos", "amd64", "on_intel"),
        ("linux", "on_linux", "arm64", "on_arm"), ("linux", "on_linux", "amd64", "on_intel"),
    ]

    /// The formula's text; nil when no archive is for a platform Homebrew runs on (macOS or Linux, arm64 or amd64).
    public static func text(_ info: ManifestInfo, archives: [ManifestArchive]) -> String? {
        let chosen = platforms.compactMap { p in archives.first { $0.goos == p.os && $0.goarch == p.arch }.map { (p, $0) } }
        guard !chosen.isEmpty else { return nil }
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "#", with: "\\#") + "\"" }
        var lines = ["# Written by crossgo for \(info.name) \(info.version): every sha256 is the archive's, as the release's checksums file lists it.",
                     "class \(className(info.name)) < Formula",
                     "  desc \(quoted(info.summary))"]
        if let homepage = info.homepage { lines.append("  homepage \(quoted(homepage))") }
        lines.append("  version \(quoted(info.version))")
        if let license = info.license { lines.append("  license \(quoted(license))") }
        for block in ["on_macos", "on_linux"] {
            let inBlock = chosen.filter { $0.0.block == block }
            guard !inBlock.isEmpty else { continue }
            lines += ["", "  \(block) do"]
            for (platform, archive) in inBlock {
                lines += ["    \(platform.cpu) do", "      url \(quoted(archive.url))", "      sha256 \(quoted(archive.sha256))", "    end"]
            }
            lines.append("  end")
        }
        lines += ["", "  def install", "    bin.install \(quoted(info.binary))", "  end",
                  "", "  test do", "    system bin/\(quoted(info.binary)), \"--version\"", "  end", "end"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// (url, sha256) pairs of a formula's text, in order.
    static func pairs(_ text: String) -> [(url: String, sha256: String)] {
        var out: [(String, String)] = []
        var url: String?
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("url \"") { url = String(line.dropFirst(5).dropLast()) }
            if line.hasPrefix("sha256 \""), let pending = url { out.append((pending, String(line.dropFirst(8).dropLast()))); url = nil }
        }
        return out
    }
}
