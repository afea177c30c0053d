// minisign compatibility, checked with the real minisign (Debian's package, installed by scripts/setup --all).
import CrossGoKit
import Foundation
import Testing
import TestSupport

@Suite struct MinisignTests {
    /// Writes `text` to `folder/name` and returns the URL.
    func file(_ folder: TempFolder, _ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = URL(fileURLWithPath: folder.path + "/" + name)
        try Data(bytes).write(to: url)
        return url
    }

    func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test(.requires("minisign"))
    func ourSignatureVerifiesWithRealMinisignAndTamperingFails() async throws {
        let folder = try TempFolder("minisign")
        defer { folder.cleanup() }
        let key = Minisign.generateKeyPair()
        let paths = try Minisign.writeKeyPair(key, basePath: folder.path + "/release")
        #expect(paths.secretKey == folder.path + "/release.key")
        #expect(try permissions(paths.secretKey) == 0o600)
        #expect(try permissions(paths.publicKey) == 0o644)
        #expect(!key.description.contains(String(decoding: try Data(contentsOf: URL(fileURLWithPath: paths.secretKey)), as: UTF8.self).split(separator: "\n")[1]))

        let content = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let target = try file(folder, "checksums.txt", content)
        let comment = "timestamp:0\tfile:checksums.txt\thashed"
        let signature = try Minisign.sign(fileAt: target, secretKey: key, trustedComment: comment)
        try signature.write(toFile: target.path + ".minisig", atomically: true, encoding: .utf8)
        #expect(signature.split(separator: "\n").count == 4)
        #expect(signature.hasPrefix("untrusted comment: "))
        // The signature line decodes to "ED" (prehashed) || key id || 64 bytes.
        let sigLine = Data(base64Encoded: String(signature.split(separator: "\n")[1]))!
        #expect(sigLine.count == 74 && sigLine.prefix(2) == Data("ED".utf8))

        // Real minisign accepts it with the key given inline and as a file.
        let inline = try await runProgram("minisign", ["-Vm", target.path, "-P", key.publicKey.base64])
        #expect(inline.exitCode == 0, "\(inline.stderr)")
        #expect(inline.stdout.contains("Trusted comment: \(comment)"))
        let fromFile = try await runProgram("minisign", ["-V", "-H", "-m", target.path, "-p", paths.publicKey])
        #expect(fromFile.exitCode == 0, "\(fromFile.stderr)")
        // And so does ours, returning the trusted comment.
        #expect(try Minisign.verify(signature: signature, publicKey: key.publicKey, fileAt: target) == comment)
        #expect(try Minisign.verify(signature: signature, publicKey: try MinisignPublicKey.read(from: URL(fileURLWithPath: paths.publicKey)), message: content) == comment)

        // One changed byte in the file: both refuse.
        var changed = content
        changed[150_000] ^= 1
        let tampered = try file(folder, "tampered.txt", changed)
        try signature.write(toFile: tampered.path + ".minisig", atomically: true, encoding: .utf8)
        let badFile = try await runProgram("minisign", ["-Vm", tampered.path, "-P", key.publicKey.base64])
        #expect(badFile.exitCode == 1)
        #expect(badFile.stderr.contains("Signature verification failed"))
        #expect(throws: MinisignError.verificationFailed("the file does not match the signature")) {
            try Minisign.verify(signature: signature, publicKey: key.publicKey, fileAt: tampered)
        }

