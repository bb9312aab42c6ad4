/// A JSON value whose objects keep their keys in the order given, so that a document comes out
/// byte-for-byte the same every time and in the order its schema documents (invariant 5,
/// determinism, in docs/invariants.md). The one JSON tree of the package: scenario results, self-test
/// reports, crosscheck reports and live-mode snapshots are all built from it.
public enum JSONValue: Sendable, Hashable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A signed integer.
  case int(Int)
  /// An unsigned integer (written in full, also above `Int.max`).
  case unsigned(UInt64)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object; keys in the order given.
  case object([(String, JSONValue)])

  /// Compares two values (objects compare keys in order).
  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.unsigned(let a), .unsigned(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// Hashes the value.
  public func hash(into hasher: inout Hasher) {
    switch self {
    case .null: hasher.combine(0)
    case .bool(let value): hasher.combine(value)
    case .int(let value): hasher.combine(value)
    case .unsigned(let value): hasher.combine(value)
    case .string(let value): hasher.combine(value)
    case .array(let values): hasher.combine(values)
    case .object(let members):
      for (key, value) in members {
        hasher.combine(key)
        hasher.combine(value)
      }
    }
  }
}
