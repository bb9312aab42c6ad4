/// Faulting a run of pages, as `hmm_range_fault()`'s `hmm_vma_fault()` does: one
/// `handle_mm_fault()` per page, in address order.
extension AddressSpace {
  /// Resolves a fault at every 4 KiB page of `[start, end)` in address order, each exactly as
  /// ``handleFault(at:write:)`` would (the same access check, counters, allocations and
  /// invalidations), stopping at the first that fails. The pages of one PTE table are found from
  /// the table: one walk per table, not one per page.
  /// - Parameters:
  ///   - start: the first page (4 KiB aligned).
  ///   - end: the end of the run (4 KiB aligned).
  ///   - faulted: counts each page whose fault was resolved.
  /// - Returns: nil when every page's fault was resolved; otherwise the first page whose fault
  ///   failed and its error (the pages before it were resolved).
  public func handleFaults(_ start: VirtualAddress, _ end: VirtualAddress, write: Bool,
                           faulted: inout Int) -> (address: VirtualAddress, error: FaultError)? {
    var cursor = PTETableCursor()
    var address = start
    while address < end {
      do {
        if let slot = cursor.slot(for: address) {
          let wasNone = pageTable.entry(at: slot).isNone
          let filled = try handleFault(at: address, write: write, pteSlot: slot)
          if !(filled && wasNone) { cursor.forget() }
        } else {
          let (entry, level, slot) = pageTable.lookup(address)
          if level == .pte {
            cursor.remember(address, slot)
            let filled = try handleFault(at: address, write: write, pteSlot: slot)
            if !(filled && entry.isNone) { cursor.forget() }
          } else {
            try handleFault(at: address, write: write)
          }
        }
      } catch {
        return (address, error)
      }
      faulted += 1
      address = address + PageSize.bytes4K
    }
    return nil
  }
}
