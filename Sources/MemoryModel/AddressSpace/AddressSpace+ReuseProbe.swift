/// A shortcut for `__wp_can_reuse_large_anon_folio`'s "mapped by this MM only" question after
/// fork: look at the other processes' PTE table at the same address before walking this whole
/// address space.
extension AddressSpace {
  /// Whether some other address space maps a page of the folio `head..<last` by a present PTE
  /// in a VMA, in the PTE table that covers `address` there (after fork, the other processes'
  /// copies of a table map the same folio). Such a PTE is one of the folio's counted mappings
  /// that is not this MM's, so the folio is not this MM's alone: ``canReuseAnonymousPage(_:_:)``
  /// may answer false without its walk (which would count fewer than all mappings).
  /// - Parameters:
  ///   - head: the folio's head.
  ///   - last: one past the folio's last frame.
  ///   - address: an address in this address space's faulting PTE table.
  func anotherSpaceMapsFolio(_ head: PFN, last: UInt64, near address: VirtualAddress) -> Bool {
    let size = last &- head.rawValue
    let tableStart = address.alignedDown(to: PageSize.size2M.bytes)
    // The slots around `address` first (a fork's copy maps the folio where this table does), then
    // the rest: the answer is whether any slot has such a PTE, whatever the order.
    let around = Int((address.rawValue >> PageSize.shift4K) & 511)
    let first = max(0, around - Int(size))
    let end = min(512, around + Int(size))
    for space in system.addressSpaces where space !== self {
      guard let slot = space.pageTable.slot(for: tableStart, level: .pte, allocate: false) else { continue }
      let node = slot >> 9
      func maps(_ i: Int) -> Bool {
        let entry = space.pageTable.entry(at: (node << 9) + i)
        // The frame range on the raw bits first (`head <= pfn < last`), as the walk does.
        guard ((entry.rawValue & PageTableEntry.pfnMask) >> 12) &- head.rawValue < size && entry.isPresent else { return false }
        return space.vmaIndex(containing: tableStart + UInt64(i) << 12) != nil
      }
      for i in first..<end where maps(i) { return true }
      for i in 0..<first where maps(i) { return true }
      for i in end..<512 where maps(i) { return true }
    }
    return false
  }
}
