/// The page-fault path (`handle_mm_fault` and what it calls): anonymous faults with the zero
/// page, THP faults with the huge zero page and 4 KiB fallback, file and shmem faults through
/// the page cache with fault-around, copy-on-write with page reuse, and hugetlb faults.
extension AddressSpace {
  /// Resolves a fault at `address` as the CPU would raise it, after the architecture's access
  /// check (`access_error`): no VMA, a read of a `PROT_NONE` VMA, or a write to a VMA without
  /// `VM_WRITE` is a segmentation fault.
  /// - Parameters:
  ///   - address: the faulting virtual address.
  ///   - write: whether the access is a write.
  /// - Throws: ``FaultError``.
  public func handleFault(at address: VirtualAddress, write: Bool) throws(FaultError) {
    let index = try faultingVMA(address, write: write)
    let vma = vmas[index]
    // mm_account_fault() counts a fault only when it did not fail (SIGBUS, OOM).
    system.events.pageFaults += 1
    do {
      try resolveFault(index, vma, address, write: write)
    } catch {
      system.events.pageFaults -= 1
      throw error
    }
  }

  /// ``handleFault(at:write:)`` for an address whose PTE sits in slot `pteSlot` of a PTE table
  /// the caller just walked to (every level above it a table): the same checks, counters and
  /// resolution, without walking down to the PTE again. Outside hugetlb VMAs `resolveFault`
  /// would reach the same slot: the PMD points to this table, so neither the huge-PMD fault nor
  /// the PMD-leaf paths apply.
  /// - Returns: whether the fault was resolved at the PTE (false in a hugetlb VMA).
  @discardableResult
  func handleFault(at address: VirtualAddress, write: Bool, pteSlot: Int) throws(FaultError) -> Bool {
    let index = try faultingVMA(address, write: write)
    let vma = vmas[index]
    system.events.pageFaults += 1
    do {
      if vma.isHugetlb {
        try resolveFault(index, vma, address, write: write)
        return false
      }
      try resolvePTEFault(index, address, pteSlot, write: write)
      return true
    } catch {
      system.events.pageFaults -= 1
      throw error
    }
  }

  /// ``handleFault(at:write:pteSlot:)`` for an empty PTE, with the fault-around window a fault
  /// before it in the same run left settled (``FaultAroundWindow``; ``handleFaults(_:_:write:faulted:)``
  /// keeps one across its run): the same checks, counters and resolution.
  /// - Returns: whether the fault was resolved at the PTE (false in a hugetlb VMA).
  func handleEmptyPTEFault(at address: VirtualAddress, write: Bool, pteSlot: Int,
                           _ window: inout FaultAroundWindow) throws(FaultError) -> Bool {
    let index = try faultingVMA(address, write: write)
    let vma = vmas[index]
    system.events.pageFaults += 1
    do {
      if vma.isHugetlb {
        window = FaultAroundWindow()
        try resolveFault(index, vma, address, write: write)
        return false
      }
      try faultEmptyPTE(index, address, pteSlot, write: write, &window)
      return true
    } catch {
      system.events.pageFaults -= 1
      throw error
    }
  }

  /// The architecture's access check before a fault (`access_error`): the index of the VMA
  /// containing `address`, or the segmentation fault the access raises.
  @inline(__always)
  private func faultingVMA(_ address: VirtualAddress, write: Bool) throws(FaultError) -> Int {
    guard !hasExited, let index = hintedVMAIndex(containing: address) else {
      throw .segmentationFault(address, "no VMA maps this address")
    }
    let protection = vmas[index].protection
    if write && !protection.contains(.write) {
      throw .segmentationFault(address, "write to a VMA without write permission (\(protection))")
    }
    if protection.isEmpty { throw .segmentationFault(address, "access to a PROT_NONE VMA") }
    return index
  }

  /// ``vmaIndex(containing:)``, trying the VMA of the last fault (``lastFaultVMA``) first.
  @inline(__always)
  func hintedVMAIndex(containing address: VirtualAddress) -> Int? {
    let hint = lastFaultVMA
    if hint < vmas.count, vmas[hint].start <= address, address < vmas[hint].end { return hint }
    guard let found = vmaIndex(containing: address) else { return nil }
    lastFaultVMA = found
    return found
  }

