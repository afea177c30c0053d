// Issue 27: SLSA provenance of a release, an in-toto statement in a DSSE envelope signed with the release key.
// Outside witnesses: securesystemslib (the DSSE signature, against the release's public key) and the in-toto
// attestation bindings (the statement and the SLSA v1 predicate, parsed strictly); both also shown rejecting.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// One signed release of a module that links golang.org/x/text from a file proxy, with a remote whose URL carries a
/// token (which must never be written).
enum ProvenanceFixture {
    static let shared = Once { try await make() }
    static let token = "s3cr3t-t0ken-4a7e"

    typealias Made = ReleaseFixture.Made

    static func make() async throws -> Made {
        let root = try TempFolder("provenance")
        try await AuditFixture.writeProxy(root)
        let module = root.path + "/app"
        _ = try root.write("app/go.mod", "module example.com/provapp\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.8\n")
        _ = try root.write("app/main.go", """
            package main

            import (
            \t"fmt"

            \t"golang.org/x/text/language"
            )

            func main() { fmt.Println(language.Parse("en")) }

            """)
        let environment: EnvironmentChanges = [
            "GOPROXY": "file://" + root.path + "/proxy", "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
            "GOMODCACHE": root.path + "/modcache", "GOWORK": "off",
        ]
        // go.sum first (the go command writes it), then a tagged commit with a remote that carries credentials.
        let tidy = try await runProgram(try await realToolchain().goPath, ["mod", "tidy"], environment: environment, workingDirectory: module)
        guard tidy.succeeded else { throw EnvironmentError("go mod tidy: \(tidy.stderr)") }
        for args in [["init", "-q"], ["add", "."], ["commit", "-q", "-m", "app"], ["tag", "v1.0.0"],
                     ["remote", "add", "origin", "https://builder:\(token)@github.com/example/provapp.git"]] {
            _ = try await ReleaseFixture.git(args, in: module)
        }
        let keyBase = root.path + "/release"
        let keygen = try await runCrossgo(["release", "keygen", keyBase])
        guard keygen.exitCode == 0 else { throw EnvironmentError("keygen: \(keygen.stderr)") }
        let result = try await runCrossgo(["release", "--target", "linux/amd64,linux/arm64", "--sign-key", keyBase + ".key", "--no-progress"],
                                          in: module, environment: environment)
        let dist = module + "/dist"
        let manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/release.json")))
        return Made(root: root, module: module, dist: dist, keyBase: keyBase, result: result, manifest: manifest)
    }

    /// What the outside tools say of an envelope: securesystemslib's DSSE verification with the release's public key,
    /// then the in-toto bindings' parse of the statement (validate()) and of the predicate (SLSA provenance v1 proto).
    static let witness = """
        import base64, json, sys
        from google.protobuf import json_format
        from in_toto_attestation.v1 import statement_pb2
        from in_toto_attestation.v1.statement import Statement
        from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey
        line, public, keyid = open(sys.argv[1]).readline(), sys.argv[2], sys.argv[3]
        envelope = Envelope.from_dict(json.loads(line))
        key = SSlibKey(keyid, "ed25519", "ed25519", {"public": public})
        try:
            envelope.verify([key], 1)
            print("dsse: verified")
        except Exception as e:
            print("dsse: rejected: " + type(e).__name__)
        try:
            pb = json_format.Parse(envelope.payload, statement_pb2.Statement())
            Statement.copy_from_pb(pb).validate()
            predicate = json_format.ParseDict(json.loads(envelope.payload)["predicate"], provenance_pb2.Provenance())
            print("statement: valid " + pb.predicate_type)
            print("subjects: " + json.dumps({s.name: s.digest["sha256"] for s in pb.subject}, sort_keys=True))
            deps = [{"uri": d.uri, "name": d.name, "digest": dict(d.digest)} for d in predicate.build_definition.resolved_dependencies]
            print("dependencies: " + json.dumps(deps, sort_keys=True))
            print("builder: " + predicate.run_details.builder.id)
        except Exception as e:
            print("statement: rejected: " + type(e).__name__ + ": " + str(e).splitlines()[0])
        """