        // A changed trusted comment: both refuse.
        let forged = signature.replacingOccurrences(of: "timestamp:0", with: "timestamp:1")
        try forged.write(toFile: target.path + ".minisig", atomically: true, encoding: .utf8)
        let badComment = try await runProgram("minisign", ["-Vm", target.path, "-P", key.publicKey.base64])
        #expect(badComment.exitCode == 1)
        #expect(badComment.stderr.contains("Comment signature verification failed"))
        #expect(throws: MinisignError.verificationFailed("the trusted comment does not match its signature")) {
            try Minisign.verify(signature: forged, publicKey: key.publicKey, fileAt: target)
        }

        // Another key's public half: refused by key id.
        let other = Minisign.generateKeyPair()
        #expect(throws: MinisignError.self) { try Minisign.verify(signature: signature, publicKey: other.publicKey, message: content) }
    }

    /// A key pair written by `minisign -G -W` is read; it signs what real minisign verifies, and real minisign's
    /// signatures verify with ours. Real minisign also signs with the secret key file crossgo writes.
    @Test(.requires("minisign"))
    func realMinisignKeysAndSignaturesInterchange() async throws {
        let folder = try TempFolder("minisign-real")
        defer { folder.cleanup() }
        let generated = try await runProgram("minisign", ["-G", "-W", "-p", folder.path + "/real.pub", "-s", folder.path + "/real.key"])
        #expect(generated.exitCode == 0, "\(generated.stderr)")
        let secret = try MinisignSecretKey.read(from: URL(fileURLWithPath: folder.path + "/real.key"))
        let publicKey = try MinisignPublicKey.read(from: URL(fileURLWithPath: folder.path + "/real.pub"))
        #expect(secret.publicKey == publicKey)
        #expect(generated.stdout.contains(publicKey.base64))
        // minisign 0.11 prints the key id without leading zeros (later versions pad it to 16 digits, as crossgo does).
        #expect(try String(contentsOfFile: folder.path + "/real.pub", encoding: .utf8).hasPrefix("untrusted comment: minisign public key \(publicKey.keyIDHex.drop { $0 == "0" })\n"))

        let target = try file(folder, "artifact.tar.gz", Array("release bytes\n".utf8))
        let ours = try Minisign.sign(fileAt: target, secretKey: secret, trustedComment: "crossgo test")
        try ours.write(toFile: target.path + ".minisig", atomically: true, encoding: .utf8)
        let verified = try await runProgram("minisign", ["-Vm", target.path, "-p", folder.path + "/real.pub"])
        #expect(verified.exitCode == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("Trusted comment: crossgo test"))

        let theirs = try await runProgram("minisign", ["-S", "-s", folder.path + "/real.key", "-m", target.path, "-x", folder.path + "/theirs.minisig", "-t", "made by minisign"])
        #expect(theirs.exitCode == 0, "\(theirs.stderr)")
        let theirText = try String(contentsOfFile: folder.path + "/theirs.minisig", encoding: .utf8)
        #expect(try Minisign.verify(signature: theirText, publicKey: publicKey, fileAt: target) == "made by minisign")
        #expect(throws: MinisignError.self) { try Minisign.verify(signature: theirText, publicKey: publicKey, message: Array("release bytes!\n".utf8)) }

        // Real minisign signs with a key file crossgo wrote (unencrypted, with its checksum).
        let ourKey = Minisign.generateKeyPair()
        try Minisign.writeKeyPair(ourKey, basePath: folder.path + "/ours")
        let signedByMinisign = try await runProgram("minisign", ["-S", "-s", folder.path + "/ours.key", "-m", target.path, "-x", folder.path + "/ours.minisig", "-t", "ours"])
        #expect(signedByMinisign.exitCode == 0, "\(signedByMinisign.stderr)")
        let check = try await runProgram("minisign", ["-Vm", target.path, "-x", folder.path + "/ours.minisig", "-p", folder.path + "/ours.pub"])
        #expect(check.exitCode == 0, "\(check.stderr)")
        let text = try String(contentsOfFile: folder.path + "/ours.minisig", encoding: .utf8)
        #expect(try Minisign.verify(signature: text, publicKey: ourKey.publicKey, fileAt: target) == "ours")
    }

    @Test func keygenNeverOverwrites() throws {
        let folder = try TempFolder("minisign-keygen")
        defer { folder.cleanup() }
        let existing = try folder.write("release.key", "my precious key\n")
        #expect(throws: MinisignError.keyExists(path: existing)) {
            try Minisign.writeKeyPair(Minisign.generateKeyPair(), basePath: folder.path + "/release")
        }
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "my precious key\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/release.pub"))

        // Only the public half present: refused too, and no secret key is left behind.
        try folder.write("other.pub", "public\n")
        let error = #expect(throws: MinisignError.self) {
            try Minisign.writeKeyPair(Minisign.generateKeyPair(), basePath: folder.path + "/other")
        }
        #expect(error?.exitStatus == .usage)
        #expect(error?.description == "\(folder.path)/other.pub: already exists; crossgo never overwrites a key (move it away or choose another name)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/other.key"))
        #expect(filesUnder(folder.path) == ["other.pub", "release.key"])

        // A fresh name works, and writing the same pair again is refused.
        let key = Minisign.generateKeyPair()
        try Minisign.writeKeyPair(key, basePath: folder.path + "/fresh")
        #expect(throws: MinisignError.keyExists(path: folder.path + "/fresh.key")) { try Minisign.writeKeyPair(key, basePath: folder.path + "/fresh") }
        #expect(try MinisignSecretKey.read(from: URL(fileURLWithPath: folder.path + "/fresh.key")).publicKey == key.publicKey)
    }

    @Test func badKeyFilesAreRefusedWithOneLine() throws {
        let folder = try TempFolder("minisign-bad")
        defer { folder.cleanup() }
        // An encrypted key (kdf "Sc"): refused, with the way out.
        let key = Minisign.generateKeyPair()
        try Minisign.writeKeyPair(key, basePath: folder.path + "/k")
        let text = try String(contentsOfFile: folder.path + "/k.key", encoding: .utf8)
        var raw = [UInt8](Data(base64Encoded: String(text.split(separator: "\n")[1]))!)
        raw[2] = UInt8(ascii: "S"); raw[3] = UInt8(ascii: "c")
        let encrypted = try folder.write("enc.key", "untrusted comment: minisign encrypted secret key\n\(Data(raw).base64EncodedString())\n")
        let refusal = #expect(throws: MinisignError.encryptedKey(path: encrypted)) { try MinisignSecretKey.read(from: URL(fileURLWithPath: encrypted)) }
        #expect(refusal?.exitStatus == .usage)
        #expect(refusal?.description.contains("minisign -C -W -s \(encrypted)") == true)
        #expect(refusal?.description.contains("\n") == false)

        // A key encrypted by the real minisign (recorded fixture): refused the same way; its public half reads.
        let real = repositoryRoot + "/Tests/Fixtures/minisign/encrypted.key"
        #expect(throws: MinisignError.encryptedKey(path: real)) { try MinisignSecretKey.read(from: URL(fileURLWithPath: real)) }
        let realPublic = try MinisignPublicKey.read(from: URL(fileURLWithPath: repositoryRoot + "/Tests/Fixtures/minisign/encrypted.pub"))
        #expect(try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/minisign/encrypted.pub", encoding: .utf8).contains("public key \(realPublic.keyIDHex.drop { $0 == "0" })\n"))

        // A damaged secret (checksum no longer matches).
        raw[2] = 0; raw[3] = 0; raw[70] ^= 0xff
        let damaged = try folder.write("damaged.key", "untrusted comment: x\n\(Data(raw).base64EncodedString())\n")
        #expect(throws: MinisignError.malformed(path: damaged, reason: "the key checksum does not match (damaged key)")) {
            try MinisignSecretKey.read(from: URL(fileURLWithPath: damaged))
        }
        // Not a key at all, a missing file, a public key where a secret key belongs.
        let garbage = try folder.write("garbage.key", "hello\n")
        #expect(throws: MinisignError.malformed(path: garbage, reason: "expected an \"untrusted comment: \" line and a key line")) {
            try MinisignSecretKey.read(from: URL(fileURLWithPath: garbage))
        }
        let missing = folder.path + "/missing.key"
        let notFound = #expect(throws: MinisignError.self) { try MinisignSecretKey.read(from: URL(fileURLWithPath: missing)) }
        #expect(notFound?.description.hasPrefix("\(missing): cannot read:") == true)
        #expect(throws: MinisignError.malformed(path: folder.path + "/k.pub", reason: "the key line is not 158 bytes of base64")) {
            try MinisignSecretKey.read(from: URL(fileURLWithPath: folder.path + "/k.pub"))
        }
        #expect(throws: MinisignError.malformed(path: "public key", reason: "the key line is not 42 bytes of base64")) {
            try MinisignPublicKey(base64: "RWQ=")
        }
        // Comments that would break the format.
        #expect(throws: MinisignError.badComment("the trusted comment contains a line break")) {
            try Minisign.sign([1, 2, 3], secretKey: key, trustedComment: "a\nb")
        }
        #expect(throws: MinisignError.self) { try Minisign.sign([], secretKey: key, trustedComment: String(repeating: "x", count: 9000)) }
        #expect(throws: MinisignError.malformed(path: "signature", reason: "expected 4 lines, found 1")) {
            try Minisign.verify(signature: "nonsense", publicKey: key.publicKey, message: [])
        }
    }
}
