/// Inspection: the CPU's view of a range as runs of pages.
extension AddressSpace {
  /// The state of every page of `[start, end)`, as runs of pages that share a state.
  /// - Complexity: O(entries and leaves in the range); a PMD leaf costs one step.
  public func snapshot(_ start: VirtualAddress, _ end: VirtualAddress) -> [SnapshotRun] {
    var builder = SnapshotBuilder(memory: memory)
    var cursor = start.alignedDown(to: PageSize.bytes4K)
    let end = end.alignedUp(to: PageSize.bytes4K)
    for index in vmaIndices(overlapping: cursor, end) {
      let vma = vmas[index]
      if vma.start > cursor { builder.add(unmapped: cursor, vma.start) }
      let from = max(cursor, vma.start)
      let to = min(end, vma.end)
      pageTable.walk(from, to, &builder)
      cursor = to
    }
    if cursor < end { builder.add(unmapped: cursor, end) }
    return builder.runs
  }
}

/// Builds snapshot runs from a page-table walk.
struct SnapshotBuilder: PageTableVisitor {
  let memory: PhysicalMemory
  var runs: [SnapshotRun] = []

  mutating func append(_ run: SnapshotRun) {
    if let last = runs.last, last.canExtend(with: run) {
      runs[runs.count - 1].pageCount += run.pageCount
    } else {
      runs.append(run)
    }
  }

  mutating func add(unmapped start: VirtualAddress, _ end: VirtualAddress) {
    append(SnapshotRun(start: start, pageCount: Int((end - start) >> PageSize.shift4K), state: .unmapped, firstPFN: nil,
                       isWritable: false, level: .pte, isZeroPage: false, folio: nil, mapCount: 0, isExclusive: false))
  }

  func run(for entry: PageTableEntry, pfn: PFN, level: PageTableLevel, start: VirtualAddress, pages: Int) -> SnapshotRun {
    if entry.isNone {
      return SnapshotRun(start: start, pageCount: pages, state: .notPresent, firstPFN: nil, isWritable: false,
                         level: level, isZeroPage: false, folio: nil, mapCount: 0, isExclusive: false)
    }
    let state: SnapshotRun.State
    if let type = entry.swapType { state = .swap(type) } else if entry.isProtNone { state = .protNone } else { state = .present }
    let known = memory.contains(pfn) && memory.isAllocated(pfn)
    let isZero = known && memory.isZeroPage(pfn)
    return SnapshotRun(
      start: start, pageCount: pages, state: state, firstPFN: pfn, isWritable: entry.isWritable, level: level,
      isZeroPage: isZero, folio: known ? memory.folio(containing: pfn) : nil,
      mapCount: known && !isZero ? memory.mapCount(of: pfn) : 0,
      isExclusive: known && memory.isAnonExclusive(pfn))
  }

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for (i, entry) in entries.enumerated() {
      append(run(for: entry, pfn: entry.pfn, level: .pte, start: start + UInt64(i) << PageSize.shift4K, pages: 1))
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    let firstPage = (start.rawValue & (level.entrySpan - 1)) >> PageSize.shift4K
    let pages = Int((end - start) >> PageSize.shift4K)
    append(run(for: entry, pfn: entry.pfn + firstPage, level: level, start: start, pages: pages))
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl {
    append(SnapshotRun(start: start, pageCount: Int((end - start) >> PageSize.shift4K), state: .notPresent, firstPFN: nil,
                       isWritable: false, level: .pte, isZeroPage: false, folio: nil, mapCount: 0, isExclusive: false))
    return .continue
  }
}
