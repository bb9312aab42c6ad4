/// The transparent-huge-page life cycle at the page-table level: splitting a PMD into 512 PTEs
/// (`__split_huge_pmd`) and collapsing 512 PTEs into a new PMD-mapped folio (khugepaged and
/// `MADV_COLLAPSE`).
extension AddressSpace {
  /// Splits the PMD leaf at `haddr` into a PTE table mapping the same pages with the same
  /// permissions (the folio stays large), raising a `clear` invalidation over the 2 MiB first.
  /// An anonymous PMD becomes 512 PTEs through its deposited table; the huge zero page becomes
  /// 512 PTEs of the small zero page; a file PMD is simply cleared and its pages refault with
  /// PTEs, as Linux does.
  func splitHugePMD(at haddr: VirtualAddress, _ pmdSlot: Int) {
    let pmd = pageTable.entry(at: pmdSlot)
    let isDevicePrivate = pmd.swapType == .devicePrivate
    guard pmd.isHuge || isDevicePrivate, memory.kind(of: pmd.pfn) != .hugetlb else { return }
    system.events.thpSplitPMD += 1
    invalidating(haddr, haddr + PageSize.size2M.bytes, .clear) {
      let head = pmd.pfn
      let kind = memory.kind(of: head)
      if isDevicePrivate, let node = pageTable.withdrawDeposit(pmdSlot) {
        // A device-private PMD becomes 512 device-private PTEs of the same device folio.
        for i in 0..<512 {
          pageTable.setEntry(.swap(.devicePrivate, pfn: head + UInt64(i), writable: pmd.isWritable), at: node << 9 | i)
          addPTEMapping(head + UInt64(i))
        }
        pageTable.setEntry(.present(pageTable.nodeFrame[node], writable: true), at: pmdSlot)
        removeEntireMapping(head)
        return
      }
      guard kind == .anonymous || kind == .zero || kind == .deviceCoherent, let node = pageTable.withdrawDeposit(pmdSlot) else {
        pageTable.setEntry(.none, at: pmdSlot)
        removeEntireMapping(head)
        return
      }
      let isZero = kind == .zero
      for i in 0..<512 {
        let pfn = isZero ? memory.zeroPage : head + UInt64(i)
        var entry = PageTableEntry.present(pfn, writable: pmd.isWritable, dirty: pmd.isDirty, accessed: pmd.isAccessed, special: isZero)
        if pmd.isProtNone { entry = entry.withProtection(accessible: false, writable: false) }
        pageTable.setEntry(entry, at: node << 9 | i)
        if !isZero { addPTEMapping(pfn) }
      }
      pageTable.setEntry(.present(pageTable.nodeFrame[node], writable: true), at: pmdSlot)
      if !isZero { removeEntireMapping(head) }
    }
  }

  /// Splits the PMD leaf covering `address`, if there is one and `address` is not 2 MiB aligned
  /// (`split_huge_pmd_address`, as VMA splits do at unaligned boundaries).
  func splitHugePMDIfStraddling(_ address: VirtualAddress) {
    guard !address.isAligned(to: PageSize.size2M.bytes) else { return }
    splitHugePMD(covering: address)
  }

  /// Splits the PMD leaf covering `address`, if any (hugetlb leaves are never split).
  func splitHugePMD(covering address: VirtualAddress) {
    guard let vma = vma(containing: address), !vma.isHugetlb,
      let slot = pageTable.slot(for: address, level: .pmd, allocate: false),
      pageTable.entry(at: slot).isHuge || pageTable.entry(at: slot).swapType == .devicePrivate
    else { return }
    splitHugePMD(at: address.alignedDown(to: PageSize.size2M.bytes), slot)
  }

  /// The outcome of collapsing one 2 MiB range.
  public enum CollapseResult: Equatable, Sendable {
    /// A new PMD-mapped folio now maps the range.
    case collapsed
    /// The range was already PMD-mapped (`SCAN_PMD_MAPPED`).
    case alreadyPMDMapped
    /// The range could not be collapsed: the scan result and what was found where.
    case failed(CollapseScanResult, String)

    /// Whether `madvise_collapse()` goes on to the next 2 MiB after this result: after a
    /// success, and after the failures ``CollapseScanResult/madviseCollapseContinues`` lists.
    public var madviseCollapseContinues: Bool {
      guard case .failed(let scan, _) = self else { return true }
      return scan.madviseCollapseContinues
    }
  }

