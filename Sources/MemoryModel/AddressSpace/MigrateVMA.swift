/// The arguments and state of one `migrate_vma` operation (`struct migrate_vma`): a range of one
/// VMA, the `src` array `migrate_vma_setup()` fills, the `dst` array the driver fills, and what
/// the model needs to finish or undo the migration.
public struct MigrateVMA {
  /// The address space.
  public let space: AddressSpace
  /// The first address (page aligned).
  public let start: VirtualAddress
  /// One past the last address.
  public let end: VirtualAddress
  /// What to collect.
  public let select: MigrateSelect
  /// The owner compared with device pages' pgmap owner, and passed with the `migrate`
  /// invalidation so that the owner's own notifier can ignore it.
  public let pgmapOwner: Int?
  /// One entry per page: what is migrated (set by setup).
  public internal(set) var src: [MigratePFN]
  /// One entry per page: where it goes (set by the driver between setup and pages).
  public var dst: [MigratePFN]
  /// Pages (or holes) collected for migration (`cpages`).
  public internal(set) var collected = 0

  /// Where each collected page was mapped: the migration entries to replace at finalize.
  var sites: MigrateSiteTable

  struct Site {
    let space: AddressSpace
    let slot: Int
    let level: PageTableLevel
    let original: PageTableEntry
  }

  init(space: AddressSpace, start: VirtualAddress, end: VirtualAddress, select: MigrateSelect, pgmapOwner: Int?) {
    self.space = space
    self.start = start
    self.end = end
    self.select = select
    self.pgmapOwner = pgmapOwner
    let count = Int((end - start) >> 12)
    // The storage of the space's last finished migration, zeroed: no allocation per call once
    // the caller has dropped that migration (if it has not, the first write copies, as always).
    src = Self.zeroed(reusing: &space.spareMigrateSource, count: count)
    dst = Self.zeroed(reusing: &space.spareMigrateDestination, count: count)
    sites = MigrateSiteTable(pageCount: count)
  }

  /// `count` zero entries in the storage of `spare` (which is left empty).
  private static func zeroed(reusing spare: inout [MigratePFN], count: Int) -> [MigratePFN] {
    var array: [MigratePFN] = []
    swap(&array, &spare)
    if array.count == count {
      array.withUnsafeMutableBufferPointer { $0.update(repeating: MigratePFN(rawValue: 0)) }
    } else {
      array.removeAll(keepingCapacity: true)
      array.append(contentsOf: repeatElement(MigratePFN(rawValue: 0), count: count))
    }
    return array
  }

  /// The number of pages in the range.
  public var pageCount: Int { src.count }
  /// The address of entry `index`.
  public func address(of index: Int) -> VirtualAddress { start + UInt64(index) << 12 }
}
