/// Splits one scenario line into tokens.
///
/// The lexer works on bytes, never on `Character`s, so that any input (binary junk, invalid
/// UTF-8, very long lines) is handled in time linear in its length. Everything from `#` to the
/// end of the line is a comment and may contain any bytes; outside comments only printable ASCII,
/// spaces and tabs are accepted.
struct Lexer {
  /// The longest line accepted, in bytes; longer lines are rejected without being lexed.
  static let maximumLineLength = 4096

  /// The tokens of `line` (without its line terminator), or the first lexical error.
  ///
  /// - Parameters:
  ///   - line: the bytes of the line.
  ///   - location: the location of the line's first byte (column 1).
  static func tokens(
    in line: ArraySlice<UInt8>, at location: SourceLocation
  ) throws(ScenarioDiagnostic) -> [Token] {
    if line.count > maximumLineLength {
      var at = location
      at.column = maximumLineLength + 1
      throw ScenarioDiagnostic(
        at: at, "line is \(line.count) bytes long",
        accepted: "lines may be at most \(maximumLineLength) bytes")
    }
    var tokens: [Token] = []
    let bytes = Array(line)
    var index = 0
    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    while index < bytes.count {
      let byte = bytes[index]
      let column = index + 1
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"):
        index += 1
      case UInt8(ascii: "\r"):
        // Only a CR that ends the line (a CRLF line end) is ignored; a lone CR is not a line end.
        guard index == bytes.count - 1 else {
          var at = location
          at.column = column
          throw ScenarioDiagnostic(
            at: at, "unexpected carriage return (byte 0x0D) inside a line",
            accepted: "expected lines that end with '\\n' or '\\r\\n' (a file with old Mac line endings needs them converted to '\\n')")
        }
        index += 1
      case UInt8(ascii: "#"):
        return tokens
      case _ where isLetter(byte) || byte == UInt8(ascii: "_"):
        let start = index
        index += 1
        while index < bytes.count,
          isLetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")
            || bytes[index] == UInt8(ascii: "-")
        {
          index += 1
        }
        tokens.append(Token(kind: .word, text: text(start..<index), column: column))
      case _ where isDigit(byte):
        let start = index
        index += 1
        while index < bytes.count,
          isLetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")
        {
          index += 1
        }
        tokens.append(Token(kind: .number, text: text(start..<index), column: column))
      case UInt8(ascii: ":"):
        tokens.append(Token(kind: .colon, text: ":", column: column))
        index += 1
      case UInt8(ascii: "+"):
        tokens.append(Token(kind: .plus, text: "+", column: column))
        index += 1
      case UInt8(ascii: "-"):
        tokens.append(Token(kind: .minus, text: "-", column: column))
        index += 1
      case UInt8(ascii: ","):
        tokens.append(Token(kind: .comma, text: ",", column: column))
        index += 1
      case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"):
        let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
        if next == UInt8(ascii: "=") {
          tokens.append(Token(kind: .comparison, text: text(index..<index + 2), column: column))
          index += 2
        } else if byte == UInt8(ascii: "=") {
          tokens.append(Token(kind: .equals, text: "=", column: column))
          index += 1
        } else if byte == UInt8(ascii: "!") {
          throw unexpected(byte, at: location, column: column)
        } else {
          tokens.append(Token(kind: .comparison, text: text(index..<index + 1), column: column))
          index += 1
        }
      default:
        throw unexpected(byte, at: location, column: column)
      }
    }
    return tokens
  }

  /// The diagnostic for a byte that cannot start a token.
  private static func unexpected(
    _ byte: UInt8, at location: SourceLocation, column: Int
  ) -> ScenarioDiagnostic {
    var at = location
    at.column = column
    let what: String
    if byte >= 0x21 && byte < 0x7F {
      what = "unexpected character '\(Character(Unicode.Scalar(byte)))'"
    } else {
      let hex = String(byte, radix: 16, uppercase: true)
      what = "unexpected byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
    return ScenarioDiagnostic(
      at: at, what,
      accepted: "expected names, numbers, '=', ':', '+', ',', a comparison or a '#' comment")
  }

  private static func isLetter(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}
