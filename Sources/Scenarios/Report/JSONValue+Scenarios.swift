import HMMKitJSON

/// The package's JSON tree (``HMMKitJSON/JSONValue``), named here so that a client of
/// `Scenarios` can build and read reports without importing `HMMKitJSON` itself.
public typealias JSONValue = HMMKitJSON.JSONValue

extension JSONValue {
  /// An unsigned number as JSON: an integer when it fits in `Int`, otherwise a hex string.
  public static func number(_ value: UInt64) -> JSONValue {
    value <= UInt64(Int.max) ? .int(Int(value)) : .string(SizeFormatter.hex(value))
  }
}
