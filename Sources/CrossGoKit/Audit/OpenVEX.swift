// The audit as an OpenVEX document (`--vex FILE`): per vulnerability and linkage, one statement over the artifacts.
//
// Format facts (OpenVEX specification v0.2.0 and its JSON schema): a document has `@context`
// (https://openvex.dev/ns/v0.2.0), `@id` (an IRI), `author`, `timestamp`, `version` and `statements`; a statement has
// `vulnerability` (`name`, `aliases`), `products` (each `@id`, `identifiers`, `hashes`, `subcomponents`) and `status`;
// `not_affected` takes exactly one of `justification` or `impact_statement` (here the justification
// `vulnerable_code_not_present`), `affected` requires an `action_statement`.
import Crypto
import Foundation

enum OpenVEX {
    struct Document: Encodable {
        var context = "https://openvex.dev/ns/v0.2.0"
        var id: String
        var author = "crossgo"
        var timestamp: String
        var version = 1
        var tooling = "crossgo \(CrossGoVersion.current) audit"
        var statements: [Statement]
        enum CodingKeys: String, CodingKey {
            case context = "@context", id = "@id", author, timestamp, version, tooling, statements
        }
    }
    struct Statement: Encodable {
        var vulnerability: Vulnerability
        var products: [Product]
        var status: String
        var statusNotes: String?
        var justification: String?
        var actionStatement: String?
        enum CodingKeys: String, CodingKey {
            case vulnerability, products, status, statusNotes = "status_notes", justification, actionStatement = "action_statement"
        }
    }
    struct Vulnerability: Encodable {
        var id: String
        var name: String
        var aliases: [String]?
        enum CodingKeys: String, CodingKey { case id = "@id", name, aliases }
    }
    struct Product: Encodable {
        var id: String
        var hashes: [String: String]?
        var subcomponents: [Subcomponent]
        enum CodingKeys: String, CodingKey { case id = "@id", hashes, subcomponents }
    }
    struct Subcomponent: Encodable {
        var id: String
        enum CodingKeys: String, CodingKey { case id = "@id" }
    }

    /// The document; its `@id` is derived from its statements (the same audit gives the same id).
    static func encode(_ outcome: AuditOutcome, subjects: [AuditSubject], timestamp: Date) -> Data {
        let digests = Dictionary(subjects.compactMap { s in s.sha256.map { (s.artifact, $0) } }, uniquingKeysWith: { a, _ in a })
        var statements: [Statement] = []
        for group in outcome.findings {
            let component = Subcomponent(id: Purl.golang(group.module == OSVMatch.toolchain ? "toolchain" : group.module, version: group.version))
            func product(_ artifact: String) -> Product {
                let name = (artifact as NSString).lastPathComponent.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "artifact"
                let digest = digests[artifact]
                return Product(id: "pkg:generic/\(name)" + (digest.map { "?checksum=sha256:\($0)" } ?? ""),
                               hashes: digest.map { ["sha-256": $0] }, subcomponents: [component])
            }
            let vulnerability = Vulnerability(id: group.url, name: group.id, aliases: group.aliases.isEmpty ? nil : group.aliases)
            let affected = group.artifacts.filter { group.linkedIn.contains($0) }
            let notAffected = group.artifacts.filter { !group.linkedIn.contains($0) }
            if !affected.isEmpty {
                let fix = group.fixed.map { "Update \(group.module == OSVMatch.stdlib ? "Go" : group.module) to \($0) or later and release again." }
                    ?? "No fixed version is published yet: avoid the vulnerable functions (\(group.symbols.joined(separator: ", ")))."
                statements.append(Statement(vulnerability: vulnerability, products: affected.map(product), status: "affected",
                                            statusNotes: group.linked == "linked"
                                                ? "Linked into the binary: \(group.symbols.joined(separator: ", ")) (crossgo read its function table; reachability at run time not checked)."
                                                : "Whether the vulnerable functions are linked could not be told; treated as affected.",
                                            justification: nil, actionStatement: fix))
            }
            if !notAffected.isEmpty {
                statements.append(Statement(vulnerability: vulnerability, products: notAffected.map(product), status: "not_affected",
                                            statusNotes: "\(group.module) \(group.version) is in the binary, but none of the functions the entry names for \(group.packages.joined(separator: ", ")) is in its function table (compiled or inlined).",
                                            justification: "vulnerable_code_not_present", actionStatement: nil))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(statements)) ?? Data()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let document = Document(id: "https://crossgo.dev/vex/sha256:" + SHA256.hash(data: body).hex, timestamp: formatter.string(from: timestamp),
                                statements: statements)
        return (try? encoder.encode(document)) ?? Data()
    }
}
