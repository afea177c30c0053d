// `crossgo cacheprog`: the GOCACHEPROG program (go starts it; it speaks JSON lines on stdin/stdout).
import ArgumentParser
import CrossGoKit
import Foundation

struct CacheProgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cacheprog",
        abstract: "Serve the Go build cache to go as a GOCACHEPROG program: a local folder backed by an HTTP cache.",
        discussion: """
            Set GOCACHEPROG="crossgo cacheprog --url URL" (crossgo build/test --remote-cache URL do it for the go \
            commands they run). The HTTP store speaks bazel-remote's paths: GET/PUT URL/ac/<action> and \
            URL/cas/<sha256>, as bazel-remote (--disable_http_ac_validation) or nginx WebDAV serve them. Objects \
            that do not match their hash are refused; a server that is down or slow means the local folder only, \
            with one warning. The bearer token comes from CROSSGO_CACHE_TOKEN (or --token-env) and is never printed. \
            CROSSGO_CACHEPROG_STATS=FILE appends the counts as one JSON line per process.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The HTTP cache (http:// or https://); without it, only the local folder.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("The local folder (default: crossgo's cache folder, gocacheprog).", valueName: "dir"))
    var dir: String?

    @Option(name: .customLong("token-env"), help: ArgumentHelp("The environment variable holding the bearer token (default: CROSSGO_CACHE_TOKEN).", valueName: "name"))
    var tokenEnv: String?

    @Option(name: .customLong("max-upload"), help: ArgumentHelp("Do not upload objects larger than this many MiB.", valueName: "MiB"))
    var maxUpload: Int = 100

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Seconds the server has to answer first.", valueName: "seconds"))
    var connectTimeout: Double = 2

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds a request may stall.", valueName: "seconds"))
    var requestTimeout: Double = 10

    @Option(name: .customLong("close-timeout"), help: ArgumentHelp("Seconds close waits for pending uploads.", valueName: "seconds"))
    var closeTimeout: Double = 30

    @Flag(help: "Print the counts (gets, hits, misses, puts, corrupt objects, remote errors) on stderr at the end.")
    var stats = false

    func validate() throws {
        if maxUpload < 0 { throw ValidationError("--max-upload must be 0 or more") }
        if connectTimeout <= 0 || requestTimeout <= 0 || closeTimeout < 0 { throw ValidationError("timeouts must be positive") }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        var options = CacheProgramOptions(directory: dir ?? CacheProgramOptions.defaultDirectory(environment: environment))
        if let url {
            guard let parsed = RemoteCacheLaunch.parseURL(url) else { throw fail(UsageError("--url '\(url)' is not an http:// or https:// URL")) }
            var remote = RemoteCacheSettings(url: parsed)
            if let tokenEnv {
                guard let token = environment[tokenEnv], !token.isEmpty else {
                    throw fail(UsageError("--token-env \(tokenEnv): the variable is not set"))
                }
                remote.token = token
            } else {
                remote.token = environment["CROSSGO_CACHE_TOKEN"]
            }
            remote.maxUploadBytes = Int64(maxUpload) << 20
            remote.connectTimeout = connectTimeout
            remote.requestTimeout = requestTimeout
            options.remote = remote
        }
        options.runDirectory = environment["CROSSGO_CACHEPROG_RUN"].flatMap { $0.isEmpty ? nil : $0 }
        options.closeTimeout = closeTimeout
        options.printStats = stats
        options.statsFile = environment["CROSSGO_CACHEPROG_STATS"].flatMap { $0.isEmpty ? nil : $0 }
        let program: CacheProgram
        do {
            program = try CacheProgram(options: options) { Console.err($0) }
        } catch {
            throw fail(EnvironmentError("cannot use the cache folder \(options.directory): \(error.localizedDescription)"))
        }
        await program.serve(input: FileLineSource(fd: 0), output: FileResponseSink(fd: 1))
    }
}
