/// `madvise`.
extension AddressSpace {
  /// The advice `madvise` takes that the model implements.
  public enum Advice: String, Sendable, CaseIterable {
    /// `MADV_HUGEPAGE`: set `VM_HUGEPAGE` (THP in `madvise` mode).
    case hugepage
    /// `MADV_NOHUGEPAGE`: set `VM_NOHUGEPAGE`.
    case nohugepage
    /// `MADV_DONTNEED`: zap the range now; it refaults as zero (or from the file).
    case dontneed
    /// `MADV_FREE`: mark private anonymous pages lazily freeable (reclaim, which the model does
    /// not run, could then drop them).
    case free
    /// `MADV_COLLAPSE`: collapse each 2 MiB of the range into a PMD-mapped THP now.
    case collapse
  }

  /// Gives advice about `[address, address + length)` (`madvise`).
  /// A zero length succeeds. On hugetlb VMAs, `dontneed` needs an aligned start and rounds the
  /// end down to the huge page size; `free` does not apply.
  /// - Throws: `EINVAL` for bad arguments, advice that does not apply to the VMA, or a collapse
  ///   that failed (a collapse stops at the first VMA that fails); `ENOMEM` when part of the range is unmapped (the rest is still advised, as
  ///   Linux does) or a collapse found no free folio.
  public func madvise(_ address: VirtualAddress, _ length: UInt64, _ advice: Advice) throws(SyscallError) {
    // As Linux does, a zero length at an aligned address succeeds without looking at the range.
    if length == 0 && !hasExited {
      guard address.isAligned(to: PageSize.bytes4K) else { throw SyscallError(.EINVAL, "madvise: address \(address) is not page aligned") }
      return
    }
    let end = try checkedRange(address, length, "madvise")
    let unmappedHole = !isFullyMapped(address, end)
    switch advice {
    case .hugepage, .nohugepage:
      // A VMA whose flags would not change is not split (`madvise_update_vma()`), and a hugetlb
      // VMA that would change is split only at its page boundaries.
      let set: VMAFlags = advice == .hugepage ? .hugepage : .noHugepage
      let clear: VMAFlags = advice == .hugepage ? .noHugepage : .hugepage
      let needsChange: (VMA) -> Bool = { !$0.flags.contains(set) || !$0.flags.isDisjoint(with: clear) }
      let (from, to, cut) = try hugetlbEdgesChangingBelow(address, end, "madvise", changes: needsChange)
      changeVMAs(from, to, where: needsChange, update: { vma in
        vma.flags.insert(set)
        vma.flags.remove(clear)
      })
      if let cut { throw cut }
    case .dontneed:
      for index in vmaIndices(overlapping: address, end) {
        let vma = vmas[index]
        let start = max(vma.start, address)
        let stop = try hugetlbDontneedEnd(index, start, min(vma.end, end))
        guard stop > start else { continue }
        invalidating(start, stop, .clear) { zap(start, stop) }
        // CONFIG_PT_RECLAIM (6.14+): zap_pte_range() frees a PTE table it emptied only when this
        // one zap covered the table's whole 2M (reclaim_pt_is_enabled()); a table emptied piece
        // by piece stays.
        let tablesStart = start.alignedUp(to: PageSize.size2M.bytes)
        let tablesEnd = stop.alignedDown(to: PageSize.size2M.bytes)
        if tablesStart < tablesEnd { pageTable.freeEmptyPTETables(tablesStart, tablesEnd) }
      }
    case .free:
      for index in vmaIndices(overlapping: address, end) {
        let vma = vmas[index]
        guard vma.isAnonymous && !vma.isShared && !vma.isHugetlb else { throw SyscallError(.EINVAL, "madvise: MADV_FREE applies to private anonymous memory") }
        let start = max(vma.start, address)
        let stop = min(vma.end, end)
        invalidating(start, stop, .clear) { markLazyFree(start, stop) }
      }
    case .collapse:
      for index in vmaIndices(overlapping: address, end) {
        let vma = vmas[index]
        // madvise_collapse() first asks thp_vma_allowable_order(TVA_FORCED_COLLAPSE) about the
        // whole VMA, before it rounds the range to 2M chunks: the VMA must hold an aligned PMD,
        // and an anonymous VMA without an anon_vma gets no orders outside the fault path.
        let firstAligned = vma.start.alignedUp(to: PageSize.size2M.bytes)
        guard firstAligned + PageSize.size2M.bytes <= vma.end, isTHPAllowed(vma, at: firstAligned, ignoringSysfs: true) else {
          throw SyscallError(.EINVAL, "madvise: collapse: the VMA at \(vma.start) cannot hold a PMD-sized THP")
        }
        guard !(vma.isAnonymous && !vma.isShared && vma.anonID == nil) else {
          throw SyscallError(.EINVAL, "madvise: collapse: the VMA at \(vma.start) has no anon_vma")
        }
        var failure: SyscallError?
        let haddr = max(vma.start, address).alignedUp(to: PageSize.size2M.bytes)
        // madvise_collapse() counts the chunks as (hend - hstart) >> 21 in unsigned arithmetic:
        // a range inside one 2M that does not start on its boundary (hstart > hend) never
        // matches the number collapsed and fails with last_fail's SCAN_FAIL, EINVAL; an empty
        // one that does (hstart == hend) succeeds. (Measured on Linux 6.18.)
        guard haddr <= min(vma.end, end).alignedDown(to: PageSize.size2M.bytes) else {
          throw SyscallError(CollapseScanResult.fail.errno,
                             "madvise: collapse: \(max(vma.start, address))..\(min(vma.end, end)) lies inside one 2M and does not start on it (SCAN_FAIL)")
        }
        let record: (VirtualAddress, UInt64, CollapseResult) -> Void = { at, _, result in
          if case .failed(let scan, let reason) = result {
            failure = SyscallError(scan.errno, "madvise: collapse at \(at): \(reason) (\(scan.rawValue))")
          }
        }
        if vma.isAnonymous {
          collapseChunks(haddr, min(vma.end, end), byKhugepaged: false, stop: { !$0.madviseCollapseContinues }, record)
        } else {
          // A file's chunk can collapse without a page table here (the page cache is collapsed
          // first), so chunks are not summarised by page-table holes; an uncached chunk ends the walk.
          var at = haddr
          while at + PageSize.size2M.bytes <= min(vma.end, end) {
            let result = collapse(at: at)
            record(at, 1, result)
            if !result.madviseCollapseContinues { break }
            at = at + PageSize.size2M.bytes
          }
        }
        // madvise_walk_vmas() stops at the first VMA that fails: later VMAs are not visited.
        if let failure { throw failure }
      }
    }
    if unmappedHole { throw SyscallError(.ENOMEM, "madvise: part of \(address)+\(formatSize(length)) is not mapped") }
  }

