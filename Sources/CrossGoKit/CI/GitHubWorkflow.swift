// The text of `.github/workflows/crossgo.yml`: built from a CIPlan (targets already placed on runners),
// written as YAML text by hand so that its comments say why each part is there.
import Foundation

/// Everything the workflow is generated from.
public struct CIPlan: Sendable, Equatable, Encodable {
    /// One target and the runner that tests it natively (darwin, windows).
    public struct Native: Sendable, Equatable, Encodable {
        public var target: String
        public var runner: String
        /// `darwin-arm64`: the target as a word for artifact names.
        public var name: String { target.replacingOccurrences(of: "/", with: "-") }
        public var goarch: String { String(target.split(separator: "/").dropFirst().first ?? "") }
    }

    /// The module path, for the header.
    public var module: String
    /// Every target, as `--target` spells it, in crossgo's order.
    public var targets: [String]
    /// Where the targets came from: "crossgo.yaml", "--target" or "the default set".
    public var targetSource: String
    public var shards: Int
    /// Go version for actions/setup-go, without "go" ("1.27.3").
    public var goVersion: String
    /// The module's folder relative to the repository root ("." when it is the root).
    public var moduleDirectory: String
    public var darwin: [Native]
    public var windows: [Native]
    /// Whether the shards need qemu-user (linux targets other than linux/amd64 and linux/386),
    /// Wine (windows targets), 32-bit Wine (windows/386).
    public var qemu: Bool
    public var wine: Bool
    public var wine32: Bool
    /// crossgo's sources: baked in, or nil for the repository variables CROSSGO_SOURCE / CROSSGO_REF.
    public var crossgoSource: String?
    public var crossgoRef: String?
    /// Swift version swiftly installs to build crossgo.
    public var swiftVersion: String
    /// A module without main packages: test shards only, no build step and no release job.
    public var library: Bool = false
    /// The branch the push trigger names, and where it came from, for the header ("origin's default branch (origin/HEAD)").
    public var branch: String = "main"
    public var branchSource: String = "assumed (no git branch)"
}

/// Renders a CIPlan as a GitHub Actions workflow.
public enum GitHubWorkflow {
    public static let relativePath = ".github/workflows/crossgo.yml"

