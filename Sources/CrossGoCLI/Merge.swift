// `crossgo merge`: maps flags to a MergeRequest and runs the merge session.
import ArgumentParser
import CrossGoKit
import Foundation

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the outputs of --shard K/N runs (build, test, release) into one folder.",
        discussion: """
            Writes one manifest.json and SHA256SUMS, one test-results.json and junit.xml, one release.json and checksums \
            file (signed with --sign-key). Refuses shards of different plans, commits or Go versions, a missing shard and \
            overlapping shards. Exit status: 0 merged and nothing failed, 1 merged with failed targets, 2 shards that do not \
            belong together, 3 environment.
            """
    )

    @Argument(help: ArgumentHelp("The shards' output folders.", valueName: "dir"))
    var folders: [String] = []

    @Option(help: ArgumentHelp("Where the merged outputs go.", valueName: "dir"))
    var out: String = "dist"

    @Option(name: .customLong("sign-key"), help: ArgumentHelp("A minisign secret key to sign the merged release's checksums and its .rpm packages.", valueName: "file"))
    var signKey: String?

    @OptionGroup var reporting: ReportingOptions

    func run() async throws {
        var request = MergeRequest()
        request.folders = folders
        request.out = out
        request.signKey = signKey
        let asked = request
        try await CommandRuntime.run("merge", reporting: reporting) { context in
            for folder in asked.folders { try FolderArgument.require(folder, at: context.absolute(folder), system: context.system) }
            return try await MergeSession(context: context).run(asked)
        }
    }
}
