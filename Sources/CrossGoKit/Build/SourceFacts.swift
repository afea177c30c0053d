// What the module's git checkout says about the source being built: commit, commit time, exact tag.
// Used for ldflags templates, release versions and archive times. Read with git, never written.
import Foundation

public struct SourceFacts: Sendable, Equatable {
    /// The work tree's top folder; nil outside git.
    public var top: String?
    public var commit: String?
    /// Seconds since 1970 of the last commit (committer time).
    public var commitTime: Int64?
    /// A tag pointing exactly at HEAD (`v1.2.3`), if any.
    public var tag: String?
    /// The `origin` remote's URL as configured (may hold credentials: never print or write it as it is); read by
    /// `readRemote` for a release, which names it in manifests, image labels and provenance.
    public var remote: String?

    public init(top: String? = nil, commit: String? = nil, commitTime: Int64? = nil, tag: String? = nil) {
        self.top = top
        self.commit = commit
        self.commitTime = commitTime
        self.tag = tag
    }

    /// Reads the facts of the checkout holding `folder` (empty facts when it is not one, or git is missing).
    public static func read(_ folder: String, system: any HostSystem) async -> SourceFacts {
        guard let git = system.which("git") else { return SourceFacts() }
        let env: EnvironmentChanges = ["GIT_OPTIONAL_LOCKS": "0"]
        func ask(_ args: [String]) async -> String? {
            guard let result = try? await system.run(git, ["-C", folder] + args, environment: env, timeout: 30), result.succeeded else { return nil }
            let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        async let top = ask(["rev-parse", "--show-toplevel"])
        async let head = ask(["log", "-1", "--format=%H %ct"])
        async let tag = ask(["describe", "--tags", "--exact-match", "HEAD"])
        var facts = SourceFacts(top: await top)
        if let head = await head {
            let parts = head.split(separator: " ")
            facts.commit = parts.first.map(String.init)
            facts.commitTime = parts.count > 1 ? Int64(parts[1]) : nil
        }
        facts.tag = await tag
        return facts
    }

    /// These facts with the `origin` remote's URL (one git call), for a release.
    public func readingRemote(_ folder: String, system: any HostSystem) async -> SourceFacts {
        var facts = self
        if let git = system.which("git"),
           let result = try? await system.run(git, ["-C", folder, "config", "--get", "remote.origin.url"], environment: ["GIT_OPTIONAL_LOCKS": "0"], timeout: 30),
           result.succeeded {
            let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            facts.remote = text.isEmpty ? nil : text
        }
        return facts
    }

    /// RFC 3339 in UTC, second precision: 2026-12-02T19:16:07Z.
    public static func rfc3339(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The values of the ldflags templates: `version` as given, else the exact tag without its `v`, else "dev".
    public func ldflagsValues(version: String?, now: Date) -> [String: String] {
        let commit = commit ?? "none"
        return [
            "Version": version ?? tag.map { $0.hasPrefix("v") ? String($0.dropFirst()) : $0 } ?? "dev",
            "Commit": commit,
            "ShortCommit": String(commit.prefix(12)),
            "CommitDate": Self.rfc3339(commitTime ?? 0),
            "Date": Self.rfc3339(Int64(now.timeIntervalSince1970)),
        ]
    }
}
