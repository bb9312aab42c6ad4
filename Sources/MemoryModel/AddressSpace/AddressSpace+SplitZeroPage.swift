/// The shared-zero-page remap of a folio split (Linux 6.12+): when `__folio_split` remaps an
/// anonymous folio split to order 0 (`remap_page` with `RMP_USE_SHARED_ZEROPAGE`),
/// `try_to_map_unused_to_zeropage` maps each page whose contents are all zeros to the shared
/// zero page instead: a special read-only PTE with the VMA's protection, the page's mapping and
/// RSS dropped (so a page nothing else maps is freed).
extension AddressSpace {
  /// Replaces this address space's PTEs that map a zero-filled page of `[head, head + pageCount)`
  /// (order-0 folios just split) by zero-page PTEs.
  /// - Parameter invalidate: raise a `clear` invalidation over the pages replaced (false when the
  ///   split already raised one over the PMD range they were mapped in).
  func mapZeroFilledPagesToZeroPage(inFolioAt head: PFN, pageCount: Int, invalidate: Bool) {
    var finder = ZeroFilledPageFinder(first: head.rawValue, count: UInt64(pageCount), memory: memory)
    for vma in vmas where !vma.isHugetlb && !vma.isShared { pageTable.walk(vma.start, vma.end, &finder) }
    guard let first = finder.addresses.first, let last = finder.addresses.last else { return }
    let replace = {
      for address in finder.addresses {
        guard let vma = self.vma(containing: address),
          let slot = self.pageTable.slot(for: address, level: .pte, allocate: false)
        else { continue }
        let old = self.pageTable.entry(at: slot)
        var entry = PageTableEntry.present(self.memory.zeroPage, writable: false, special: true)
        if vma.protection.isEmpty { entry = entry.withProtection(accessible: false, writable: false) }
        self.pageTable.setEntry(entry, at: slot)
        self.memory.setAnonExclusive(old.pfn, false)
        self.removePTEMapping(old.pfn)
      }
    }
    if invalidate {
      invalidating(first, last + PageSize.size4K.bytes, .clear) { replace() }
    } else {
      replace()
    }
  }
}

/// Collects the addresses of present PTEs that map a zero-filled frame of a PFN window.
private struct ZeroFilledPageFinder: PageTableVisitor {
  let first: UInt64
  let count: UInt64
  let memory: PhysicalMemory
  var addresses: [VirtualAddress] = []

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for (i, entry) in entries.enumerated() where entry.isPresent && entry.pfn.rawValue &- first < count {
      if memory.kind(of: entry.pfn) == .anonymous && memory.page(entry.pfn).sameBytes(as: .zero) {
        addresses.append(start + UInt64(i) << 12)
      }
    }
    return .continue
  }
  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl { .continue }
  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
