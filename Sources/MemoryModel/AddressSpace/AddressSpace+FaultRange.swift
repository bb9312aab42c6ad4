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
  ///   - write: whether each fault is a write fault.
  ///   - faulted: counts each page whose fault was resolved.
  /// - Returns: nil when every page's fault was resolved; otherwise the first page whose fault
  ///   failed and its error (the pages before it were resolved).
  public func handleFaults(_ start: VirtualAddress, _ end: VirtualAddress, write: Bool,
                           faulted: inout Int) -> (address: VirtualAddress, error: FaultError)? {
    var cursor = PTETableCursor()
    // The fault-around window the run's last fault on an empty PTE left settled: nothing but the
    // run's own faults runs between two of them; any other fault forgets it.
    var window = FaultAroundWindow()
    var address = start
    while address < end {
      do {
        let (entry, level, slot) = cursor.lookup(address, in: pageTable)
        if level == .pte && entry.isNone {
          // handleFault(at:write:pteSlot:wasSwap:_:) for an empty PTE, with the window.
          if !(try handleEmptyPTEFault(at: address, write: write, pteSlot: slot, &window)) { cursor.forget() }
        } else if level == .pte {
          window = FaultAroundWindow()
          try handleFault(at: address, write: write, pteSlot: slot, wasSwap: entry.isSwap, &cursor)
        } else {
          window = FaultAroundWindow()
          try handleFault(at: address, write: write)
          let rest = pagesResolvedByPMDLeaf(after: address, end, write: write)
          if rest > 0 {
            system.events.pageFaults += rest
            faulted += 1 + rest
            address = address + UInt64(1 + rest) * PageSize.bytes4K
            continue
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

  /// How many pages after `address` (up to `end`, within its 2 MiB block) would each fault on a
  /// PMD leaf that needs nothing: after the fault at `address`, the PMD maps the block huge,
  /// with write permission where `write` asks for it, accessed (and dirty on a write) already,
  /// in one non-hugetlb VMA that allows the access. ``handleFault(at:write:)`` at each of them
  /// would pass the access check, count the fault and set the entry to the value it holds
  /// (`huge_pmd_set_accessed()` on an entry that is young and dirty): nothing but the count.
  /// Zero when any of that does not hold.
  private func pagesResolvedByPMDLeaf(after address: VirtualAddress, _ end: VirtualAddress, write: Bool) -> Int {
    let blockEnd = address.alignedDown(to: PageSize.size2M.bytes) + PageSize.size2M.bytes
    let last = min(blockEnd, end)
    guard last.rawValue > address.rawValue + PageSize.bytes4K, !hasExited else { return 0 }
    let (entry, level, _) = pageTable.lookup(address)
    guard level == .pmd, entry.isHuge, !write || entry.isWritable, entry.touched(write: write) == entry else { return 0 }
    guard let index = vmaIndex(containing: address), vmaIndex(containing: last - PageSize.bytes4K) == index else { return 0 }
    let vma = vmas[index]
    guard !vma.isHugetlb, !vma.protection.isEmpty, !write || vma.protection.contains(.write) else { return 0 }
    return Int((last.rawValue - address.rawValue) / PageSize.bytes4K) - 1
  }

  /// ``handleFault(at:write:pteSlot:)`` for a PTE `cursor` found; `wasSwap`: the PTE held a
  /// software entry before the fault. A fault resolved at the PTE on an empty or a present entry
  /// (filling it, or `do_wp_page`'s reuse or copy with its invalidation, whose receivers do not
  /// change the address space's tables, as `mmu_notifier` callbacks may not) changes no table
  /// above it, so the cursor stays; after a fault on a software entry (a device-private page's
  /// `migrate_to_ram`, a device-exclusive entry's restore) or a hugetlb fault it is dropped and
  /// the next access walks again.
  @inline(__always)
  func handleFault(at address: VirtualAddress, write: Bool, pteSlot: Int, wasSwap: Bool,
                   _ cursor: inout PTETableCursor) throws(FaultError) {
    let filled = try handleFault(at: address, write: write, pteSlot: pteSlot)
    if !filled || wasSwap { cursor.forget() }
  }
}
