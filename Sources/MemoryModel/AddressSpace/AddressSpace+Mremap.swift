/// `mremap`: shrinking, growing in place, and moving mappings with their page tables.
extension AddressSpace {
  /// Resizes or moves `[address, address + oldSize)`, which must lie in one VMA (`mremap`),
  /// except for an unresized `MREMAP_FIXED` move, which moves every VMA in a range that starts
  /// inside one (Linux 6.17+ `remap_move()`), and for shrinking across VMAs.
  ///
  /// Shrinking unmaps the tail; growing extends the VMA in place when the space after it is
  /// free; otherwise, with `mayMove`, the mapping moves (to `fixedAddress` if given,
  /// `MREMAP_FIXED`): an `unmap` invalidation covers the old range, PMD leaves and whole PTE
  /// tables move as one entry where the old and new addresses are both 2 MiB aligned
  /// (`move_huge_pmd`, `move_normal_pmd`), and a PMD leaf that cannot move whole is split first,
  /// so its folio ends up mapped by PTEs.
  /// With `dontUnmap` (`MREMAP_DONTUNMAP`, which needs `mayMove` and an unchanged size), the
  /// pages move but the old VMA stays mapped, empty. A moved anonymous VMA that was never
  /// faulted takes the pgoff of its new address, so it merges with its new neighbours.
  /// - Returns: the mapping's new address.
  /// - Throws: `EINVAL` for bad arguments, `EFAULT` when the old range is not inside one VMA,
  ///   `ENOMEM` when it cannot grow in place and may not move.
  @discardableResult
  public func mremap(_ address: VirtualAddress, oldSize: UInt64, newSize: UInt64, mayMove: Bool,
                     fixedAddress: VirtualAddress? = nil, dontUnmap: Bool = false) throws(SyscallError) -> VirtualAddress {
    var oldEnd = try checkedRange(address, oldSize, "mremap")
    guard newSize > 0, newSize <= VirtualAddress.userSpaceEnd.rawValue else { throw SyscallError(.EINVAL, "mremap: bad new size \(newSize)") }
    var newLength = VirtualAddress(newSize).alignedUp(to: PageSize.bytes4K).rawValue
    var oldLength = oldEnd - address
    guard fixedAddress == nil || mayMove else { throw SyscallError(.EINVAL, "mremap: MREMAP_FIXED needs MREMAP_MAYMOVE") }
    guard !dontUnmap || (mayMove && newLength == oldLength) else {
      throw SyscallError(.EINVAL, "mremap: MREMAP_DONTUNMAP needs MREMAP_MAYMOVE and an unchanged size")
    }
    if let fixed = fixedAddress {
      // check_mremap_params() checks the new range before it looks up a VMA: a bad or
      // overlapping MREMAP_FIXED range is EINVAL even when the old range is not mapped.
      guard fixed.isAligned(to: PageSize.bytes4K),
        fixed.rawValue.addingReportingOverflow(newLength).overflow == false, fixed + newLength <= VirtualAddress.userSpaceEnd
      else { throw SyscallError(.EINVAL, "mremap: bad MREMAP_FIXED address \(fixed)") }
      guard fixed + newLength <= address || fixed >= oldEnd else {
        throw SyscallError(.EINVAL, "mremap: the new range overlaps the old one")
      }
      // check_prep_vma() lets a shrink cross the VMA's end (only the kept new_len must lie in the
      // VMA, else EFAULT before anything is unmapped), after align_hugetlb() for hugetlb; then
      // mremap_to() unmaps the destination and the shrunk tail and moves the rest (Linux 6.18).
      if newLength < oldLength, let index = vmaIndex(containing: address) {
        var (old, new) = (oldLength, newLength)
        if let size = vmas[index].hugetlbPageSize {
          (old, new) = try hugetlbRemapLengths(size, address, oldLength: old, newLength: new, fixedAddress: fixed, dontUnmap: dontUnmap)
        }
        if new < old {
          guard new <= vmas[index].end - address else {
            throw SyscallError(.EFAULT, "mremap: \(address)+\(formatSize(new)) is not inside one VMA")
          }
          try munmap(fixed, new)
          try munmap(address + new, old - new)
          (oldLength, newLength) = (new, new)
          oldEnd = address + new
        }
      }
    }
    if let fixed = fixedAddress, newLength == oldLength, let index = vmaIndex(containing: address), oldEnd > vmas[index].end {
      // Linux 6.17+ moves a range that spans several VMAs with MREMAP_FIXED, if it is not resized
      // (remap_move()): it must start inside a VMA, and gaps after that (and past the last VMA) are
      // kept as gaps at the destination.
      return try moveSeveral(address, oldEnd, to: fixed, keepOld: dontUnmap)
    }
    if fixedAddress == nil, !dontUnmap, let index = vmaIndex(containing: address), oldEnd > vmas[index].end {
      // Linux shrinks (or leaves alone, at the same size) a range that spans several VMAs in
      // place: only growing or moving needs one VMA (check_prep_vma(), Linux 6.18); a hugetlb
      // VMA's lengths are rounded to its page size first (align_hugetlb()).
      var (old, new) = (oldLength, newLength)
      if let size = vmas[index].hugetlbPageSize {
        (old, new) = try hugetlbRemapLengths(size, address, oldLength: old, newLength: new, fixedAddress: nil, dontUnmap: false)
      }
      if new <= old {
        if new < old { try munmap(address + new, old - new) }
        return address
      }
    }
    if let index = vmaIndex(containing: address), let size = vmas[index].hugetlbPageSize {
      // align_hugetlb() and the MREMAP_DONTUNMAP refusal come before the one-VMA check (EINVAL, not EFAULT).
      (oldLength, newLength) = try hugetlbRemapLengths(
        size, address, oldLength: oldLength, newLength: newLength, fixedAddress: fixedAddress, dontUnmap: dontUnmap)
      oldEnd = address + oldLength
    }
    guard let index = vmaIndex(containing: address), oldEnd <= vmas[index].end else {
      throw SyscallError(.EFAULT, "mremap: \(address)+\(formatSize(oldSize)) is not inside one VMA")
    }
    let vma = vmas[index]
    if let size = vma.hugetlbPageSize {
      (oldLength, newLength) = try hugetlbRemapLengths(
        size, address, oldLength: oldLength, newLength: newLength, fixedAddress: fixedAddress, dontUnmap: dontUnmap)
      oldEnd = address + oldLength
    }
    if let fixed = fixedAddress {
      guard fixed.isAligned(to: PageSize.bytes4K),
        fixed.rawValue.addingReportingOverflow(newLength).overflow == false, fixed + newLength <= VirtualAddress.userSpaceEnd
      else { throw SyscallError(.EINVAL, "mremap: bad MREMAP_FIXED address \(fixed)") }
      guard fixed + newLength <= address || fixed >= oldEnd else {
        throw SyscallError(.EINVAL, "mremap: the new range overlaps the old one")
      }
      try munmap(fixed, newLength)
      if newLength < oldLength { try munmap(address + newLength, oldLength - newLength) }
      try move(address, length: min(oldLength, newLength), to: fixed, newLength: newLength, keepOld: dontUnmap)
      return fixed
    }
    if newLength <= oldLength && !dontUnmap {
      if newLength < oldLength { try munmap(address + newLength, oldLength - newLength) }
      return address
    }
    let growEnd = address + newLength
    if !dontUnmap, oldEnd == vma.end, growEnd <= VirtualAddress.userSpaceEnd, vmaIndices(overlapping: oldEnd, growEnd).isEmpty {
      vmas[index].end = growEnd
      mergeVMAs(around: address, growEnd)
      return address
    }
    guard mayMove else { throw SyscallError(.ENOMEM, "mremap: cannot grow \(address) in place without MREMAP_MAYMOVE") }
    let alignment = vma.isAnonymous && newLength % PageSize.size2M.bytes == 0 ? PageSize.size2M.bytes : (vma.hugetlbPageSize?.bytes ?? PageSize.bytes4K)
    guard let target = findFreeArea(length: newLength, alignment: alignment) else {
      throw SyscallError(.ENOMEM, "mremap: no free area of \(formatSize(newLength))")
    }
    try move(address, length: oldLength, to: target, newLength: newLength, keepOld: dontUnmap)
    return target
  }

