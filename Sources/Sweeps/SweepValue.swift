import Foundation

/// A JSON value as a sweep file writes it: an axis value, or a node of the job template that
/// axes replace by path (`workload.regions[0].size`).
public enum SweepValue: Hashable, Sendable, Codable, CustomStringConvertible {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A whole number (kept exact, so seeds up to 2^63 survive).
  case integer(Int64)
  /// Any other number.
  case number(Double)
  /// A string.
  case string(String)
  /// A list.
  case array([SweepValue])
  /// An object; keys are kept sorted when written.
  case object([String: SweepValue])

  /// Reads any JSON value.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let v = try? c.decode(Bool.self) {
      self = .bool(v)
    } else if let v = try? c.decode(Int64.self) {
      self = .integer(v)
    } else if let v = try? c.decode(Double.self) {
      self = .number(v)
    } else if let v = try? c.decode(String.self) {
      self = .string(v)
    } else if let v = try? c.decode([SweepValue].self) {
      self = .array(v)
    } else if let v = try? c.decode([String: SweepValue].self) {
      self = .object(v)
    } else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }
  }

  /// Writes the value back.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let v): try c.encode(v)
    case .integer(let v): try c.encode(v)
    case .number(let v): try c.encode(v)
    case .string(let v): try c.encode(v)
    case .array(let v): try c.encode(v)
    case .object(let v): try c.encode(v)
    }
  }

  /// The value as one line of JSON with sorted keys (`"4K,2M"`, `16384`, `{"a":1}`).
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(self) else { return "null" }
    return String(decoding: data, as: UTF8.self)
  }

  /// The value as a plan line shows it: strings bare, everything else as JSON.
  public var description: String {
    if case .string(let text) = self { return text }
    return json
  }

  /// The number, if the value is one.
  public var double: Double? {
    switch self {
    case .integer(let v): Double(v)
    case .number(let v): v
    default: nil
    }
  }
}
