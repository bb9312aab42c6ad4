import Foundation
import HMMKitJSON
import Testing

@Suite struct JSONValueTests {
  @Test func objectsKeepTheirKeyOrderAndNestTwoSpacesPerLevel() {
    let value = JSONValue.object([("z", .int(-1)), ("a", .array([.bool(true), .null])), ("m", .object([])), ("e", .array([]))])
    #expect(value.serialized() == "{\n  \"z\": -1,\n  \"a\": [\n    true,\n    null\n  ],\n  \"m\": {},\n  \"e\": []\n}")
  }

  @Test func unsignedNumbersAboveIntMaxAreWrittenInFull() {
    #expect(JSONValue.unsigned(UInt64.max).serialized() == "18446744073709551615")
    #expect(JSONValue.hex(0x7f00_0000_1000).serialized() == "\"0x7f0000001000\"")
  }

  @Test func stringsThatNeedEscapingDecodeBackToThemselves() throws {
    let texts = ["plain", "a/b", "quote \" and backslash \\", "line\nbreak\ttab\r", "\u{1}\u{8}\u{c}\u{1f}", "é 😀"]
    for text in texts {
      let encoded = JSONValue.string(text).serialized()
      #expect(encoded.hasPrefix("\"") && encoded.hasSuffix("\""))
      #expect(!encoded.dropFirst().dropLast().contains("\n"), "no raw newline in \(encoded)")
      let decoded = try JSONDecoder().decode(String.self, from: Data(encoded.utf8))
      #expect(decoded == text)
    }
    #expect(JSONValue.string("a/b \"q\"").serialized() == "\"a/b \\\"q\\\"\"")
  }

  @Test func aWholeDocumentParsesAsJSON() throws {
    let value = JSONValue.object([("name", .string("x\"y")), ("sizes", .array([.int(4096), .unsigned(1 << 63)])), ("none", .optional(nil as String?))])
    let parsed = try JSONSerialization.jsonObject(with: Data(value.serialized().utf8)) as? [String: Any]
    #expect(parsed?["name"] as? String == "x\"y")
    #expect((parsed?["sizes"] as? [Any])?.count == 2)
    #expect(parsed?["none"] is NSNull)
  }

  @Test func objectsCompareInOrder() {
    #expect(JSONValue.object([("a", .int(1)), ("b", .int(2))]) != .object([("b", .int(2)), ("a", .int(1))]))
    #expect(JSONValue.object([("a", .unsigned(1))]) == .object([("a", .unsigned(1))]))
    #expect(JSONValue.int(1) != .unsigned(1))
  }
}
