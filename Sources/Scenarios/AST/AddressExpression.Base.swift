extension AddressExpression {
  /// What an address expression's offset is added to.
  public enum Base: Sendable, Hashable {
    /// The start address of a region defined earlier by `NAME = mmap` or `NAME = mremap`.
    case region(Identifier)
    /// A literal address.
    case literal(UInt64)
  }
}
