/// The first place where a text is not JSON (RFC 8259), with its line and column, for error
/// messages in the `FILE:LINE:COLUMN: error: …` form. Foundation's decoder on Linux says only
/// "The given data was not valid JSON." without a position; this finds the position.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The line of the offending character, from 1.
  public var line: Int
  /// Its column, from 1, counted in UTF-8 bytes.
  public var column: Int
  /// What is wrong there (`expected ',' or '}' after an object member`).
  public var message: String

  /// An error at `line` and `column` (both from 1).
  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  /// `LINE:COLUMN: MESSAGE`.
  public var description: String { "\(line):\(column): \(message)" }

  /// The first syntax error in `bytes`, or nil when they are one JSON value with only
  /// whitespace around it.
  public static func first(in bytes: some Collection<UInt8>) -> JSONSyntaxError? {
    var reader = Reader(Array(bytes))
    do throws(JSONSyntaxError) {
      reader.skipWhitespace()
      try reader.value(depth: 0)
      reader.skipWhitespace()
      if reader.index < reader.bytes.count { throw reader.error("unexpected text after the JSON value") }
      return nil
    } catch {
      return error
    }
  }

  /// A recursive-descent reader that stops at the first error.
  private struct Reader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The error at the current position.
    func error(_ message: String) -> JSONSyntaxError {
      var line = 1
      var lineStart = 0
      for position in 0..<min(index, bytes.count) where bytes[position] == UInt8(ascii: "\n") {
        line += 1
        lineStart = position + 1
      }
      return JSONSyntaxError(line: line, column: index - lineStart + 1, message: message)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
      while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) {
      guard depth < 512 else { throw error("nested too deeply") }
      guard let byte = current else { throw error("expected a value, found the end of the file") }
      switch byte {
      case UInt8(ascii: "{"): try object(depth: depth)
      case UInt8(ascii: "["): try array(depth: depth)
      case UInt8(ascii: "\""): try string()
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
      case UInt8(ascii: "t"): try literal("true")
      case UInt8(ascii: "f"): try literal("false")
      case UInt8(ascii: "n"): try literal("null")
      default: throw error("expected a value, found \(Self.describe(byte))")
      }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) {
      try elements(close: UInt8(ascii: "}"), after: "an object member") { (reader: inout Reader) throws(JSONSyntaxError) in
        guard reader.current == UInt8(ascii: "\"") else { throw reader.error("expected a member name in double quotes") }
        try reader.string()
        reader.skipWhitespace()
        guard reader.current == UInt8(ascii: ":") else { throw reader.error("expected ':' after a member name") }
        reader.index += 1
        reader.skipWhitespace()
        try reader.value(depth: depth + 1)
      }
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) {
      try elements(close: UInt8(ascii: "]"), after: "an array element") { (reader: inout Reader) throws(JSONSyntaxError) in
        try reader.value(depth: depth + 1)
      }
    }

    /// The elements of an object or array after its opening bracket, separated by commas, up to
    /// `close`: `element` reads one.
    mutating func elements(close: UInt8, after what: String, _ element: (inout Reader) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
      index += 1
      skipWhitespace()
      if current == close {
        index += 1
        return
      }
      while true {
        try element(&self)
        skipWhitespace()
        if current == UInt8(ascii: ",") {
          index += 1
          skipWhitespace()
        } else if current == close {
          index += 1
          return
        } else {
          throw error("expected ',' or '\(Character(Unicode.Scalar(close)))' after \(what)")
        }
      }
    }

    mutating func string() throws(JSONSyntaxError) {
      index += 1
      while let byte = current {
        switch byte {
        case UInt8(ascii: "\""):
          index += 1
          return
        case UInt8(ascii: "\\"):
          index += 1
          guard let escaped = current else { break }
          switch escaped {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
               UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
          case UInt8(ascii: "u"):
            index += 1
            for _ in 0..<4 {
              guard let hex = current, Self.isHexDigit(hex) else { throw error("expected four hexadecimal digits after \\u") }
              index += 1
            }
          default: throw error("invalid escape \\\(Self.describe(escaped)) in a string")
          }
        case 0..<0x20: throw error("control character in a string (write it as an escape)")
        default: index += 1
        }
      }
      throw error("unterminated string")
    }

    mutating func number() throws(JSONSyntaxError) {
      if current == UInt8(ascii: "-") { index += 1 }
      guard let first = current, Self.isDigit(first) else { throw error("expected a digit in a number") }
      index += 1
      if first != UInt8(ascii: "0") { while let byte = current, Self.isDigit(byte) { index += 1 } }
      if current == UInt8(ascii: ".") {
        index += 1
        guard let byte = current, Self.isDigit(byte) else { throw error("expected a digit after the decimal point") }
        while let byte = current, Self.isDigit(byte) { index += 1 }
      }
      if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
        index += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
        guard let byte = current, Self.isDigit(byte) else { throw error("expected a digit in the exponent") }
        while let byte = current, Self.isDigit(byte) { index += 1 }
      }
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
      let start = index
      for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
        guard current == expected else {
          index = start
          throw error("expected a value, found \(Self.describe(bytes[start]))")
        }
        index += 1
      }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isHexDigit(_ byte: UInt8) -> Bool {
      isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    static func describe(_ byte: UInt8) -> String {
      byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
  }
}