  /// Moves the VMAs in `[start, end)`, which starts inside a VMA, to the same offsets from `target`, VMA by VMA.
  private func moveSeveral(_ start: VirtualAddress, _ end: VirtualAddress, to target: VirtualAddress,
                           keepOld: Bool) throws(SyscallError) -> VirtualAddress {
    guard target.isAligned(to: PageSize.bytes4K),
      target.rawValue.addingReportingOverflow(end - start).overflow == false, target + (end - start) <= VirtualAddress.userSpaceEnd,
      target + (end - start) <= start || target >= end
    else { throw SyscallError(.EINVAL, "mremap: bad MREMAP_FIXED address \(target)") }
    let pieces = vmaIndices(overlapping: start, end).map { (max(vmas[$0].start, start), min(vmas[$0].end, end), vmas[$0].hugetlbPageSize) }
    for (pieceStart, clampedEnd, hugetlbSize) in pieces {
      // Each VMA's move unmaps only its own destination (mremap_to()): what the destination
      // holds across a gap of the source stays.
      let pieceTarget = target + (pieceStart - start)
      var pieceEnd = clampedEnd
      if let size = hugetlbSize {
        // check_prep_vma() per VMA (remap_move() allows hugetlb VMAs): align_hugetlb() rounds the
        // piece up to the huge page, which must stay inside the VMA; earlier pieces stay moved.
        let (length, _) = try hugetlbRemapLengths(size, pieceStart, oldLength: clampedEnd - pieceStart, newLength: clampedEnd - pieceStart,
                                                  fixedAddress: pieceTarget, dontUnmap: keepOld)
        guard let index = vmaIndex(containing: pieceStart), length <= vmas[index].end - pieceStart else {
          throw SyscallError(.EFAULT, "mremap: \(pieceStart)+\(formatSize(length)) is not inside one VMA")
        }
        pieceEnd = pieceStart + length
      }
      splitVMA(at: pieceStart)
      splitVMA(at: pieceEnd)
      try munmap(pieceTarget, pieceEnd - pieceStart)
      try move(pieceStart, length: pieceEnd - pieceStart, to: pieceTarget, newLength: pieceEnd - pieceStart, keepOld: keepOld)
    }
    return target
  }

