// `crossgo audit`: maps flags to an AuditRequest and runs the audit session.
import ArgumentParser
import CrossGoKit
import Foundation

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check artifacts' Go version and modules against the Go vulnerability database.",
        discussion: """
            Reads each Go binary (ELF, Mach-O and every slice of a universal file, PE, wasm, XCOFF, Plan 9) and each \
            CycloneDX JSON SBOM named (*.cdx.json; in folders only Go binaries are read: SBOMs, checksums, signatures \
            and archives are skipped), and matches the Go version (as stdlib and toolchain) and every module \
            version (replaced modules at their replacement) against the Go vulnerability database, applying \
            GOOS/GOARCH limits per artifact. Then by symbol: a finding is linked when a function the entry names is in \
            the binary's function table (compiled or inlined into a caller), not linked when the module is there but none \
            of those functions is (it does not fail the audit unless --strict), unknown (treated as linked) for an SBOM \
            or an entry naming no packages. Whether linked code is reachable at run time is not checked. One artifact per file: a universal binary's slices are listed under it. --db takes a URL \
            (default https://vuln.go.dev) or a folder in the same layout (offline: https://vuln.go.dev/vulndb.zip unzipped). \
            An artifact whose build info cannot be read is "not audited", never clean. \
            Exit status: 0 nothing linked found, 1 a linked (or unknown) vulnerability found, or any with --strict, or an \
            artifact not audited, 2 bad input, \
            3 the database cannot be reached or read, 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("Artifacts: files or folders (walked).", valueName: "file-or-folder"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("The vulnerability database: an http(s) or file URL, or a folder (default: https://vuln.go.dev).", valueName: "url-or-dir"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Also write the findings as SARIF 2.1.0 to this file.", valueName: "file"))
    var sarif: String?

    @Option(name: .long, help: ArgumentHelp("Also write an OpenVEX document: not_affected (vulnerable_code_not_present) for findings not linked, affected otherwise.", valueName: "file"))
    var vex: String?

    @Flag(name: .long, help: "Fail on findings whose vulnerable functions are not linked too.")
    var strict = false

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name the artifacts to audit: files or folders (e.g. dist)") }
    }

    func run() async throws {
        let request = AuditRequest(paths: paths, database: db, sarif: sarif, vex: vex, strict: strict)
        try await CommandRuntime.run("audit", reporting: reporting) { try await AuditSession(context: $0).run(request) }
    }
}
