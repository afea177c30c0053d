// minisign-compatible Ed25519 keys and signatures: key files, prehashed (`ED`) signing, verification.
//
// Formats (minisign 0.11; all integers little-endian, every file line ends in "\n"):
//   public key  = "Ed" || key id (8) || Ed25519 public key (32), base64, after "untrusted comment: ..."
//   secret key  = "Ed" || kdf ("Sc" scrypt-encrypted, or 0 0 unencrypted) || "B2" || salt (32) ||
//                 opslimit (8) || memlimit (8) || key id (8) || Ed25519 secret key (seed 32 || public 32) ||
//                 checksum (32: BLAKE2b-256 of "Ed" || key id || secret key), base64, after a comment line
//   .minisig    = "untrusted comment: ..." / base64("ED" || key id || Ed25519(BLAKE2b-512(file))) /
//                 "trusted comment: ..." / base64(Ed25519(signature || trusted comment))
import Crypto
import Foundation
import GoBinary

/// Why a minisign key or signature could not be made, read or verified. One line, naming the file.
public enum MinisignError: ClassifiedError, Equatable {
    /// `NAME.key` or `NAME.pub` is already there: keys are never overwritten.
    case keyExists(path: String)
    /// A key, signature or signed file could not be read.
    case unreadable(path: String, reason: String)
    /// A key or signature file is not in minisign's format.
    case malformed(path: String, reason: String)
    /// The secret key is protected by a password (scrypt), which crossgo does not read.
    case encryptedKey(path: String)
    /// A key or signature file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A comment that cannot go into a signature (line break, too long).
    case badComment(String)
    /// The signature does not match the file, the key or the trusted comment.
    case verificationFailed(String)
    /// Ed25519 signing itself failed (the crypto library refused).
    case signingFailed(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .keyExists, .unreadable, .malformed, .encryptedKey, .badComment: return .usage
        case .cannotWrite: return .environment
        case .verificationFailed, .signingFailed: return .failed
        }
    }

    public var description: String {
        switch self {
        case .keyExists(let path):
            return "\(path): already exists; crossgo never overwrites a key (move it away or choose another name)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .malformed(let path, let reason): return "\(path): not a minisign file: \(reason)"
        case .encryptedKey(let path):
            return "\(path): the secret key is encrypted with a password, which crossgo cannot read; "
                + "write an unencrypted copy with `minisign -C -W -s \(path)` (minisign 0.11 or later) or make one with `crossgo release keygen`"
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .badComment(let reason): return "bad signature comment: \(reason)"
        case .verificationFailed(let reason): return "signature verification failed: \(reason)"
        case .signingFailed(let reason): return "signing failed: \(reason)"
        }
    }
}

/// A minisign public key: the key id and the Ed25519 public key.
public struct MinisignPublicKey: Sendable, Equatable {
    /// The 8-byte key id, as stored (little-endian).
    public let keyID: [UInt8]
    /// The 32-byte Ed25519 public key.
    public let key: [UInt8]

    public init(keyID: [UInt8], key: [UInt8]) {
        precondition(keyID.count == 8 && key.count == 32)
        self.keyID = keyID
        self.key = key
    }

