/// A JSON value parsed by the tests' own small parser (independent of the library's writer),
/// with integers kept apart from other numbers.
indirect enum JSONDocument: Equatable {
  case null
  case bool(Bool)
  case integer(Int)
  case number(Double)
  case string(String)
  case array([JSONDocument])
  case object([(key: String, value: JSONDocument)])

  static func == (lhs: JSONDocument, rhs: JSONDocument) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.integer(let a), .integer(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): return Double(a) == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// The member `key` of an object.
  subscript(key: String) -> JSONDocument? {
    if case .object(let members) = self { return members.first { $0.key == key }?.value }
    return nil
  }

  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  /// Parses a complete JSON text.
  static func parse(_ text: String) throws -> JSONDocument {
    var parser = Parser(bytes: Array(text.utf8))
    let value = try parser.value()
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else { throw ParseError(description: "trailing text at \(parser.index)") }
    return value
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipWhitespace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ literal: String) throws {
      let literalBytes = Array(literal.utf8)
      guard index + literalBytes.count <= bytes.count, Array(bytes[index..<index + literalBytes.count]) == literalBytes
      else { throw ParseError(description: "expected \(literal) at \(index)") }
      index += literalBytes.count
    }

    mutating func value() throws -> JSONDocument {
      skipWhitespace()
      guard index < bytes.count else { throw ParseError(description: "unexpected end") }
      switch bytes[index] {
      case UInt8(ascii: "n"): try expect("null"); return .null
      case UInt8(ascii: "t"): try expect("true"); return .bool(true)
      case UInt8(ascii: "f"): try expect("false"); return .bool(false)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "["):
        index += 1
        var items: [JSONDocument] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
          items.append(try value())
          skipWhitespace()
          guard index < bytes.count else { throw ParseError(description: "unterminated array") }
          if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
          try expect("]")
          return .array(items)
        }
      case UInt8(ascii: "{"):
        index += 1
        var members: [(key: String, value: JSONDocument)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
          skipWhitespace()
          let key = try string()
          skipWhitespace()
          try expect(":")
          members.append((key, try value()))
          skipWhitespace()
          guard index < bytes.count else { throw ParseError(description: "unterminated object") }
          if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
          try expect("}")
          return .object(members)
        }
      default:
        return try number()
      }
    }

    mutating func string() throws -> String {
      try expect("\"")
      var scalars = String.UnicodeScalarView()
      var raw: [UInt8] = []
      func flush() {
        scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
        raw.removeAll()
      }
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          flush()
          return String(scalars)
        case UInt8(ascii: "\\"):
          flush()
          guard index < bytes.count else { break }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "n"): scalars.append("\n")
          case UInt8(ascii: "t"): scalars.append("\t")
          case UInt8(ascii: "r"): scalars.append("\r")
          case UInt8(ascii: "b"): scalars.append("\u{8}")
          case UInt8(ascii: "f"): scalars.append("\u{C}")
          case UInt8(ascii: "u"):
            guard index + 4 <= bytes.count,
              let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
              let scalar = Unicode.Scalar(code)
            else { throw ParseError(description: "bad \\u escape at \(index)") }
            scalars.append(scalar)
            index += 4
          default: scalars.append(Unicode.Scalar(escape))
          }
        case 0..<0x20:
          throw ParseError(description: "control character in string at \(index - 1)")
        default:
          raw.append(byte)
        }
      }
      throw ParseError(description: "unterminated string")
    }

    mutating func number() throws -> JSONDocument {
      let start = index
      while index < bytes.count, "-+.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      if let integer = Int(text) { return .integer(integer) }
      if let double = Double(text) { return .number(double) }
      throw ParseError(description: "bad value at \(start)")
    }
  }
}
