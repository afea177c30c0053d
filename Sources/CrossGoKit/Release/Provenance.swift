// SLSA provenance for a release: an in-toto Statement v1 whose subjects are the released files, with a
// `https://slsa.dev/provenance/v1` predicate saying what was built from what, in a DSSE envelope signed with the
// release's Ed25519 (minisign) key, written as `<project>_<version>.intoto.jsonl`.
//
// Format facts:
// - in-toto Statement v1 (in-toto attestation spec, spec/v1/statement.md): `_type` https://in-toto.io/Statement/v1,
//   `subject` (ResourceDescriptors, each with a `digest`), `predicateType`, `predicate`; a ResourceDescriptor has
//   `name`, `uri`, `digest` (a DigestSet: algorithm -> lowercase hex; `goModuleH1` is a Go module's h1 hash in hex),
//   `annotations`;
// - SLSA provenance v1 (slsa.dev/spec/v1.0/provenance): `buildDefinition` {`buildType`, `externalParameters`,
//   `internalParameters`, `resolvedDependencies`} and `runDetails` {`builder` {`id`, `version`}, `metadata`
//   {`invocationId`, `startedOn`, `finishedOn` (RFC 3339)}};
// - DSSE v1 (secure-systems-lab/dsse, protocol.md and envelope.md): the signature is over
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN being the byte count in ASCII decimal;
//   the envelope is {"payload": base64(body), "payloadType": type, "signatures": [{"keyid", "sig": base64}]};
//   in-toto's payload type is application/vnd.in-toto+json; a .intoto.jsonl file holds one envelope per line.
import Crypto
import Foundation
import GoBinary

public enum DSSE {
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// The pre-authentication encoding that is signed.
    public static func pae(_ type: String, _ body: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8) + body
    }

    public struct Envelope: Codable, Sendable, Equatable {
        public var payload: String
        public var payloadType: String
        public var signatures: [Signature]
    }

    public struct Signature: Codable, Sendable, Equatable {
        public var keyid: String
        public var sig: String
    }
}

/// A ResourceDescriptor of the in-toto attestation framework.
public struct ResourceDescriptor: Codable, Sendable, Equatable {
    public var name: String?
    public var uri: String?
    public var digest: [String: String]?
    public var annotations: [String: String]?

    public init(name: String? = nil, uri: String? = nil, digest: [String: String]? = nil, annotations: [String: String]? = nil) {
        self.name = name
        self.uri = uri
        self.digest = digest
        self.annotations = annotations
    }
}

/// What `crossgo release` was asked, as the provenance's externalParameters record it (only what the user set).
public struct ReleaseParameters: Codable, Sendable, Equatable {
    public var command = "release"
    public var packages: [String]?
    public var targets: [String]?
    public var version: String?
    public var project: String?
    public var ldflags: String?
    public var tags: [String]?
    public var trimpath: Bool?
    public var cgo: Bool?
    public var universal: Bool?
    public var packageFormats: [String]?
    public var checkReproducible: Bool?
    public var audit: Bool?
    /// `--image REF` and `--push`.
    public var image: String?
    public var push: Bool?
    /// For `crossgo merge`: the shards' folders (their names) it joined.
    public var shards: [String]?
    /// The source: the git remote (without credentials) at the tag, and the commit.
    public var source: ResourceDescriptor?
    /// crossgo.yaml's SHA-256, when the module has one (it sets targets, packages and more).
    public var config: ResourceDescriptor?
}

/// The in-toto statement with its SLSA provenance v1 predicate.
public struct ProvenanceStatement: Codable, Sendable, Equatable {
    public static let statementType = "https://in-toto.io/Statement/v1"
    public static let slsaProvenance = "https://slsa.dev/provenance/v1"
    /// What crossgo's buildDefinition means; documented in the README ("Provenance").
    public static let buildType = "https://crossgo.dev/provenance/release/v1"

    public var type = statementType
    public var subject: [ResourceDescriptor]
    public var predicateType = slsaProvenance
    public var predicate: Predicate

    enum CodingKeys: String, CodingKey {
        case type = "_type", subject, predicateType, predicate
    }

