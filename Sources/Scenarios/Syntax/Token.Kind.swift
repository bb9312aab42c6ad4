extension Token {
  /// The kinds of token in a scenario line.
  enum Kind: Sendable, Hashable {
    /// A name or keyword: a letter or `_`, then letters, digits, `_` and `-`.
    case word
    /// A number, possibly with a suffix: a digit, then letters, digits and `_` (`4K`, `0x1000`).
    case number
    /// `:`, after a process name.
    case colon
    /// `=`, in assignments and `key=value` options.
    case equals
    /// `+`, in address expressions.
    case plus
    /// `-`, never valid (there are no negative numbers), lexed for a precise error.
    case minus
    /// `,`, in lists.
    case comma
    /// A comparison operator: `==`, `!=`, `<`, `<=`, `>`, `>=`.
    case comparison
  }
}
