// Options shared by several subcommands, and the output helpers they use.
import ArgumentParser
import CrossGoKit
import Foundation

/// Which Go toolchain to drive.
struct ToolchainOptions: ParsableArguments {
    @Option(name: .customLong("go"), help: ArgumentHelp("The go executable to use (default: CROSSGO_GO, then PATH, then the repository's .tools/bin).", valueName: "path"))
    var goPath: String?
}

/// When to colour output.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// Output format and colour.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    @Option(help: "Colour: auto (only on a terminal), always, never.")
    var color: ColorChoice = .auto

    func useColor(fd: Int32 = 1) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto: return isatty(fd) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }
}

/// Writes to stdout (results) and stderr (messages), never mixing the two.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Encodes a value as one line of JSON (for event streams).
    static func jsonLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Encodes a value as stable, pretty JSON.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Lays out rows in aligned columns.
func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

/// A message that is itself the error.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A domain error ends the command with one line on stderr and a non-zero exit.
func fail(_ error: any Error) -> ExitCode {
    Console.err("crossgo: error: \(error)")
    return ExitCode(2)
}
