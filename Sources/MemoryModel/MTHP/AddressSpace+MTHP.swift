/// Multi-size THP (mTHP, Linux 6.8+) on the anonymous fault path: `alloc_anon_folio()` in
/// mm/memory.c. A write fault on an empty PTE of a private anonymous VMA takes the largest
/// enabled order below the PMD's whose naturally aligned range lies inside the VMA and whose
/// PTEs are all `pte_none`, tries to allocate it, falls back order by order (counting
/// `anon_fault_fallback`) and finally to one 4 KiB page. The new folio is mapped whole, by one
/// PTE per page (`set_ptes`), every page exclusive. Read faults still map the 4 KiB zero page
/// (`do_anonymous_page` maps it before it considers large folios).
extension AddressSpace {
  /// The anonymous orders (a bit per order) `vma` allows at all (`thp_vma_allowable_orders`
  /// for an anonymous VMA): none for shared, hugetlb, `VM_NOHUGEPAGE`, I/O and PFN-map VMAs;
  /// otherwise what the per-size settings enable under the top-level mode.
  func allowedAnonymousOrders(_ vma: VMA) -> UInt32 {
    guard vma.isAnonymous, !vma.isShared, !vma.isHugetlb, !vma.flags.contains(.noHugepage),
      vma.flags.isDisjoint(with: [.io, .pfnmap, .mixedmap])
    else { return 0 }
    return system.settings.mthp.enabledOrders(top: system.settings.thp, hugepage: vma.flags.contains(.hugepage))
  }

  /// Whether the settings let an anonymous VMA use PMD-sized folios (the `hugepages-2048kB`
  /// setting, `inherit` by default, so the top-level mode decides).
  func allowsAnonymousPMD(_ vma: VMA) -> Bool {
    allowedAnonymousOrders(vma) & (1 << MTHPSettings.pmdOrder) != 0
  }

  /// The orders below the PMD's whose aligned range around `address` lies inside `vma`
  /// (`thp_vma_suitable_orders`; anonymous VMAs need no page-offset alignment).
  func suitableAnonymousOrders(_ vma: VMA, at address: VirtualAddress) -> UInt32 {
    var orders = allowedAnonymousOrders(vma) & ((1 << MTHPSettings.pmdOrder) - 1)
    var candidates = orders
    while candidates != 0 {
      let order = candidates.trailingZeroBitCount
      candidates &= candidates - 1
      let bytes = PageSize.bytes4K << UInt64(order)
      let start = address.alignedDown(to: bytes)
      if start < vma.start || start + bytes > vma.end { orders &= ~(1 << order) }
    }
    return orders
  }

  /// `alloc_anon_folio()` and the large-folio half of `do_anonymous_page()` for a write fault
  /// at `address` on the empty PTE `pteSlot`.
  /// - Returns: true when a large folio now maps the fault; false to fall back to one 4 KiB
  ///   page (no suitable order, no empty range, or no free block of any suitable order).
  func faultAnonymousLargeFolio(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int) -> Bool {
    let vma = vmas[index]
    var orders = suitableAnonymousOrders(vma, at: address)
    guard orders != 0 else { return false }
    let pageIndex = Int((address.rawValue >> PageSize.shift4K) & 511)
    // The highest order whose aligned range is all pte_none; every smaller one then is too.
    var order = Self.highestOrder(orders)
    while orders != 0 {
      let first = pteSlot - (pageIndex & ((1 << order) - 1))
      if (first..<(first + (1 << order))).allSatisfy({ pageTable.entry(at: $0).isNone }) { break }
      orders &= ~(1 << order)
      order = Self.highestOrder(orders)
    }
    while orders != 0 {
      if let head = memory.allocateFolio(order: order, kind: .anonymous) {
        let first = pteSlot - (pageIndex & ((1 << order) - 1))
        memory.clearFolioContents(head)
        let writable = vma.protection.contains(.write)
        for i in 0..<(1 << order) { mapNewAnonymousPage(head + UInt64(i), first + i, writable: writable) }
        system.mthpStats.anonFaultAlloc[order] += 1
        return true
      }
      system.mthpStats.anonFaultFallback[order] += 1
      orders &= ~(1 << order)
      order = Self.highestOrder(orders)
    }
    return false
  }

  private static func highestOrder(_ orders: UInt32) -> Int {
    orders == 0 ? 0 : 31 - orders.leadingZeroBitCount
  }
}

extension MemorySystem {
  /// Anonymous folios of `order` in use (`nr_anon` of the size's stats).
  public func anonymousFolioCount(order: Int) -> Int {
    var count = 0
    var pfn = 0
    let frames = memory.frameCount
    while pfn < frames {
      let head = PFN(UInt64(pfn))
      let folioOrder = memory.order(ofFolio: head)
      if memory.kind(of: head) == .anonymous, memory.folioHead(of: head) == head, folioOrder == order,
        memory.referenceCount(ofFolio: head) > 0
      {
        count += 1
      }
      pfn += memory.isAllocated(head) && memory.folioHead(of: head) == head ? 1 << folioOrder : 1
    }
    return count
  }

  /// Anonymous folios of `order` on the deferred-split queue, which holds only partly mapped
  /// ones (`nr_anon_partially_mapped`).
  public func partiallyMappedFolioCount(order: Int) -> Int {
    deferredSplitQueue.count { memory.order(ofFolio: $0) == order }
  }
}
