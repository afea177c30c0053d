// Pushing an image over the OCI distribution API with crossgo's one HTTP client: HEAD each blob and upload the missing
// ones (POST an upload, PUT it whole with ?digest=), PUT each platform's manifest by digest, then the index by digest
// and by each tag. Credentials come from the environment (basic, or a bearer token from the registry's token realm)
// and are never part of a message.
import Foundation

/// `registry.example.com[:port]/name/space[:tag]`: where an image is pushed.
public struct ImageReference: Sendable, Equatable {
    /// The registry as written (`127.0.0.1:5000`, `ghcr.io`).
    public var registry: String
    /// The repository inside it (`owner/hello`).
    public var repository: String
    public var tag: String?

    /// `registry/repository`.
    public var name: String { registry + "/" + repository }

    /// The host the API answers on: Docker Hub's API is registry-1.docker.io.
    var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    /// Whether the registry is on this machine's loopback interface: spoken to over plain http, every other over https.
    public var isLoopback: Bool {
        let host = registry.hasPrefix("[") ? String(registry.prefix { $0 != "]" }.dropFirst()) : String(registry.split(separator: ":").first ?? "")
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The API's base URL (the host was checked by `parse`).
    var baseURL: URL { URL(string: (isLoopback ? "http://" : "https://") + apiHost) ?? URL(fileURLWithPath: "/") }

    /// Parses a reference; a usage error naming `what` when it is not one crossgo can push to.
    public static func parse(_ text: String, what: String) throws -> ImageReference {
        let slash = text.firstIndex(of: "/")
        guard let slash else {
            throw UsageError("\(what) \(text): name the registry too, e.g. ghcr.io/owner/\(text) or 127.0.0.1:5000/\(text)")
        }
        let registry = String(text[..<slash])
        guard registry.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }),
              URL(string: "https://" + registry)?.host != nil else {
            throw UsageError("\(what) \(text): \(registry) is not a host name (letters, digits, . and -, then :port)")
        }
        guard registry.contains(".") || registry.contains(":") || registry == "localhost" else {
            throw UsageError("\(what) \(text): \(registry) is not a registry host (e.g. ghcr.io/owner/name, docker.io/owner/name, 127.0.0.1:5000/name)")
        }
        var rest = String(text[text.index(after: slash)...])
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        if rest.contains("@") { throw UsageError("\(what) \(text): give a repository and a tag, not a digest") }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        let valid = !components.isEmpty && components.allSatisfy { part in
            guard let first = part.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }
        }
        guard valid else {
            throw UsageError("\(what) \(text): \(rest) is not a repository name (lower-case letters, digits, . _ - and /)")
        }
        if let tag, let problem = Self.tagProblem(tag) { throw UsageError("\(what) \(text): \(problem)") }
        var reference = ImageReference(registry: registry, repository: rest, tag: tag)
        if registry == "docker.io", components.count == 1 { reference.repository = "library/" + rest }
        return reference
    }

    /// Why `tag` is not a tag (at most 128 of letters, digits, `_ . -`, not starting with `.` or `-`), or nil.
    static func tagProblem(_ tag: String) -> String? {
        guard let first = tag.first, first.isASCII, first.isLetter || first.isNumber || first == "_", tag.count <= 128,
              tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            return "tag \"\(tag)\": at most 128 letters, digits, _ . - (not starting with . or -)"
        }
        return nil
    }
}

/// Registry credentials from the environment: CROSSGO_REGISTRY_USERNAME and CROSSGO_REGISTRY_PASSWORD (basic, and for a
/// token realm), or CROSSGO_REGISTRY_TOKEN (sent as a bearer token as it is).
struct RegistryCredentials: Sendable {
    var username: String?
    var password: String?
    var token: String?

    static let usernameVariable = "CROSSGO_REGISTRY_USERNAME"
    static let passwordVariable = "CROSSGO_REGISTRY_PASSWORD"
    static let tokenVariable = "CROSSGO_REGISTRY_TOKEN"

