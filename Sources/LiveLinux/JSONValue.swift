/// A JSON value with deterministic output: object keys keep the order they were given in
/// (internal; live mode writes its schema by hand so that the shape is exactly the documented one).
enum JSONValue {
  case null
  case bool(Bool)
  case number(UInt64)
  case signed(Int64)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  /// A string, or null.
  static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
  /// A number, or null.
  static func optional(_ value: UInt64?) -> JSONValue { value.map { .number($0) } ?? .null }
  /// A boolean, or null.
  static func optional(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }
  /// A number, or null.
  static func optional(_ value: Int?) -> JSONValue { value.map { .signed(Int64($0)) } ?? .null }
  /// `"0x…"`.
  static func hex(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }

  /// The value as pretty-printed JSON, two spaces per level.
  func rendered(indent: Int = 0) -> String {
    var output = ""
    write(to: &output, indent: indent)
    return output
  }

  private func write(to output: inout String, indent: Int) {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .number(let value): output += String(value)
    case .signed(let value): output += String(value)
    case .string(let value): Self.writeString(value, to: &output)
    case .array(let values):
      if values.isEmpty { output += "[]"; return }
      let inner = String(repeating: " ", count: indent + 2)
      output += "[\n"
      for (index, value) in values.enumerated() {
        output += inner
        value.write(to: &output, indent: indent + 2)
        output += index + 1 < values.count ? ",\n" : "\n"
      }
      output += String(repeating: " ", count: indent) + "]"
    case .object(let members):
      if members.isEmpty { output += "{}"; return }
      let inner = String(repeating: " ", count: indent + 2)
      output += "{\n"
      for (index, (key, value)) in members.enumerated() {
        output += inner
        Self.writeString(key, to: &output)
        output += ": "
        value.write(to: &output, indent: indent + 2)
        output += index + 1 < members.count ? ",\n" : "\n"
      }
      output += String(repeating: " ", count: indent) + "}"
    }
  }

  private static func writeString(_ text: String, to output: inout String) {
    output += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    output += "\""
  }
}
