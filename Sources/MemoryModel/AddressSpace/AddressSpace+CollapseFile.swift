/// `MADV_COLLAPSE` of shmem and file mappings (`hpage_collapse_scan_file()` and `collapse_file()`,
/// then `collapse_pte_mapped_thp()`): the file's page cache is collapsed first, for every process
/// that maps it, and then the calling process maps the new folio with a PMD.
///
/// Checked on Linux 6.18 with `shmem_enabled=never` (MADV_COLLAPSE forces shmem THPs, as
/// `shmem_huge_force` does): a 2M of the file with at least one cached page becomes one PMD-sized
/// shmem folio (the other pages zero-filled, also past the end of a smaller file); a 2M with no
/// cached page is `SCAN_TRUNCATED` (EINVAL, the walk ends); other processes' PTEs of the old pages
/// are unmapped and their emptied PTE tables retracted (`retract_page_tables()`, not in VMAs with
/// an anon_vma), so they refault with a PMD; a private mapping whose range holds a private copy
/// fails (EINVAL) after the page cache was collapsed. The model's regular files are tmpfs files
/// and collapse the same way.
extension AddressSpace {
  /// Collapses the 2 MiB at `haddr` of the file VMA `vma` (which maps `file` at a page offset
  /// aligned to 512 pages) into one PMD-sized page-cache folio mapped here by a PMD.
  func collapseFile(_ file: File, _ vma: VMA, at haddr: VirtualAddress) -> CollapseResult {
    let index = vma.pageIndex(of: haddr)
    var head: PFN
    var allocated = false
    if let first = file.cachedPage(index), memory.folioHead(of: first) == first, memory.order(ofFolio: first) == 9 {
      head = first  // SCAN_PTE_MAPPED_HUGEPAGE: the cache holds a PMD-sized folio already
    } else {
      var old: [(index: UInt64, pfn: PFN)] = []
      for i in 0..<UInt64(512) { if let pfn = file.cachedPage(index + i) { old.append((index + i, pfn)) } }
      guard !old.isEmpty else {
        return .failed(.truncated, "no page of \(file.name) is cached at pages \(index)..<\(index + 512)")
      }
      // collapse_file() gives up on a page something else holds a reference to (a pin, say).
      for (_, pfn) in old where memory.order(ofFolio: memory.folioHead(of: pfn)) != 0
        || memory.referenceCount(ofFolio: pfn) != 1 + memory.mapCount(of: pfn)
      {
        return .failed(.pageCount, "page \(pfn) of \(file.name) has extra references")
      }
      guard let new = memory.allocateFolio(order: 9, kind: file.folioKind) else {
        return .failed(.allocHugePageFail, "no PMD-sized folio is free")
      }
      allocated = true
      head = new
      memory.clearFolioContents(head)
      for (i, pfn) in old { memory.copyContents(from: pfn, to: head + (i - index)) }
      // try_to_unmap() of every old page in every process that maps this part of the file.
      let oldFrames = Set(old.map(\.pfn))
      for space in system.addressSpaces { space.unmapFilePages(file, index, oldFrames) }
      for (i, pfn) in old {
        file.pageCache[i] = nil
        memory.setPageCache(pfn, false)
        if memory.dropReference(pfn) { memory.freeFolio(pfn) }
      }
      system.insertIntoPageCache(file, head, firstIndex: index)
      // retract_page_tables(): emptied PTE tables of VMAs without an anon_vma go, so those
      // processes refault the range with a PMD.
      for space in system.addressSpaces { space.retractFilePageTables(file, index) }
    }
    if allocated { system.events.thpCollapseAlloc += 1 }
    return installFilePMD(head, vma, at: haddr)
  }