    init(environment: [String: String]) {
        username = environment[Self.usernameVariable]?.nonEmpty
        password = environment[Self.passwordVariable]?.nonEmpty
        token = environment[Self.tokenVariable]?.nonEmpty
    }

    var basic: String? {
        guard let username, let password else { return nil }
        return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// `text` with every secret replaced, for any message that quotes a server.
    func scrubbed(_ text: String) -> String {
        var out = text
        for secret in [password, token, basic.map { String($0.dropFirst(6)) }].compactMap({ $0 }) where secret.count >= 3 {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}

/// Why a push failed: one line naming the registry, never a secret. Exit 3 (the environment: the registry is down,
/// refuses, or refuses the credentials).
public struct RegistryError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus { .environment }
}

/// A `WWW-Authenticate` challenge: the scheme and its parameters (RFC 7235, quoted values may hold commas).
struct AuthChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    static func parse(_ header: String) -> AuthChallenge? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return trimmed.isEmpty ? nil : AuthChallenge(scheme: trimmed.lowercased(), parameters: [:]) }
        let scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed[trimmed.index(after: space)...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" {
                    if c == "\\", rest.count > 1 { rest = rest.dropFirst() }
                    value.append(rest.first!)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != "," }).trimmingCharacters(in: .whitespaces)
                rest = rest.drop { $0 != "," }
            }
            parameters[key] = value
        }
        return AuthChallenge(scheme: String(scheme), parameters: parameters)
    }
}

/// One push session with one registry repository.
final class RegistryClient {
    let reference: ImageReference
    let credentials: RegistryCredentials
    private var authorization: String?
    static let stallTimeout: TimeInterval = 30
    static let deadline: TimeInterval = 600

    init(reference: ImageReference, credentials: RegistryCredentials) {
        self.reference = reference
        self.credentials = credentials
    }

    private func failure(_ text: String) -> RegistryError {
        RegistryError(description: credentials.scrubbed("registry \(reference.registry): \(text)"))
    }

    /// The registry's own reason from an OCI error body ({"errors":[{"code","message"}]}), else the status.
    private func reason(_ reply: HTTPReply, _ what: String) -> String {
        struct Errors: Decodable { struct Item: Decodable { var code: String?; var message: String? }; var errors: [Item]? }
        let first = (try? JSONDecoder().decode(Errors.self, from: reply.body))?.errors?.first
        let detail = first.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.flatMap(\.nonEmpty)
        return "answered HTTP \(reply.status) to \(what)" + (detail.map { " (\(String($0.prefix(200))))" } ?? "")
    }

    /// Sends a request; on 401 answers the challenge once (basic, or a bearer token from the realm) and sends it again.
    private func send(_ method: String, _ url: URL, headers: [(String, String)] = [], body: Data? = nil) async throws -> HTTPReply {
        let what = "\(method) \(url.path)"
        func attempt() async throws -> HTTPReply {
            var all = headers
            if let authorization { all.append(("Authorization", authorization)) }
            do {
                return try await HTTP.send(method, url, headers: all, body: body, stallTimeout: Self.stallTimeout, deadline: Self.deadline)
            } catch {
                throw failure("\(HTTP.failure(error)) (\(method) \(url.absoluteString))")
            }
        }
        let reply = try await attempt()
        guard reply.status == 401, authorization == nil else {
            if reply.status == 401 { throw failure("refused the credentials: HTTP 401 to \(what) (set \(RegistryCredentials.usernameVariable) and \(RegistryCredentials.passwordVariable), or \(RegistryCredentials.tokenVariable))") }
            return reply
        }
        authorization = try await answer(AuthChallenge.parse(reply.headers["www-authenticate"] ?? ""), what: what)
        let again = try await attempt()
        if again.status == 401 || again.status == 403 {
            throw failure("refused the credentials: HTTP \(again.status) to \(what)")
        }
        return again
    }