    public static func render(_ plan: CIPlan) -> String {
        var y = YAMLText()
        let shardList = (1...plan.shards).map(String.init).joined(separator: ", ")
        y.comment("Written by `crossgo ci github` (crossgo \(CrossGoVersion.current)) for \(plan.module).")
        y.comment("Targets (\(plan.targetSource)): \(plan.targets.joined(separator: " "))")
        y.comment("Regenerate with `crossgo ci github --force` when the targets or the Go version change.")
        y.comment("")
        for line in wrap("Jobs: " + jobSummary(plan).joined(separator: "; ") + ".", width: 116) { y.comment(line) }
        if plan.library {
            y.comment("The module has no main package (a library): the shards test it; nothing is built or released.")
        }
        y.comment("Pushes to \(plan.branch) run it: \(plan.branchSource).")
        y.comment("")
        y.comment("crossgo has no published binary release: it is built from source with Swift \(plan.swiftVersion), installed by")
        y.comment("swiftly (swift.org's installer, which checks each toolchain's signature), so that no third-party action is needed.")
        if plan.crossgoSource == nil {
            y.comment("Set the repository variables CROSSGO_SOURCE (a git URL of crossgo's sources) and CROSSGO_REF (a tag or a")
            y.comment("commit), or generate again with --crossgo-source/--crossgo-ref to write them here.")
        }
        y.line("name: crossgo")
        y.blank()
        y.line("on:")
        y.line("  push:")
        y.line("    branches: [\(quoted(plan.branch))]")
        y.line("    tags: ['v*']")
        y.line("  pull_request:")
        y.line("  workflow_dispatch:")
        y.blank()
        y.comment("Least privilege: the jobs only read the repository; artifacts need no token scope.")
        y.line("permissions:")
        y.line("  contents: read")
        y.blank()
        y.line("concurrency:")
        y.line("  group: crossgo-${{ github.ref }}")
        y.line("  cancel-in-progress: ${{ github.event_name == 'pull_request' }}")
        y.blank()
        y.line("env:")
        y.line("  CROSSGO_TARGETS: \(quoted(plan.targets.joined(separator: ",")))")
        y.line("  CROSSGO_SHARDS: \(quoted(String(plan.shards)))")
        y.line("  GO_VERSION: \(quoted(plan.goVersion))")
        y.line("  SWIFT_VERSION: \(quoted(plan.swiftVersion))")
        y.line("  CROSSGO_SOURCE: \(plan.crossgoSource.map(quoted) ?? "${{ vars.CROSSGO_SOURCE }}")")
        y.line("  CROSSGO_REF: \(plan.crossgoRef.map(quoted) ?? "${{ vars.CROSSGO_REF }}")")
        y.line("  NO_COLOR: '1'")
        y.blank()
        y.line("defaults:")
        y.line("  run:")
        y.line("    shell: bash")
        y.blank()
        y.line("jobs:")

        // crossgo, built once for the Linux jobs.
        y.line("  crossgo:")
        y.line("    name: crossgo (built from source)")
        y.line("    runs-on: \(CIPlacement.Labels.linux)")
        y.line("    timeout-minutes: 45")
        y.line("    steps:")
        y.line("      - name: Build crossgo with Swift")
        y.line("        run: |")
        y.script(12, installSwift(linux: true) + buildCrossgo(linux: true) + [
            "mkdir -p \"$RUNNER_TEMP/crossgo-bin\"",
            "cp \"$(swift build --package-path \"$RUNNER_TEMP/crossgo-src\" -c release --show-bin-path)/crossgo\" \"$RUNNER_TEMP/crossgo-bin/\"",
            "\"$RUNNER_TEMP/crossgo-bin/crossgo\" --version",
        ])
        y.line("      - uses: \(PinnedAction.uploadArtifact.uses)")
        y.line("        with:")
        y.line("          name: crossgo-linux")
        y.line("          path: ${{ runner.temp }}/crossgo-bin/crossgo")
        y.line("          if-no-files-found: error")
        y.line("          retention-days: 1")
        y.blank()

        // The shard matrix.
        y.line("  shards:")
        y.line("    name: shard ${{ matrix.shard }}/\(plan.shards) (\(CIPlacement.Labels.linux))")
        y.line("    needs: crossgo")
        y.line("    runs-on: \(CIPlacement.Labels.linux)")
        y.line("    timeout-minutes: 60")
        y.line("    strategy:")
        y.line("      fail-fast: false")
        y.line("      matrix:")
        y.line("        shard: [\(shardList)]")
        moduleDefaults(&y, plan)
        y.line("    steps:")
        checkoutAndGo(&y)
        downloadCrossgo(&y)
        var packages: [String] = []
        if plan.qemu { packages.append("qemu-user") }
        if plan.wine { packages.append(plan.wine32 ? "wine64 wine32:i386" : "wine64") }
        if !packages.isEmpty {
            y.line("      - name: Install emulators")
            y.line("        run: |")
            y.script(12, (plan.wine32 ? ["sudo dpkg --add-architecture i386"] : []) + [
                "sudo apt-get update -qq",
                "sudo apt-get install -y -qq --no-install-recommends \(packages.joined(separator: " "))",
            ])
        }
        y.comment("A failed shard still uploads its results: merge shows its targets as failed, never as absent.", indent: 6)
        y.line("      - name: Test shard")
        y.line("        env:")
        y.line("          SHARD: ${{ matrix.shard }}")
        y.line("        run: crossgo test --target \"$CROSSGO_TARGETS\" --shard \"$SHARD/$CROSSGO_SHARDS\" --results dist-shard/test-results.json")
        if !plan.library {
            y.line("      - name: Build shard")
            y.line("        if: ${{ !cancelled() }}")
            y.line("        env:")
            y.line("          SHARD: ${{ matrix.shard }}")
            y.line("        run: crossgo build --target \"$CROSSGO_TARGETS\" --shard \"$SHARD/$CROSSGO_SHARDS\" --out dist-shard")
        }
        y.line("      - uses: \(PinnedAction.uploadArtifact.uses)")
        y.line("        if: ${{ !cancelled() }}")
        y.line("        with:")
        y.line("          name: crossgo-shard-${{ matrix.shard }}-of-\(plan.shards)")
        y.line("          path: \(modulePath(plan, "dist-shard"))")
        y.line("          if-no-files-found: error")
        y.line("          retention-days: 7")

        if !plan.darwin.isEmpty {
            y.blank()
            y.comment("darwin: tests run natively (Apple Silicon on \(CIPlacement.Labels.macAppleSilicon), Intel on \(CIPlacement.Labels.macIntel)); the", indent: 2)
            y.comment("shards only compile them. crossgo is built here too: a Linux binary does not run on macOS.", indent: 2)
            nativeJob(&y, "darwin", plan.darwin, plan)
            y.line("      - name: Build crossgo with Swift")
            y.line("        run: |")
            y.script(12, installSwift(linux: false) + buildCrossgo(linux: false) + [
                "mkdir -p \"$RUNNER_TEMP/crossgo-bin\"",
                "cp \"$(swift build --package-path \"$RUNNER_TEMP/crossgo-src\" -c release --show-bin-path)/crossgo\" \"$RUNNER_TEMP/crossgo-bin/\"",
                "echo \"$RUNNER_TEMP/crossgo-bin\" >> \"$GITHUB_PATH\"",
            ])
            y.line("      - name: Test natively")
            y.line("        env:")
            y.line("          TARGET: ${{ matrix.target }}")
            y.line("          NAME: ${{ matrix.name }}")
            y.line("        run: crossgo test --target \"$TARGET\" --results \"dist-native/test-results-$NAME.json\" --junit \"dist-native/junit-$NAME.xml\"")
            uploadNative(&y, plan)
        }

        if !plan.windows.isEmpty {
            y.blank()
            y.comment("windows: go test natively (crossgo itself runs on macOS and Linux; the shards build these targets and", indent: 2)
            y.comment("test them under Wine). The go test -json output is uploaded with the merged results (native-results/).", indent: 2)
            nativeJob(&y, "windows", plan.windows, plan)
            y.line("      - name: go test natively")
            y.line("        env:")
            y.line("          GOARCH: ${{ matrix.goarch }}")
            y.line("          NAME: ${{ matrix.name }}")
            y.line("        run: |")
            y.script(12, ["mkdir -p dist-native", "go test -json ./... > \"dist-native/go-test-$NAME.json\""])
            uploadNative(&y, plan)
        }

        // Merge, and the signed release.
        let needs = ["crossgo", "shards"] + (plan.darwin.isEmpty ? [] : ["darwin"]) + (plan.windows.isEmpty ? [] : ["windows"])
        y.blank()
        y.line("  merge:")
        y.line("    name: merge\(plan.darwin.isEmpty && plan.windows.isEmpty ? "" : " (and native results)")")
        y.line("    needs: [\(needs.joined(separator: ", "))]")
        y.line("    if: ${{ !cancelled() }}")
        y.line("    runs-on: \(CIPlacement.Labels.linux)")
        y.line("    timeout-minutes: 45")
        moduleDefaults(&y, plan)
        y.line("    steps:")
        checkoutAndGo(&y)
        downloadCrossgo(&y)
        y.comment("Each shard into its own folder (no merge-multiple): crossgo merge checks them one by one.", indent: 6)
        y.line("      - uses: \(PinnedAction.downloadArtifact.uses)")
        y.line("        with:")
        y.line("          pattern: crossgo-shard-*")
        y.line("          path: ${{ runner.temp }}/shards")
        if !plan.darwin.isEmpty || !plan.windows.isEmpty {
            y.line("      - uses: \(PinnedAction.downloadArtifact.uses)")
            y.line("        with:")
            y.line("          pattern: crossgo-native-*")
            y.line("          path: \(modulePath(plan, "native-results"))")
            y.line("          merge-multiple: true")
        }
        y.line("      - name: Merge the shards")
        y.line("        run: crossgo merge \"$RUNNER_TEMP\"/shards/crossgo-shard-* --out dist")
        y.line("      - uses: \(PinnedAction.uploadArtifact.uses)")
        y.line("        if: ${{ !cancelled() }}")
        y.line("        with:")
        y.line("          name: crossgo-dist")
        if plan.darwin.isEmpty && plan.windows.isEmpty {
            y.line("          path: \(modulePath(plan, "dist"))")
        } else {
            y.line("          path: |")
            y.line("            \(modulePath(plan, "dist"))")
            y.line("            \(modulePath(plan, "native-results"))")
        }
        y.line("          retention-days: 30")
        if plan.library { return y.text }
        // The signed release: its own job in the `release` deployment environment, so that the signing key can be
        // an environment secret behind that environment's protection rules, seen by no other job.
        y.blank()
        y.comment("The signed release, on v* tags only, in the `release` environment: store CROSSGO_MINISIGN_KEY (a minisign", indent: 2)
        y.comment("secret key, unencrypted, as `crossgo release keygen` writes it) as a secret of that environment. The key goes", indent: 2)
        y.comment("from the secret to a file through the environment, never through an expression in the script nor to the", indent: 2)
        y.comment("log; without the secret the release is skipped.", indent: 2)
        y.line("  release:")
        y.line("    name: signed release")
        y.line("    needs: merge")
        y.line("    if: ${{ startsWith(github.ref, 'refs/tags/v') }}")
        y.line("    runs-on: \(CIPlacement.Labels.linux)")
        y.line("    timeout-minutes: 45")
        y.line("    environment: release")
        y.comment("GitHub's build-provenance attestation of the released files; nothing else is written.", indent: 4)
        y.line("    permissions:")
        y.line("      contents: read")
        y.line("      id-token: write  # an OIDC token for the attestation's Sigstore signing certificate")
        y.line("      attestations: write  # to store the attestation with the repository")
        moduleDefaults(&y, plan)
        y.line("    steps:")
        checkoutAndGo(&y)
        downloadCrossgo(&y)
        y.line("      - name: Release, signed")
        y.line("        id: release")
        y.line("        env:")
        y.line("          MINISIGN_SECRET_KEY: ${{ secrets.CROSSGO_MINISIGN_KEY }}")
        y.line("        run: |")
        y.script(12, [
            "if [ -z \"$MINISIGN_SECRET_KEY\" ]; then",
            "  echo \"no CROSSGO_MINISIGN_KEY secret in the release environment: no signed release\"",
            "  exit 0",
            "fi",
            "key=\"$RUNNER_TEMP/minisign.key\"",
            "trap 'rm -f \"$key\"' EXIT",
            "(umask 077 && printf '%s\\n' \"$MINISIGN_SECRET_KEY\" > \"$key\")",
            "crossgo release --target \"$CROSSGO_TARGETS\" --sign-key \"$key\" --out release",
            "printf 'checksums=%s\\n' \"$PWD\"/release/*_checksums.txt >> \"$GITHUB_OUTPUT\"",
        ])
        y.comment("crossgo's own provenance (release/*.intoto.jsonl) is signed with the release key; GitHub's attestation adds", indent: 6)
        y.comment("a Sigstore-signed one bound to this workflow run, of every file the checksums file lists (gh attestation verify).", indent: 6)
        y.line("      - uses: \(PinnedAction.attestBuildProvenance.uses)")
        y.line("        if: ${{ steps.release.outputs.checksums != '' }}")
        y.line("        with:")
        y.line("          subject-checksums: ${{ steps.release.outputs.checksums }}")
        y.line("      - uses: \(PinnedAction.uploadArtifact.uses)")
        y.line("        with:")
        y.line("          name: crossgo-release")
        y.line("          path: \(modulePath(plan, "release"))")
        y.line("          if-no-files-found: ignore")
        y.line("          retention-days: 30")
        return y.text
    }

