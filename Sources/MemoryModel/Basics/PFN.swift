/// A physical frame number: the index of a 4 KiB frame of physical memory.
@frozen
public struct PFN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The frame number.
  public var rawValue: UInt64

  /// Creates a frame number.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// Creates a frame number.
  @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

  /// Orders frames numerically.
  @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// The frame `count` frames further on.
  @inlinable public static func + (lhs: Self, rhs: UInt64) -> Self { Self(lhs.rawValue &+ rhs) }

  /// `0x…` hexadecimal, as `/proc/PID/pagemap` tools print PFNs.
  public var description: String { "0x" + String(rawValue, radix: 16) }

  /// The frame as an index into per-frame arrays.
  var index: Int { Int(truncatingIfNeeded: rawValue) }
}