  /// Collapses the 2 MiB at `haddr` into one new PMD-mapped anonymous THP (`collapse_huge_page`):
  /// copies the present pages, zero-fills the empty ones, unmaps the old PTEs (raising a `clear`
  /// invalidation over the 2 MiB) and maps the new folio with a PMD.
  /// - Parameters:
  ///   - haddr: the 2 MiB-aligned address of the range.
  ///   - byKhugepaged: apply khugepaged's `max_ptes_none` limit and `enabled` setting
  ///     (`MADV_COLLAPSE` ignores both).
  public func collapse(at haddr: VirtualAddress, byKhugepaged: Bool = false) -> CollapseResult {
    guard haddr.isAligned(to: PageSize.size2M.bytes) else { return .failed(.addressRange, "\(haddr) is not 2M aligned") }
    guard let index = vmaIndex(containing: haddr) else { return .failed(.vmaNull, "no VMA at \(haddr)") }
    let vma = vmas[index]
    guard isTHPAllowed(vma, at: haddr, ignoringSysfs: !byKhugepaged) else {
      return .failed(.vmaCheck, "THP is not allowed for \(haddr)")
    }
    if case .file(let id) = vma.backing {
      guard !byKhugepaged, let file = system.file(id: id) else {
        return .failed(.vmaCheck, "khugepaged's collapse of file and shmem mappings is not modelled")
      }
      return collapseFile(file, vma, at: haddr)
    }
    guard let pmdSlot = pageTable.slot(for: haddr, level: .pmd, allocate: false) else {
      return .failed(.pmdNull, "no page table at \(haddr)")
    }
    let pmd = pageTable.entry(at: pmdSlot)
    if pmd.isHuge { return .alreadyPMDMapped }
    guard !pmd.isNone, !pmd.isSwap else { return .failed(.pmdNone, "no PTE table at \(haddr)") }
    let node = pageTable.node(for: pmd)
    // hpage_collapse_scan_pmd(): empty and zero-page PTEs are filled (MADV_COLLAPSE: any
    // number of them; khugepaged: up to max_ptes_none); read-only PTEs collapse too (Linux 6.18
    // has no SCAN_PAGE_RO), and pages shared with another process are copied into the new THP.
    var noneOrZero = 0
    for i in 0..<512 {
      let entry = pageTable.entry(at: node << 9 | i)
      if entry.isNone || (entry.isPresent && memory.isZeroPage(entry.pfn)) {
        noneOrZero += 1
        continue
      }
      guard entry.isPresent, !entry.isProtNone else {
        return .failed(.pteNonPresent, "a non-present entry at \(haddr + UInt64(i) * 4096)")
      }
      guard memory.kind(of: entry.pfn) == .anonymous else {
        return .failed(.pageAnon, "a non-anonymous page at \(haddr + UInt64(i) * 4096)")
      }
      // is_refcount_suitable(): a GUP reference or pin is a reference besides the mappings.
      guard !system.isHeldByGUP(memory.folioHead(of: entry.pfn)) else {
        return .failed(.pageCount, "a page held by GUP at \(haddr + UInt64(i) * 4096)")
      }
    }
    if byKhugepaged && noneOrZero > system.settings.maxPTEsNone {
      return .failed(.exceedNonePTE, "\(noneOrZero) empty PTEs exceed max_ptes_none")
    }
    // collapse_huge_page() -> hugepage_vma_revalidate(expect_anon): a VMA without an anon_vma
    // (nothing was ever written or copied into it, only zero pages read) is refused.
    guard vma.anonID != nil else {
      return .failed(.pageAnon, "the VMA at \(vma.start) has no anon_vma")
    }
    guard let head = memory.allocateFolio(order: 9, kind: .anonymous) else {
      return .failed(.allocHugePageFail, "no PMD-sized folio is free")
    }
    memory.clearFolioContents(head)
    invalidating(haddr, haddr + PageSize.size2M.bytes, .clear) {
      for i in 0..<512 {
        let slot = node << 9 | i
        let entry = pageTable.entry(at: slot)
        guard !entry.isNone else { continue }
        if !memory.isZeroPage(entry.pfn) {
          memory.copyContents(from: entry.pfn, to: head + UInt64(i))
          pageTable.setEntry(.none, at: slot)
          removePTEMapping(entry.pfn)
        } else {
          pageTable.setEntry(.none, at: slot)
        }
      }
      // The emptied PTE table becomes the PMD's deposit, as khugepaged deposits it.
      pageTable.setEntry(.none, at: pmdSlot)
      pageTable.depositedTables[pmdSlot] = node
      mapAnonymousPMD(head, pmdSlot, writable: vma.protection.contains(.write))
    }
    system.events.thpCollapseAlloc += 1
    return .collapsed
  }
}