    /// Decodes the base64 line of a public key file, or the value minisign's `-P` takes.
    public init(base64 text: String, source: String = "public key") throws(MinisignError) {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)), data.count == 42 else {
            throw .malformed(path: source, reason: "the key line is not 42 bytes of base64")
        }
        let bytes = [UInt8](data)
        guard bytes[0] == UInt8(ascii: "E"), bytes[1] == UInt8(ascii: "d") else {
            throw .malformed(path: source, reason: "unsupported signature algorithm (expected Ed)")
        }
        self.init(keyID: Array(bytes[2 ..< 10]), key: Array(bytes[10 ..< 42]))
    }

    /// Reads the contents of a public key file (`untrusted comment:` line, then the base64 line).
    public init(fileContents: String, path: String) throws(MinisignError) {
        let lines = minisignLines(fileContents)
        guard lines.count >= 2 else { throw .malformed(path: path, reason: "expected a comment line and a key line") }
        guard lines[0].hasPrefix(Minisign.untrustedPrefix) else {
            throw .malformed(path: path, reason: "the first line does not start with \"\(Minisign.untrustedPrefix)\"")
        }
        try self.init(base64: lines[1], source: path)
    }

    /// Reads a public key file.
    public static func read(from url: URL) throws(MinisignError) -> MinisignPublicKey {
        try MinisignPublicKey(fileContents: try readText(url), path: url.path)
    }

    /// The key id as minisign prints it: the little-endian 64-bit number in 16 upper-case hex digits.
    public var keyIDHex: String { keyIDString(keyID) }

    /// The key as one base64 string, as `minisign -P` takes it.
    public var base64: String { Data(Array("Ed".utf8) + keyID + key).base64EncodedString() }

    /// The public key file's text.
    public var fileContents: String { "\(Minisign.untrustedPrefix)minisign public key \(keyIDHex)\n\(base64)\n" }
}

/// A minisign secret key (unencrypted). Its `description` names the key id only: the secret is never printed.
public struct MinisignSecretKey: Sendable, CustomStringConvertible {
    /// The 8-byte key id, as stored.
    public let keyID: [UInt8]
    private let signingKey: Curve25519.Signing.PrivateKey

    /// A key from its id and Ed25519 seed (32 bytes).
    public init(keyID: [UInt8], seed: [UInt8]) throws {
        precondition(keyID.count == 8)
        self.keyID = keyID
        signingKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// A new random key pair.
    public static func generate() -> MinisignSecretKey {
        var rng = SystemRandomNumberGenerator()
        let id = (0 ..< 8).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        let key = Curve25519.Signing.PrivateKey()
        return MinisignSecretKey(keyID: id, signingKey: key)
    }

    private init(keyID: [UInt8], signingKey: Curve25519.Signing.PrivateKey) {
        self.keyID = keyID
        self.signingKey = signingKey
    }

    /// Reads the text of a secret key file as `minisign -G -W` writes it (unencrypted). An encrypted key is refused
    /// with `.encryptedKey`; a checksum or public half that does not match the secret is `.malformed`.
    public init(fileContents: String, path: String) throws(MinisignError) {
        let lines = minisignLines(fileContents)
        guard lines.count >= 2, lines[0].hasPrefix(Minisign.untrustedPrefix) else {
            throw .malformed(path: path, reason: "expected an \"\(Minisign.untrustedPrefix)\" line and a key line")
        }
        guard let data = Data(base64Encoded: lines[1].trimmingCharacters(in: .whitespaces)), data.count == 158 else {
            throw .malformed(path: path, reason: "the key line is not 158 bytes of base64")
        }
        let b = [UInt8](data)
        guard b[0] == UInt8(ascii: "E"), b[1] == UInt8(ascii: "d") else {
            throw .malformed(path: path, reason: "unsupported signature algorithm (expected Ed)")
        }
        guard b[4] == UInt8(ascii: "B"), b[5] == UInt8(ascii: "2") else {
            throw .malformed(path: path, reason: "unsupported checksum algorithm (expected B2)")
        }
        if b[2] == UInt8(ascii: "S"), b[3] == UInt8(ascii: "c") { throw .encryptedKey(path: path) }
        guard b[2] == 0, b[3] == 0 else { throw .malformed(path: path, reason: "unsupported key derivation function") }
        let id = Array(b[54 ..< 62])
        let secret = Array(b[62 ..< 126])
        let checksum = Array(b[126 ..< 158])
        // minisign 0.11 leaves the checksum of an unencrypted key zero; when one is there it must match.
        if checksum.contains(where: { $0 != 0 }), checksum != MinisignSecretKey.checksum(keyID: id, secret: secret) {
            throw .malformed(path: path, reason: "the key checksum does not match (damaged key)")
        }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(secret[0 ..< 32])),
              Array(key.publicKey.rawRepresentation) == Array(secret[32 ..< 64])
        else {
            throw .malformed(path: path, reason: "the public half does not belong to the secret key (damaged key)")
        }
        self.init(keyID: id, signingKey: key)
    }