  /// The part of ``handleFault(at:write:)`` after the access check.
  private func resolveFault(_ index: Int, _ vma: VMA, _ address: VirtualAddress, write: Bool) throws(FaultError) {
    if vma.isHugetlb { return try hugetlbFault(index, address, write: write) }

    // The PMD slot's descent allocates the PUD and PMD tables on the way, and fails where a
    // PUD-level slot would.
    guard let pmdSlot = pageTable.slot(for: address, level: .pmd, allocate: true) else { throw .outOfMemory(address) }
    if pageTable.entry(at: pmdSlot).isNone, try faultHugePMD(index, address, pmdSlot, write: write) { return }
    let pmd = pageTable.entry(at: pmdSlot)
    if pmd.isHuge {
      if !write || pmd.isWritable {
        pageTable.setEntry(pmd.touched(write: write), at: pmdSlot)
        return
      }
      if try writeProtectedHugePMD(index, address, pmdSlot) { return }
    } else if pmd.isSwap {
      try faultOnSoftwareEntry(pmd, address)
      return try handleFault(at: address, write: write)
    }
    guard let pteSlot = pageTable.pteSlot(underPMD: pmdSlot, address, allocate: true) else { throw .outOfMemory(address) }
    try resolvePTEFault(index, address, pteSlot, write: write)
  }

  /// The PTE level of ``resolveFault(_:_:_:write:)``: the fault on the PTE in `pteSlot`.
  private func resolvePTEFault(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int, write: Bool) throws(FaultError) {
    let pte = pageTable.entry(at: pteSlot)
    if pte.isNone {
      try faultEmptyPTE(index, address, pteSlot, write: write)
    } else if pte.isSwap {
      if pte.swapType == .deviceExclusive {
        restoreExclusiveEntry(at: pteSlot)
        return try handleFault(at: address, write: write)
      }
      try faultOnSoftwareEntry(pte, address)
      return try handleFault(at: address, write: write)
    } else if write && !pte.isWritable {
      try writeProtectedPTE(index, address, pteSlot)
    } else {
      pageTable.setEntry(pte.touched(write: write), at: pteSlot)
    }
  }

  /// A fault on a device-private or migration entry (`do_swap_page` for non-swap entries): the
  /// owner's `migrate_to_ram` brings a device-private page back; a migration entry means a
  /// migration is in progress, which nothing in the model leaves half done.
  private func faultOnSoftwareEntry(_ entry: PageTableEntry, _ address: VirtualAddress) throws(FaultError) {
    switch entry.swapType {
    case .devicePrivate:
      guard let region = system.deviceMemory(containing: entry.pfn), let ops = region.ops,
        ops.migrateToRAM(self, address: address, pfn: entry.pfn)
      else { throw .busError(address, "the device could not migrate page \(entry.pfn) back to system memory") }
    case .migration:
      throw .busError(address, "a migration entry: page \(entry.pfn) is being migrated")
    default:
      throw .busError(address, "an unknown software entry")
    }
  }

  /// Restores the page a device-exclusive entry hides (`remove_device_exclusive_entry`), after a
  /// `clear` invalidation of the page so that the device drops its exclusive access.
  func restoreExclusiveEntry(at slot: Int) {
    let entry = pageTable.entry(at: slot)
    guard entry.swapType == .deviceExclusive else { return }
    let address = pageTableAddress(ofPTESlot: slot)
    invalidating(address, address + 4096, .clear) {
      pageTable.setEntry(.present(entry.pfn, writable: entry.isWritable, dirty: entry.isWritable), at: slot)
    }
  }

  /// The virtual address a PMD slot maps.
  func pageTableAddress(ofPMDSlot slot: Int) -> VirtualAddress { pageTableAddress(ofSlot: slot, level: .pmd) }

  /// The virtual address a PTE slot maps.
  func pageTableAddress(ofPTESlot slot: Int) -> VirtualAddress { pageTableAddress(ofSlot: slot, level: .pte) }

  /// The virtual address a slot at `level` maps (found from the tables' parent links).
  private func pageTableAddress(ofSlot slot: Int, level: PageTableLevel) -> VirtualAddress {
    var address: UInt64 = UInt64(slot & 511) << level.shift
    var node = slot >> 9
    var shift = level.shift + 9
    while node != pageTable.root {
      let parent = pageTable.nodeParentSlot[node]
      address |= UInt64(parent & 511) << shift
      shift += 9
      node = parent >> 9
    }
    return VirtualAddress(address)
  }

  /// Gives the VMA an `anon_vma` identity, reusing an adjacent VMA's as
  /// `find_mergeable_anon_vma()` does, so that the VMAs can still merge later.
  func ensureAnonVMA(_ index: Int) {
    guard vmas[index].anonID == nil else { return }
    if index > 0, vmas[index - 1].end == vmas[index].start, let id = vmas[index - 1].anonID, !vmas[index - 1].anonVMAForked {
      vmas[index].anonID = id
    } else if index + 1 < vmas.count, vmas[index + 1].start == vmas[index].end, let id = vmas[index + 1].anonID,
      !vmas[index + 1].anonVMAForked
    {
      vmas[index].anonID = id
    } else {
      vmas[index].anonID = system.newAnonID()
    }
  }

