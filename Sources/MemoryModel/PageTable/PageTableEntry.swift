/// One 64-bit x86-64 page-table entry, at any level, in the hardware layout Linux uses.
///
/// ```
///  63  62      58 57      52 51                              12 11  9 8 7 6 5 4 3 2 1 0
/// +--+----------+----------+----------------------------------+-----+-+-+-+-+-+-+-+-+-+
/// |NX|  (swap)  |          |            PFN                   | SW  |G|PS|D|A|  |  |U|W|P|
/// +--+----------+----------+----------------------------------+-----+-+-+-+-+-+-+-+-+-+
/// ```
/// Present entries: P (bit 0), RW (1), U/S (2), A (5), D (6), PS (7: a PMD or PUD leaf), bit 8
/// as `_PAGE_PROTNONE` when P is clear (a `PROT_NONE` mapping, still "present" to Linux), bit 9
/// `_PAGE_SPECIAL`, PFN in bits 12–51, NX (63).
///
/// Non-present, non-none entries are software "swap" entries. Simplification: the model uses
/// its own compact encoding rather than x86's inverted swap offset — entry type in bits 58–62,
/// a writable bit in bit 1, and the PFN in bits 12–51.
@frozen
public struct PageTableEntry: RawRepresentable, Hashable, Sendable {
  /// The raw 64-bit entry.
  public var rawValue: UInt64
  /// Wraps a raw entry.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `_PAGE_PRESENT`, bit 0.
  public static let presentBit: UInt64 = 1 << 0
  /// `_PAGE_RW`, bit 1.
  public static let writableBit: UInt64 = 1 << 1
  /// `_PAGE_USER`, bit 2.
  public static let userBit: UInt64 = 1 << 2
  /// `_PAGE_ACCESSED`, bit 5.
  public static let accessedBit: UInt64 = 1 << 5
  /// `_PAGE_DIRTY`, bit 6.
  public static let dirtyBit: UInt64 = 1 << 6
  /// `_PAGE_PSE`, bit 7: the PMD or PUD entry is a leaf.
  public static let hugeBit: UInt64 = 1 << 7
  /// `_PAGE_PROTNONE`, bit 8 (the global bit reused while P is clear).
  public static let protNoneBit: UInt64 = 1 << 8
  /// `_PAGE_SPECIAL`, bit 9: no `struct page` behind this mapping (VM_PFNMAP / VM_IO).
  public static let specialBit: UInt64 = 1 << 9
  /// `_PAGE_NX`, bit 63.
  public static let noExecuteBit: UInt64 = 1 << 63
  /// The PFN field, bits 12–51.
  public static let pfnMask: UInt64 = 0x000F_FFFF_FFFF_F000
  @usableFromInline static let swapTypeShift: UInt64 = 58
  @usableFromInline static let swapTypeMask: UInt64 = 0x1F << 58

  /// The empty entry (`pte_none`).
  public static let none = PageTableEntry(rawValue: 0)

  /// Whether the entry is empty.
  @inlinable public var isNone: Bool { rawValue == 0 }
  /// Whether the hardware P bit is set.
  @inlinable public var isHardwarePresent: Bool { rawValue & Self.presentBit != 0 }
  /// Linux's `pte_present()`: P set, or a `PROT_NONE` entry.
  @inlinable public var isPresent: Bool { rawValue & (Self.presentBit | Self.protNoneBit) != 0 && !isSwap }
  /// A `PROT_NONE` mapping that still names its page.
  @inlinable public var isProtNone: Bool { rawValue & (Self.presentBit | Self.protNoneBit) == Self.protNoneBit && !isSwap }
  /// Whether RW is set.
  @inlinable public var isWritable: Bool { rawValue & Self.writableBit != 0 }
  /// Whether A is set.
  @inlinable public var isAccessed: Bool { rawValue & Self.accessedBit != 0 }
  /// Whether D is set.
  @inlinable public var isDirty: Bool { rawValue & Self.dirtyBit != 0 }
  /// Whether PS is set on a present entry (a PMD or PUD leaf).
  @inlinable public var isHuge: Bool { isPresent && rawValue & Self.hugeBit != 0 }
  /// Whether `_PAGE_SPECIAL` is set.
  @inlinable public var isSpecial: Bool { rawValue & Self.specialBit != 0 }
  /// The PFN field.
  @inlinable public var pfn: PFN { PFN((rawValue & Self.pfnMask) >> 12) }