  /// Moves the VMA range `[source, source + length)` to `target` and gives the new VMA
  /// `newLength` bytes.
  private func move(_ source: VirtualAddress, length: UInt64, to target: VirtualAddress, newLength: UInt64,
                    keepOld: Bool = false) throws(SyscallError) {
    guard allocateMoveTables(source, length: length, to: target) else {
      // move_page_tables() could not allocate a table: Linux moves back what it moved and fails
      // with ENOMEM; the model allocates first, so nothing has moved yet.
      pageTable.freeEmptyTables(target, target + length)
      throw SyscallError(.ENOMEM, "mremap: no memory for page tables at \(target)")
    }
    splitVMA(at: source)
    splitVMA(at: source + length)
    guard let index = vmaIndex(containing: source) else { throw SyscallError(.EFAULT, "mremap: nothing mapped at \(source)") }
    var moved = vmas[index]
    invalidating(source, source + length, .unmap) { movePageTables(source, length: length, to: target) }
    if !keepOld {
      vmas.remove(at: index)
      pageTable.freeEmptyTables(source, source + length)
    }
    if keepOld {
      // The old VMA stays whole (Linux splits it only to unmap): pieces split off above merge back.
      mergeVMAs(around: source, source + length)
    }
    if moved.isAnonymous && !moved.isHugetlb && moved.anonID == nil {
      // copy_vma(): an anonymous VMA that was never faulted takes the pgoff of its new address,
      // so that it can merge with its new neighbours.
      moved.pageOffset = target.rawValue >> PageSize.shift4K
    }
    moved.start = target
    moved.end = target + newLength
    insert(moved)
    mergeVMAs(around: target, target + newLength)
  }

