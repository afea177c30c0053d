// `crossgo release` and `crossgo release keygen`: map flags to a ReleaseRequest / a key pair.
import ArgumentParser
import CrossGoKit
import Foundation

/// `crossgo release` is `crossgo release run` (the default) or `crossgo release keygen`.
struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Build, archive, describe (SBOMs), checksum and sign every artifact; or make a signing key.",
        subcommands: [Run.self, Keygen.self],
        defaultSubcommand: Run.self
    )
}

extension Release {
  struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build, then archive, describe (SBOMs), checksum and sign every artifact; optionally prove the build reproducible.",
        discussion: """
            Runs the build, then these stages: a universal macOS binary (--universal), reproducible archives \
            (<binary>_<version>_<os>_<arch>.tar.gz, .zip for windows, with the module's README*/LICENSE* files), \
            CycloneDX 1.6 and SPDX 2.3 SBOMs per binary from its own build info, .deb and .rpm packages per linux artifact \
            and a Homebrew formula and a Scoop manifest per program (--package, or packages: in crossgo.yaml), a multi-arch OCI image of \
            the linux artifacts as an OCI image layout <project>_<version>_oci/ (--image, or image: in crossgo.yaml), a rebuild-and-compare proof \
            (--check-reproducible), an audit (--audit), the .rpm packages' OpenPGP signatures (--sign-key, when everything \
            before passed), the image's upload (--push), <project>_<version>_checksums.txt and release.json; last, and \
            only when every target and stage passed, the minisign signatures of both (--sign-key). An interrupted \
            release leaves no checksums file and no signature. \
            Archive entries carry SOURCE_DATE_EPOCH, else the last commit's time. \
            Exit status: 0 released, 1 a target or stage failed (or not reproducible), 2 bad input, 3 environment (a registry down or refusing), 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("Main packages to release (default: every main package of the module). Words after `--` go to go build.", valueName: "packages"))
    var packages: [String] = []

    @OptionGroup var arguments: PackageArguments
    @OptionGroup var build: BuildFlags

    @Option(name: .customLong("version"), help: ArgumentHelp("The release version (default: the exact tag at HEAD without its v, else the module version go stamped).", valueName: "version"))
    var releaseVersion: String?

    @Option(help: ArgumentHelp("The project name of the checksums file (default: crossgo.yaml's project, else the module path's last element).", valueName: "name"))
    var project: String?

    @Option(name: .customLong("sign-key"), help: ArgumentHelp("A minisign secret key (unencrypted, as `crossgo release keygen` or `minisign -G -W` write): the checksums file and release.json are signed with it, last, when everything passed; .rpm packages with an OpenPGP key derived from it (RPM-GPG-KEY-<project>).", valueName: "file"))
    var signKey: String?

    @Flag(inversion: .prefixedNo, help: "Merge darwin/arm64 and darwin/amd64 into a universal binary (default: crossgo.yaml's universal, else off).")
    var universal: Bool?

    @Flag(name: .customLong("check-reproducible"), help: "Rebuild every artifact from a copy of the source in another folder with an empty GOCACHE, and compare.")
    var checkReproducible = false

    @Flag(help: "Audit the artifacts against the Go vulnerability database and record the result in release.json (exit 1 when anything is found).")
    var audit = false

    @Option(name: .customLong("audit-db"), help: ArgumentHelp("The vulnerability database for --audit: a URL or a folder in its published layout (default https://vuln.go.dev).", valueName: "url|dir"))
    var auditDatabase: String?

    @Option(name: .customLong("package"), help: ArgumentHelp("Also write these, comma-separated: deb and rpm (a package per linux artifact), brew (a Homebrew formula) and scoop (a Scoop manifest) over the archives (default: crossgo.yaml's packages.formats, else none).", valueName: "deb,rpm,brew,scoop"))
    var packageFormats: String?

    @Option(help: ArgumentHelp("Also make an OCI image of the linux artifacts (one manifest per platform, one multi-arch index), written as an OCI image layout in the output folder; the repository --push uploads to (default: crossgo.yaml's image.repository; image: there makes one too).", valueName: "registry/name[:tag]"))
    var image: String?

    @Flag(help: "Upload the image to its registry over the OCI distribution API, after every other stage passed (credentials: CROSSGO_REGISTRY_USERNAME and CROSSGO_REGISTRY_PASSWORD, or CROSSGO_REGISTRY_TOKEN; http only for 127.0.0.1/localhost).")
    var push = false

    @OptionGroup var toolchainOptions: ToolchainOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if let packageFormats {
            do { _ = try PackageFormat.parseList(packageFormats, what: "--package") } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        var request = ReleaseRequest()
        request.packageFormats = try packageFormats.map { try PackageFormat.parseList($0, what: "--package") }
        request.build = try build.request(packages: packages, arguments, goPath: toolchainOptions.goPath)
        request.version = releaseVersion
        request.project = project
        request.signKey = signKey
        request.universal = universal
        request.checkReproducible = checkReproducible
        request.audit = audit || auditDatabase != nil
        request.auditDatabase = auditDatabase
        request.image = image
        request.push = push
        let asked = request
        try await CommandRuntime.run("release", reporting: reporting, remoteCache: build.remoteCache) { context, cacheEnvironment in
            var asked = asked
            asked.build.extraEnvironment.merge(cacheEnvironment) { $1 }
            return try await ReleaseSession(context: context).run(asked)
        }
    }
  }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Write a minisign key pair: NAME.key (secret, mode 0600, unencrypted) and NAME.pub.",
            discussion: "An existing file is never overwritten. The secret key is never printed. Verify with: minisign -Vm FILE -p NAME.pub"
        )

        @Argument(help: ArgumentHelp("The key pair's name: NAME.key and NAME.pub are written.", valueName: "name"))
        var name: String

        @OptionGroup var reporting: ReportingOptions

        func run() async throws {
            let keyName = name
            try await CommandRuntime.run("release keygen", reporting: reporting) { context in
                try KeygenSession(context: context).run(name: keyName)
            }
        }
    }
}