  /// Whether a PMD-sized folio may be mapped at `haddr` in the VMA (`thp_vma_allowable_order`
  /// plus `thp_vma_suitable_order`): the aligned 2 MiB lies inside the VMA, THP is not disabled
  /// for it, and the `enabled` setting allows it (anonymous memory) or the file's page cache
  /// holds large folios (file and shmem).
  /// - Parameter ignoringSysfs: `MADV_COLLAPSE` ignores the `enabled` setting.
  func isTHPAllowed(_ vma: VMA, at haddr: VirtualAddress, ignoringSysfs: Bool = false) -> Bool {
    guard haddr >= vma.start, haddr + PageSize.size2M.bytes <= vma.end, !vma.isHugetlb,
      !vma.flags.contains(.noHugepage), vma.flags.isDisjoint(with: [.io, .pfnmap, .mixedmap])
    else { return false }
    switch vma.backing {
    case .anonymous:
      if ignoringSysfs { return true }
      return allowsAnonymousPMD(vma)
    case .file(let id):
      // MADV_COLLAPSE forces shmem THPs whatever shmem_enabled says (shmem_huge_force).
      guard let file = system.file(id: id), file.largeFolios || ignoringSysfs else { return false }
      return vma.pageIndex(of: haddr) % 512 == 0
    }
  }

  /// A fault on an empty PMD: maps a THP (or the huge zero page) when allowed.
  /// - Returns: true when the PMD now maps the fault; false to fall back to PTEs.
  private func faultHugePMD(_ index: Int, _ address: VirtualAddress, _ pmdSlot: Int, write: Bool) throws(FaultError) -> Bool {
    let vma = vmas[index]
    let haddr = address.alignedDown(to: PageSize.size2M.bytes)
    guard isTHPAllowed(vma, at: haddr) || hasPMDSizedCachedFolio(vma, at: haddr) else { return false }
    switch vma.backing {
    case .anonymous:
      // do_huge_pmd_anonymous_page() prepares the anon_vma before it considers the huge zero page.
      ensureAnonVMA(index)
      if !write && system.settings.useHugeZeroPage {
        guard pageTable.deposit(pmdSlot) else { return false }
        pageTable.setEntry(.present(memory.hugeZeroPage, writable: false, huge: true, special: true), at: pmdSlot)
        system.events.thpZeroPageMapped += 1
        return true
      }
      guard let head = memory.allocateFolio(order: 9, kind: .anonymous) else {
        system.events.thpFaultFallback += 1
        system.mthpStats.anonFaultFallback[9] += 1
        return false
      }
      guard pageTable.deposit(pmdSlot) else {
        memory.freeFolio(head)
        system.events.thpFaultFallback += 1
        system.mthpStats.anonFaultFallback[9] += 1
        return false
      }
      memory.clearFolioContents(head)
      mapAnonymousPMD(head, pmdSlot, writable: vma.protection.contains(.write))
      system.events.thpFaultAlloc += 1
      system.mthpStats.anonFaultAlloc[9] += 1
      return true
    case .file(let id):
      if !vma.isShared && write { return false }
      guard let file = system.file(id: id) else { return false }
      // Only a cached PMD-sized folio or a new one: the fault must not read in a small page at
      // haddr (shmem_fault() reads the faulting index).
      guard let pfn = try system.pageCacheFolio(file, vma.pageIndex(of: haddr), address: address, vma: vma, allowSmall: false) else {
        return false
      }
      let head = memory.folioHead(of: pfn)
      guard memory.order(ofFolio: head) == 9, pfn == head else { return false }
      let writable = vma.isShared && vma.protection.contains(.write)
      pageTable.setEntry(.present(head, writable: writable, huge: true, dirty: write), at: pmdSlot)
      addEntireMapping(head)
      return true
    }
  }

  /// Maps a new exclusive anonymous THP with a PMD (a table must be deposited already).
  func mapAnonymousPMD(_ head: PFN, _ pmdSlot: Int, writable: Bool) {
    pageTable.setEntry(.present(head, writable: writable, huge: true, dirty: true), at: pmdSlot)
    addEntireMapping(head)
    for i in 0..<512 { memory.setAnonExclusive(head + UInt64(i), true) }
  }

  /// A fault on an empty PTE.
  private func faultEmptyPTE(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int, write: Bool) throws(FaultError) {
    var window = FaultAroundWindow()
    try faultEmptyPTE(index, address, pteSlot, write: write, &window)
  }