    public struct Predicate: Codable, Sendable, Equatable {
        public var buildDefinition: BuildDefinition
        public var runDetails: RunDetails
    }

    public struct BuildDefinition: Codable, Sendable, Equatable {
        public var buildType = ProvenanceStatement.buildType
        public var externalParameters: ReleaseParameters
        public var internalParameters: [String: String]
        public var resolvedDependencies: [ResourceDescriptor]
    }

    public struct RunDetails: Codable, Sendable, Equatable {
        public var builder: Builder
        public var metadata: Metadata
    }

    public struct Builder: Codable, Sendable, Equatable {
        public var id: String
        public var version: [String: String]
    }

    public struct Metadata: Codable, Sendable, Equatable {
        public var invocationId: String
        public var startedOn: String
        public var finishedOn: String
    }
}

/// Writes and reads a release's provenance.
public enum Provenance {
    /// `<project>_<version>.intoto.jsonl`.
    public static func fileName(project: String, version: String) -> String { "\(project)_\(version).intoto.jsonl" }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// One line: the statement in a DSSE envelope signed by `key`.
    static func envelope(_ statement: ProvenanceStatement, key: MinisignSecretKey) throws -> Data {
        let body = Array(try encoder().encode(statement))
        let signature = try key.sign(DSSE.pae(DSSE.inTotoPayloadType, body))
        let envelope = DSSE.Envelope(payload: Data(body).base64EncodedString(), payloadType: DSSE.inTotoPayloadType,
                                     signatures: [DSSE.Signature(keyid: key.publicKey.keyIDHex, sig: Data(signature).base64EncodedString())])
        return try encoder().encode(envelope) + Data("\n".utf8)
    }

