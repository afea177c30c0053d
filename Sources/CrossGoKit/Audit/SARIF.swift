// The audit as SARIF 2.1.0 (for GitHub code scanning): one rule per vulnerability, one result per
// artifact it was found in, and a tool notification per artifact that could not be audited.
import Foundation

enum SARIFReport {
    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }
    struct Run: Encodable {
        var tool: Tool
        var invocations: [Invocation]
        var results: [Result]
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name = "crossgo"
        var version = CrossGoVersion.current
        var informationUri = "https://go.dev/security/vuln"
        var rules: [Rule]
    }
    struct Message: Encodable { var text: String }
    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var helpUri: String
        var help: Message
        var properties: RuleProperties
    }
    struct RuleProperties: Encodable {
        var tags: [String]
        var aliases: [String]
    }
    struct Invocation: Encodable {
        var executionSuccessful: Bool
        var toolExecutionNotifications: [Notification]
    }
    struct Notification: Encodable {
        var level: String
        var message: Message
        var locations: [Location]
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable { var artifactLocation: ArtifactLocation }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var properties: ResultProperties
    }
    struct ResultProperties: Encodable {
        var artifact: String
        var target: String
        var module: String
        var version: String
        var fixed: String?
        var packages: [String]
        var level: String
    }

    static func encode(_ outcome: AuditOutcome, subjects: [AuditSubject], relativeTo base: String) -> Data {
        let files = Dictionary(subjects.map { ($0.artifact, $0.file) }, uniquingKeysWith: { a, _ in a })
        func location(_ artifact: String) -> [Location] {
            [Location(physicalLocation: PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(files[artifact] ?? artifact, base: base))))]
        }
        var rules: [Rule] = []
        var ruleIndex: [String: Int] = [:]
        for group in outcome.findings where ruleIndex[group.id] == nil {
            ruleIndex[group.id] = rules.count
            let aliases = group.aliases
            rules.append(Rule(id: group.id, name: "KnownVulnerability", shortDescription: Message(text: "\(group.id): \(group.summary)"),
                              fullDescription: Message(text: group.summary),
                              helpUri: group.url,
                              help: Message(text: "\(group.summary) See \(group.url)" + (aliases.isEmpty ? "" : " (\(aliases.joined(separator: ", ")))")),
                              properties: RuleProperties(tags: ["security", "vulnerability", "go"], aliases: aliases)))
        }
        var results: [Result] = []
        for group in outcome.findings {
            for artifact in group.artifacts {
                let target = outcome.artifacts.first { $0.artifact == artifact }?.target ?? "?/?"
                let fix = group.fixed.map { "; fixed in \($0)" } ?? "; no fix yet"
                results.append(Result(
                    ruleId: group.id, ruleIndex: ruleIndex[group.id] ?? 0, level: "warning",
                    message: Message(text: "\(artifact) (\(target)) contains \(group.module) \(group.version), affected by \(group.id)\(fix). Module level: whether the vulnerable code is reachable was not checked."),
                    locations: location(artifact),
                    properties: ResultProperties(artifact: artifact, target: target, module: group.module, version: group.version,
                                                 fixed: group.fixed, packages: group.packages, level: "module")))
            }
        }
        let notifications = outcome.artifacts.filter { $0.status == "not-audited" }.map {
            Notification(level: "error", message: Message(text: "\($0.artifact): not audited: \($0.reason ?? "")"), locations: location($0.artifact))
        }
        let log = Log(runs: [Run(tool: Tool(driver: Driver(rules: rules)),
                                 invocations: [Invocation(executionSuccessful: true, toolExecutionNotifications: notifications)],
                                 results: results)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(log)) ?? Data()
    }

    /// A relative URI reference for a file (relative to the working folder when under it), percent-encoded.
    static func uri(_ file: String, base: String) -> String {
        var path = file
        if path.hasPrefix(base + "/") { path = String(path.dropFirst(base.count + 1)) }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":[]")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }
}
