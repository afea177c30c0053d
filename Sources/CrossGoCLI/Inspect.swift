// `crossgo inspect`: read Go binaries of any format (ELF, Mach-O, universal, PE, wasm, XCOFF, Plan 9 a.out) without running them.
import ArgumentParser
import CrossGoKit

struct Inspect: AsyncParsableCommand, QuickCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Read Go binaries (ELF, Mach-O, universal, PE, wasm, XCOFF, Plan 9 a.out) without running them.",
        discussion: """
            For each Go binary: format, OS and architecture (each slice of a universal file), Go version, \
            main package and module, dependencies, build settings, and platform facts (code signature for \
            Mach-O, static or dynamic for ELF, js or wasip1 for wasm). The floor line says the oldest system it \
            runs on (the highest GLIBC_ version it needs, LC_BUILD_VERSION's minimum macOS, the PE subsystem \
            version, the wasm host imports, and the minimum of the Go release that built it); the signed line says \
            its signature kind (linker-signed ad-hoc, ad-hoc, certificate-signed with its team, Authenticode \
            present, or not signed; certificates are not validated). Reads wasm modules, Plan 9 a.out files and \
            every slice of universal files, which `go version -m` cannot.
            Folders are walked; files in them that are not Go binaries are skipped (listed with -v). \
            A named file that is not a Go binary, or is damaged, or a folder holding no Go binary, gets a \
            one-line error and the exit status is 1; a path that does not exist is bad input (2).
            """
    )

    @Argument(help: ArgumentHelp("Files or folders to read.", valueName: "file-or-folder"))
    var paths: [String]

    @Flag(help: "Print one JSON object per file on stdout (JSON Lines); a file that cannot be read is an object with an error.")
    var json = false

    // Accepted as on the other commands; inspect prints no progress and no colour.
    @Option(help: .hidden) var color: ColorMode = .auto
    @Flag(name: .customLong("no-progress"), help: .hidden) var noProgress = false

    @Flag(name: .shortAndLong, help: "List skipped files and the errors of files found in folders.")
    var verbose = false

    var invocation: Invocation { .inspect(InspectRequest(paths: paths, json: json, verbose: verbose), color: color) }

    func run() async throws { try await invocation.run() }
}
