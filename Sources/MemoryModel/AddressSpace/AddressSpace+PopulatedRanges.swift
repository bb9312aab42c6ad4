/// Operations over huge ranges at the cost of the page tables that exist.
extension AddressSpace {
  /// The 2 MiB-aligned ranges of `[start, end)` that hold a PTE table or a PMD/PUD leaf, merged
  /// and in address order; the rest of the range has no entry below the PUD level.
  /// - Complexity: O(page tables in the range).
  public func populatedRanges(_ start: VirtualAddress, _ end: VirtualAddress) -> [(start: VirtualAddress, end: VirtualAddress)] {
    var finder = PMDPopulationFinder()
    pageTable.walk(start, end, &finder)
    return finder.ranges
  }

  /// Calls ``collapse(at:byKhugepaged:)`` for every 2 MiB-aligned chunk of `[start, end)` (within
  /// one VMA), but once for each run of chunks that have no entry at PMD level: such a chunk
  /// fails the same way as its neighbours (`SCAN_PMD_NULL` or `SCAN_PMD_NONE`), so one call stands for the run.
  /// - Parameters:
  ///   - start: 2 MiB aligned.
  ///   - end: the end of the range (exclusive).
  ///   - byKhugepaged: passed on to ``collapse(at:byKhugepaged:)``.
  ///   - body: hears the first chunk's address, how many chunks the result stands for, and the
  ///     result.
  ///   - stop: when it holds for a result, no later chunk is collapsed (`madvise_collapse()`
  ///     exits at a result outside its list of those it continues after).
  /// - Complexity: O(page tables in the range + runs of holes), not O(range / 2 MiB).
  public func collapseChunks(_ start: VirtualAddress, _ end: VirtualAddress, byKhugepaged: Bool,
                             stop: (CollapseResult) -> Bool = { _ in false },
                             _ body: (VirtualAddress, UInt64, CollapseResult) -> Void) {
    let huge = PageSize.size2M.bytes
    guard start < end else { return }
    let populated = populatedRanges(start, end)
    var index = 0
    var address = start
    while address < end, end - address >= huge {
      while index < populated.count && populated[index].end <= address { index += 1 }
      if index < populated.count && populated[index].start <= address {
        let result = collapse(at: address, byKhugepaged: byKhugepaged)
        body(address, 1, result)
        if stop(result) { return }
        address = address + huge
        continue
      }
      let holeEnd = index < populated.count ? min(populated[index].start, end) : end
      let chunks = max(1, (holeEnd - address) / huge)
      let result = collapse(at: address, byKhugepaged: byKhugepaged)
      guard case .failed = result else {
        // Not the hole's usual failure: do not assume it for the neighbours.
        body(address, 1, result)
        if stop(result) { return }
        address = address + huge
        continue
      }
      if stop(result) {
        body(address, 1, result)
        return
      }
      body(address, chunks, result)
      address = address + chunks * huge
    }
  }
}

/// Collects the 2 MiB ranges that have a PTE table or a PMD/PUD leaf.
private struct PMDPopulationFinder: PageTableVisitor {
  var ranges: [(start: VirtualAddress, end: VirtualAddress)] = []

  mutating func add(_ start: VirtualAddress, _ end: VirtualAddress) {
    let low = start.alignedDown(to: PageSize.size2M.bytes)
    let high = end.alignedUp(to: PageSize.size2M.bytes)
    if let last = ranges.last, last.end >= low {
      ranges[ranges.count - 1].end = max(last.end, high)
    } else {
      ranges.append((low, high))
    }
  }

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    add(start, start + UInt64(entries.count) << PageSize.shift4K)
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    add(start, end)
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
