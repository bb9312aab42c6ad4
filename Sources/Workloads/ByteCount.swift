/// A size in bytes as study files write it: a number, or a string such as `4K`, `64M`, `2G`.
public struct ByteCount: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral {
  /// Bytes.
  public var bytes: UInt64

  /// A size of `bytes`.
  public init(_ bytes: UInt64) { self.bytes = bytes }
  /// A literal size in bytes.
  public init(integerLiteral value: UInt64) { bytes = value }

  /// Parses `123`, `4K`, `64M`, `2G`, `1T` (binary units; a trailing `B`/`iB` is allowed).
  public init?(parsing text: String) {
    var body = text.trimmingCharacters(in: .whitespaces).uppercased()
    if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
    var shift: UInt64 = 0
    if let last = body.last, let index = "KMGT".firstIndex(of: last) {
      shift = 10 * UInt64("KMGT".distance(from: "KMGT".startIndex, to: index) + 1)
      body.removeLast()
    }
    guard let value = UInt64(body), value <= UInt64.max >> shift else { return nil }
    bytes = value << shift
  }

  /// Reads a number or a size string.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let value = try? container.decode(UInt64.self) {
      bytes = value
      return
    }
    let text = try container.decode(String.self)
    guard let parsed = ByteCount(parsing: text) else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a size (expected a number of bytes or 4K, 64M, 2G)")
    }
    self = parsed
  }

  /// Writes the short form.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }

  /// `4K`, `64M`, `1536K`, or a plain number.
  public var description: String {
    for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] where bytes >= 1 << shift && bytes & ((1 << shift) - 1) == 0 {
      return "\(bytes >> UInt64(shift))\(unit)"
    }
    return "\(bytes)"
  }
}

import Foundation
