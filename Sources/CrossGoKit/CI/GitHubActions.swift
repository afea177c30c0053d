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

    // The commits of these release tags, as published by the actions' repositories. A pin is checked by
    // the tests for its form (40 lowercase hex digits) only; bumping one means replacing both fields.
    public static let checkout = PinnedAction(name: "actions/checkout", commit: "08c6903cd8c0fde910a37f88322edcfb5dd907a8", version: "v5.0.0")
    public static let setupGo = PinnedAction(name: "actions/setup-go", commit: "44694675825211faa026b3c33043df3e48a5fa00", version: "v6.0.0")
    public static let uploadArtifact = PinnedAction(name: "actions/upload-artifact", commit: "330a01c490aca151604b8cf639adc76d48f6c5d4", version: "v5.0.0")
    public static let downloadArtifact = PinnedAction(name: "actions/download-artifact", commit: "634f93cb2916e3fdff6788551b99b062d0335ce0", version: "v5.0.0")

    public static let all = [checkout, setupGo, uploadArtifact, downloadArtifact]
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
