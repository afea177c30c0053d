// `crossgo cacheprog` as a session: its settings read from the request and the context's environment (the token,
// the run folder, the stats file), then go's GOCACHEPROG protocol served on stdin/stdout until close or EOF.
import Foundation

/// What `crossgo cacheprog` was asked.
public struct CacheProgRequest: Sendable {
    /// The HTTP cache, as given; nil: the local folder only.
    public var url: String?
    /// The local folder; nil: crossgo's cache folder, gocacheprog.
    public var directory: String?
    /// The variable holding the bearer token; nil: CROSSGO_CACHE_TOKEN (unset is no token).
    public var tokenVariable: String?
    public var maxUploadMiB = 100
    public var connectTimeout: Double = 2
    public var requestTimeout: Double = 10
    public var closeTimeout: Double = 30
    /// Print the counts on stderr at the end.
    public var stats = false

    public init(url: String? = nil, directory: String? = nil, tokenVariable: String? = nil) {
        self.url = url
        self.directory = directory
        self.tokenVariable = tokenVariable
    }

    /// The program's options, the environment read for what the flags leave to it. A bad --url or an unset
    /// --token-env variable is a usage error naming the flag.
    public func options(environment: [String: String]) throws -> CacheProgramOptions {
        if maxUploadMiB < 0 { throw UsageError("--max-upload must be 0 or more, not \(maxUploadMiB)") }
        if connectTimeout <= 0 || requestTimeout <= 0 || closeTimeout < 0 { throw UsageError("timeouts must be positive") }
        var options = CacheProgramOptions(directory: directory ?? CacheProgramOptions.defaultDirectory(environment: environment))
        if let url {
            guard let parsed = RemoteCacheLaunch.parseURL(url) else { throw UsageError("--url '\(url)' is not an http:// or https:// URL") }
            var remote = RemoteCacheSettings(url: parsed)
            if let tokenVariable {
                guard let token = environment[tokenVariable], !token.isEmpty else {
                    throw UsageError("--token-env \(tokenVariable): the variable is not set")
                }
                remote.token = token
            } else {
                remote.token = environment["CROSSGO_CACHE_TOKEN"]
            }
            remote.maxUploadBytes = Int64(maxUploadMiB) << 20
            remote.connectTimeout = connectTimeout
            remote.requestTimeout = requestTimeout
            options.remote = remote
        }
        options.runDirectory = environment["CROSSGO_CACHEPROG_RUN"].flatMap { $0.isEmpty ? nil : $0 }
        options.closeTimeout = closeTimeout
        options.printStats = stats
        options.statsFile = environment["CROSSGO_CACHEPROG_STATS"].flatMap { $0.isEmpty ? nil : $0 }
        return options
    }
}

/// The counts of a cacheprog run. Its results are go's protocol responses, so the outcome prints nothing.
public struct CacheProgOutcome: SessionOutcome {
    public var stats: CacheStats
    public var command: String { "cacheprog" }
    public var exitStatus: ExitStatus { .ok }
    public var counts: [(String, Int)] { [] }
    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome { RenderedOutcome() }
}

/// Serves the GOCACHEPROG protocol on the process's stdin and stdout; its own lines (warnings, --stats) go to
/// `messages`' stderr as `crossgo cacheprog: ...`.
public struct CacheProgSession: Sendable {
    public let context: CrossGoContext
    let messages: any OutputStreams

    public init(context: CrossGoContext, messages: any OutputStreams = StandardStreams()) {
        self.context = context
        self.messages = messages
    }

    public func run(_ request: CacheProgRequest) async throws -> CacheProgOutcome {
        let options = try request.options(environment: context.system.environment)
        signal(SIGPIPE, SIG_IGN)
        let program: CacheProgram
        do {
            let messages = self.messages
            program = try CacheProgram(options: options, system: context.system) { messages.err($0) }
        } catch {
            // Foundation's "could not be completed" hides the reason: a file in the way is the usual one.
            let reason = OutputFolder.fileInTheWay(of: options.directory, system: context.system).map { "\($0) is a file, not a folder" } ?? error.localizedDescription
            throw EnvironmentError("cannot use the cache folder \(options.directory): \(reason)")
        }
        await program.serve(input: FileLineSource(fd: 0), output: FileResponseSink(fd: 1))
        return CacheProgOutcome(stats: program.stats)
    }
}