    /// The Authorization header that answers a challenge.
    private func answer(_ challenge: AuthChallenge?, what: String) async throws -> String {
        let missing = "asks for credentials (HTTP 401 to \(what)): set \(RegistryCredentials.usernameVariable) and \(RegistryCredentials.passwordVariable), or \(RegistryCredentials.tokenVariable)"
        if let token = credentials.token { return "Bearer " + token }
        switch challenge?.scheme {
        case "basic":
            guard let basic = credentials.basic else { throw failure(missing) }
            return basic
        case "bearer":
            guard let realm = challenge?.parameters["realm"], var parts = URLComponents(string: realm) else {
                throw failure("answered 401 to \(what) with a bearer challenge without a realm")
            }
            var query = parts.queryItems ?? []
            if let service = challenge?.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query.append(URLQueryItem(name: "scope", value: "repository:\(reference.repository):pull,push"))
            parts.queryItems = query
            guard let url = parts.url else { throw failure("a token realm that is not a URL") }
            let reply: HTTPReply
            do {
                reply = try await HTTP.send("GET", url, headers: credentials.basic.map { [("Authorization", $0)] } ?? [],
                                            stallTimeout: Self.stallTimeout, deadline: 60, maxBytes: 1 << 20)
            } catch {
                throw failure("its token service \(url.host ?? realm): \(HTTP.failure(error))")
            }
            guard reply.status == 200 else { throw failure("its token service \(url.host ?? realm) refused: HTTP \(reply.status)" + (credentials.basic == nil ? "; \(missing)" : "")) }
            struct Token: Decodable { var token: String?; var access_token: String? }
            guard let token = try? JSONDecoder().decode(Token.self, from: reply.body), let value = token.token ?? token.access_token else {
                throw failure("its token service \(url.host ?? realm) answered no token")
            }
            return "Bearer " + value
        default:
            throw failure(missing)
        }
    }

    private func url(_ path: String) -> URL { reference.baseURL.appendingPathComponent("v2/\(reference.repository)/" + path) }

    /// Uploads one blob unless the registry has it; returns whether it was uploaded.
    func pushBlob(_ digest: String, _ data: Data) async throws -> Bool {
        let head = try await send("HEAD", url("blobs/\(digest)"))
        if head.status == 200 { return false }
        guard head.status == 404 else { throw failure(reason(head, "HEAD /v2/\(reference.repository)/blobs/\(digest)")) }
        let start = try await send("POST", url("blobs/uploads/"))  // the client sends Content-Length: 0 itself
        guard start.status == 202, let location = start.headers["location"], let upload = URL(string: location, relativeTo: reference.baseURL)?.absoluteURL else {
            throw failure(reason(start, "POST /v2/\(reference.repository)/blobs/uploads/"))
        }
        let separator = upload.absoluteString.contains("?") ? "&" : "?"
        guard let put = URL(string: upload.absoluteString + separator + "digest=" + digest) else { throw failure("an upload location that is not a URL") }
        let done = try await send("PUT", put, headers: [("Content-Type", "application/octet-stream")], body: data)
        guard done.status == 201 else { throw failure(reason(done, "PUT blob \(digest)")) }
        return true
    }

    /// PUTs a manifest or index under `reference` (a digest or a tag); the registry must agree on its digest.
    func pushManifest(_ data: Data, mediaType: String, reference name: String) async throws {
        let reply = try await send("PUT", url("manifests/\(name)"), headers: [("Content-Type", mediaType)], body: data)
        guard reply.status == 201 || reply.status == 200 else { throw failure(reason(reply, "PUT /v2/\(reference.repository)/manifests/\(name)")) }
        if let echoed = reply.headers["docker-content-digest"], echoed != ociDigest(data) {
            throw failure("stored manifest \(name) as \(echoed), not \(ociDigest(data))")
        }
    }
}
