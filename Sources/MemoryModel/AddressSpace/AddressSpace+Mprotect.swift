/// `mprotect`: changing a range's protection, VMA by VMA and entry by entry.
extension AddressSpace {
  /// Changes the protection of `[address, address + length)` (`mprotect`).
  ///
  /// VMAs are split at the edges (splitting a PMD leaf that straddles an unaligned edge, so a 4K
  /// mprotect inside a THP leaves 512 PTEs mapping the same large folio), the new protection is
  /// applied to every present entry — a whole PMD leaf stays a PMD — and adjacent VMAs that
  /// became alike are merged. As `change_pmd_range()` does, a `protection-vma` invalidation is
  /// raised for each 1 GiB-aligned chunk from its first populated PMD to the chunk's end, and
  /// none for chunks with nothing mapped. Write permission is given back only to pages that may
  /// be written without a fault (exclusive anonymous pages, shared mappings); others stay
  /// read-only and fault (COW) on the next write.
  /// As Linux does, a zero length succeeds, and a range outside user space is `ENOMEM`.
  /// - Throws: `EINVAL` for an unaligned address or a hugetlb VMA cut inside a huge page,
  ///   `ENOMEM` when part of the range is unmapped: as in Linux, the VMAs from `address` up to
  ///   the first hole keep their new protection.
  public func mprotect(_ address: VirtualAddress, _ length: UInt64, _ protection: Protection) throws(SyscallError) {
    guard !hasExited else { throw SyscallError(.EINVAL, "process \(name) has exited") }
    guard address.isAligned(to: PageSize.bytes4K) else { throw SyscallError(.EINVAL, "mprotect: address \(address) is not page aligned") }
    guard length > 0 else { return }
    let (rawEnd, overflow) = address.rawValue.addingReportingOverflow(VirtualAddress(length).alignedUp(to: PageSize.bytes4K).rawValue)
    guard !overflow, rawEnd > address.rawValue, rawEnd <= VirtualAddress.userSpaceEnd.rawValue else {
      throw SyscallError(.ENOMEM, "mprotect: \(address)+\(formatSize(length)) is outside user space")
    }
    let end = VirtualAddress(rawEnd)
    // `do_mprotect_pkey()` changes VMA by VMA and stops at the first hole with ENOMEM.
    var mappedEnd = address
    for index in vmaIndices(overlapping: address, end) {
      if vmas[index].start > mappedEnd { break }
      mappedEnd = min(vmas[index].end, end)
    }
    // A VMA that already has the protection is left alone (`mprotect_fixup()`: no split).
    let needsChange: (VMA) -> Bool = { $0.protection != protection }
    let (from, to, cut) = try hugetlbEdgesChangingBelow(address, mappedEnd, "mprotect", changes: needsChange)
    changeVMAs(from, to, where: needsChange, update: { $0.protection = protection },
               then: { vma in self.changeProtection(vma) })
    if let cut { throw cut }
    if mappedEnd < end {
      throw SyscallError(.ENOMEM, "mprotect: part of \(address)+\(formatSize(length)) is not mapped")
    }
  }

  /// Splits out of `[start, end)` the parts of the VMAs for which `needsChange` holds, runs
  /// `update` on each of them and then `then` with the updated VMA, and merges what became
  /// alike; other VMAs are not split (Linux returns early from `mprotect_fixup()` and
  /// `madvise_update_vma()` when nothing changes).
  func changeVMAs(_ start: VirtualAddress, _ end: VirtualAddress, where needsChange: (VMA) -> Bool,
                  update: (inout VMA) -> Void, then: ((VMA) -> Void)? = nil) {
    guard start < end else { return }
    var pieces: [(VirtualAddress, VirtualAddress)] = []
    for index in vmaIndices(overlapping: start, end) where needsChange(vmas[index]) {
      pieces.append((max(vmas[index].start, start), min(vmas[index].end, end)))
    }
    for (from, to) in pieces {
      splitVMA(at: from)
      splitVMA(at: to)
      for index in vmaIndices(overlapping: from, to) {
        var vma = vmas[index]
        update(&vma)
        vmas[index] = vma
        then?(vma)
      }
    }
    if !pieces.isEmpty { mergeVMAs(around: start, end) }
  }

  /// Applies `vma`'s protection to every entry in it (`change_protection`).
  func changeProtection(_ vma: VMA) {
    let chunk = PageTableLevel.pud.entrySpan
    var chunkStart = vma.start
    while chunkStart < vma.end {
      let chunkEnd = min(chunkStart.alignedDown(to: chunk) + chunk, vma.end)
      if let firstPopulated = firstPopulatedPMD(chunkStart, chunkEnd) {
        invalidating(firstPopulated, chunkEnd, .protectionVMA) {
          applyProtection(vma, firstPopulated, chunkEnd)
        }
      }
      chunkStart = chunkEnd
    }
  }

  /// The start of the first PMD-sized range in `[start, end)` whose PMD entry is not empty.
  private func firstPopulatedPMD(_ start: VirtualAddress, _ end: VirtualAddress) -> VirtualAddress? {
    var address = start
    while address < end {
      let (entry, level, _) = pageTable.lookup(address)
      let span = max(level.entrySpan, PageTableLevel.pmd.entrySpan)
      if !entry.isNone || level == .pte { return address }
      address = min(address.alignedDown(to: span) + span, end)
    }
    return nil
  }

  private func applyProtection(_ vma: VMA, _ start: VirtualAddress, _ end: VirtualAddress) {
    let accessible = !vma.protection.isEmpty
    let writableVMA = vma.protection.contains(.write)
    var address = start
    while address < end {
      let (entry, level, slot) = pageTable.lookup(address)
      let span = level == .pte ? PageSize.size2M.bytes : level.entrySpan
      let next = min(address.alignedDown(to: span) + span, end)
      defer { address = next }
      if level == .pte {
        let count = Int((next - address) >> PageSize.shift4K)
        for i in slot..<(slot + count) {
          let pte = pageTable.entry(at: i)
          if pte.isSwap {
            // Device-private and device-exclusive entries lose write permission with the VMA.
            if pte.isWritable && !writableVMA && !pte.isMigration { pageTable.setEntry(pte.writeProtected(), at: i) }
            continue
          }
          guard pte.isPresent else { continue }
          pageTable.setEntry(pte.withProtection(accessible: accessible, writable: writableVMA && mayWriteWithoutFault(vma, pte)), at: i)
        }
      } else if entry.isSwap {
        if entry.isWritable && !writableVMA && !entry.isMigration { pageTable.setEntry(entry.writeProtected(), at: slot) }
      } else if entry.isPresent && (entry.isHuge || entry.isProtNone) {
        pageTable.setEntry(entry.withProtection(accessible: accessible, writable: writableVMA && mayWriteWithoutFault(vma, entry)), at: slot)
      }
    }
  }

  /// Whether an entry may become writable as part of a protection change
  /// (`can_change_pte_writable`): it already is, or it maps a page this process may write in
  /// place (shared mappings, exclusive anonymous pages), never the zero page.
  private func mayWriteWithoutFault(_ vma: VMA, _ entry: PageTableEntry) -> Bool {
    if entry.isWritable { return true }
    if memory.isZeroPage(entry.pfn) { return false }
    if vma.isShared { return true }
    return memory.kind(of: entry.pfn) != .file && memory.isAnonExclusive(entry.pfn)
  }
}