  /// ``faultEmptyPTE(_:_:_:write:)`` with the fault-around window a fault before it in the same
  /// PTE table and VMA left settled (``FaultAroundWindow``): ``touchRun(_:slot:count:write:_:)``'s
  /// in-loop file faults, after the same access check, keep one across a run.
  func faultEmptyPTE(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int, write: Bool,
                     _ window: inout FaultAroundWindow) throws(FaultError) {
    let vma = vmas[index]
    let writableVMA = vma.protection.contains(.write)
    switch vma.backing {
    case .anonymous:
      if !write {
        // do_anonymous_page() maps the zero page before it needs an anon_vma.
        pageTable.setEntry(.present(memory.zeroPage, writable: false, special: true), at: pteSlot)
        return
      }
      ensureAnonVMA(index)
      if system.settings.mthp.enablesSmallOrders, faultAnonymousLargeFolio(index, address, pteSlot) { return }
      let pfn = try allocateAnonymousPage(address)
      mapNewAnonymousPage(pfn, pteSlot, writable: writableVMA)
    case .file(let id):
      guard let file = system.file(id: id) else { throw .busError(address, "the file is gone") }
      try faultEmptyFilePTE(index, address, pteSlot, write: write, file, &window)
    }
  }

  /// The file and shmem part of ``faultEmptyPTE(_:_:_:write:_:)``, for the VMA's file `file`
  /// (``touchRun(_:slot:count:write:_:)`` looks it up once for its run of pages).
  func faultEmptyFilePTE(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int, write: Bool, _ file: File,
                         _ window: inout FaultAroundWindow) throws(FaultError) {
    let vma = vmas[index]
    let writableVMA = vma.protection.contains(.write)
    let pageAddress = address.alignedDown(to: PageSize.bytes4K)
    let wasCached = file.cachedPage(vma.pageIndex(of: pageAddress)) != nil
    // do_cow_fault() prepares the anon_vma before it reads the page, so a failed one (SIGBUS
    // past the file's end) leaves it too, and fork copies the VMA's page tables.
    if !vma.isShared && write { ensureAnonVMA(index) }
    let pfn = try system.pageCacheFolio(file, vma.pageIndex(of: pageAddress), address: address, vma: vma)
    if !vma.isShared && write {
      let copy = try allocateAnonymousPage(address)
      memory.copyContents(from: pfn, to: copy)
      mapNewAnonymousPage(copy, pteSlot, writable: writableVMA)
      system.events.cowCopies += 1
      return
    }
    pageTable.setEntry(.present(pfn, writable: vma.isShared && writableVMA, dirty: write), at: pteSlot)
    addPTEMapping(pfn)
    if !write && wasCached {
      // do_read_fault(): fault-around maps the cached page, its whole folio where it fits, and its neighbours.
      faultAround(vma, file, pageAddress, pteSlot, &window)
      return
    }
    // A page read in now (fault-around ran before it was cached and found only its neighbours),
    // or a shared write fault: finish_fault() maps the whole folio where it fits (Linux 6.18).
    if !write { faultAround(vma, file, pageAddress, pteSlot, &window, excluding: memory.folioHead(of: pfn)) }
    mapRestOfFileFolio(vma, pfn, pageAddress, pteSlot, dirty: write)
  }

  func allocateAnonymousPage(_ address: VirtualAddress) throws(FaultError) -> PFN {
    guard let pfn = memory.allocateFolio(order: 0, kind: .anonymous) else { throw .outOfMemory(address) }
    memory.clearContents(pfn)
    return pfn
  }

  func mapNewAnonymousPage(_ pfn: PFN, _ pteSlot: Int, writable: Bool) {
    pageTable.setEntry(.present(pfn, writable: writable, dirty: true), at: pteSlot)
    addPTEMapping(pfn)
    memory.setAnonExclusive(pfn, true)
  }

