import Testing
@testable import HMM
@testable import MemoryModel

/// hmm_range_fault() over mTHP memory: order 0 for every PTE (Linux), and the opt-in
/// pte-batch experiment.
@Suite struct MTHPRangeFaultTests {
  func fixture() throws -> (Fixture, VirtualAddress) {
    let f = try Fixture()
    f.system.settings.mthp[4] = .always
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, .mib(2), write: true)
    return (f, buf)
  }

  func batch(_ f: Fixture, _ start: VirtualAddress, _ length: UInt64) throws -> HMMRange {
    var range = HMMRange(notifier: f.notifier, notifierSequence: f.notifier.readBegin(), start: start, end: start + length)
    range.orderHint = .pteBatch
    try HMM.rangeFault(&range)
    return range
  }

  @Test func everyPTEOfA64KFolioReportsOrder0() throws {
    let (f, buf) = try fixture()
    #expect(f.space.snapshot(buf, buf + 4096)[0].folio?.order == 4)
    let range = try f.fault(buf, .mib(2))
    #expect(range.pfns.allSatisfy { $0.isValid && $0.isWritable && $0.mapOrder == 0 })
    // Linux's order says nothing about the folio: map-order runs are order 0.
    #expect(HMM.runsByMapOrder(range.pfns, start: buf).allSatisfy { $0.order == 0 })
  }

  @Test func pteBatchReportsEachAligned64KFolioAsOrder4() throws {
    let (f, buf) = try fixture()
    let range = try batch(f, buf, .mib(2))
    #expect(range.pfns.allSatisfy { $0.isValid && $0.mapOrder == 4 })
    for block in stride(from: 0, to: 512, by: 16) {
      let head = range.pfns[block].pfn.rawValue
      #expect(head % 16 == 0)
      #expect((0..<16).allSatisfy { range.pfns[block + $0].pfn.rawValue == head + UInt64($0) })
    }
  }

  @Test func pteBatchSplitsAtAPageWithOtherPermissions() throws {
    let (f, buf) = try fixture()
    try f.space.mprotect(buf + 0x5000, 4096, .read)
    let range = try batch(f, buf, .kib(64))
    let orders = range.pfns.map(\.mapOrder)
    // 0-16K: order 2; 16K: order 0; 20K (read-only): order 0; 24-32K: order 1; 32-64K: order 3.
    #expect(orders == [2, 2, 2, 2, 0, 0, 1, 1] + Array(repeating: 3, count: 8))
    #expect(!range.pfns[5].isWritable && range.pfns[4].isWritable)
  }

  @Test func pteBatchNeverReachesPastTheRangeOrTheFolio() throws {
    let (f, buf) = try fixture()
    // A range starting 8K into a folio: the 8K-aligned start may report order 1, never 4.
    let range = try batch(f, buf + 0x2000, .kib(60))
    #expect(range.pfns.allSatisfy { $0.mapOrder < 4 })
    #expect(range.pfns[0].mapOrder == 1 && range.pfns[2].mapOrder == 2)
    // Order-0 folios and the zero page stay order 0.
    f.system.settings.mthp[4] = .never
    let small = try f.anon(.kib(64), huge: false)
    try f.space.touch(small, .kib(32), write: true)
    try f.space.touch(small + .kib(32), .kib(32), write: false)
    #expect(try batch(f, small, .kib(64)).pfns.allSatisfy { $0.mapOrder == 0 })
  }

  @Test func pteBatchLeavesPMDOrdersAlone() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    #expect(try batch(f, buf, .mib(2)).pfns.allSatisfy { $0.mapOrder == 9 })
  }
}
