extension JSONValue {
  /// A string, or `null`.
  public static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
  /// An unsigned number, or `null`.
  public static func optional(_ value: UInt64?) -> JSONValue { value.map { .unsigned($0) } ?? .null }
  /// A boolean, or `null`.
  public static func optional(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }
  /// A signed number, or `null`.
  public static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
  /// `value` as a `"0x…"` string (lower-case hex digits, no leading zeros): how addresses,
  /// PFNs and HMM values appear, since they need not fit a JSON number.
  public static func hex(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }
}
