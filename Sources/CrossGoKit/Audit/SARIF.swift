// The audit as SARIF 2.1.0 (for GitHub code scanning): one rule per vulnerability, one result per
// artifact it was found in, and a tool notification per artifact that could not be audited. GitHub code scanning
// shows a result only at a file of the repository with a line: a module's finding points at its `require` line of
// go.mod, a standard library or toolchain finding at go.mod's `toolchain` line (else its `go` line); without a go.mod
// (an audit outside the module) the artifact file is the location.
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
    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }
    struct Region: Encodable { var startLine: Int }
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
        var linked: String
        var symbols: [String]
    }

    static func encode(_ outcome: AuditOutcome, subjects: [AuditSubject], relativeTo base: String, goMod: (path: String, file: GoModFile)? = nil) -> Data {
        let files = Dictionary(subjects.map { ($0.artifact, $0.file) }, uniquingKeysWith: { a, _ in a })
        func location(_ artifact: String) -> [Location] {
            [Location(physicalLocation: PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(files[artifact] ?? artifact, base: base)), region: nil))]
        }
        /// go.mod's line for a module (its require line; stdlib and toolchain: the toolchain or go line).
        func location(module: String, replaces: String?, artifact: String) -> [Location] {
            guard let goMod else { return location(artifact) }
            let line = module == OSVMatch.stdlib || module == OSVMatch.toolchain
                ? goMod.file.toolchainLine ?? goMod.file.goLine
                : goMod.file.requireLine(module) ?? replaces.flatMap { goMod.file.requireLine(String($0.split(separator: "@")[0])) } ?? goMod.file.replaceLine(module)
            guard let line else { return location(artifact) }
            return [Location(physicalLocation: PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(goMod.path, base: base)), region: Region(startLine: line)))]
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
                let linked = group.linkedIn.contains(artifact) ? (group.linked == "not-linked" ? "linked" : group.linked) : "not-linked"
                let how: String
                switch linked {
                case "linked": how = "Its vulnerable functions are linked: \(group.symbols.joined(separator: ", ")) (reachability at run time not checked)."
                case "not-linked": how = "None of its vulnerable functions is linked into the binary."
                default: how = "Whether its vulnerable functions are linked is unknown: treated as linked."
                }
                results.append(Result(
                    ruleId: group.id, ruleIndex: ruleIndex[group.id] ?? 0, level: linked == "not-linked" && !outcome.strict ? "note" : "warning",
                    message: Message(text: "\(artifact) (\(target)) contains \(group.module) \(group.version), affected by \(group.id)\(fix). \(how)"),
                    locations: location(module: group.module, replaces: group.replaces, artifact: artifact),
                    properties: ResultProperties(artifact: artifact, target: target, module: group.module, version: group.version,
                                                 fixed: group.fixed, packages: group.packages, level: outcome.level, linked: linked,
                                                 symbols: linked == "linked" ? group.symbols : [])))
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
