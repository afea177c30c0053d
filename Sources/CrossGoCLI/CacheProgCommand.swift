// `crossgo cacheprog`: the GOCACHEPROG program (go starts it; it speaks JSON lines on stdin/stdout).
import ArgumentParser
import CrossGoKit

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

    func run() async throws {
        var request = CacheProgRequest(url: url, directory: dir, tokenVariable: tokenEnv)
        request.maxUploadMiB = maxUpload
        request.connectTimeout = connectTimeout
        request.requestTimeout = requestTimeout
        request.closeTimeout = closeTimeout
        request.stats = stats
        // stdout is go's protocol stream: plain messages on stderr only; go, which started it, ends it.
        try await CommandRuntime.run("cacheprog", reporter: .plain(color: .never), trapInterrupts: false) { [request] context in
            try await CacheProgSession(context: context).run(request)
        }
    }
}
