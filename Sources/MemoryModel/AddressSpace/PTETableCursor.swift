/// The PTE table a run of CPU accesses is in: the 2 MiB it maps and the flat slot of its first
/// entry, so that the next access in the same 2 MiB reads its PTE without walking from the
/// root. Only valid while no table above the PTEs changes; ``AddressSpace`` drops it after any
/// fault that could change one.
struct PTETableCursor {
  /// The 2 MiB-aligned address the table maps (`UInt64.max` when nothing is remembered).
  private var region = UInt64.max
  /// The flat slot of the table's first entry.
  private var base = 0

  /// The flat slot of the PTE mapping `address`, when it lies in the remembered table.
  @inline(__always)
  func slot(for address: VirtualAddress) -> Int? {
    address.rawValue & ~(PageSize.size2M.bytes - 1) == region ? base | Int(truncatingIfNeeded: (address.rawValue >> PageSize.shift4K) & 511) : nil
  }

  /// Remembers the table holding `slot`, the PTE of `address`.
  @inline(__always)
  mutating func remember(_ address: VirtualAddress, _ slot: Int) {
    region = address.rawValue & ~(PageSize.size2M.bytes - 1)
    base = slot & ~511
  }

  /// Forgets the table.
  @inline(__always)
  mutating func forget() { region = UInt64.max }

  /// `table.lookup(address)`, from the remembered table when `address` lies in it; a lookup that
  /// ends at a PTE remembers its table.
  @inline(__always)
  mutating func lookup(_ address: VirtualAddress, in table: PageTable) -> (entry: PageTableEntry, level: PageTableLevel, slot: Int) {
    if let slot = slot(for: address) { return (table.entry(at: slot), .pte, slot) }
    let found = table.lookup(address)
    if found.level == .pte { remember(address, found.slot) }
    return found
  }
}