  /// `do_fault_around`: maps the already-cached neighbours of a file read fault inside the
  /// fault-around window, the VMA and the PMD; a large folio that the window touches is mapped
  /// whole where it lies inside the VMA and one page table (`filemap_map_folio_range()`, Linux
  /// 6.18), every empty PTE of it. `excluding` is a folio the window skips (read in after it ran).
  /// The window lies in the PTE table of `pteSlot` (the faulting page's): its slots are found
  /// from that table, not by a walk per page. `settled` is the window a fault before this one in
  /// the same table and VMA left settled, if any; this fault sets it to its own window when it
  /// leaves that settled too (``FaultAroundWindow``).
  private func faultAround(_ vma: VMA, _ file: File, _ pageAddress: VirtualAddress, _ pteSlot: Int,
                           _ settled: inout FaultAroundWindow, excluding: PFN? = nil) {
    let window = system.settings.faultAroundBytes
    guard window > PageSize.bytes4K else { return }
    let pmdStart = pageAddress.alignedDown(to: PageSize.size2M.bytes)
    let start = max(pageAddress.alignedDown(to: window), vma.start, pmdStart)
    let end = min(start + window, vma.end, pmdStart + PageSize.size2M.bytes)
    // A small folio just read in for a page of a settled window: every other cached page of the
    // window is a small folio its PTE maps already, so the loop below would map nothing.
    if let excluding, settled.start == start.rawValue, settled.end == end.rawValue, memory.order(ofFolio: excluding) == 0 { return }
    let writable = vma.isShared && vma.protection.contains(.write)
    let table = pteSlot & ~511
    // Whether the window is settled after the loop: no large folio was found in it.
    var settles = excluding.map { memory.order(ofFolio: $0) == 0 } ?? true
    var address = start
    while address < end {
      defer { address = address + PageSize.bytes4K }
      guard let pfn = file.cachedPage(vma.pageIndex(of: address)), memory.folioHead(of: pfn) != excluding else { continue }
      if memory.order(ofFolio: memory.folioHead(of: pfn)) > 0 {
        settles = false
        if let range = fileFolioRange(vma, pfn, address) {
          mapEmptyPTEs(of: pfn, at: address, range, tableBase: table, writable: writable, dirty: false, accessed: false)
          continue
        }
      }
      let slot = table | PageTable.index(address, 12)
      guard address != pageAddress, pageTable.entry(at: slot).isNone else { continue }
      pageTable.setEntry(.present(pfn, writable: writable, accessed: false), at: slot)
      addPTEMapping(pfn)
    }
    settled = settles ? FaultAroundWindow(start: start.rawValue, end: end.rawValue) : FaultAroundWindow()
  }

  /// `finish_fault()` for a large page-cache folio (Linux 6.18): after its page at `pageAddress`
  /// was mapped, maps the rest of it too when the folio lies inside the VMA and one page table
  /// and all its other PTEs are empty (otherwise only the faulting page stays mapped).
  private func mapRestOfFileFolio(_ vma: VMA, _ pfn: PFN, _ pageAddress: VirtualAddress, _ pteSlot: Int, dirty: Bool) {
    guard memory.order(ofFolio: memory.folioHead(of: pfn)) > 0, let range = fileFolioRange(vma, pfn, pageAddress) else { return }
    let first = pteSlot - Int((pageAddress - range.start) >> PageSize.shift4K)
    let count = Int((range.end - range.start) >> PageSize.shift4K)
    for slot in first..<(first + count) where slot != pteSlot {
      guard pageTable.entry(at: slot).isNone else { return }
    }
    mapEmptyPTEs(of: pfn, at: pageAddress, range, tableBase: pteSlot & ~511,
                 writable: vma.isShared && vma.protection.contains(.write), dirty: dirty, accessed: true)
  }

  /// The virtual range of the folio holding `pfn` (mapped at `address`) when it lies inside
  /// `vma` and inside one page table (`folio_within_vma()` and the PMD check); nil otherwise.
  private func fileFolioRange(_ vma: VMA, _ pfn: PFN, _ address: VirtualAddress) -> (start: VirtualAddress, end: VirtualAddress)? {
    let head = memory.folioHead(of: pfn)
    let offset = (pfn.rawValue - head.rawValue) << PageSize.shift4K
    guard address.rawValue >= offset else { return nil }
    let start = address - offset
    let end = start + (UInt64(1) << memory.order(ofFolio: head)) * PageSize.bytes4K
    guard start >= vma.start, end <= vma.end,
      start.alignedDown(to: PageSize.size2M.bytes) == (end - 1).alignedDown(to: PageSize.size2M.bytes)
    else { return nil }
    return (start, end)
  }

  /// Maps every page of the folio holding `pfn` (mapped at `address`) over `range` whose PTE is
  /// empty; `range` lies in the PTE table whose first slot is `tableBase`.
  private func mapEmptyPTEs(of pfn: PFN, at address: VirtualAddress, _ range: (start: VirtualAddress, end: VirtualAddress),
                            tableBase: Int, writable: Bool, dirty: Bool, accessed: Bool) {
    let base = tableBase | PageTable.index(range.start, 12)
    let head = memory.folioHead(of: pfn)
    let firstPFN = head.rawValue + ((pfn.rawValue - head.rawValue) - ((address - range.start) >> PageSize.shift4K))
    // addPTEMapping(_:) for each page mapped, counted for the whole folio at once: every page is
    // the folio's (of its kind), each page's map count goes up by one, and the folio's reference
    // count and the resident pages by the pages mapped.
    let kind = memory.kind(of: head)
    var mapped: Int32 = 0
    for i in 0..<Int((range.end - range.start) >> PageSize.shift4K) where pageTable.entry(at: base + i).isNone {
      let page = PFN(firstPFN + UInt64(i))
      pageTable.setEntry(.present(page, writable: writable, dirty: dirty, accessed: accessed), at: base + i)
      if kind != .zero { memory.addPTEMapping(page, 1) }
      mapped += 1
    }
    if kind != .zero && mapped > 0 {
      memory.addReference(head, mapped)
      account(kind, pages: Int(mapped))
    }
  }

