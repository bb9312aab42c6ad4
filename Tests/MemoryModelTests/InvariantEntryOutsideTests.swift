import Testing

@testable import MemoryModel

/// `MemorySystem.entryOutside` (the search for entries outside every VMA, which the full check's
/// `spaceProblems` and the incremental check's VMA comparison use) finds what a page-table walk
/// finds first: the first non-empty PTE's address or a leaf's clipped start, over ranges that
/// start and end inside tables, span holes at every level and cut huge leaves.
@Suite struct InvariantEntryOutsideTests {
  /// The first address a walk of `[start, end)` hands over with an entry (the reference).
  private struct FirstFound: PageTableVisitor {
    var found: VirtualAddress?
    mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
      guard let index = entries.firstIndex(where: { !$0.isNone }) else { return .continue }
      found = start + UInt64(index) << PageSize.shift4K
      return .stop
    }
    mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
      found = start
      return .stop
    }
    mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
  }

  @Test func theSearchFindsWhatAWalkFinds() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let small = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(small, .mib(4), .nohugepage)
    // Scattered PTEs: the first and last of a table, one in the middle, one past a 64K run.
    for offset: UInt64 in [0, 0x1000, 0x11000, 0x1F_F000, 0x20_0000 + 0x8_0000, 0x3F_F000] {
      try space.touch(small + offset, .kib(4), write: true)
    }
    let huge = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(huge, .mib(4), .hugepage)
    try space.touch(huge + .mib(2), .kib(4), write: true)
    let table = space.pageTable
    let (leaf, level, _) = table.lookup(huge + .mib(2))
    #expect(level == .pmd && !leaf.isNone, "a PMD leaf to cut")
    let points: [VirtualAddress] = [
      VirtualAddress(0), small, small + 0x1000, small + 0x2000, small + 0x10000, small + 0x12000, small + .mib(1),
      small + 0x1F_F000, small + .mib(2), small + 0x28_0000, small + 0x28_1000, small + .mib(4), huge, huge + .mib(2),
      huge + .mib(2) + 0x5000, huge + .mib(3), huge + .mib(4), huge + .gib(1), VirtualAddress.userSpaceEnd,
    ]
    var compared = 0
    var found = 0
    for start in points {
      for end in points where start < end {
        var reference = FirstFound()
        table.walk(start, end, &reference)
        #expect(MemorySystem.entryOutside(table, start, end) == reference.found, "[\(start), \(end))")
        compared += 1
        if reference.found != nil { found += 1 }
      }
    }
    #expect(compared > 100 && found > 50 && found < compared, "ranges with and without entries")
    #expect(MemorySystem.entryOutside(table, small, small) == nil, "an empty range holds nothing")
  }
}
