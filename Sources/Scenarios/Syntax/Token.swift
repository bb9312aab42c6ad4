/// One lexical token of a scenario line.
struct Token: Sendable, Hashable {
  /// What kind of token this is.
  var kind: Kind
  /// The token's text exactly as written (ASCII).
  var text: String
  /// The 1-based column of its first byte.
  var column: Int
  /// The 1-based column just past its last byte.
  var endColumn: Int { column + text.utf8.count }

  /// The text shown in messages: quoted, and cut short when very long.
  var quoted: String { Token.quote(text) }

  /// Quotes `text` for a message, cutting it to 40 characters.
  static func quote(_ text: String) -> String {
    if text.utf8.count <= 40 { return "'\(text)'" }
    return "'\(String(text.prefix(37)))...'"
  }
}
