// The quick path of targets, doctor and inspect (QuickLine.swift) against ArgumentParser: every line it reads gives
// the invocation ArgumentParser gives; every line it should not read (help, unknown, repeated or bad flags) is left
// to ArgumentParser; and its grammars are exactly the flags and options the commands declare.
@testable import CrossGoCLI
import CrossGoKit
import Foundation
import Testing

@Suite struct QuickLineTests {
    static let accepted: [[String]] = [
        ["targets"],
        ["targets", "--json"],
        ["targets", "--target", "linux/arm64", "--target=windows/amd64,js/wasm", "--go", "/opt/go/bin/go"],
        ["targets", "--color", "never", "--no-progress"],
        ["targets", "--color=always", "--json", "--target", "host", "--go=go"],
        ["doctor"],
        ["doctor", "--json"],
        ["doctor", "--fix-shell", "zsh"],
        ["doctor", "--fix-shell=fish", "--no-cache", "--json"],
        ["doctor", "--color", "never", "--no-progress"],
        ["inspect", "dist"],
        ["inspect", "dist/app", "build/other", "--json"],
        ["inspect", "-v", "dist"],
        ["inspect", "--verbose", "dist", "--color", "always", "--no-progress"],
    ]

    @Test(arguments: accepted)
    func readsAsArgumentParserDoes(_ line: [String]) throws {
        let quick = try #require(QuickLine.invocation(line))
        let parsed = try #require(try CrossGo.parseAsRoot(line) as? any QuickCommand)
        #expect(parsed.invocation == quick)
    }

    static let refused: [[String]] = [
        [], ["--version"], ["build"], ["help", "targets"], ["targets", "--help"], ["targets", "-h"], ["doctor", "--help"],
        ["targets", "--jsn"], ["targets", "--json", "--json"], ["targets", "--go", "a", "--go", "b"], ["targets", "--go"],
        ["targets", "--go", "--json"], ["targets", "--go="], ["targets", "--color", "purple"], ["targets", "linux/amd64"],
        ["targets", "--json=true"], ["targets", "--", "--json"],
        ["doctor", "--fix-shell", "tcsh"], ["doctor", "--no-cache", "--no-cache"], ["doctor", "--fix-shell"],
        ["inspect"], ["inspect", "--json"], ["inspect", "-x", "dist"], ["inspect", "-vv", "dist"], ["inspect", "-v", "dist", "--verbose"],
        ["inspect", "--", "-odd-name"], ["inspect", ""],
    ]

    /// crossgo reads its words from argv itself; they are CommandLine's, the program's name dropped.
    @Test func theArgumentsAreCommandLines() {
        #expect(CrossGo.processArguments() == Array(CommandLine.arguments.dropFirst()))
        #expect(!CommandLine.arguments.isEmpty)
    }

    @Test(arguments: refused)
    func leavesTheRestToArgumentParser(_ line: [String]) {
        #expect(QuickLine.invocation(line) == nil)
    }

    /// Each grammar against the command's declared arguments (ArgumentParser's own JSON description of the command):
    /// the same flags, the same options, the same repeatable ones, positionals only where declared.
    @Test(arguments: ["targets", "doctor", "inspect"])
    func grammarIsTheDeclaredOne(_ command: String) throws {
        let dump = switch command {
        case "targets": Targets._dumpHelp()
        case "doctor": DoctorCommand._dumpHelp()
        default: Inspect._dumpHelp()
        }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])
        let arguments = try #require((root["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
        var flags: Set<String> = [], options: Set<String> = [], repeatable: Set<String> = [], positional = false
        for argument in arguments {
            let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name -> String? in
                guard let text = name["name"] as? String, let kind = name["kind"] as? String else { return nil }
                return kind == "short" ? "-" + text : "--" + text
            }
            if names.contains("--help") { continue }
            switch argument["kind"] as? String {
            case "flag": flags.formUnion(names)
            case "option":
                options.formUnion(names)
                if argument["isRepeating"] as? Bool == true { repeatable.formUnion(names) }
            case "positional": positional = true
            default: Issue.record("unknown argument kind in \(argument)")
            }
        }
        let grammar = try #require(QuickLine.grammar(command))
        #expect(Set(grammar.flags) == flags)
        #expect(Set(grammar.options) == options)
        #expect(Set(grammar.repeatable) == repeatable)
        #expect(grammar.positionals == positional)
    }
}