    /// Reads a secret key file.
    public static func read(from url: URL) throws(MinisignError) -> MinisignSecretKey {
        try MinisignSecretKey(fileContents: try readText(url), path: url.path)
    }

    /// The public half.
    public var publicKey: MinisignPublicKey {
        MinisignPublicKey(keyID: keyID, key: Array(signingKey.publicKey.rawRepresentation))
    }

    public var description: String { "minisign secret key \(keyIDString(keyID))" }

    /// The secret key file's text (unencrypted, with its checksum). Holds the secret: write it only to a 0600 file.
    var fileContents: String {
        let secret = Array(signingKey.rawRepresentation) + Array(signingKey.publicKey.rawRepresentation)
        var bytes = Array("Ed".utf8) + [0, 0] + Array("B2".utf8)
        bytes += [UInt8](repeating: 0, count: 32 + 8 + 8)  // salt, opslimit, memlimit: unused without a password
        bytes += keyID + secret + MinisignSecretKey.checksum(keyID: keyID, secret: secret)
        return "\(Minisign.untrustedPrefix)minisign secret key \(keyIDString(keyID)) (unencrypted)\n\(Data(bytes).base64EncodedString())\n"
    }

    /// BLAKE2b-256 of "Ed" || key id || secret key: minisign's key checksum.
    static func checksum(keyID: [UInt8], secret: [UInt8]) -> [UInt8] {
        BLAKE2b.hash(Array("Ed".utf8) + keyID + secret, outputLength: 32)
    }

    func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try signingKey.signature(for: message)) }

    /// An Ed25519 key derived from this one for `purpose` (HKDF-SHA256 of the secret seed): another format's signatures
    /// (an .rpm's OpenPGP one) never use the minisign key itself, and the same key always derives the same key.
    func derivedSigningKey(purpose: String) -> Curve25519.Signing.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: signingKey.rawRepresentation), salt: Array("crossgo".utf8),
                                          info: Array(purpose.utf8), outputByteCount: 32)
        // 32 bytes are a valid Ed25519 seed.
        return seed.withUnsafeBytes { try! Curve25519.Signing.PrivateKey(rawRepresentation: Data($0)) }
    }
}

/// A parsed `.minisig` file.
public struct MinisignSignature: Sendable, Equatable {
    public var untrustedComment: String
    /// True for `ED` (Ed25519 over BLAKE2b-512 of the file), false for the legacy `Ed` (over the file itself).
    public var prehashed: Bool
    public var keyID: [UInt8]
    public var signature: [UInt8]
    public var trustedComment: String
    /// Ed25519 over `signature || trustedComment`.
    public var globalSignature: [UInt8]

    /// Parses the four lines of a `.minisig` file.
    public init(text: String, source: String = "signature") throws(MinisignError) {
        let lines = minisignLines(text)
        guard lines.count >= 4 else { throw .malformed(path: source, reason: "expected 4 lines, found \(lines.count)") }
        guard lines[0].hasPrefix(Minisign.untrustedPrefix) else {
            throw .malformed(path: source, reason: "line 1 does not start with \"\(Minisign.untrustedPrefix)\"")
        }
        guard let sig = Data(base64Encoded: lines[1].trimmingCharacters(in: .whitespaces)), sig.count == 74 else {
            throw .malformed(path: source, reason: "line 2 is not 74 bytes of base64")
        }
        guard lines[2].hasPrefix(Minisign.trustedPrefix) else {
            throw .malformed(path: source, reason: "line 3 does not start with \"\(Minisign.trustedPrefix)\"")
        }
        guard let global = Data(base64Encoded: lines[3].trimmingCharacters(in: .whitespaces)), global.count == 64 else {
            throw .malformed(path: source, reason: "line 4 is not 64 bytes of base64")
        }
        let s = [UInt8](sig)
        switch (s[0], s[1]) {
        case (UInt8(ascii: "E"), UInt8(ascii: "D")): prehashed = true
        case (UInt8(ascii: "E"), UInt8(ascii: "d")): prehashed = false
        default: throw .malformed(path: source, reason: "unsupported signature algorithm")
        }
        untrustedComment = String(lines[0].dropFirst(Minisign.untrustedPrefix.count))
        keyID = Array(s[2 ..< 10])
        signature = Array(s[10 ..< 74])
        trustedComment = String(lines[2].dropFirst(Minisign.trustedPrefix.count))
        globalSignature = [UInt8](global)
    }

