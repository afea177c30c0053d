// The JSONC reader behind editor.vscode: comments and trailing commas as VS Code accepts them, positions kept.
@testable import CrossGoKit
import Testing

@Suite struct JSONCTests {
    @Test func strippingKeepsEveryLineAndColumn() throws {
        let text = "{ // a comment with \"quotes\"\n  /* block\n  comment */ \"a\": \"http://x//y\", \"b\": [1, 2,],\n}"
        let stripped = JSONC.strip(text)
        #expect(stripped.count == text.count)
        #expect(stripped.split(separator: "\n", omittingEmptySubsequences: false).map(\.count)
                == text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count))
        #expect(stripped.contains("\"http://x//y\""))  // a // inside a string is not a comment
        #expect(!stripped.contains("comment") && !stripped.contains(",]") && !stripped.contains(",\n}"))
        let value = try JSONC.parse(text)
        #expect(value["a"] == JSONCMember(key: "a", line: 3, value: .string("http://x//y")))
        #expect(value["b"]?.value == .array([.number("1"), .number("2")]))
    }

    @Test func errorsSayWhere() throws {
        #expect(throws: JSONCError(line: 2, column: 12, message: "unexpected word 'tru'")) { try JSONC.parse("{\n  \"go.x\": [tru]\n}") }
        #expect(throws: JSONCError(line: 3, column: 1, message: "unexpected end of file: missing '}'")) { try JSONC.parse("{\n  \"a\": 1\n") }
        #expect(throws: JSONCError(line: 1, column: 9, message: "unterminated string")) { try JSONC.parse("{\"a\": \"b\n}") }
        #expect(throws: JSONCError(line: 1, column: 2, message: "expected a \"key\", found '''")) { try JSONC.parse("{'a': 1}") }
        // Empty and comment-only files hold no settings.
        #expect(try JSONC.parse("// nothing yet\n") == .object([]))
    }
}
