extension NumberLiteral {
  /// Why a number could not be read.
  enum Failure: Error, Sendable, Hashable {
    /// The text is not a number of the expected form.
    case malformed
    /// The value does not fit in 64 bits.
    case overflow
  }
}