    /// Why a provenance file does not check.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Checks every envelope of a .intoto.jsonl file against `publicKey` (nil: the signatures cannot be checked, which
    /// fails), and returns the statements.
    public static func read(_ data: Data, publicKey: MinisignPublicKey?) throws(Problem) -> [ProvenanceStatement] {
        let lines = data.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") } }
        guard !lines.isEmpty else { throw Problem(description: "no envelope in it") }
        var out: [ProvenanceStatement] = []
        for (index, line) in lines.enumerated() {
            let at = lines.count > 1 ? "line \(index + 1): " : ""
            guard let envelope = try? JSONDecoder().decode(DSSE.Envelope.self, from: Data(line)) else { throw Problem(description: at + "not a DSSE envelope") }
            guard envelope.payloadType == DSSE.inTotoPayloadType else { throw Problem(description: at + "payload type \(envelope.payloadType), not in-toto's") }
            guard let body = Data(base64Encoded: envelope.payload) else { throw Problem(description: at + "the payload is not base64") }
            guard let publicKey else {
                throw Problem(description: at + "signed by key \(envelope.signatures.first?.keyid ?? "?"): not checked (give the release's public key with --pub)")
            }
            let message = DSSE.pae(envelope.payloadType, Array(body))
            let good = envelope.signatures.contains { signature in
                guard let sig = Data(base64Encoded: signature.sig) else { return false }
                return (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.key))?.isValidSignature(sig, for: message) == true
            }
            guard good else { throw Problem(description: at + "no signature by key \(publicKey.keyIDHex) checks (the payload or the signature changed, or another key signed it)") }
            do {
                let statement = try JSONDecoder().decode(ProvenanceStatement.self, from: body)
                guard statement.type == ProvenanceStatement.statementType, statement.predicateType == ProvenanceStatement.slsaProvenance else {
                    throw Problem(description: at + "a \(statement.type) statement of \(statement.predicateType), not SLSA provenance v1")
                }
                out.append(statement)
            } catch let problem as Problem {
                throw problem
            } catch {
                throw Problem(description: at + "the signed payload is not an in-toto statement with SLSA provenance: \(jsonProblem(error))")
            }
        }
        return out
    }

    /// A git remote URL without user name, password or token (they are never written), as a `git+` URI.
    static func sourceURI(remote: String, tag: String?) -> String? {
        var text = remote.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        if var parts = URLComponents(string: text), parts.scheme != nil, parts.host != nil {
            parts.user = nil
            parts.password = nil
            text = parts.string ?? text
        } else if let at = text.firstIndex(of: "@"), let colon = text.firstIndex(of: ":"), at < colon {
            // scp-like `git@github.com:owner/repo.git`: ssh, no credentials in it.
            text = "ssh://" + text[text.index(after: at)...].replacingOccurrences(of: ":", with: "/", options: [], range: nil)
        }
        return "git+" + text + (tag.map { "@refs/tags/" + $0 } ?? "")
    }

    /// A go.sum hash `h1:<base64>` as goModuleH1's lowercase hex.
    static func goModuleH1(_ sum: String?) -> String? {
        guard let sum, sum.hasPrefix("h1:"), let bytes = Data(base64Encoded: String(sum.dropFirst(3))) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// RFC 3339 in UTC with whole seconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// What a release's (or a merge's) provenance is made from.
struct ProvenanceInputs {
    var outDir: String
    var name: String
    /// Path in the folder -> sha256.
    var subjects: [String: String]
    /// Subjects that are not files: the image by its index digest.
    var images: [ResourceDescriptor] = []
    /// The build's binaries (their build info names the modules linked in), relative to `outDir`.
    var artifacts: [String]
    var go: String
    var parameters: ReleaseParameters
    var commit: String?
    /// The git remote's URL as configured (credentials are removed before it is written).
    var remote: String?
    var tag: String?
    var epoch: Int64
    var epochFrom: String
    var startedOn: Date
}

extension ReleaseSession {
    /// Writes `<project>_<version>.intoto.jsonl`: SLSA provenance of every released file, signed with the release key.
    /// Gated like the signatures (only when everything before passed), before the checksums that cover it.
    func provenance(_ work: ReleaseWork, request: ReleaseRequest, signer: ReleaseSigner?, facts: SourceFacts, startedOn: Date) async throws -> ReleaseStep.Result {
        guard let signer else { return .skipped("no --sign-key: provenance is a signed statement") }
        let name = Provenance.fileName(project: work.project, version: work.version)
        var subjects: [String: String] = [:]
        for file in work.files { subjects[file.path] = file.sha256 }
        for artifact in work.artifacts { subjects[artifact.path] = artifact.sha256 }
        if let sums = try? fileDigest(work.outDir + "/" + work.checksumsName) { subjects[work.checksumsName] = sums.1 }
        var parameters = ReleaseParameters()
        let build = request.build
        let targets = build.targets.flatMap { $0.split(separator: ",").map(String.init) }
        parameters.packages = build.packages.isEmpty ? nil : build.packages
        parameters.targets = targets.isEmpty ? nil : targets
        parameters.version = request.version
        parameters.project = request.project
        parameters.ldflags = build.ldflags
        parameters.tags = build.tags
        parameters.trimpath = build.trimpath
        parameters.cgo = build.cgo
        parameters.universal = request.universal
        parameters.packageFormats = request.packageFormats?.map(\.rawValue)
        parameters.checkReproducible = request.checkReproducible ? true : nil
        parameters.audit = request.audit ? true : nil
        parameters.image = request.image
        parameters.push = request.push ? true : nil
        if let config = context.system.readData(work.moduleRoot + "/" + BuildConfig.fileName) {
            parameters.config = ResourceDescriptor(name: BuildConfig.fileName, digest: ["sha256": SHA256.hash(data: config).hex])
        }
        // The image by its index digest, as registries and image verifiers name it (its layout's files are subjects too).
        var images: [ResourceDescriptor] = []
        if let image = work.image, let repository = image.repository, image.index.hasPrefix("sha256:") {
            images.append(ResourceDescriptor(name: repository, digest: ["sha256": String(image.index.dropFirst("sha256:".count))]))
        }
        let inputs = ProvenanceInputs(outDir: work.outDir, name: name, subjects: subjects, images: images, artifacts: work.artifacts.map(\.path), go: work.built.go,
                                      parameters: parameters, commit: facts.commit, remote: facts.remote, tag: facts.tag, epoch: work.epoch,
                                      epochFrom: work.epochFrom, startedOn: startedOn)
        let dependencies = try Self.writeProvenance(inputs, signer: signer, system: context.system, now: context.clock())
        work.provenance = name
        return .done("\(name): SLSA provenance v1 of \(subjects.count) file(s) from \(dependencies) resolved dependencies, signed (DSSE, key \(signer.key.publicKey.keyIDHex))")
    }

    /// Writes the signed provenance through `system` (whose environment says whether this is GitHub Actions); returns how
    /// many resolved dependencies it names.
    static func writeProvenance(_ inputs: ProvenanceInputs, signer: ReleaseSigner, system: any HostSystem, now: Date) throws -> Int {
        let env = system.environment
        var parameters = inputs.parameters
        var dependencies: [ResourceDescriptor] = []
        if let commit = inputs.commit {
            let source = ResourceDescriptor(uri: inputs.remote.flatMap { Provenance.sourceURI(remote: $0, tag: inputs.tag) }, digest: ["gitCommit": commit])
            parameters.source = source
            dependencies.append(source)
        }
        dependencies.append(ResourceDescriptor(name: inputs.go, uri: "https://go.dev/dl/#" + inputs.go))
        // Every module linked into an artifact, with its go.sum hash, from the artifacts' own build info.
        var modules: [String: ResourceDescriptor] = [:]
        for artifact in inputs.artifacts {
            guard let info = try? system.binaryImage(inputs.outDir + "/" + artifact).slices.first?.buildInfo else { continue }
            for dep in info.deps {
                let used = dep.replace ?? dep
                let key = "\(used.path)@\(used.version)"
                if modules[key] != nil { continue }
                var descriptor = ResourceDescriptor(name: used.path, uri: Purl.golang(used.path, version: used.version))
                if let hex = Provenance.goModuleH1(used.sum) { descriptor.digest = ["goModuleH1": hex] }
                if dep.replace != nil { descriptor.annotations = ["replaces": "\(dep.path)@\(dep.version)"] }
                modules[key] = descriptor
            }
        }
        dependencies += modules.keys.sorted().map { modules[$0]! }

        // On GitHub Actions, the workflow run is the builder and the invocation (as GitHub's own provenance names them).
        var builderID = "https://crossgo.dev/builder/local/v1"
        var invocation = "urn:uuid:" + UUID().uuidString.lowercased()
        if env["GITHUB_ACTIONS"] == "true", let server = env["GITHUB_SERVER_URL"], let repository = env["GITHUB_REPOSITORY"], let run = env["GITHUB_RUN_ID"] {
            if let workflow = env["GITHUB_WORKFLOW_REF"] { builderID = server + "/" + workflow }
            invocation = "\(server)/\(repository)/actions/runs/\(run)/attempts/\(env["GITHUB_RUN_ATTEMPT"] ?? "1")"
        }
        let subjects = inputs.subjects
        let statement = ProvenanceStatement(
            subject: subjects.keys.sorted().map { ResourceDescriptor(name: $0, digest: ["sha256": subjects[$0]!]) } + inputs.images,
            predicate: .init(buildDefinition: .init(externalParameters: parameters,
                                                    internalParameters: ["crossgo": CrossGoVersion.current, "go": inputs.go,
                                                                         "sourceDateEpoch": String(inputs.epoch), "sourceDateFrom": inputs.epochFrom],
                                                    resolvedDependencies: dependencies),
                             runDetails: .init(builder: .init(id: builderID, version: ["crossgo": CrossGoVersion.current]),
                                               metadata: .init(invocationId: invocation, startedOn: Provenance.timestamp(inputs.startedOn),
                                                               finishedOn: Provenance.timestamp(now)))))
        do {
            try system.writeData(try Provenance.envelope(statement, key: signer.key), to: inputs.outDir + "/" + inputs.name)
        } catch {
            throw EnvironmentError("\(inputs.outDir)/\(inputs.name): cannot write: \(error.localizedDescription)")
        }
        return dependencies.count
    }
}
