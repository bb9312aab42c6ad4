import Foundation

extension JSONValue {
  /// The value as JSON text, pretty-printed with two spaces per level, objects in their given
  /// key order. Strings are encoded by Foundation's `JSONEncoder` (slashes left unescaped).
  ///
  /// - Complexity: O(size of the output).
  public func serialized() -> String {
    var output = ""
    write(to: &output, level: 0)
    return output
  }

  private func write(to output: inout String, level: Int) {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .int(let value): output += String(value)
    case .unsigned(let value): output += String(value)
    case .string(let value): output += Self.encoded(value)
    case .array(let values):
      if values.isEmpty {
        output += "[]"
        return
      }
      output += "[\n"
      for (index, value) in values.enumerated() {
        output += String(repeating: "  ", count: level + 1)
        value.write(to: &output, level: level + 1)
        output += index + 1 < values.count ? ",\n" : "\n"
      }
      output += String(repeating: "  ", count: level) + "]"
    case .object(let members):
      if members.isEmpty {
        output += "{}"
        return
      }
      output += "{\n"
      for (index, (key, value)) in members.enumerated() {
        output += String(repeating: "  ", count: level + 1)
        output += Self.encoded(key)
        output += ": "
        value.write(to: &output, level: level + 1)
        output += index + 1 < members.count ? ",\n" : "\n"
      }
      output += String(repeating: "  ", count: level) + "}"
    }
  }

  /// `text` as a JSON string literal. Text that JSON lets stand as it is (no quote, backslash
  /// or control character) is only put in quotes; anything else goes through `JSONEncoder`.
  static func encoded(_ text: String) -> String {
    let needsEncoder = text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    guard needsEncoder else { return "\"" + text + "\"" }
    // Encoding a String cannot fail.
    guard let data = try? stringEncoder.encode(text) else { preconditionFailure("JSONEncoder failed on a String") }
    return String(decoding: data, as: UTF8.self)
  }

  private static var stringEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return encoder
  }
}
