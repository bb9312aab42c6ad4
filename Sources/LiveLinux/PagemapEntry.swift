import MemoryModel

/// One 64-bit entry of `/proc/PID/pagemap` (Documentation/admin-guide/mm/pagemap.rst): the
/// state of one 4 KiB virtual page.
///
/// ```
///  63       62      61            58     57      56         55          54 ........ 0
/// present  swapped  file/shared   guard  uffd-wp exclusive  soft-dirty  PFN (0 without CAP_SYS_ADMIN)
/// ```
@frozen
public struct PagemapEntry: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The raw entry.
  public var rawValue: UInt64
  /// Wraps a raw entry.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `PM_PRESENT`, bit 63.
  public static let presentBit: UInt64 = 1 << 63
  /// `PM_SWAP`, bit 62: a swap (or other non-present swap-type) entry.
  public static let swappedBit: UInt64 = 1 << 62
  /// `PM_FILE`, bit 61: a file page or shared anonymous (shmem) page — also set for the huge zero page.
  public static let fileBit: UInt64 = 1 << 61
  /// `PM_GUARD_REGION`, bit 58 (Linux 6.15+): an `MADV_GUARD_INSTALL` marker.
  public static let guardBit: UInt64 = 1 << 58
  /// `PM_UFFD_WP`, bit 57.
  public static let uffdWriteProtectBit: UInt64 = 1 << 57
  /// `PM_MMAP_EXCLUSIVE`, bit 56: the page is mapped exactly once (its mapcount is 1).
  public static let exclusiveBit: UInt64 = 1 << 56
  /// `PM_SOFT_DIRTY`, bit 55.
  public static let softDirtyBit: UInt64 = 1 << 55
  /// Bits 0–54: the PFN of a present page (the swap type and offset of a swapped one).
  public static let pfnMask: UInt64 = (1 << 55) - 1

  /// Creates an entry from its parts (for fixtures).
  public init(present: Bool = false, swapped: Bool = false, file: Bool = false, exclusive: Bool = false,
              softDirty: Bool = false, pfn: UInt64 = 0) {
    rawValue = (present ? Self.presentBit : 0) | (swapped ? Self.swappedBit : 0) | (file ? Self.fileBit : 0)
      | (exclusive ? Self.exclusiveBit : 0) | (softDirty ? Self.softDirtyBit : 0) | (pfn & Self.pfnMask)
  }

  /// Whether the page is present in RAM.
  @inlinable public var isPresent: Bool { rawValue & Self.presentBit != 0 }
  /// Whether the page is swapped out (or another non-present swap-type entry: migration, device-private).
  @inlinable public var isSwapped: Bool { rawValue & Self.swappedBit != 0 }
  /// Whether the page is a file page or shared anonymous memory.
  @inlinable public var isFileOrShared: Bool { rawValue & Self.fileBit != 0 }
  /// Whether the page is mapped exactly once.
  @inlinable public var isExclusive: Bool { rawValue & Self.exclusiveBit != 0 }
  /// Whether the soft-dirty bit is set.
  @inlinable public var isSoftDirty: Bool { rawValue & Self.softDirtyBit != 0 }
  /// The PFN of a present page; 0 when the reader lacks `CAP_SYS_ADMIN` or the page is not present.
  @inlinable public var pfn: UInt64 { isPresent ? rawValue & Self.pfnMask : 0 }

  /// `0x… (present exclusive pfn=0x…)`.
  public var description: String {
    var parts: [String] = []
    if isPresent { parts.append("present") }
    if isSwapped { parts.append("swapped") }
    if isFileOrShared { parts.append("file") }
    if isExclusive { parts.append("exclusive") }
    if isSoftDirty { parts.append("soft-dirty") }
    if pfn != 0 { parts.append("pfn=0x" + String(pfn, radix: 16)) }
    return "0x" + String(rawValue, radix: 16) + " (" + (parts.isEmpty ? "none" : parts.joined(separator: " ")) + ")"
  }
}
