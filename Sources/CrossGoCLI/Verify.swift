// `crossgo verify`: maps flags to a VerifyRequest and runs the verify session.
import ArgumentParser
import CrossGoKit
import Foundation

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a release folder again: files, checksums, signature, SBOMs against binaries, universal slices.",
        discussion: """
            Reads release.json (and the build's manifest.json) in the folder, checks every checksums file and every \
            signature in it (a signature without --pub fails: it was not checked), and fails on a missing release.json, \
            a failed or interrupted release, and any file no checksum or signature covers. One line per failure. \
            Exit status: 0 everything checked out, 1 a check failed, 2 bad input (no such folder, unreadable key), 3 environment.
            """
    )

    @Argument(help: ArgumentHelp("The release folder.", valueName: "dir"))
    var folder: String = "dist"

    @Option(name: .customLong("pub"), help: ArgumentHelp("The minisign public key: a .pub file or the key itself (base64).", valueName: "key"))
    var publicKey: String?

    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        var request = VerifyRequest()
        request.folder = folder
        request.publicKey = publicKey
        let asked = request
        try await CommandRuntime.run("verify", reporting: reporting) { context in
            try FolderArgument.require(asked.folder, at: context.absolute(asked.folder), hint: "give the release's output folder, e.g. dist",
                                       system: context.system)
            return try await VerifySession(context: context).run(asked)
        }
    }
}
