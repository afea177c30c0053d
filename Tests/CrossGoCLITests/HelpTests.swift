// Every command's help through the real executable, compared with the exact text of its arguments and flags (as
// swift-argument-parser's own example tests do), at 80 columns; and the defects of a help page as a class: an
// option listed twice, a default said twice, a `release` page without what `release` takes.
import CrossGoKit
import Foundation
import TestSupport
import Testing

/// A command and the exact text of its help from the first ARGUMENTS: or OPTIONS: line to the end.
struct HelpCase: Sendable, CustomTestStringConvertible {
    var command: [String]
    var flags: String
    init(_ command: [String], _ flags: String) {
        self.command = command
        self.flags = flags
    }
    var testDescription: String { (["crossgo"] + command).joined(separator: " ") }
}

@Suite struct HelpTests {
    static let columns: EnvironmentChanges = ["COLUMNS": "80"]

    /// The part of a help page that lists arguments, options and subcommands.
    static func flagsSection(_ page: String) -> String? {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == "ARGUMENTS:" || $0 == "OPTIONS:" }) else { return nil }
        return lines[start...].joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    /// The build flags build, release and release run share, as their pages show them.
    static let buildFlags = """
          --target <spec>         Targets: pairs, sets, globs or triples,
                                  comma-separated (repeatable).
          --out <dir>             Output folder (default: dist next to go.mod).
          --jobs <jobs>           Targets built at the same time (default: chosen for
                                  this machine).
          --ldflags <ldflags>     Linker flags for go build -ldflags ({{.Version}}
                                  {{.Commit}} {{.ShortCommit}} {{.CommitDate}}
                                  {{.Date}} are filled in; --ldflags= means none).
          --tags <tags>           Build tags, comma-separated.
          --output <template>     Artifact name template: {binary} {os} {arch}
                                  {variant} {ext}.
          --trimpath/--no-trimpath
                                  Build with -trimpath (default: on).
          --clean                 Remove the artifacts listed in the previous manifest
                                  first.
          --shard <K/N>           Build only shard K of N of the (program x target)
                                  jobs, into <out>/shard-K-of-N; join with crossgo
                                  merge.
          --shard-durations <file>
                                  An earlier run's manifest.json: its durations balance
                                  the shards (every shard must get the same file).
          --remote-cache <url>    Share the Go build cache through this HTTP cache
                                  (GOCACHEPROG=crossgo cacheprog).
          --cgo                   Build with cgo for every target: zig compiles the C
                                  code of foreign targets (also `cgo: true` in
                                  crossgo.yaml).
          --sdk <dir>             A macOS SDK folder (MacOSX.sdk) for darwin targets
                                  with cgo (default: SDKROOT).
          --min-glibc <x.y>       The oldest glibc linux cgo targets promise to run on:
                                  zig links against it (libc gnu), and an artifact that
                                  needs a newer GLIBC_ version fails (also `libc:
                                  gnu.2.17` in crossgo.yaml).
        """

    /// --go, --json, --color and --no-progress, as most pages show them.
    static let reportingFlags = """
          --go <path>             The go executable to use (default: CROSSGO_GO, then
                                  PATH, then the repository's .tools/bin).
        \(outputFlags)
        """

    /// --json, --color and --no-progress, as the pages of commands without --go show them.
    static let outputFlags = """
          --json                  Print JSON Lines on stdout: one event per line, the
                                  last a summary holding the outcome or an error (see
                                  the README's event schema).
          --color <color>         Colour: auto colours only on a terminal and never
                                  with NO_COLOR. (values: auto, always, never; default:
                                  auto)
          --no-progress           Plain progress lines even on a terminal.
        """

    /// `release run`'s page, which `release` shows too, with its subcommands after it.
    static let releaseRun = """
            ARGUMENTS:
              <packages>              Main packages to release (default: every main package
                                      of the module). Words after `--` go to go build.

            OPTIONS:
            \(Self.buildFlags)
              --version <version>     The release version (default: the exact tag at HEAD
                                      without its v, else the module version go stamped).
              --project <name>        The project name of the checksums file (default:
                                      crossgo.yaml's project, else the module path's last
                                      element).
              --sign-key <file>       A minisign secret key (unencrypted, as `crossgo
                                      release keygen` or `minisign -G -W` write): the
                                      checksums file and release.json are signed with it,
                                      last, when everything passed; .rpm packages with an
                                      OpenPGP key derived from it (RPM-GPG-KEY-<project>).
              --universal/--no-universal
                                      Merge darwin/arm64 and darwin/amd64 into a universal
                                      binary (default: crossgo.yaml's universal, else off).
              --check-reproducible    Rebuild every artifact from a copy of the source in
                                      another folder with an empty GOCACHE, and compare.
              --audit                 Audit the artifacts against the Go vulnerability
                                      database and record the result in release.json (exit
                                      1 when anything is found).
              --audit-db <url|dir>    The vulnerability database for --audit: a URL or a
                                      folder in its published layout (default
                                      https://vuln.go.dev).
              --package <deb,rpm,brew,scoop>
                                      Also write these, comma-separated: deb and rpm (a
                                      package per linux artifact), brew (a Homebrew
                                      formula) and scoop (a Scoop manifest) over the
                                      archives (default: crossgo.yaml's packages.formats,
                                      else none).
              --image <registry/name[:tag]>
                                      Also make an OCI image of the linux artifacts (one
                                      manifest per platform, one multi-arch index), written
                                      as an OCI image layout in the output folder; the
                                      repository --push uploads to (default: crossgo.yaml's
                                      image.repository; image: there makes one too).
              --push                  Upload the image to its registry over the OCI
                                      distribution API, after every other stage passed
                                      (credentials: CROSSGO_REGISTRY_USERNAME and
                                      CROSSGO_REGISTRY_PASSWORD, or CROSSGO_REGISTRY_TOKEN;
                                      http only for 127.0.0.1/localhost).
            \(Self.reportingFlags)
              -h, --help              Show help information.
            """

    static let cases: [HelpCase] = [
        HelpCase([], """
            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              build                   Build, verify and record the module's programs for
                                      every target.
              test                    Run the module's tests on every target: natively,
                                      under qemu-user, node or wasmtime, or compile-only.
              bench                   Run the module's benchmarks on every target, with
                                      confidence intervals and a comparison against a
                                      baseline.
              report                  Write one self-contained HTML page with the build,
                                      test and benchmark results of an output folder.
              release                 Build, archive, describe (SBOMs), checksum and sign
                                      every artifact; or make a signing key.
              verify                  Check a release folder again: files, checksums,
                                      signature, SBOMs against binaries, universal slices.
              merge                   Join the outputs of --shard K/N runs (build, test,
                                      release) into one folder.
              serve                   Serve a web bundle (crossgo build --web) on 127.0.0.1.
              inspect                 Read Go binaries (ELF, Mach-O, universal, PE, wasm,
                                      XCOFF, Plan 9 a.out) without running them.
              audit                   Check artifacts' Go version and modules against the
                                      Go vulnerability database.
              doctor                  Explain, check by check, why this Go installation
                                      does not do what you told it to.
              targets                 List Go targets: first-class, cgo, executable
                                      extension, and how this host runs them.
              cacheprog               Serve the Go build cache to go as a GOCACHEPROG
                                      program: a local folder backed by an HTTP cache.
              ci                      Write continuous-integration workflows for the
                                      module's targets.

              See 'crossgo help <subcommand>' for detailed help.
            """),
        HelpCase(["build"], """
            ARGUMENTS:
              <packages>              Main packages to build (default: every main package
                                      of the module). Words after `--` go to go build.

            OPTIONS:
            \(Self.buildFlags)
              --run                   Run each artifact this host can run (natively,
                                      qemu-user, node, wasmtime) and show what it printed.
              --web                   Write a web bundle per js/wasm program:
                                      <out>/web/<binary>/ (index.html, wasm_exec.js, .wasm,
                                      .wasm.gz); see crossgo serve.
              --browser               With --run: run js/wasm programs in headless Chromium
                                      (a page served on 127.0.0.1) instead of node.
              --arg <word>            An argument for the programs --run starts
                                      (repeatable).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["test"], """
            ARGUMENTS:
              <packages>              Packages to test (default: ./...). Words after `--`
                                      go to go test: build flags to go test -c, test flags
                                      to the test binaries.

            OPTIONS:
              --target <spec>         Targets: pairs, sets, globs or triples,
                                      comma-separated (repeatable).
              --run <regex>           Run only tests matching this regular expression.
              --timeout <duration>    Per test binary, as a Go duration; 0 for no limit.
                                      (default: 10m)
              --tags <tags>           Build tags, comma-separated.
              --junit <file>          Write a JUnit XML report to this file.
              --no-cache              Run every test again, ignoring cached results.
              --allow-not-run         Exit 0 even when a target that could run here was
                                      only compiled for want of a runner.
              --browser               Run js/wasm tests in headless Chromium (a page served
                                      on 127.0.0.1) instead of node.
              --jobs <jobs>           Package x target runs at the same time (default:
                                      number of cores).
              --results <file>        Write the results as JSON (test-results.json) to this
                                      file.
              --shard <K/N>           Run only shard K of N of the (package x target) runs;
                                      results go to dist/shard-K-of-N/test-results.json (or
                                      --results); join with crossgo merge.
              --shard-durations <file>
                                      An earlier run's test-results.json: its durations
                                      balance the shards.
              --remote-cache <url>    Share the Go build cache through this HTTP cache
                                      (GOCACHEPROG=crossgo cacheprog).
              --cgo                   Build with cgo for every target: zig compiles the C
                                      code of foreign targets (also `cgo: true` in
                                      crossgo.yaml).
              --sdk <dir>             A macOS SDK folder (MacOSX.sdk) for darwin targets
                                      with cgo (default: SDKROOT).
              --min-glibc <x.y>       The oldest glibc linux cgo targets promise to run on:
                                      zig links against it (libc gnu), and an artifact that
                                      needs a newer GLIBC_ version fails (also `libc:
                                      gnu.2.17` in crossgo.yaml).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["bench"], """
            ARGUMENTS:
              <packages>              Packages to benchmark (default: ./...). crossgo bench
                                      passes no go flags.

            OPTIONS:
              --target <spec>         Targets: pairs, sets, globs or triples,
                                      comma-separated (repeatable); default: host.
              --bench <regex>         Run only benchmarks matching this regular expression
                                      (default: all).
              --count <count>         Runs of every package x target (6 or more give
                                      confidence intervals). (default: 1)
              --benchtime <t>         Per benchmark, as go test -benchtime: a duration (1s,
                                      20ms) or iterations (100x).
              --baseline <file|last>  Compare with this bench-results.json, or `last` (this
                                      module's previous run).
              --tags <tags>           Build tags, comma-separated.
              --jobs <jobs>           Test binaries built at the same time (runs are always
                                      one at a time).
              --results <file>        Write the results to this file (default:
                                      dist/bench-results.json next to go.mod).
              --shard <K/N>           Run only shard K of N of the (package x target) runs;
                                      results go to dist/shard-K-of-N/bench-results.json.
              --timeout <duration>    Per test binary run, as a Go duration. (default: 10m)
              --artifacts             Measure the artifacts of dist/manifest.json (after
                                      crossgo build): size, size by package, start-up, peak
                                      RSS, GC.
              --dist <dir>            With --artifacts: the output folder holding
                                      manifest.json (default: dist next to go.mod).
              --arg <word>            With --artifacts: an argument for each program run
                                      (repeatable).
              --cgo                   Build with cgo for every target: zig compiles the C
                                      code of foreign targets (also `cgo: true` in
                                      crossgo.yaml).
              --sdk <dir>             A macOS SDK folder (MacOSX.sdk) for darwin targets
                                      with cgo (default: SDKROOT).
              --min-glibc <x.y>       The oldest glibc linux cgo targets promise to run on:
                                      zig links against it (libc gnu), and an artifact that
                                      needs a newer GLIBC_ version fails (also `libc:
                                      gnu.2.17` in crossgo.yaml).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["report"], """
            ARGUMENTS:
              <dir>                   The output folder (default: dist next to go.mod).

            OPTIONS:
              -o, --output <file>     Write the page here (default: <dir>/report.html).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["release"], releaseRun + "\n" + """

            SUBCOMMANDS:
              run (default)           Build, then archive, describe (SBOMs), checksum and
                                      sign every artifact; optionally prove the build
                                      reproducible.
              keygen                  Write a minisign key pair: NAME.key (secret, mode
                                      0600, unencrypted) and NAME.pub.

              See 'crossgo help release <subcommand>' for detailed help.
            """),
        HelpCase(["release", "run"], releaseRun),
        HelpCase(["release", "keygen"], """
            ARGUMENTS:
              <name>                  The key pair's name: NAME.key and NAME.pub are
                                      written.

            OPTIONS:
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["verify"], """
            ARGUMENTS:
              <dir>                   The release folder. (default: dist)

            OPTIONS:
              --pub <key>             The minisign public key: a .pub file or the key
                                      itself (base64).
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["merge"], """
            ARGUMENTS:
              <dir>                   The shards' output folders.

            OPTIONS:
              --out <dir>             Where the merged outputs go. (default: dist)
              --sign-key <file>       A minisign secret key to sign the merged release's
                                      checksums and its .rpm packages.
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["serve"], """
            ARGUMENTS:
              <folder>                The bundle folder to serve.

            OPTIONS:
              --addr <addr>           Address to listen on: 127.0.0.1:PORT (PORT 0: a free
                                      one). (default: 127.0.0.1:0)
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["inspect"], """
            ARGUMENTS:
              <file-or-folder>        Files or folders to read.

            OPTIONS:
              --json                  Print one JSON object per file on stdout (JSON
                                      Lines); a file that cannot be read is an object with
                                      an error.
              -v, --verbose           List skipped files and the errors of files found in
                                      folders.
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["audit"], """
            ARGUMENTS:
              <file-or-folder>        Artifacts: files or folders (walked).

            OPTIONS:
              --db <url-or-dir>       The vulnerability database: an http(s) or file URL,
                                      or a folder (default: https://vuln.go.dev).
              --sarif <file>          Also write the findings as SARIF 2.1.0 to this file.
              --vex <file>            Also write an OpenVEX document: not_affected
                                      (vulnerable_code_not_present) for findings not
                                      linked, affected otherwise.
              --strict                Fail on findings whose vulnerable functions are not
                                      linked too.
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["doctor"], """
            OPTIONS:
              --fix-shell <shell>     Print shell lines that repair what they can (zsh,
                                      bash or fish). (values: zsh, bash, fish)
              --no-cache              Run `go env -json` even when crossgo remembers its
                                      output for this go, environment and env files.
            \(Self.outputFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["targets"], """
            OPTIONS:
              --target <spec>         Targets to show: pairs, sets, globs or triples,
                                      comma-separated (repeatable).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["cacheprog"], """
            OPTIONS:
              --url <url>             The HTTP cache (http:// or https://); without it,
                                      only the local folder.
              --dir <dir>             The local folder (default: crossgo's cache folder,
                                      gocacheprog).
              --token-env <name>      The environment variable holding the bearer token
                                      (default: CROSSGO_CACHE_TOKEN).
              --max-upload <MiB>      Do not upload objects larger than this many MiB.
                                      (default: 100)
              --connect-timeout <seconds>
                                      Seconds the server has to answer first. (default: 2.0)
              --request-timeout <seconds>
                                      Seconds a request may stall. (default: 10.0)
              --close-timeout <seconds>
                                      Seconds close waits for pending uploads. (default:
                                      30.0)
              --stats                 Print the counts (gets, hits, misses, puts, corrupt
                                      objects, remote errors) on stderr at the end.
              --version               Show the version.
              -h, --help              Show help information.
            """),
        HelpCase(["ci"], """
            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              github                  Write .github/workflows/crossgo.yml: shards on Linux,
                                      darwin and windows natively, one merged result.

              See 'crossgo help ci <subcommand>' for detailed help.
            """),
        HelpCase(["ci", "github"], """
            OPTIONS:
              --stdout                Print the workflow on stdout and write nothing.
              --force                 Replace an existing .github/workflows/crossgo.yml.
              --shards <n>            Linux shards the (package x target) matrix is split
                                      into (default: one per four targets, at most 4).
              --target <spec>         Targets: pairs, sets, globs or triples,
                                      comma-separated (repeatable; default: crossgo.yaml's
                                      targets, else default).
              --crossgo-source <url>  A git URL of crossgo's sources for the workflow to
                                      build (default: the repository variable
                                      CROSSGO_SOURCE).
              --crossgo-ref <ref>     The tag or commit of crossgo to build (default: the
                                      repository variable CROSSGO_REF).
            \(Self.reportingFlags)
              --version               Show the version.
              -h, --help              Show help information.
            """),
    ]

    @Test("The help of every command lists exactly its arguments and flags", arguments: cases)
    func exactFlags(_ help: HelpCase) async throws {
        let viaHelp = try await runCrossgo(["help"] + help.command, environment: Self.columns)
        #expect(viaHelp.exitCode == 0 && viaHelp.stderr.isEmpty, "\(viaHelp.stderr)")
        #expect(Self.flagsSection(viaHelp.stdout) == help.flags, "\(viaHelp.stdout)")
        let viaFlag = try await runCrossgo(help.command + ["--help"], environment: Self.columns)
        #expect(viaFlag.exitCode == 0)
        #expect(viaFlag.stdout == viaHelp.stdout)
        // The class: no option twice on a page, no default said twice in one entry.
        let names = viaHelp.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  -") else { return nil }
            return line.split(separator: " ").first { $0.hasPrefix("--") }.map { String($0.split(separator: "/").first ?? $0) }
        }
        #expect(names.count == Set(names).count, "listed twice: \(names)")
        let entries = viaHelp.stdout.replacingOccurrences(of: "\n                          ", with: " ").split(separator: "\n")
        #expect(!entries.contains { $0.components(separatedBy: "(default").count > 2 }, "a default said twice")
    }

    @Test("Every command has a case above")
    func everyCommandIsCovered() async throws {
        let root = try await runCrossgo(["--help"], environment: Self.columns)
        let section = root.stdout.components(separatedBy: "SUBCOMMANDS:\n").last ?? ""
        let commands = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first, name != "See" else { return nil }
            return String(name)
        }
        #expect(commands.count == 14)
        let covered = Set(Self.cases.compactMap(\.command.first))
        #expect(Set(commands).isSubset(of: covered), "no help case for \(Set(commands).subtracting(covered))")
    }

    @Test("crossgo release --help shows what release takes (release run's flags, --version once) and its subcommands")
    func releasePage() async throws {
        var pages: [String] = []
        for arguments in [["release", "--help"], ["release", "-h"], ["help", "release"]] {
            pages.append(try await runCrossgo(arguments, environment: Self.columns).stdout)
        }
        #expect(pages[0] == pages[1] && pages[1] == pages[2])
        let page = pages[0]
        #expect(page.hasPrefix("OVERVIEW: Build, archive, describe (SBOMs), checksum and sign every artifact;\nor make a signing key.\n"))
        #expect(page.contains("\nUSAGE: crossgo release [run] [<options>] [<packages> ...]\n"))
        let run = try await runCrossgo(["help", "release", "run"], environment: Self.columns)
        let runFlags = try #require(Self.flagsSection(run.stdout))
        #expect(page.contains(runFlags + "\n\nSUBCOMMANDS:\n  run (default)"))
        #expect(page.components(separatedBy: "--version").count == 2)
        // `--version VERSION` still names the release's version, after the packages or before them.
        #expect(page.contains("  --version <version>     The release version"))
    }
}

