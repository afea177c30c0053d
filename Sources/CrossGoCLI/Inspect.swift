// `crossgo inspect`: read Go binaries of any format without running them. (Filled by the inspect issue.)
import ArgumentParser
import CrossGoKit

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read Go binaries (ELF, Mach-O, universal, PE, wasm) without running them."
    )

    @Argument(help: "Files or folders to read.")
    var paths: [String] = []

    func run() async throws {
        throw ExitCode(2)
    }
}
