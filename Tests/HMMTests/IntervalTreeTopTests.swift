import Testing
@testable import HMM
@testable import MemoryModel

/// Intervals that end at the top of the address space (`last == UInt64.max`): the tree used to
/// store `last + 1`, which wrapped to its "empty" mark, so such an interval was never found.
@Suite struct IntervalTreeTopTests {
  @Test(arguments: [1, 5, 8, 9, 40])
  func anIntervalEndingAtTheTopIsFound(count: Int) {
    var tree = IntervalTree<Int>()
    // `count - 1` small intervals and one that runs to the top, so both the scan (up to 8)
    // and the pruned descent (more) are used.
    for id in 0..<(count - 1) { tree.insert(id, start: UInt64(id) * 0x10000, last: UInt64(id) * 0x10000 + 0xfff) }
    tree.insert(-1, start: 0x4000_0000, last: .max)
    #expect(tree.overlapping(start: .max, last: .max) == [-1])
    #expect(tree.overlapping(start: 0x4000_0000, last: 0x4000_0fff) == [-1])
    #expect(tree.overlapping(start: 0x3fff_f000, last: 0x3fff_ffff).isEmpty, "it starts after the query")
    #expect(tree.containsOverlap(start: 0x7fff_0000_0000, last: 0x7fff_0000_0fff))
    var seen: [Int] = []
    tree.forEachOverlapping(start: 0, last: .max) { seen.append($0) }
    #expect(seen.count == count, "a query of everything finds every interval")
    #expect(seen.last == -1, "in start order")
    let index = tree.all.firstIndex(of: -1)!
    #expect(tree.overlaps(at: index, start: .max - 4095, last: .max))
  }

  @Test func aNotifierToTheTopOfTheAddressSpaceHearsInvalidations() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .mib(1), write: true)
    let ops = RecordingOps()
    // [buf, 2^64): the length whose last address is UInt64.max, as mmu_interval_notifier_insert
    // accepts (start + length - 1 does not overflow).
    let notifier = try IntervalNotifier.insert(into: space, start: buf, length: 0 &- buf.rawValue, ops: ops)
    #expect(notifier.end.rawValue == 0, "the exclusive end wraps")
    try space.madvise(buf + .kib(8), 4096, .dontneed)
    #expect(ops.ranges == [InvalidationRange(start: buf + .kib(8), end: buf + .kib(12), event: .clear)])
    #expect(notifier.invalidations(.clear) == 1)
    #expect(throws: HMMError.overflow) {
      try IntervalNotifier.insert(into: space, start: buf, length: (0 &- buf.rawValue) + 1, ops: ops)
    }
  }
}