    static func witness(_ path: String, publicKey: MinisignPublicKey) async throws -> [String: String] {
        let hex = publicKey.key.map { String(format: "%02x", $0) }.joined()
        let r = try await runProgram(AuditFixture.python, ["-c", witness, path, hex, publicKey.keyIDHex])
        guard r.succeeded else { throw EnvironmentError("witness: \(r.stdout)\(r.stderr)") }
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    /// The envelope's statement as JSON (to change and re-encode).
    static func payload(_ line: String) throws -> (envelope: [String: Any], statement: [String: Any]) {
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let body = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        return (envelope, try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any]))
    }

    static func envelopeLine(_ envelope: [String: Any], payload: Data) throws -> String {
        var changed = envelope
        changed["payload"] = payload.base64EncodedString()
        return String(decoding: try JSONSerialization.data(withJSONObject: changed, options: [.sortedKeys]), as: UTF8.self) + "\n"
    }
}

@Suite(.requires("git", "crossgo-validators-python"))
struct ProvenanceTests {
    @Test func theProvenanceIsSignedCoversEveryFileAndNamesWhatWentIn() async throws {
        let made = try await ProvenanceFixture.shared.get()
        #expect(made.result.exitCode == 0, "\(made.result.stdout)\(made.result.stderr)")
        let name = "provapp_1.0.0.intoto.jsonl"
        #expect(made.manifest.provenance == name)
        #expect(made.manifest.stages.first { $0.name == "provenance" }?.status == .done, "\(made.manifest.stages)")
        // Part of the seal: release.json (signed) records its digest; the checksums file does not list it, so that it stays
        // the same bytes for the same commit.
        let digest = try await runProgram("sha256sum", [made.dist + "/" + name])
        #expect(made.manifest.records?[name].map { digest.stdout.hasPrefix($0 + " ") } == true, "\(String(describing: made.manifest.records))")
        let sums = try String(contentsOfFile: made.dist + "/provapp_1.0.0_checksums.txt", encoding: .utf8)
        #expect(!sums.contains(name))

        let publicKey = try MinisignPublicKey.read(from: URL(fileURLWithPath: made.keyBase + ".pub"))
        let seen = try await ProvenanceFixture.witness(made.dist + "/" + name, publicKey: publicKey)
        #expect(seen["dsse"] == "verified", "\(seen)")
        #expect(seen["statement"] == "valid https://slsa.dev/provenance/v1", "\(seen)")
        // Every released file and binary is a subject, with the digest the folder's file has.
        let subjects = try #require(try JSONSerialization.jsonObject(with: Data((seen["subjects"] ?? "{}").utf8)) as? [String: String])
        let expected = Set(made.manifest.files.map(\.path) + ["provapp_1.0.0_checksums.txt", "provapp_linux_amd64", "provapp_linux_arm64"])
        #expect(Set(subjects.keys) == expected, "\(subjects.keys.sorted())")
        for (file, digest) in subjects {
            let actual = try await runProgram("sha256sum", [made.dist + "/" + file])
            #expect(actual.stdout.hasPrefix(digest + " "), "\(file)")
        }
        // Resolved dependencies: the commit, the Go toolchain, and golang.org/x/text with go.sum's h1 hash in hex.
        let dependencies = try #require(try JSONSerialization.jsonObject(with: Data((seen["dependencies"] ?? "[]").utf8)) as? [[String: Any]])
        let head = try await ReleaseFixture.git(["rev-parse", "HEAD"], in: made.module).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(dependencies.contains { ($0["digest"] as? [String: String])?["gitCommit"] == head
                && ($0["uri"] as? String) == "git+https://github.com/example/provapp.git@refs/tags/v1.0.0" }, "\(dependencies)")
        let goSum = try String(contentsOfFile: made.module + "/go.sum", encoding: .utf8)
        let h1 = try #require(goSum.split(separator: "\n").first { $0.hasPrefix("golang.org/x/text v0.3.8 h1:") }?.split(separator: " ").last)
        let hex = try #require(Data(base64Encoded: String(h1.dropFirst(3)))).map { String(format: "%02x", $0) }.joined()
        #expect(dependencies.contains { ($0["name"] as? String) == "golang.org/x/text" && ($0["digest"] as? [String: String])?["goModuleH1"] == hex },
                "\(dependencies)")
        let go = try await realToolchain().version
        #expect(dependencies.contains { ($0["name"] as? String) == go }, "\(dependencies)")
        #expect(seen["builder"] == "https://crossgo.dev/builder/local/v1")
        // The remote's token is written nowhere and printed nowhere.
        for file in filesUnder(made.dist) {
            let data = try Data(contentsOf: URL(fileURLWithPath: made.dist + "/" + file))
            #expect(data.firstRange(of: Data(ProvenanceFixture.token.utf8)) == nil, "\(file) holds the remote's token")
        }
        #expect(!made.result.stdout.contains(ProvenanceFixture.token) && !made.result.stderr.contains(ProvenanceFixture.token))

