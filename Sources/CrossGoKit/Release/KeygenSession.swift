// `crossgo release keygen` as a session: a minisign key pair written next to the working folder, never over a file.
import Foundation

/// The key pair made: its id and public key (results), the two files (a message).
public struct KeygenOutcome: SessionOutcome {
    public var made: ReleaseKeys.Made
    public var command: String { "release keygen" }
    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] { [] }

    public func encode(to encoder: any Encoder) throws { try made.encode(to: encoder) }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(results: ["key id \(made.keyID)", "public key \(made.publicKey)"],
                        messages: ["crossgo: wrote \(made.secretKeyFile) (secret: keep it private) and \(made.publicKeyFile)"])
    }
}

/// Writes NAME.key (0600) and NAME.pub, NAME read against the context's working folder.
public struct KeygenSession: Sendable {
    public let context: CrossGoContext
    public init(context: CrossGoContext) { self.context = context }

    public func run(name: String) throws -> KeygenOutcome {
        guard !name.isEmpty, !name.hasSuffix("/") else { throw UsageError("keygen: give a name for the key pair, e.g. crossgo release keygen release") }
        let key = Minisign.generateKeyPair()
        try Minisign.writeKeyPair(key, basePath: context.absolute(name))
        return KeygenOutcome(made: ReleaseKeys.Made(keyID: key.publicKey.keyIDHex, publicKey: key.publicKey.base64,
                                                    secretKeyFile: name + ".key", publicKeyFile: name + ".pub"))
    }
}