  /// `do_wp_page`: a write to a present read-only PTE in a writable VMA (the fault's access
  /// check made: ``touchRun(_:slot:count:write:_:)`` calls it after its own).
  func writeProtectedPTE(_ index: Int, _ address: VirtualAddress, _ pteSlot: Int) throws(FaultError) {
    let vma = vmas[index]
    let pte = pageTable.entry(at: pteSlot)
    let pfn = pte.pfn
    if vma.isShared {
      pageTable.setEntry(pte.madeWritable().touched(write: true), at: pteSlot)
      return
    }
    if !memory.isZeroPage(pfn) && memory.kind(of: pfn) == .anonymous && canReuseAnonymousPage(pfn, pteSlot) {
      memory.setAnonExclusive(pfn, true)
      pageTable.setEntry(pte.madeWritable().touched(write: true), at: pteSlot)
      return
    }
    ensureAnonVMA(index)
    try copyOnWrite(address, pteSlot, from: memory.isZeroPage(pfn) ? nil : pfn, writable: vma.protection.contains(.write))
  }

  /// Whether a write fault may reuse an anonymous page instead of copying it
  /// (`wp_can_reuse_anon_folio`): it is marked exclusive, or it is a small folio with no other
  /// reference, or (`__wp_can_reuse_large_anon_folio`, Linux 6.15+) a large folio of which more
  /// than one page is mapped, every reference is a mapping, and every mapping is this address
  /// space's — wherever its PTEs lie. A large folio with only this page still mapped is copied
  /// from, so that it can be freed.
  func canReuseAnonymousPage(_ pfn: PFN, _ pteSlot: Int) -> Bool {
    if memory.isAnonExclusive(pfn) { return true }
    let head = memory.folioHead(of: pfn)
    let order = memory.order(ofFolio: head)
    let references = memory.referenceCount(ofFolio: head)
    if order == 0 { return references == 1 }
    guard memory.entireMapCount(ofFolio: head) == 0 else { return false }
    let last = head.rawValue + UInt64(1 << order)
    // After fork the other processes' table at this address usually maps the folio: such a
    // mapping is one of the folio's PTE mappings (counted in `mapped` below) that lies in no
    // table of this MM, so neither this table nor a walk of this MM can make up `mapped` and the
    // answer is no, whatever `mapped` and the references are: found without summing the
    // folio's map counts, counting this table or walking.
    if system.addressSpaces.count > 1,
      anotherSpaceMapsFolio(head, last: last, near: pageTableAddress(ofPTESlot: pteSlot))
    {
      return false
    }
    var mapped = 0
    for i in 0..<(1 << order) { mapped += memory.pteMapCount(of: head + UInt64(i)) }
    guard mapped > 1, mapped == references else { return false }
    // Usually every mapping lies in the faulting table: count there first. A table's entries are
    // some of the folio's mappings (here <= mapped): the answer is yes as soon as all are found
    // here, whatever order the table's slots are counted in. The slots where the folio lies if
    // it is mapped in order around the faulting page (`expected`) are counted first.
    let node = pteSlot >> 9
    let tableStart = node << 9
    let tableEnd = (node + 1) << 9
    let pageInFolio = Int(pfn.rawValue - head.rawValue)
    let expected = max(tableStart, pteSlot - pageInFolio)..<min(tableEnd, pteSlot - pageInFolio + (1 << order))
    var here = folioMappings(in: expected, head, last)
    if here == mapped { return true }
    here += folioMappings(in: tableStart..<expected.lowerBound, head, last)
    here += folioMappings(in: expected.upperBound..<tableEnd, head, last)
    if here >= mapped { return true }
    // Otherwise (after an mremap to an address that is not 2M aligned, say) walk this address
    // space: the folio is this MM's alone if all its mappings are found here.
    var counter = FolioMappingCounter(head: head, end: last)
    for vma in vmas where !vma.isShared { pageTable.walk(vma.start, vma.end, &counter) }
    return counter.count == mapped
  }

  /// How many present PTEs in `slots` (of this address space's table) map a frame of
  /// `head..<last` (the frame range tested on the raw bits first: `head <= pfn < last`).
  @inline(__always)
  private func folioMappings(in slots: Range<Int>, _ head: PFN, _ last: UInt64) -> Int {
    let size = last &- head.rawValue
    var count = 0
    for slot in slots {
      let entry = pageTable.entry(at: slot)
      if ((entry.rawValue & PageTableEntry.pfnMask) >> 12) &- head.rawValue < size && entry.isPresent { count += 1 }
    }
    return count
  }

