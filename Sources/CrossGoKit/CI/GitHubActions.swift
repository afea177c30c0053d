// The GitHub Actions actions a generated workflow uses, each pinned to the full commit of a release, and
// the runner labels crossgo places targets on.
import Foundation

/// An action at a commit: `uses: owner/name@<40 hex> # vX.Y.Z`.
public struct PinnedAction: Sendable, Equatable {
    public var name: String
    public var commit: String
    public var version: String

    /// The `uses:` value with its version comment.
    public var uses: String { "\(name)@\(commit) # \(version)" }

    // The commits of these release tags (the newest releases found, December 2026). They could not be read
    // from the actions' own repositories here (no network); each was cross-checked in several independent
    // public workflows that pin it with the same version comment. The tests check their form (40 lowercase
    // hex digits with a version comment), not their existence; bumping one means replacing both fields.
    public static let checkout = PinnedAction(name: "actions/checkout", commit: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1")
    public static let setupGo = PinnedAction(name: "actions/setup-go", commit: "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e", version: "v7.0.0")
    public static let uploadArtifact = PinnedAction(name: "actions/upload-artifact", commit: "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", version: "v7.0.1")
    public static let downloadArtifact = PinnedAction(name: "actions/download-artifact", commit: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", version: "v8.0.1")

    /// GitHub's own build-provenance attestation (Sigstore-signed, stored by GitHub), of the release's files.
    public static let attestBuildProvenance = PinnedAction(name: "actions/attest-build-provenance", commit: "a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32",
                                                           version: "v4.1.0")

    public static let all = [checkout, setupGo, uploadArtifact, downloadArtifact, attestBuildProvenance]
}

/// Where a target's tests run in the generated workflow.
public enum CIPlacement: String, Sendable, Codable, Equatable {
    /// The shard matrix on Linux: linux under qemu-user, wasm under node/wasmtime, windows under Wine, and
    /// every other target compiled (its tests build-only there).
    case shards
    /// A macOS runner of the target's architecture: tests run natively.
    case darwin
    /// A Windows runner of the target's architecture: `go test` natively (crossgo itself runs on macOS and Linux only).
    case windows

    /// The runner label for `target` in this placement.
    public static func runner(for target: Target) -> (CIPlacement, String) {
        switch (target.goos, target.goarch) {
        case ("darwin", "arm64"): return (.darwin, Labels.macAppleSilicon)
        case ("darwin", _): return (.darwin, Labels.macIntel)
        case ("windows", "arm64"): return (.windows, Labels.windowsArm)
        case ("windows", "amd64"), ("windows", "386"): return (.windows, Labels.windows)
        default: return (.shards, Labels.linux)
        }
    }

    /// GitHub-hosted runner labels (github.com, December 2026).
    public enum Labels {
        public static let linux = "ubuntu-24.04"
        public static let macAppleSilicon = "macos-14"
        public static let macIntel = "macos-15-intel"
        public static let windows = "windows-latest"
        public static let windowsArm = "windows-11-arm"
    }
}
