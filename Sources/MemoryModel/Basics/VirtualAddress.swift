/// A user virtual address in an x86-64 address space (48-bit, 4-level paging).
///
/// Addresses are plain values; alignment and page arithmetic are provided as methods so that
/// callers never shift raw integers by hand.
@frozen
public struct VirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The address as a 64-bit integer.
  public var rawValue: UInt64

  /// Creates an address from its integer value.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// Creates an address from its integer value.
  @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

  /// Orders addresses numerically.
  @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// The address as `0x…` hexadecimal, as the kernel prints it.
  public var description: String { "0x" + String(rawValue, radix: 16) }

  /// The address rounded down to a multiple of `size` (a power of two).
  @inlinable public func alignedDown(to size: UInt64) -> VirtualAddress {
    VirtualAddress(rawValue & ~(size &- 1))
  }

  /// The address rounded up to a multiple of `size` (a power of two), saturating at the top.
  @inlinable public func alignedUp(to size: UInt64) -> VirtualAddress {
    let (sum, overflow) = rawValue.addingReportingOverflow(size &- 1)
    return overflow ? VirtualAddress(UInt64.max & ~(size &- 1)) : VirtualAddress(sum & ~(size &- 1))
  }

  /// Whether the address is a multiple of `size` (a power of two).
  @inlinable public func isAligned(to size: UInt64) -> Bool { rawValue & (size &- 1) == 0 }

  /// The address `bytes` further on.
  @inlinable public static func + (lhs: Self, rhs: UInt64) -> Self { Self(lhs.rawValue &+ rhs) }

  /// The address `bytes` before.
  @inlinable public static func - (lhs: Self, rhs: UInt64) -> Self { Self(lhs.rawValue &- rhs) }

  /// The distance in bytes between two addresses (`lhs` must not be below `rhs`).
  @inlinable public static func - (lhs: Self, rhs: Self) -> UInt64 { lhs.rawValue &- rhs.rawValue }

  /// The virtual page number (address >> 12).
  @inlinable public var pageNumber: UInt64 { rawValue >> PageSize.shift4K }

  /// The index of this address in the page table at `level` (9 bits).
  @inlinable public func index(at level: PageTableLevel) -> Int {
    Int(truncatingIfNeeded: (rawValue >> level.shift) & 511)
  }
}

extension VirtualAddress {
  /// The first address above user space on x86-64 with 4-level paging (`TASK_SIZE` is one page less).
  public static let userSpaceEnd = VirtualAddress(0x0000_7FFF_FFFF_F000)
}
