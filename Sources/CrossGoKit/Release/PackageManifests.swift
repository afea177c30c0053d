// Package manager manifests over the release's own archives: a Homebrew formula (`<name>.rb`) and a Scoop manifest
// (`<name>.json`). Every URL is `release.url` filled in with the archive's name; every hash is the archive's SHA-256,
// the one the checksums file lists. Deterministic: the same archives give the same text.
import Foundation

/// One archive a manifest points to.
public struct ManifestArchive: Sendable, Equatable {
    public var goos: String
    public var goarch: String
    /// The archive's file name (`{{.ArtifactName}}`).
    public var name: String
    public var url: String
    public var sha256: String
}

/// What the formula and the manifest say about the program.
public struct ManifestInfo: Sendable, Equatable {
    public var name: String
    /// The program's file name inside the archives.
    public var binary: String
    public var version: String
    public var summary: String
    public var homepage: String?
    public var license: String?
}

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

public enum ScoopManifest {
    /// Scoop's architecture keys.
    static let architectures: [(goarch: String, key: String)] = [("amd64", "64bit"), ("arm64", "arm64"), ("386", "32bit")]

    /// The fields of a Scoop manifest crossgo writes (Scoop's schema: version, description, homepage, license,
    /// architecture with url and hash, bin).
    struct Document: Codable {
        struct Download: Codable {
            var url: String
            var hash: String
        }
        var version: String
        var description: String
        var homepage: String?
        var license: String
        var architecture: [String: Download]
        var bin: String
    }

    /// The manifest's JSON (sorted keys, the same on every system); nil when no windows archive is there.
    public static func json(_ info: ManifestInfo, archives: [ManifestArchive]) throws -> Data? {
        var architecture: [String: Document.Download] = [:]
        for (goarch, key) in architectures {
            if let archive = archives.first(where: { $0.goos == "windows" && $0.goarch == goarch }) {
                architecture[key] = .init(url: archive.url, hash: archive.sha256)
            }
        }
        guard !architecture.isEmpty else { return nil }
        let document = Document(version: info.version, description: info.summary, homepage: info.homepage, license: info.license ?? "Unknown",
                                architecture: architecture, bin: info.binary + ".exe")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }

    /// (url, hash) pairs of a manifest, by architecture key.
    static func pairs(_ data: Data) -> [(url: String, sha256: String)]? {
        guard let document = try? JSONDecoder().decode(Document.self, from: data) else { return nil }
        return document.architecture.keys.sorted().compactMap { key in document.architecture[key].map { ($0.url, $0.hash) } }
    }
}