  /// Clears the dirty bit of exclusively mapped anonymous pages and marks them lazily free;
  /// a PMD leaf partly in the range is split first.
  private func markLazyFree(_ start: VirtualAddress, _ end: VirtualAddress) {
    var address = start
    while address < end {
      let (entry, level, slot) = pageTable.lookup(address)
      let span = level == .pte ? PageSize.size2M.bytes : level.entrySpan
      let leafStart = address.alignedDown(to: span)
      let next = min(leafStart + span, end)
      if level == .pmd && entry.isHuge {
        if leafStart < start || leafStart + span > end {
          // madvise_free_huge_pmd(): part of an exclusively mapped THP splits the folio (and so
          // the PMD); a THP mapped elsewhere too is left alone.
          let head = entry.pfn
          if !memory.isZeroPage(head) && memory.kind(of: head) == .anonymous && memory.referenceCount(ofFolio: head) == 1 {
            system.splitFolio(head)
            continue
          }
          address = next
          continue
        }
        if !memory.isZeroPage(entry.pfn) && memory.mapCount(of: entry.pfn) == 1 {
          pageTable.setEntry(entry.cleaned(), at: slot)
          for i in 0..<UInt64(512) { memory.setLazyFree(entry.pfn + i, true) }
        }
      } else if level == .pte {
        // madvise_free_pte_range(): a large folio is handled as one batch of the PTEs that map
        // it consecutively here. A batch covering the whole folio keeps it large; a shorter one
        // splits it first if nothing else maps it (then each page goes on alone), and is left
        // alone if something does.
        let limit = slot + Int((next - address) >> PageSize.shift4K)
        var i = slot
        while i < limit {
          let pte = pageTable.entry(at: i)
          guard pte.isPresent, !memory.isZeroPage(pte.pfn), memory.mapCount(of: pte.pfn) == 1 else {
            i += 1
            continue
          }
          let head = memory.folioHead(of: pte.pfn)
          let order = memory.order(ofFolio: head)
          var batch = 1
          if order > 0 && memory.kind(of: head) == .anonymous {
            batch = 0
            while i + batch < limit, pageTable.entry(at: i + batch).isPresent,
              pageTable.entry(at: i + batch).pfn == pte.pfn + UInt64(batch), memory.folioHead(of: pte.pfn + UInt64(batch)) == head
            { batch += 1 }
            if batch < (1 << order) {
              guard memory.referenceCount(ofFolio: head) == memory.mappedPageCount(ofFolio: head) else {
                i += batch  // mapped elsewhere too: left alone
                continue
              }
              system.splitFolio(head)
              batch = 1
            }
          }
          for j in i..<(i + batch) {
            let entry = pageTable.entry(at: j)
            guard memory.mapCount(of: entry.pfn) == 1 else { continue }
            pageTable.setEntry(entry.cleaned(), at: j)
            memory.setLazyFree(entry.pfn, true)
          }
          i += batch
        }
      }
      address = next
    }
  }
}
