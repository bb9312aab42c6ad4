extension Expectation {
  /// How a counter is compared with the expected value.
  public enum Comparison: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `==`
    case equal = "=="
    /// `!=`
    case notEqual = "!="
    /// `<`
    case less = "<"
    /// `<=`
    case lessOrEqual = "<="
    /// `>`
    case greater = ">"
    /// `>=`
    case greaterOrEqual = ">="

    /// The operator as written.
    public var description: String { rawValue }

    /// Whether `actual OP expected` holds.
    public func holds(_ actual: UInt64, _ expected: UInt64) -> Bool {
      switch self {
      case .equal: actual == expected
      case .notEqual: actual != expected
      case .less: actual < expected
      case .lessOrEqual: actual <= expected
      case .greater: actual > expected
      case .greaterOrEqual: actual >= expected
      }
    }
  }
}