        // crossgo verify checks it with the public key, and says it was not checked without one.
        let verified = try await runCrossgo(["verify", made.dist, "--pub", made.keyBase + ".pub", "--no-progress", "--json"])
        #expect(verified.exitCode == 0, "\(verified.stdout)\(verified.stderr)")
        let check = try summaryOutcome(VerifyChecks.self, from: verified.stdout).checks.first { $0.kind == "provenance" }
        #expect(check?.status == .ok && check?.subject == name
                && check?.detail.hasPrefix("SLSA provenance v1 of \(expected.count) file(s), each digest right") == true, "\(String(describing: check))")
        let unchecked = try await runCrossgo(["verify", made.dist, "--no-progress"])
        #expect(unchecked.exitCode == 1 && unchecked.stdout.contains("FAILED provenance \(name): signed by key \(publicKey.keyIDHex): not checked"),
                "\(unchecked.stdout)")
    }

    @Test func aChangedSubjectDigestOrPayloadByteIsRejectedByEveryChecker() async throws {
        let made = try await ProvenanceFixture.shared.get()
        let name = "provapp_1.0.0.intoto.jsonl"
        let line = try String(contentsOfFile: made.dist + "/" + name, encoding: .utf8)
        let publicKey = try MinisignPublicKey.read(from: URL(fileURLWithPath: made.keyBase + ".pub"))
        let (envelope, statement) = try ProvenanceFixture.payload(line)
        let scratch = try TempFolder("provenance-changed")
        defer { scratch.cleanup() }

        // 1. A subject's digest changed (the signature kept): the DSSE signature no longer checks.
        var subjects = try #require(statement["subject"] as? [[String: Any]])
        subjects[0]["digest"] = ["sha256": String(repeating: "0", count: 64)]
        var changed = statement
        changed["subject"] = subjects
        let digestChanged = try ProvenanceFixture.envelopeLine(envelope, payload: try JSONSerialization.data(withJSONObject: changed, options: [.sortedKeys]))
        // 2. One byte of the payload flipped.
        var body = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        body[body.count / 2] ^= 0x01
        let byteFlipped = try ProvenanceFixture.envelopeLine(envelope, payload: body)
        for (label, text) in [("digest", digestChanged), ("byte", byteFlipped)] {
            let path = try scratch.write("\(label).intoto.jsonl", text)
            let seen = try await ProvenanceFixture.witness(path, publicKey: publicKey)
            #expect(seen["dsse"]?.hasPrefix("rejected") == true, "\(label): \(seen)")
            // crossgo verify of the release with the changed file fails on it.
            let dist = try scratch.copy(folder: made.dist, as: "dist-\(label)")
            try text.write(toFile: dist + "/" + name, atomically: true, encoding: .utf8)
            let verified = try await runCrossgo(["verify", dist, "--pub", made.keyBase + ".pub", "--no-progress"])
            #expect(verified.exitCode == 1 && verified.stdout.contains("FAILED provenance \(name): no signature by key \(publicKey.keyIDHex) checks"),
                    "\(label): \(verified.stdout)")
        }
        // The bindings reject a statement whose subject has no digest, or whose predicate has a field SLSA v1 does not.
        var noDigest = statement
        noDigest["subject"] = [["name": "x"]]
        var extraField = statement
        var predicate = try #require(statement["predicate"] as? [String: Any])
        predicate["buildDefinitionn"] = predicate["buildDefinition"]
        extraField["predicate"] = predicate
        for (label, value) in [("no-digest", noDigest), ("extra-field", extraField)] {
            let path = try scratch.write("\(label).intoto.jsonl",
                                         try ProvenanceFixture.envelopeLine(envelope, payload: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])))
            let seen = try await ProvenanceFixture.witness(path, publicKey: publicKey)
            #expect(seen["statement"]?.hasPrefix("rejected") == true, "\(label): \(seen)")
        }
    }
}