  /// Allocates every page table ``movePageTables(_:length:to:)`` will need at `target` (the
  /// same walk, without moving anything), so that the move cannot fail halfway.
  /// - Returns: false when physical memory ran out.
  private func allocateMoveTables(_ source: VirtualAddress, length: UInt64, to target: VirtualAddress) -> Bool {
    let pmdSpan = PageSize.size2M.bytes
    var offset: UInt64 = 0
    while offset < length {
      let from = source + offset
      let to = target + offset
      let remaining = length - offset
      if from.isAligned(to: pmdSpan) && to.isAligned(to: pmdSpan) && remaining >= pmdSpan,
        let slot = pageTable.slot(for: from, level: .pmd, allocate: false), !pageTable.entry(at: slot).isNone
      {
        guard pageTable.slot(for: to, level: .pmd, allocate: true) != nil else { return false }
        offset += pmdSpan
        continue
      }
      let (entry, level, _) = pageTable.lookup(from)
      let span = level.entrySpan
      guard !entry.isNone || level == .pte else {
        offset += min(remaining, from.alignedDown(to: span) + span - from)
        continue
      }
      let inTable = min(remaining, from.alignedDown(to: pmdSpan) + pmdSpan - from)
      switch level {
      case .pte:
        // move_page_tables() allocates the new PTE table (pte_alloc) for every extent whose old
        // PMD holds a table, whether or not any of its PTEs is present: a table that held nothing
        // still arrives, and a later fault there maps 4K, not a PMD. The source table's span lands
        // in at most two destination tables.
        guard pageTable.slot(for: to, level: .pte, allocate: true) != nil,
          pageTable.slot(for: to + (inTable - PageSize.bytes4K), level: .pte, allocate: true) != nil
        else { return false }
        offset += inTable
      case .pud:
        guard pageTable.slot(for: to, level: .pud, allocate: true) != nil else { return false }
        offset += span
      default:
        // A PMD leaf that will be split: its PTEs land in at most two destination tables.
        guard pageTable.slot(for: to, level: .pte, allocate: true) != nil,
          pageTable.slot(for: to + (inTable - PageSize.bytes4K), level: .pte, allocate: true) != nil
        else { return false }
        offset += inTable
      }
    }
    return true
  }

  /// Moves every entry of `[source, source + length)` to the same offset from `target`
  /// (`move_page_tables`), keeping map counts: the pages stay mapped once each.
  private func movePageTables(_ source: VirtualAddress, length: UInt64, to target: VirtualAddress) {
    let pmdSpan = PageSize.size2M.bytes
    var offset: UInt64 = 0
    while offset < length {
      let from = source + offset
      let to = target + offset
      let remaining = length - offset
      // A whole PMD entry — a leaf or a PTE table — moves as one when both ends are aligned.
      if from.isAligned(to: pmdSpan) && to.isAligned(to: pmdSpan) && remaining >= pmdSpan,
        let slot = pageTable.slot(for: from, level: .pmd, allocate: false), !pageTable.entry(at: slot).isNone,
        let destination = pageTable.slot(for: to, level: .pmd, allocate: true), pageTable.entry(at: destination).isNone
      {
        let entry = pageTable.entry(at: slot)
        pageTable.setEntry(entry, at: destination)
        pageTable.setEntry(.none, at: slot)
        if entry.isHuge || entry.isProtNone || entry.isSwap {
          if let deposit = pageTable.withdrawDeposit(slot) {
            pageTable.depositedTables[destination] = deposit
            pageTable.nodeParentSlot[deposit] = destination
          }
        } else {
          pageTable.nodeParentSlot[pageTable.node(for: entry)] = destination
        }
        offset += pmdSpan
        continue
      }
      let (entry, level, slot) = pageTable.lookup(from)
      let span = level.entrySpan
      guard !entry.isNone || level == .pte else {
        offset += min(remaining, from.alignedDown(to: span) + span - from)
        continue
      }
      switch level {
      case .pte:
        let inTable = min(remaining, from.alignedDown(to: pmdSpan) + pmdSpan - from)
        for i in 0..<Int(inTable >> PageSize.shift4K) {
          let pte = pageTable.entry(at: slot + i)
          guard !pte.isNone, let destination = pageTable.slot(for: to + UInt64(i) * PageSize.bytes4K, level: .pte, allocate: true)
          else { continue }
          pageTable.setEntry(pte, at: destination)
          pageTable.setEntry(.none, at: slot + i)
        }
        offset += inTable
      case .pud:
        // A 1 GiB hugetlb leaf (mremap checked the alignment of hugetlb moves).
        if let destination = pageTable.slot(for: to, level: .pud, allocate: true) {
          pageTable.setEntry(entry, at: destination)
          pageTable.setEntry(.none, at: slot)
        }
        offset += span
      default:
        // A PMD leaf that cannot move whole: split it, then its PTEs move one by one.
        splitHugePMD(at: from.alignedDown(to: pmdSpan), slot)
        if pageTable.entry(at: slot).isHuge { offset += min(remaining, from.alignedDown(to: pmdSpan) + pmdSpan - from) }
      }
    }
  }
}