  /// `wp_page_copy`: replaces the page (or the zero page when `source` is nil) with a private
  /// copy, raising a `clear` invalidation for the page.
  /// `writable`: whether the VMA has `VM_WRITE` (the new PTE's write bit).
  private func copyOnWrite(_ address: VirtualAddress, _ pteSlot: Int, from source: PFN?, writable: Bool) throws(FaultError) {
    let copy = try allocateAnonymousPage(address)
    if let source { memory.copyContents(from: source, to: copy) }
    let page = address.alignedDown(to: PageSize.bytes4K)
    invalidating(page, page + PageSize.bytes4K, .clear) {
      pageTable.setEntry(.none, at: pteSlot)
      mapNewAnonymousPage(copy, pteSlot, writable: writable)
      if let source { removePTEMapping(source) }
    }
    system.events.cowCopies += 1
  }

  /// `do_huge_pmd_wp_page`: a write to a read-only PMD leaf.
  /// - Returns: true when handled at the PMD level; false after splitting the PMD, so the fault
  ///   goes on at the PTE level.
  private func writeProtectedHugePMD(_ index: Int, _ address: VirtualAddress, _ pmdSlot: Int) throws(FaultError) -> Bool {
    let vma = vmas[index]
    let pmd = pageTable.entry(at: pmdSlot)
    let haddr = address.alignedDown(to: PageSize.size2M.bytes)
    if vma.isShared {
      pageTable.setEntry(pmd.madeWritable(), at: pmdSlot)
      return true
    }
    let head = pmd.pfn
    if memory.isZeroPage(head) {
      // Linux 6.13+ ("Allocate THP on hugezeropage wp-fault") replaces the huge zero page by a THP.
      if let folio = memory.allocateFolio(order: 9, kind: .anonymous) {
        memory.clearFolioContents(folio)
        invalidating(haddr, haddr + PageSize.size2M.bytes, .clear) {
          pageTable.setEntry(.none, at: pmdSlot)
          mapAnonymousPMD(folio, pmdSlot, writable: true)
        }
        system.events.thpFaultAlloc += 1
        system.mthpStats.anonFaultAlloc[9] += 1
        return true
      }
      splitHugePMD(at: haddr, pmdSlot)
      return false
    }
    if memory.kind(of: head) == .anonymous
      && (memory.isAnonExclusive(head)
        || (memory.referenceCount(ofFolio: head) == 1 && memory.entireMapCount(ofFolio: head) == 1))
    {
      for i in 0..<512 { memory.setAnonExclusive(head + UInt64(i), true) }
      pageTable.setEntry(pmd.madeWritable(), at: pmdSlot)
      return true
    }
    splitHugePMD(at: haddr, pmdSlot)
    return false
  }

