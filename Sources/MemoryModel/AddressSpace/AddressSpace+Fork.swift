/// `fork`: a child address space that shares the parent's pages copy-on-write.
extension AddressSpace {
  /// Creates a child process whose address space is a copy of this one (`fork`, `dup_mmap`).
  ///
  /// Every VMA is copied. Page tables are copied only where Linux copies them
  /// (`vma_needs_copy`): private VMAs that have anonymous pages, and `VM_PFNMAP`/`VM_MIXEDMAP`
  /// VMAs; shared and untouched file mappings refault in the child. In private VMAs, writable
  /// anonymous entries — PTEs and whole PMD leaves — are write-protected in both processes and
  /// their pages lose their exclusive mark, after a `protection-page` invalidation of the
  /// parent's VMA range. PMD leaves of file and shmem VMAs are not copied (`copy_huge_pmd`): the
  /// child refaults them.
  /// - Throws: `ENOMEM` when frames for the child's page tables run out (the child is then torn
  ///   down).
  public func fork(childName: String) throws(SyscallError) -> AddressSpace {
    guard !hasExited else { throw SyscallError(.EINVAL, "process \(name) has exited") }
    let child = try system.createProcess(name: childName)
    // anon_vma_fork(): a child's anon_vma chain holds its parent's (see VMA.anonVMAForked).
    child.vmas = vmas.map { (vma) in
      var copy = vma
      if copy.anonID != nil { copy.anonVMAForked = true }
      return copy
    }
    for vma in vmas where (!vma.isShared && vma.anonID != nil) || !vma.flags.isDisjoint(with: [.pfnmap, .mixedmap]) {
      let succeeded: Bool
      if vma.isCOWMapping {
        succeeded = invalidating(vma.start, vma.end, .protectionPage) { copyPageTables(vma, to: child) }
      } else {
        succeeded = copyPageTables(vma, to: child)
      }
      if !succeeded {
        child.exit()
        throw SyscallError(.ENOMEM, "fork: no frame for the child's page tables")
      }
    }
    return child
  }

  /// Copies the entries of `vma` into `child` (`copy_page_range`).
  private func copyPageTables(_ vma: VMA, to child: AddressSpace) -> Bool {
    let cow = vma.isCOWMapping
    var address = vma.start
    while address < vma.end {
      let (entry, level, slot) = pageTable.lookup(address)
      // copy_huge_pmd(): a maybe-pinned exclusive THP is split and copied as PTEs.
      if cow && level == .pmd && splitMaybePinnedPMDForFork(entry, slot, address) { continue }
      let span = level == .pte ? PageSize.size2M.bytes : level.entrySpan
      let next = min(address.alignedDown(to: span) + span, vma.end)
      defer { address = next }
      if level == .pte {
        let count = Int((next - address) >> PageSize.shift4K)
        // copy_pte_range() allocates the child's PTE table for every table the parent has, even
        // an empty one (after MADV_DONTNEED): the child's PMD is not none there either.
        guard let childFirst = child.pageTable.slot(for: address, level: .pte, allocate: true) else { return false }
        // The rest of this table's PTEs lie in the same child table: slots after the first.
        for i in 0..<count {
          var pte = pageTable.entry(at: slot + i)
          guard !pte.isNone else { continue }
          if pte.swapType == .deviceExclusive {
            // copy_nonpresent_pte: restore the original entry, then copy it as a present one.
            restoreExclusiveEntry(at: slot + i)
            pte = pageTable.entry(at: slot + i)
          }
          let childSlot = childFirst + i
          if cow && needsCOWForDMA(pte) {
            // copy_present_page(): the child gets its own copy of a maybe-pinned exclusive page.
            guard copyMaybePinnedPage(pte, to: child, at: childSlot, vma: vma) else { return false }
            continue
          }
          child.pageTable.setEntry(copyEntry(pte, at: slot + i, cow: cow, pages: 1), at: childSlot)
          if let frame = pte.mappedFrame { child.addPTEMapping(frame) }
        }
        continue
      }
      guard !entry.isNone, entry.isHuge || entry.isProtNone || entry.swapType == .devicePrivate else { continue }
      guard let childSlot = child.pageTable.slot(for: address, level: level, allocate: true) else { return false }
      // copy_huge_pmd(): a PMD leaf of a file or shmem VMA is not copied (it "can be re-filled on
      // fault"): the child maps the page-cache folio again when it touches it.
      if level == .pmd && !vma.isAnonymous && !vma.isHugetlb && vma.flags.isDisjoint(with: [.pfnmap, .mixedmap]) { continue }
      if cow && vma.isHugetlb && needsCOWForDMA(entry) {
        // copy_hugetlb_page_range(): a maybe-pinned exclusive hugetlb page is copied for the child.
        guard copyMaybePinnedHugetlbPage(entry, to: child, at: childSlot, level: level) else { return false }
        continue
      }
      let head = entry.pfn
      let kind = memory.kind(of: head)
      if level == .pmd && (kind == .anonymous || kind == .zero || kind.isDevice) {
        guard child.pageTable.deposit(childSlot) else { return false }
      }
      child.pageTable.setEntry(copyEntry(entry, at: slot, cow: cow, pages: 1 << memory.order(ofFolio: head)), at: childSlot)
      child.addEntireMapping(head)
    }
    return true
  }

  /// The child's copy of an entry; write-protects the parent's entry too for copy-on-write
  /// anonymous memory, and clears the pages' exclusive marks.
  private func copyEntry(_ entry: PageTableEntry, at slot: Int, cow: Bool, pages: Int) -> PageTableEntry {
    guard cow, entry.mappedFrame != nil, !memory.isZeroPage(entry.pfn) else { return entry }
    let kind = memory.kind(of: entry.pfn)
    guard kind == .anonymous || kind == .hugetlb || kind.isDevice else { return entry }
    for i in 0..<UInt64(pages) { memory.setAnonExclusive(entry.pfn + i, false) }
    if entry.isWritable { pageTable.setEntry(entry.writeProtected(), at: slot) }
    return entry.writeProtected()
  }
}