  /// `collapse_pte_mapped_thp(install_pmd)`: maps the page-cache folio `head` at `haddr` with a
  /// PMD, replacing PTEs that map its own pages; any other PTE (a private copy) refuses.
  private func installFilePMD(_ head: PFN, _ vma: VMA, at haddr: VirtualAddress) -> CollapseResult {
    guard let pmdSlot = pageTable.slot(for: haddr, level: .pmd, allocate: false) else {
      return .failed(.pmdNull, "no page table at \(haddr)")
    }
    let pmd = pageTable.entry(at: pmdSlot)
    if pmd.isHuge { return pmd.pfn == head ? .alreadyPMDMapped : .failed(.fail, "another folio is PMD-mapped at \(haddr)") }
    if pmd.isSwap { return .failed(.pmdNone, "no PTE table at \(haddr)") }
    if !pmd.isNone {
      let node = pageTable.node(for: pmd)
      for i in 0..<512 {
        let entry = pageTable.entry(at: node << 9 | i)
        if entry.isNone { continue }
        guard entry.isPresent else { return .failed(.pteNonPresent, "a non-present entry at \(haddr + UInt64(i) * 4096)") }
        guard entry.pfn == head + UInt64(i) else {
          return .failed(.fail, "the PTE at \(haddr + UInt64(i) * 4096) maps a page outside the new folio")
        }
      }
      invalidating(haddr, haddr + PageSize.size2M.bytes, .clear) {
        for i in 0..<512 {
          let entry = pageTable.entry(at: node << 9 | i)
          guard entry.isPresent else { continue }
          pageTable.setEntry(.none, at: node << 9 | i)
          removePTEMapping(entry.pfn)
        }
      }
      pageTable.freeEmptyPTETables(haddr, haddr + PageSize.size2M.bytes)
    }
    let writable = vma.isShared && vma.protection.contains(.write)
    pageTable.setEntry(.present(head, writable: writable, huge: true), at: pmdSlot)
    addEntireMapping(head)
    return .collapsed
  }

  /// The part of `vma` (which maps `file`) that maps pages `[index, index + 512)`, if any.
  private func fileRange(_ vma: VMA, _ index: UInt64) -> (start: VirtualAddress, end: VirtualAddress)? {
    let vmaPages = vma.size >> PageSize.shift4K
    let low = max(vma.pageOffset, index)
    let high = min(vma.pageOffset &+ vmaPages, index + 512)
    guard low < high else { return nil }
    return (vma.start + (low - vma.pageOffset) << PageSize.shift4K, vma.start + (high - vma.pageOffset) << PageSize.shift4K)
  }

  /// Unmaps this process's PTEs of `frames`, pages of `file` at `[index, index + 512)`.
  func unmapFilePages(_ file: File, _ index: UInt64, _ frames: Set<PFN>) {
    for vma in vmas where vma.backing == .file(file.id) {
      guard let (start, end) = fileRange(vma, index) else { continue }
      var slots: [Int] = []
      var address = start
      while address < end {
        defer { address = address + PageSize.bytes4K }
        guard let slot = pageTable.slot(for: address, level: .pte, allocate: false) else { continue }
        let entry = pageTable.entry(at: slot)
        if entry.isPresent && frames.contains(entry.pfn) { slots.append(slot) }
      }
      guard !slots.isEmpty else { continue }
      invalidating(start, end, .clear) {
        for slot in slots {
          let pfn = pageTable.entry(at: slot).pfn
          pageTable.setEntry(.none, at: slot)
          removePTEMapping(pfn)
        }
      }
    }
  }

  /// Frees this process's emptied PTE tables over pages `[index, index + 512)` of `file` where a
  /// VMA without an anon_vma maps them 2 MiB-aligned (`retract_page_tables()`).
  func retractFilePageTables(_ file: File, _ index: UInt64) {
    for vma in vmas where vma.backing == .file(file.id) && vma.anonID == nil && !vma.flags.contains(.noHugepage) {
      guard let (start, end) = fileRange(vma, index), end - start == PageSize.size2M.bytes,
        start.isAligned(to: PageSize.size2M.bytes)
      else { continue }
      pageTable.freeEmptyPTETables(start, end)
    }
  }

  /// Whether the page cache holds a PMD-sized folio for the aligned 2 MiB at `haddr` of a file
  /// VMA that can map it whole (`do_set_pmd()` maps such a folio with a PMD whatever
  /// `shmem_enabled` says, as after a `MADV_COLLAPSE`).
  func hasPMDSizedCachedFolio(_ vma: VMA, at haddr: VirtualAddress) -> Bool {
    guard case .file(let id) = vma.backing, !vma.isHugetlb, !vma.flags.contains(.noHugepage),
      haddr >= vma.start, haddr + PageSize.size2M.bytes <= vma.end, vma.pageIndex(of: haddr) % 512 == 0,
      let file = system.file(id: id), let pfn = file.cachedPage(vma.pageIndex(of: haddr))
    else { return false }
    return memory.folioHead(of: pfn) == pfn && memory.order(ofFolio: pfn) == 9
  }
}
