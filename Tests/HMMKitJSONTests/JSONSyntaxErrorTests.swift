import HMMKitJSON
import Testing

/// `JSONSyntaxError.first(in:)`: the line and column of the first error, nothing for JSON.
@Suite struct JSONSyntaxErrorTests {
  private func first(_ text: String) -> JSONSyntaxError? { JSONSyntaxError.first(in: Array(text.utf8)) }

  @Test func validDocumentsHaveNoError() {
    for text in ["{}", "[]", " 0 ", "-1.5e+3", "\"a\\u00e9\\n\"", "{\"a\": [1, 2, {\"b\": null}], \"c\": true}\n", "false"] {
      #expect(first(text) == nil, "\(text)")
    }
  }

  @Test func positionsAndMessages() {
    #expect(first("{\n  \"a\": 1\n  \"b\": 2\n}") == JSONSyntaxError(line: 3, column: 3, message: "expected ',' or '}' after an object member"))
    #expect(first("[1, 2,]") == JSONSyntaxError(line: 1, column: 7, message: "expected a value, found ']'"))
    #expect(first("{\"a\" 1}") == JSONSyntaxError(line: 1, column: 6, message: "expected ':' after a member name"))
    #expect(first("{a: 1}") == JSONSyntaxError(line: 1, column: 2, message: "expected a member name in double quotes"))
    #expect(first("[01]")?.message == "expected ',' or ']' after an array element")
    #expect(first("\"abc") == JSONSyntaxError(line: 1, column: 5, message: "unterminated string"))
    #expect(first("\"\\x\"") == JSONSyntaxError(line: 1, column: 3, message: "invalid escape \\'x' in a string"))
    #expect(first("tru") == JSONSyntaxError(line: 1, column: 1, message: "expected a value, found 't'"))
    #expect(first("{} x") == JSONSyntaxError(line: 1, column: 4, message: "unexpected text after the JSON value"))
    #expect(first("") == JSONSyntaxError(line: 1, column: 1, message: "expected a value, found the end of the file"))
    #expect(first("1.") == JSONSyntaxError(line: 1, column: 3, message: "expected a digit after the decimal point"))
    #expect(first(String(repeating: "[", count: 600))?.message == "nested too deeply")
    #expect(first("[1]\n\n  ]")?.description == "3:3: unexpected text after the JSON value")
  }
}