extension MemorySystem {
  /// Splits a large anonymous folio into order-0 folios (`split_folio`): whole-folio mappings
  /// are split into PTEs first (in every address space), then each page becomes its own folio;
  /// pages nothing maps are freed. hugetlb and page-cache folios are not split.
  /// - Returns: false if the folio cannot be split.
  @discardableResult
  public func splitFolio(_ head: PFN) -> Bool {
    let order = memory.order(ofFolio: head)
    guard order > 0, order <= PhysicalMemory.maxBuddyOrder, memory.kind(of: head) == .anonymous,
      memory.folioHead(of: head) == head
    else { return false }
    // can_split_folio(): a GUP reference or pin is an extra reference; the split fails (-EAGAIN)
    // before anything is unmapped.
    if isHeldByGUP(head) {
      events.thpSplitPageFailed += 1
      return false
    }
    var pmdSplitSpaces = Set<ObjectIdentifier>()
    if memory.entireMapCount(ofFolio: head) > 0 {
      for space in addressSpaces where space.splitPMDMappings(of: head) { pmdSplitSpaces.insert(ObjectIdentifier(space)) }
    }
    precondition(memory.entireMapCount(ofFolio: head) == 0, "folio \(head) is still PMD-mapped")
    if memory.isOnDeferredSplitQueue(head) {
      memory.setDeferredSplit(head, false)
      deferredSplitQueue.removeAll { $0 == head }
    }
    var exclusive: [Bool] = []
    for i in 0..<(1 << order) { exclusive.append(memory.isAnonExclusive(head + UInt64(i))) }
    let start = head.index
    memory.formFolio(head: start, order: 0, kind: .anonymous)
    for i in 1..<(1 << order) { memory.formFolio(head: start + i, order: 0, kind: .anonymous) }
    for i in 0..<(1 << order) {
      let pfn = head + UInt64(i)
      memory.setAnonExclusive(pfn, exclusive[i])
      // formFolio reset the counts; rebuild them from the page's PTE mappings.
      memory.frames[pfn.index].mapCount = 0
    }
    for space in addressSpaces { space.recountPTEMappings(inFolioAt: head, pageCount: 1 << order) }
    for i in 0..<(1 << order) {
      let pfn = head + UInt64(i)
      memory.frames[pfn.index].refCount = memory.frames[pfn.index].mapCount
    }
    // remap_page(RMP_USE_SHARED_ZEROPAGE): a zero-filled page becomes the shared zero page.
    for space in addressSpaces {
      space.mapZeroFilledPagesToZeroPage(inFolioAt: head, pageCount: 1 << order,
                                         invalidate: !pmdSplitSpaces.contains(ObjectIdentifier(space)))
    }
    for i in 0..<(1 << order) {
      let pfn = head + UInt64(i)
      // (A page the zero-page remap unmapped everywhere was freed by its last put already.)
      if memory.frames[pfn.index].mapCount == 0 && memory.kind(of: pfn) == .anonymous {
        memory.setAnonExclusive(pfn, false)
        memory.freeFolio(pfn)
      }
    }
    // __folio_split(): thp_split_page counts PMD-sized folios only; split counts every size.
    if order >= MTHPSettings.pmdOrder { events.thpSplitPage += 1 }
    mthpStats.split[order] += 1
    return true
  }

  /// Splits every folio on the deferred-split queue (`deferred_split_scan`), freeing the pages
  /// that are no longer mapped.
  /// - Returns: the number of folios split.
  @discardableResult
  public func processDeferredSplitQueue() -> Int {
    var split = 0
    var held: [PFN] = []
    while let head = deferredSplitQueue.first {
      if splitFolio(head) {
        split += 1
      } else if isHeldByGUP(head) {
        // deferred_split_scan(): a folio that cannot be split now stays on the queue.
        deferredSplitQueue.removeFirst()
        held.append(head)
      } else {
        memory.setDeferredSplit(head, false)
        deferredSplitQueue.removeFirst()
      }
    }
    deferredSplitQueue.append(contentsOf: held)
    return split
  }
}

extension AddressSpace {
  /// Splits every PMD of this address space that maps the folio `head` (the rmap walk
  /// `split_huge_page` performs; the model scans the VMAs' PMDs).
  /// - Returns: whether a PMD was split.
  @discardableResult
  func splitPMDMappings(of head: PFN) -> Bool {
    var split = false
    for vma in vmas where !vma.isHugetlb {
      var address = vma.start.alignedUp(to: PageSize.size2M.bytes)
      while address + PageSize.size2M.bytes <= vma.end {
        if let slot = pageTable.slot(for: address, level: .pmd, allocate: false) {
          let entry = pageTable.entry(at: slot)
          if entry.isHuge && entry.pfn == head {
            splitHugePMD(at: address, slot)
            split = true
          }
        }
        address = address + PageSize.size2M.bytes
      }
    }
    return split
  }

  /// Adds this address space's PTE mappings of frames `[head, head + pageCount)` to their map
  /// counts (used after a folio split rebuilt the descriptors).
  func recountPTEMappings(inFolioAt head: PFN, pageCount: Int) {
    var counter = FrameMapCounter(first: head.rawValue, count: UInt64(pageCount), memory: memory)
    for vma in vmas { pageTable.walk(vma.start, vma.end, &counter) }
  }
}

/// Adds one to the map count of every frame in a PFN window that a visited PTE maps.
private struct FrameMapCounter: PageTableVisitor {
  let first: UInt64
  let count: UInt64
  let memory: PhysicalMemory

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for entry in entries {
      if let frame = entry.mappedFrame, frame.rawValue &- first < count { memory.frames[frame.index].mapCount += 1 }
    }
    return .continue
  }
  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl { .continue }
  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
