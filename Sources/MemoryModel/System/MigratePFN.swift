/// One entry of `migrate_vma`'s `src`/`dst` arrays, in Linux's encoding (`include/linux/migrate.h`):
/// flags in bits 0–5, the PFN from bit 6 (`MIGRATE_PFN_SHIFT`).
@frozen
public struct MigratePFN: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The raw value.
  public var rawValue: UInt64
  /// Wraps a raw value.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `MIGRATE_PFN_VALID`: a page is named.
  public static let valid: UInt64 = 1 << 0
  /// `MIGRATE_PFN_MIGRATE`: the page (or hole) will be migrated.
  public static let migrate: UInt64 = 1 << 1
  /// `MIGRATE_PFN_WRITE`: the mapping was (or will be) writable.
  public static let write: UInt64 = 1 << 3
  /// `MIGRATE_PFN_COMPOUND`: the entry stands for a whole PMD-sized folio.
  public static let compound: UInt64 = 1 << 4
  /// `MIGRATE_PFN_SHIFT`.
  public static let shift: UInt64 = 6

  /// `migrate_pfn(pfn)`: VALID and the PFN, plus `flags`.
  public init(pfn: PFN, flags: UInt64 = 0) { rawValue = (pfn.rawValue << Self.shift) | Self.valid | flags }

  /// Whether VALID is set.
  public var isValid: Bool { rawValue & Self.valid != 0 }
  /// Whether MIGRATE is set.
  public var isMigrating: Bool { rawValue & Self.migrate != 0 }
  /// Whether WRITE is set.
  public var isWritable: Bool { rawValue & Self.write != 0 }
  /// Whether COMPOUND is set.
  public var isCompound: Bool { rawValue & Self.compound != 0 }
  /// `migrate_pfn_to_page`: the PFN (meaningful when VALID).
  public var pfn: PFN { PFN(rawValue >> Self.shift) }

  /// `valid migrate write compound pfn=0x…`.
  public var description: String {
    var parts: [String] = []
    if isValid { parts.append("valid") }
    if isMigrating { parts.append("migrate") }
    if isWritable { parts.append("write") }
    if isCompound { parts.append("compound") }
    if isValid { parts.append("pfn=\(pfn)") }
    return parts.isEmpty ? "0" : parts.joined(separator: " ")
  }
}

/// What `migrate_vma_setup()` collects (`MIGRATE_VMA_SELECT_*`).
public struct MigrateSelect: OptionSet, Hashable, Sendable {
  /// The flag bits.
  public var rawValue: UInt8
  /// Creates flags.
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// `MIGRATE_VMA_SELECT_SYSTEM`: system-memory pages (and holes, zero pages).
  public static let system = MigrateSelect(rawValue: 1 << 0)
  /// `MIGRATE_VMA_SELECT_DEVICE_PRIVATE`: device-private pages of `pgmap_owner`.
  public static let devicePrivate = MigrateSelect(rawValue: 1 << 1)
  /// `MIGRATE_VMA_SELECT_DEVICE_COHERENT`: device-coherent pages of `pgmap_owner`.
  public static let deviceCoherent = MigrateSelect(rawValue: 1 << 2)
  /// `MIGRATE_VMA_SELECT_COMPOUND`: collect PMD-mapped folios (and 2 MiB holes) whole.
  public static let compound = MigrateSelect(rawValue: 1 << 3)
}
