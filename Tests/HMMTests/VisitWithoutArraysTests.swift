import MemoryModel
import Testing
@testable import HMM

/// The visiting forms (no arrays) report exactly what the array-returning forms return.
@Suite struct VisitWithoutArraysTests {
  /// Small trees (the scan) and large ones (the pruned descent), with duplicates, nested and
  /// touching intervals: the same elements in the same order, and the same "any overlap" answer.
  @Test(arguments: [3, 8, 9, 40])
  func intervalTreeVisitMatchesOverlapping(count: Int) {
    var tree = IntervalTree<Int>()
    var state: UInt64 = 12345
    func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
    for i in 0..<count {
      let start = next(1000)
      tree.insert(i, start: start, last: start + next(i % 5 == 0 ? 600 : 40))
    }
    tree.insert(count, start: 0, last: .max)
    for _ in 0..<400 {
      let start = next(1100)
      let last = start + next(50)
      var visited: [Int] = []
      tree.forEachOverlapping(start: start, last: last) { visited.append($0) }
      let expected = tree.overlapping(start: start, last: last)
      #expect(visited == expected, "[\(start), \(last)]")
      #expect(tree.containsOverlap(start: start, last: last) == !expected.isEmpty)
    }
  }

  /// Random outputs with large entries, holes, errors and PFN breaks: the visited runs are the
  /// returned runs, for both run finders.
  @Test func runVisitorsMatchRunArrays() {
    var state: UInt64 = 99
    func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
    for round in 0..<24 {
      var pfns: [HMMPFN] = []
      let count = round < 4 ? 512 : 1 + Int(next(700))
      var pfn: UInt64 = next(4) == 0 ? 0x40000 : 0x1000 + next(1000)
      while pfns.count < count {
        let n = min(count - pfns.count, 1 + Int(next(round % 3 == 0 ? 600 : 40)))
        let kind = next(6)
        for _ in 0..<n {
          switch kind {
          case 0: pfns.append(.none)
          case 1: pfns.append(.error)
          case 2: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue | 9 << HMMPFN.orderShift))
          case 3: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue))
          default: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue | HMMPFN.write.rawValue))
          }
          pfn += 1
        }
        if next(3) == 0 { pfn += next(3000) }
      }
      let start = VirtualAddress(round % 2 == 0 ? 0x7f00_0000_0000 : 0x7f00_0010_3000 + (UInt64(round) << 12))
      var byOrder: [HMMRun] = []
      HMM.forEachRunByMapOrder(pfns, start: start) { byOrder.append($0) }
      #expect(byOrder == HMM.runsByMapOrder(pfns, start: start), "round \(round)")
      var byScan: [HMMRun] = []
      HMM.forEachRunByScanning(pfns, start: start) { byScan.append($0) }
      #expect(byScan == HMM.runsByScanning(pfns, start: start), "round \(round)")
      #expect(byScan.reduce(0) { $0 + $1.pageCount } == pfns.count)
    }
  }
}