    init(untrustedComment: String, keyID: [UInt8], signature: [UInt8], trustedComment: String, globalSignature: [UInt8]) {
        self.untrustedComment = untrustedComment
        prehashed = true
        self.keyID = keyID
        self.signature = signature
        self.trustedComment = trustedComment
        self.globalSignature = globalSignature
    }

    /// The `.minisig` text.
    public var text: String {
        let algorithm = prehashed ? "ED" : "Ed"
        return "\(Minisign.untrustedPrefix)\(untrustedComment)\n"
            + Data(Array(algorithm.utf8) + keyID + signature).base64EncodedString() + "\n"
            + "\(Minisign.trustedPrefix)\(trustedComment)\n"
            + Data(globalSignature).base64EncodedString() + "\n"
    }
}

/// Key generation, signing and verification in minisign's formats.
public enum Minisign {
    static let untrustedPrefix = "untrusted comment: "
    static let trustedPrefix = "trusted comment: "
    /// minisign's limit: the trusted comment line fits in 8192 bytes.
    static let trustedCommentLimit = 8192 - "trusted comment: ".utf8.count - 2
    static let readChunk = 1 << 16

    /// A new random key pair.
    public static func generateKeyPair() -> MinisignSecretKey { MinisignSecretKey.generate() }

    /// Writes `<base>.key` (mode 0600) and `<base>.pub` (0644) for `key`. Neither file may exist: each is created
    /// complete under a temporary name and linked into place, which fails rather than replace a file that appeared
    /// meanwhile. Returns the two paths.
    @discardableResult
    public static func writeKeyPair(_ key: MinisignSecretKey, basePath: String) throws(MinisignError) -> (secretKey: String, publicKey: String) {
        let secretPath = basePath + ".key", publicPath = basePath + ".pub"
        for path in [secretPath, publicPath] where fileExistsNoFollow(path) { throw .keyExists(path: path) }
        try createExclusively(Data(key.fileContents.utf8), at: secretPath, mode: 0o600)
        do {
            try createExclusively(Data(key.publicKey.fileContents.utf8), at: publicPath, mode: 0o644)
        } catch {
            _ = unlink(secretPath)  // ours, just made: a key without its public half is no use
            throw error
        }
        return (secretPath, publicPath)
    }

    /// The default trusted comment, as minisign writes it (with a caller-given time for reproducible output).
    public static func defaultTrustedComment(fileName: String, timestamp: Int64) -> String {
        "timestamp:\(timestamp)\tfile:\(fileName)\thashed"
    }

    /// Signs `message` (prehashed, `ED`) and returns the `.minisig` text.
    public static func sign(_ message: [UInt8], secretKey: MinisignSecretKey, trustedComment: String,
                            untrustedComment: String = "signature from crossgo minisign secret key") throws(MinisignError) -> String {
        try sign(prehash: BLAKE2b.hash(message), secretKey: secretKey, trustedComment: trustedComment, untrustedComment: untrustedComment)
    }

    /// Signs the file at `url` (hashed in pieces, never loaded whole) and returns the `.minisig` text.
    public static func sign(fileAt url: URL, secretKey: MinisignSecretKey, trustedComment: String,
                            untrustedComment: String = "signature from crossgo minisign secret key") throws(MinisignError) -> String {
        try sign(prehash: try hashFile(url), secretKey: secretKey, trustedComment: trustedComment, untrustedComment: untrustedComment)
    }