    // MARK: parts

    /// One phrase per job the workflow has, for the header.
    static func jobSummary(_ plan: CIPlan) -> [String] {
        var jobs = ["`crossgo` builds crossgo",
                    "`shards` split the (package x target) matrix over \(plan.shards) Linux runner(s) (qemu-user, node, Wine)"
                        + (plan.library ? " and test it" : "")]
        if !plan.darwin.isEmpty { jobs.append("`darwin` tests darwin targets natively on macOS") }
        if !plan.windows.isEmpty { jobs.append("`windows` runs go test natively on Windows") }
        jobs.append("`merge` joins the shards into one dist/")
        if !plan.library { jobs.append("`release`, on a v* tag with the CROSSGO_MINISIGN_KEY secret, signs a release and attests its provenance") }
        return jobs
    }

    /// Words of `text` in lines of at most `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func moduleDefaults(_ y: inout YAMLText, _ plan: CIPlan) {
        guard plan.moduleDirectory != "." else { return }
        y.line("    defaults:")
        y.line("      run:")
        y.line("        working-directory: \(quoted(plan.moduleDirectory))")
    }

    static func modulePath(_ plan: CIPlan, _ name: String) -> String {
        plan.moduleDirectory == "." ? name : plan.moduleDirectory + "/" + name
    }

    static func checkoutAndGo(_ y: inout YAMLText) {
        y.line("      - uses: \(PinnedAction.checkout.uses)")
        y.line("        with:")
        y.line("          persist-credentials: false")
        y.comment("No actions/cache of GOCACHE: a cache restored into a release job could be poisoned (see --remote-cache).", indent: 6)
        y.line("      - uses: \(PinnedAction.setupGo.uses)")
        y.line("        with:")
        y.line("          go-version: ${{ env.GO_VERSION }}")
        y.line("          cache: false")
    }

    static func downloadCrossgo(_ y: inout YAMLText) {
        y.line("      - uses: \(PinnedAction.downloadArtifact.uses)")
        y.line("        with:")
        y.line("          name: crossgo-linux")
        y.line("          path: ${{ runner.temp }}/crossgo-bin")
        y.line("      - name: Put crossgo on PATH")
        y.line("        run: |")
        y.script(12, ["chmod +x \"$RUNNER_TEMP/crossgo-bin/crossgo\"", "echo \"$RUNNER_TEMP/crossgo-bin\" >> \"$GITHUB_PATH\""])
    }

    static func nativeMatrix(_ y: inout YAMLText, _ natives: [CIPlan.Native]) {
        y.line("    strategy:")
        y.line("      fail-fast: false")
        y.line("      matrix:")
        y.line("        include:")
        for n in natives {
            y.line("          - target: \(n.target)")
            y.line("            runner: \(n.runner)")
            y.line("            name: \(n.name)")
            y.line("            goarch: \(quoted(n.goarch))")
        }
    }

    /// The head of a job that runs on each target's own runner: its matrix, the module folder, checkout and Go.
    static func nativeJob(_ y: inout YAMLText, _ name: String, _ entries: [CIPlan.Native], _ plan: CIPlan) {
        y.line("  \(name):")
        y.line("    name: ${{ matrix.target }} (${{ matrix.runner }})")
        y.line("    runs-on: ${{ matrix.runner }}")
        y.line("    timeout-minutes: 60")
        nativeMatrix(&y, entries)
        moduleDefaults(&y, plan)
        y.line("    steps:")
        checkoutAndGo(&y)
    }

    static func uploadNative(_ y: inout YAMLText, _ plan: CIPlan) {
        y.line("      - uses: \(PinnedAction.uploadArtifact.uses)")
        y.line("        if: ${{ !cancelled() }}")
        y.line("        with:")
        y.line("          name: crossgo-native-${{ matrix.name }}")
        y.line("          path: \(modulePath(plan, "dist-native"))")
        y.line("          if-no-files-found: error")
        y.line("          retention-days: 7")
    }

    /// swiftly, swift.org's installer, then the Swift version of the workflow's env.
    static func installSwift(linux: Bool) -> [String] {
        let install: [String] = linux ? [
            "curl -fsSLO \"https://download.swift.org/swiftly/linux/swiftly-$(uname -m).tar.gz\"",
            "tar zxf \"swiftly-$(uname -m).tar.gz\"",
            "./swiftly init --assume-yes --quiet-shell-followup --skip-install",
            ". \"${SWIFTLY_HOME_DIR:-$HOME/.local/share/swiftly}/env.sh\"",
        ] : [
            "curl -fsSLO https://download.swift.org/swiftly/darwin/swiftly.pkg",
            "installer -pkg swiftly.pkg -target CurrentUserHomeDirectory",
            "\"$HOME/.swiftly/bin/swiftly\" init --assume-yes --quiet-shell-followup --skip-install",
            ". \"${SWIFTLY_HOME_DIR:-$HOME/.swiftly}/env.sh\"",
        ]
        let use: [String] = linux ? [
            "swiftly install --use --assume-yes --post-install-file \"$RUNNER_TEMP/swift-deps.sh\" \"$SWIFT_VERSION\"",
            "if [ -s \"$RUNNER_TEMP/swift-deps.sh\" ]; then sudo bash \"$RUNNER_TEMP/swift-deps.sh\"; fi",
        ] : ["swiftly install --use --assume-yes \"$SWIFT_VERSION\""]
        return ["cd \"$RUNNER_TEMP\""] + install + use + ["hash -r"]
    }

    /// Fetches crossgo's sources at CROSSGO_REF and builds it; on Linux with the Swift runtime linked in, so
    /// that the other Linux jobs run it without a Swift toolchain.
    static func buildCrossgo(linux: Bool) -> [String] { [
        "if [ -z \"$CROSSGO_SOURCE\" ] || [ -z \"$CROSSGO_REF\" ]; then",
        "  echo \"::error::set the repository variables CROSSGO_SOURCE and CROSSGO_REF (crossgo is built from source)\"",
        "  exit 1",
        "fi",
        "git init --quiet \"$RUNNER_TEMP/crossgo-src\"",
        "git -C \"$RUNNER_TEMP/crossgo-src\" fetch --quiet --depth 1 \"$CROSSGO_SOURCE\" \"$CROSSGO_REF\"",
        "git -C \"$RUNNER_TEMP/crossgo-src\" checkout --quiet --detach FETCH_HEAD",
        "swift build --package-path \"$RUNNER_TEMP/crossgo-src\" -c release --product crossgo" + (linux ? " --static-swift-stdlib" : ""),
    ] }

    /// A YAML scalar in single quotes (doubling quotes inside).
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// Lines of YAML text.
struct YAMLText {
    var text = ""
    mutating func line(_ s: String) { text += s + "\n" }
    mutating func blank() { text += "\n" }
    mutating func comment(_ s: String, indent: Int = 0) {
        text += String(repeating: " ", count: indent) + (s.isEmpty ? "#" : "# " + s) + "\n"
    }
    /// A block scalar's lines at `indent` spaces.
    mutating func script(_ indent: Int, _ lines: [String]) {
        for l in lines { text += String(repeating: " ", count: indent) + l + "\n" }
    }
}
