extension Expectation {
  /// The page-table level of a leaf mapping.
  public enum Level: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A 4 KiB PTE.
    case pte
    /// A 2 MiB PMD leaf.
    case pmd
    /// A 1 GiB PUD leaf.
    case pud

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