  /// Whether the entry is a software (swap-type) entry.
  @inlinable public var isSwap: Bool { rawValue & Self.swapTypeMask != 0 && rawValue & Self.presentBit == 0 }
  /// The software entry's type, for a non-present, non-none entry (inlined: the invariant
  /// ledger and the migration collector read it for every entry they visit).
  @inlinable @inline(__always) public var swapType: SwapEntryType? {
    guard isSwap else { return nil }
    return SwapEntryType(rawValue: UInt8((rawValue & Self.swapTypeMask) >> Self.swapTypeShift))
  }

  /// A present leaf or table entry mapping `pfn`.
  @inlinable
  public static func present(_ pfn: PFN, writable: Bool, huge: Bool = false, dirty: Bool = false,
                             accessed: Bool = true, special: Bool = false) -> PageTableEntry {
    var raw = presentBit | userBit | (pfn.rawValue << 12)
    if writable { raw |= writableBit }
    if huge { raw |= hugeBit }
    if dirty { raw |= dirtyBit }
    if accessed { raw |= accessedBit }
    if special { raw |= specialBit }
    return PageTableEntry(rawValue: raw)
  }

  /// A software entry of `type` naming `pfn`.
  public static func swap(_ type: SwapEntryType, pfn: PFN, writable: Bool) -> PageTableEntry {
    var raw = (UInt64(type.rawValue) << swapTypeShift) | (pfn.rawValue << 12)
    if writable { raw |= writableBit }
    return PageTableEntry(rawValue: raw)
  }

  /// The frame this entry maps and counts in the frame's map count: present entries (also
  /// `PROT_NONE`), device-private and device-exclusive entries. Migration entries hold a
  /// reference but no mapping, as in Linux.
  @inlinable @inline(__always) public var mappedFrame: PFN? {
    if isPresent { return pfn }
    if let type = swapType, type != .migration { return pfn }
    return nil
  }

  /// Whether this is a migration entry.
  @inlinable @inline(__always) public var isMigration: Bool { swapType == .migration }

  /// The entry with RW cleared (`pte_wrprotect`).
  @inlinable public func writeProtected() -> PageTableEntry { PageTableEntry(rawValue: rawValue & ~Self.writableBit) }
  /// The entry with RW and D set (`pte_mkwrite(pte_mkdirty())`).
  @inlinable public func madeWritable() -> PageTableEntry {
    PageTableEntry(rawValue: rawValue | Self.writableBit | Self.dirtyBit)
  }
  /// The entry with A (and, if `write`, D) set, as the hardware sets them on access.
  @inlinable public func touched(write: Bool) -> PageTableEntry {
    PageTableEntry(rawValue: rawValue | Self.accessedBit | (write ? Self.dirtyBit : 0))
  }
  /// The entry with D cleared (`MADV_FREE`).
  @inlinable public func cleaned() -> PageTableEntry { PageTableEntry(rawValue: rawValue & ~Self.dirtyBit) }

  /// The entry with the protection `protection` applied, keeping the PFN and the other bits:
  /// `PROT_NONE` clears P and sets `_PAGE_PROTNONE`; otherwise P is set and RW follows `writable`.
  public func withProtection(accessible: Bool, writable: Bool) -> PageTableEntry {
    var raw = rawValue & ~(Self.presentBit | Self.protNoneBit | Self.writableBit)
    if accessible {
      raw |= Self.presentBit
      if writable { raw |= Self.writableBit }
    } else {
      raw |= Self.protNoneBit
    }
    return PageTableEntry(rawValue: raw)
  }
}

/// The kinds of software (non-present) page-table entries the model encodes.
public enum SwapEntryType: UInt8, Sendable, Hashable, CustomStringConvertible {
  /// A migration entry: the page is being migrated; accesses wait (`is_migration_entry`).
  case migration = 1
  /// A device-private page: the data lives in device memory (`is_device_private_entry`).
  case devicePrivate = 2
  /// A device-exclusive entry: a device holds the page for atomics (`is_device_exclusive_entry`).
  case deviceExclusive = 3

  /// Lower-case name.
  public var description: String {
    switch self {
    case .migration: "migration"
    case .devicePrivate: "device-private"
    case .deviceExclusive: "device-exclusive"
    }
  }
}