  /// A fault in a hugetlb VMA (`hugetlb_fault`): maps the pool's page whole, copies on write in
  /// private mappings.
  private func hugetlbFault(_ index: Int, _ address: VirtualAddress, write: Bool) throws(FaultError) {
    let vma = vmas[index]
    let size = vma.hugetlbPageSize!
    let haddr = address.alignedDown(to: size.bytes)
    if !vma.isShared { ensureAnonVMA(index) }
    if size == .size2M { guard pageTable.slot(for: haddr, level: .pud, allocate: true) != nil else { throw .outOfMemory(address) } }
    guard let slot = pageTable.slot(for: haddr, level: size.level, allocate: true) else { throw .outOfMemory(address) }
    let entry = pageTable.entry(at: slot)
    let writableVMA = vma.protection.contains(.write)
    if entry.isNone {
      let head: PFN
      var cached = false
      // hugetlb_no_page(): a shared mapping maps (and fills) the file's page cache; a private one
      // maps a page the file caches read-only (a write copies it at once, hugetlb_wp()) and
      // gets a new anonymous page for one it does not cache.
      if case .file(let id) = vma.backing, let file = system.file(id: id),
        vma.isShared || file.cachedPage(vma.pageIndex(of: haddr)) != nil
      {
        head = try system.pageCacheFolio(file, vma.pageIndex(of: haddr), address: address)
        cached = true
      } else {
        guard let folio = system.allocateHugetlbFolio(size) else {
          throw .busError(address, "the \(size) hugetlb pool has no free page")
        }
        head = folio
        for i in 0..<size.pageCount { memory.setAnonExclusive(head + UInt64(i), true) }
      }
      if cached && !vma.isShared && write {
        guard let copy = system.allocateHugetlbFolio(size) else { throw .busError(address, "the \(size) hugetlb pool has no free page") }
        for i in 0..<UInt64(size.pageCount) { memory.copyContents(from: head + i, to: copy + i) }
        for i in 0..<size.pageCount { memory.setAnonExclusive(copy + UInt64(i), true) }
        pageTable.setEntry(.present(copy, writable: writableVMA, huge: true, dirty: true), at: slot)
        addEntireMapping(copy)
        system.events.cowCopies += 1
        return
      }
      let writable = writableVMA && (vma.isShared || (write && !cached))
      pageTable.setEntry(.present(head, writable: writable, huge: true, dirty: write), at: slot)
      addEntireMapping(head)
      return
    }
    guard write && !entry.isWritable else {
      pageTable.setEntry(entry.touched(write: write), at: slot)
      return
    }
    let head = entry.pfn
    if vma.isShared || memory.isAnonExclusive(head) || memory.referenceCount(ofFolio: head) == 1 {
      pageTable.setEntry(entry.madeWritable(), at: slot)
      return
    }
    guard let copy = system.allocateHugetlbFolio(size) else { throw .outOfMemory(address) }
    for i in 0..<UInt64(size.pageCount) { memory.copyContents(from: head + i, to: copy + i) }
    for i in 0..<size.pageCount { memory.setAnonExclusive(copy + UInt64(i), true) }
    invalidating(haddr, haddr + size.bytes, .clear) {
      pageTable.setEntry(.present(copy, writable: true, huge: true, dirty: true), at: slot)
      addEntireMapping(copy)
      removeEntireMapping(head)
    }
    system.events.cowCopies += 1
  }
}

extension MemorySystem {
  /// The frame caching page `index` of `file`, reading it in (allocating, zero-filled) if it is
  /// not cached. Regular and shmem files with large folios get a PMD-sized folio when the whole
  /// aligned 2 MiB of the file is uncached and inside the file, and, for a fault, when the
  /// faulting VMA could map it with a PMD (`shmem_suitable_orders()`: the file offset and the
  /// address agree modulo 2 MiB and the aligned 2 MiB lies in the VMA).
  func pageCacheFolio(_ file: File, _ index: UInt64, address: VirtualAddress, vma: VMA? = nil) throws(FaultError) -> PFN {
    guard let pfn = try pageCacheFolio(file, index, address: address, vma: vma, allowSmall: true) else {
      throw .outOfMemory(address)
    }
    return pfn
  }

  /// ``pageCacheFolio(_:_:address:vma:)``, or nil when `allowSmall` is false and the page is
  /// not cached and would be read into a small folio (nothing is cached then).
  func pageCacheFolio(_ file: File, _ index: UInt64, address: VirtualAddress, vma: VMA?, allowSmall: Bool) throws(FaultError) -> PFN? {
    if let pfn = file.cachedPage(index) { return pfn }
    guard index < file.pageCount else {
      throw .busError(address, "beyond the end of file \(file.name)")
    }
    if let size = file.hugetlbPageSize {
      let base = index & ~UInt64(size.pageCount - 1)
      guard let head = allocateHugetlbFolio(size) else { throw .busError(address, "the \(size) hugetlb pool has no free page") }
      insertIntoPageCache(file, head, firstIndex: base)
      return head + (index - base)
    }
    if file.largeFolios {
      let base = index & ~511
      let haddr = address.alignedDown(to: PageSize.size2M.bytes)
      // (VM_NOHUGEPAGE refuses too: shmem_allowable_huge_orders() -> vma_thp_disabled().)
      let suitable = vma.map {
        !$0.flags.contains(.noHugepage) && haddr >= $0.start && haddr + PageSize.size2M.bytes <= $0.end && $0.pageIndex(of: haddr) == base
      } ?? true
      if suitable, base + 512 <= file.pageCount && file.pageCache.isEmptyChunk(at: base),
        let head = memory.allocateFolio(order: 9, kind: file.folioKind)
      {
        memory.clearFolioContents(head)
        insertIntoPageCache(file, head, firstIndex: base)
        return head + (index - base)
      }
    }
    guard allowSmall else { return nil }
    guard let pfn = memory.allocateFolio(order: 0, kind: file.folioKind) else { throw .outOfMemory(address) }
    memory.clearContents(pfn)
    insertIntoPageCache(file, pfn, firstIndex: index)
    return pfn
  }

  func insertIntoPageCache(_ file: File, _ head: PFN, firstIndex: UInt64) {
    file.pageCache.insert(firstIndex, head, count: 1 << memory.order(ofFolio: head))
    memory.setPageCache(head, true)
    memory.addReference(head)
  }
}
