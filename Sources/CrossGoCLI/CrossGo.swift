// The root command: subcommands, version, help.
import ArgumentParser
import CrossGoKit

/// `crossgo`: build, verify, test and inspect Go programs for every target; diagnose Go installations.
public struct CrossGo: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crossgo",
        abstract: "Build, verify, test and inspect Go programs for every target, and diagnose Go installations.",
        discussion: """
            Targets are GOOS/GOARCH pairs (linux/riscv64, linux/arm/7, linux/amd64/v3), named sets \
            (default, release, first-class, all, host) or LLVM/Rust triples (aarch64-apple-darwin, wasm32-wasip1).
            """,
        version: CrossGoVersion.current,
        subcommands: [Build.self, TestCommand.self, Inspect.self, DoctorCommand.self, Targets.self]
    )

    public init() {}
}