    static func sign(prehash: [UInt8], secretKey: MinisignSecretKey, trustedComment: String, untrustedComment: String) throws(MinisignError) -> String {
        for (name, comment) in [("trusted", trustedComment), ("untrusted", untrustedComment)] where comment.contains(where: \.isNewline) {
            throw .badComment("the \(name) comment contains a line break")
        }
        guard trustedComment.utf8.count <= trustedCommentLimit else {
            throw .badComment("the trusted comment is longer than \(trustedCommentLimit) bytes")
        }
        do {
            let signature = try secretKey.sign(prehash)
            let global = try secretKey.sign(signature + Array(trustedComment.utf8))
            return MinisignSignature(untrustedComment: untrustedComment, keyID: secretKey.keyID, signature: signature,
                                     trustedComment: trustedComment, globalSignature: global).text
        } catch {
            throw .signingFailed("Ed25519: \(error)")
        }
    }

    /// Verifies `.minisig` text against `message` and returns the trusted comment.
    @discardableResult
    public static func verify(signature text: String, publicKey: MinisignPublicKey, message: [UInt8]) throws(MinisignError) -> String {
        let parsed = try MinisignSignature(text: text)
        return try verify(parsed, publicKey: publicKey, signed: parsed.prehashed ? BLAKE2b.hash(message) : message)
    }

    /// Verifies `.minisig` text against the file at `url` and returns the trusted comment.
    @discardableResult
    public static func verify(signature text: String, publicKey: MinisignPublicKey, fileAt url: URL) throws(MinisignError) -> String {
        let parsed = try MinisignSignature(text: text)
        let signed: [UInt8]
        if parsed.prehashed {
            signed = try hashFile(url)
        } else {
            do { signed = [UInt8](try Data(contentsOf: url)) } catch { throw .unreadable(path: url.path, reason: reason(error)) }
        }
        return try verify(parsed, publicKey: publicKey, signed: signed)
    }

    static func verify(_ signature: MinisignSignature, publicKey: MinisignPublicKey, signed: [UInt8]) throws(MinisignError) -> String {
        guard signature.keyID == publicKey.keyID else {
            throw .verificationFailed("signed by key \(keyIDString(signature.keyID)), not by key \(publicKey.keyIDHex)")
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.key) else {
            throw .verificationFailed("the public key is not a valid Ed25519 key")
        }
        guard key.isValidSignature(signature.signature, for: signed) else {
            throw .verificationFailed("the file does not match the signature")
        }
        guard key.isValidSignature(signature.globalSignature, for: signature.signature + Array(signature.trustedComment.utf8)) else {
            throw .verificationFailed("the trusted comment does not match its signature")
        }
        return signature.trustedComment
    }

    /// BLAKE2b-512 of a file, read in 64 KiB pieces.
    static func hashFile(_ url: URL) throws(MinisignError) -> [UInt8] {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hasher = BLAKE2b()
            while let chunk = try handle.read(upToCount: readChunk), !chunk.isEmpty { hasher.update(chunk) }
            return hasher.finalize()
        } catch {
            throw .unreadable(path: url.path, reason: reason(error))
        }
    }

    /// Creates `path` with `data` and `mode`, never replacing anything: the bytes go to a fresh temporary file
    /// (O_EXCL) that is then hard-linked to `path` (link(2) fails if `path` exists) and unlinked.
    static func createExclusively(_ data: Data, at path: String, mode: mode_t) throws(MinisignError) {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = (dir.isEmpty ? "." : dir) + "/" + Builder.partialPrefix + "\(UUID().uuidString.prefix(8))-" + (path as NSString).lastPathComponent
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += n
            }
        }
        if failure == 0, fchmod(fd, mode) != 0 { failure = errno }  // the umask must not widen or narrow it
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        defer { _ = unlink(temp) }
        guard failure == 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(failure))) }
        guard link(temp, path) == 0 else {
            if errno == EEXIST { throw .keyExists(path: path) }
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Lines of a minisign text file, without line ends (a "\r\n" file reads the same).
func minisignLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
    }
}

func keyIDString(_ id: [UInt8]) -> String {
    id.reversed().map { byte in
        let s = String(byte, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }.joined()
}

private func readText(_ url: URL) throws(MinisignError) -> String {
    do {
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    } catch {
        throw .unreadable(path: url.path, reason: reason(error))
    }
}

private func fileExistsNoFollow(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}
