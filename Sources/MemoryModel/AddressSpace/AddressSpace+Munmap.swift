/// `munmap` and the zap machinery it shares with `madvise(MADV_DONTNEED)` and exit.
extension AddressSpace {
  /// Unmaps `[address, address + length)` (`munmap`): splits VMAs at the edges (splitting a PMD
  /// leaf that straddles an unaligned edge), raises an `unmap` invalidation over the unmapped
  /// VMAs' extent, zaps the pages and frees the page tables that become empty.
  /// - Throws: `EINVAL` for an unaligned address, a zero length, a range outside user space or
  ///   an edge inside a hugetlb page.
  public func munmap(_ address: VirtualAddress, _ length: UInt64) throws(SyscallError) {
    let end = try checkedRange(address, length, "munmap")
    try checkHugetlbSplit(at: address, "munmap")
    try checkHugetlbSplit(at: end, "munmap")
    splitVMA(at: address)
    splitVMA(at: end)
    let indices = vmaIndices(overlapping: address, end)
    guard !indices.isEmpty else { return }
    let first = max(vmas[indices.lowerBound].start, address)
    let last = min(vmas[indices.upperBound - 1].end, end)
    invalidating(first, last, .unmap) {
      for index in indices { zap(vmas[index].start, vmas[index].end) }
    }
    vmas.removeSubrange(indices)
    pageTable.freeEmptyTables(first, last)
  }

  /// Validates a `[address, address + length)` argument and returns its page-aligned end.
  func checkedRange(_ address: VirtualAddress, _ length: UInt64, _ call: String) throws(SyscallError) -> VirtualAddress {
    guard !hasExited else { throw SyscallError(.EINVAL, "process \(name) has exited") }
    guard address.isAligned(to: PageSize.bytes4K) else { throw SyscallError(.EINVAL, "\(call): address \(address) is not page aligned") }
    guard length > 0 else { throw SyscallError(.EINVAL, "\(call): length is 0") }
    let (end, overflow) = address.rawValue.addingReportingOverflow(VirtualAddress(length).alignedUp(to: PageSize.bytes4K).rawValue)
    guard !overflow, end <= VirtualAddress.userSpaceEnd.rawValue else {
      throw SyscallError(.EINVAL, "\(call): range \(address)+\(formatSize(length)) is outside user space")
    }
    return VirtualAddress(end)
  }

  /// Splits the VMA containing `address` in two at `address` (`__split_vma`), splitting a PMD
  /// leaf that straddles it first. Nothing happens at a VMA edge or outside VMAs.
  func splitVMA(at address: VirtualAddress) {
    guard let index = vmaIndex(containing: address), vmas[index].start != address else { return }
    splitHugePMDIfStraddling(address)
    var upper = vmas[index]
    upper.pageOffset = upper.pageIndex(of: address)
    upper.start = address
    vmas[index].end = address
    vmas.insert(upper, at: index + 1)
  }

  /// Clears every entry in `[start, end)` (which lies inside one VMA), dropping the mappings
  /// (`zap_page_range`). A PMD leaf only partly inside is split first. Does not raise an
  /// invalidation (callers do) and does not free page tables.
  func zap(_ start: VirtualAddress, _ end: VirtualAddress) {
    var address = start
    while address < end {
      let (entry, level, slot) = pageTable.lookup(address)
      let span = level.entrySpan
      let leafStart = address.alignedDown(to: span)
      let next = min(leafStart + span, end)
      if level == .pte {
        let tableEnd = min(address.alignedDown(to: PageSize.size2M.bytes) + PageSize.size2M.bytes, end)
        zapPTEs(address, tableEnd)
        address = tableEnd
        continue
      }
      guard !entry.isNone else {
        address = next
        continue
      }
      if leafStart < start || leafStart + span > end {
        // Only part of a leaf is zapped: split a THP PMD and go on with its PTEs; hugetlb
        // leaves are never partly zapped (their VMA edges are aligned).
        if level == .pmd && entry.mappedFrame != nil && memory.kind(of: entry.pfn) != .hugetlb {
          splitHugePMD(at: leafStart, slot)
        } else {
          address = next
        }
        continue
      }
      pageTable.setEntry(.none, at: slot)
      if level == .pmd { pageTable.freeDeposit(slot) }
      if let frame = entry.mappedFrame {
        removeEntireMapping(memory.folioHead(of: frame))
      } else if entry.isMigration {
        putFolio(memory.folioHead(of: entry.pfn))
      }
      address = next
    }
  }

  /// Clears the PTEs of `[start, end)`, which lies inside one PTE table.
  private func zapPTEs(_ start: VirtualAddress, _ end: VirtualAddress) {
    guard let first = pageTable.slot(for: start, level: .pte, allocate: false) else { return }
    let count = Int((end - start) >> PageSize.shift4K)
    for slot in first..<(first + count) {
      let entry = pageTable.entry(at: slot)
      guard !entry.isNone else { continue }
      pageTable.setEntry(.none, at: slot)
      if let frame = entry.mappedFrame {
        removePTEMapping(frame)
      } else if entry.isMigration {
        putFolio(memory.folioHead(of: entry.pfn))
      }
    }
  }
}
