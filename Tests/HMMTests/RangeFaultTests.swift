import Testing
@testable import HMM
@testable import MemoryModel

@Suite struct RangeFaultTests {
  @Test func pmdMappedWritableTHPReportsOrder9OnEveryPage() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    let head = try #require(f.space.translate(buf)?.pfn)
    let range = try f.fault(buf, .mib(2))
    #expect(range.pfns.count == 512)
    for (i, entry) in range.pfns.enumerated() {
      #expect(entry.rawValue == validWrite | order9 | (head.rawValue + UInt64(i)))
    }
    #expect(range.pfns[0].mapOrder == 9 && range.pfns[511].pfn == head + 511)
  }

  @Test func mprotectOf4KInTheMiddleMakesEveryEntryOrder0() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    let head = try #require(f.space.translate(buf)?.pfn)
    try f.space.mprotect(buf + .mib(1), 4096, .read)
    let range = try f.fault(buf, .mib(2))
    for (i, entry) in range.pfns.enumerated() {
      let expected = (i == 256 ? validOnly : validWrite) | (head.rawValue + UInt64(i))
      #expect(entry.rawValue == expected, "page \(i)")
    }
    #expect(f.system.memory.order(ofFolio: head) == 9, "the folio is still large: only the mapping changed")
  }

  @Test func afterForkTheParentIsReadOnlyOrder9UntilAWriteSplits() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    let head = try #require(f.space.translate(buf)?.pfn)
    let child = try f.space.fork(childName: "B")
    var range = try f.fault(buf, .mib(2))
    #expect(range.pfns.allSatisfy { $0.flags == .valid && $0.mapOrder == 9 })
    #expect(range.pfns[7].rawValue == validOnly | order9 | (head.rawValue + 7))
    try f.space.write(buf + 4096 * 7, bytes: [1])
    range = try f.fault(buf, .mib(2))
    #expect(range.pfns.allSatisfy { $0.mapOrder == 0 })
    #expect(range.pfns[7].isWritable && range.pfns[7].pfn != head + 7)
    #expect(range.pfns[6].rawValue == validOnly | (head.rawValue + 6))
    _ = child
  }

  @Test func hugetlbPagesReportTheirOrder() throws {
    let f = try Fixture(memory: .gib(3))
    f.system.setHugetlbPool(.size1G, count: 1)
    f.system.setHugetlbPool(.size2M, count: 1)
    let gig = try f.space.mmap(.init(length: .gib(1), protection: .readWrite, hugetlbPageSize: .size1G))
    let two = try f.space.mmap(.init(length: .mib(2), protection: .readWrite, hugetlbPageSize: .size2M))
    try f.space.access(gig, write: true)
    try f.space.access(two, write: true)
    let head = try #require(f.space.translate(gig)?.pfn)
    let range = try f.fault(gig + .mib(10), .kib(8))
    #expect(range.pfns[0].rawValue == validWrite | order18 | (head.rawValue + 2560))
    #expect(range.pfns[1].mapOrder == 18)
    try f.space.mprotect(two, .mib(2), .read)
    let small = try f.fault(two, .mib(2))
    #expect(small.pfns.allSatisfy { $0.flags == .valid && $0.mapOrder == 9 }, "a whole-page mprotect keeps the order")
  }

  @Test func emptyHugetlbSlotsReportTheOrderWithoutValid() throws {
    let f = try Fixture()
    f.system.setHugetlbPool(.size2M, count: 2)
    let m = try f.space.mmap(.init(length: .mib(4), protection: .readWrite, hugetlbPageSize: .size2M))
    try f.space.access(m, write: true)
    let range = try f.fault(m, .mib(4))
    #expect(range.pfns[512].rawValue == order9, "the huge PTE exists but is empty: pfn 0 | order 9")
  }

  @Test func zeroPagesAreValidAndReadOnly() throws {
    let f = try Fixture()
    let small = try f.anon(.mib(2), huge: false)
    let huge = try f.anon(.mib(2))
    _ = try f.space.read(small, count: 1)
    _ = try f.space.read(huge, count: 1)
    let range = try f.fault(small, 4096)
    #expect(range.pfns[0].rawValue == validOnly | f.system.memory.zeroPage.rawValue)
    let hugeRange = try f.fault(huge, .mib(2))
    #expect(hugeRange.pfns[3].rawValue == validOnly | order9 | (f.system.memory.hugeZeroPage.rawValue + 3))
  }

  @Test func notPresentPagesAreZeroWithoutAFaultRequest() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    let range = try f.fault(buf, .kib(16), inputs: [1: .dmaMapped])
    #expect(range.pfns.map(\.rawValue) == [0, HMMPFN.dmaMapped.rawValue, 0, 0], "sticky bits survive")
  }

  @Test func protNoneAndHolesAreErrorsOrEFAULT() throws {
    let f = try Fixture()
    let none = try f.space.mmap(.init(length: .mib(1), protection: .none))
    let range = try f.fault(none, .kib(8))
    #expect(range.pfns.allSatisfy { $0 == .error })
    #expect(throws: HMMError.fault(none)) { try f.fault(none, .kib(8), defaultFlags: .requestFault) }
    let hole = VirtualAddress(0x10_0000)
    #expect(try f.fault(hole, 4096).pfns == [.error])
    #expect(throws: HMMError.fault(hole)) { try f.fault(hole, 4096, defaultFlags: .requestFault) }
    #expect(HMMError.fault(hole).returnCode == -14)
  }

  @Test func ioAndPFNMapVMAsAreErrorsOrEFAULT() throws {
    let f = try Fixture()
    let io = try f.space.mmap(.init(length: .mib(1), protection: .readWrite, shared: true, extraFlags: [.io, .pfnmap]))
    #expect(try f.fault(io, 4096).pfns == [.error])
    #expect(throws: HMMError.fault(io)) { try f.fault(io, 4096, defaultFlags: .requestFault) }
  }

  @Test func writeRequestOnAReadOnlyVMAIsEPERM() throws {
    let f = try Fixture()
    let ro = try f.anon(.mib(2), huge: false, protection: .read)
    #expect(throws: HMMError.permission(ro)) { try f.fault(ro, 4096, defaultFlags: [.requestFault, .requestWrite]) }
    #expect(HMMError.permission(ro).returnCode == -1)
    let range = try f.fault(ro, 4096, defaultFlags: .requestFault)
    #expect(range.pfns[0].rawValue == validOnly | f.system.memory.zeroPage.rawValue)
  }

  @Test func readFaultRequestFaultsInTheZeroPageAndTHPs() throws {
    let f = try Fixture()
    let small = try f.anon(.mib(2), huge: false)
    let range = try f.fault(small, .kib(8), defaultFlags: .requestFault)
    #expect(range.pfns.allSatisfy { $0.rawValue == validOnly | f.system.memory.zeroPage.rawValue })
    #expect(range.statistics.pagesFaulted == 2, "the hole is faulted page by page, clipped to the range")
    let huge = try f.anon(.mib(2))
    let write = try f.fault(huge, .mib(2), defaultFlags: [.requestFault, .requestWrite])
    #expect(write.pfns.allSatisfy { $0.flags == [.valid, .write] && $0.mapOrder == 9 })
    #expect(f.ops.ranges.isEmpty, "populating empty entries invalidates nothing")
  }

  @Test func aWriteRequestOnTheZeroPageInvalidatesAndReturnsEBUSY() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    _ = try f.space.read(buf, count: 1)
    #expect(throws: HMMError.busy) { try f.fault(buf, 4096, defaultFlags: [.requestFault, .requestWrite]) }
    #expect(f.ops.ranges == [InvalidationRange(start: buf, end: buf + 4096, event: .clear)])
    let range = try f.fault(buf, 4096, defaultFlags: [.requestFault, .requestWrite])
    #expect(range.pfns[0].isWritable && range.pfns[0].pfn != f.system.memory.zeroPage)
  }

  @Test func perEntryRequestsGoThroughTheMask() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, .kib(16), write: false)
    // Read-fault everything, write-fault only page 2 (Documentation/mm/hmm.rst's example).
    #expect(throws: HMMError.busy) {
      try f.fault(buf, .kib(16), defaultFlags: .requestFault, mask: .requestWrite, inputs: [2: .requestWrite])
    }
    let range = try f.fault(buf, .kib(16), defaultFlags: .requestFault, mask: .requestWrite, inputs: [2: .requestWrite])
    #expect(range.pfns.map(\.isWritable) == [false, false, true, true], "the fault runs from page 2 to the end of the segment")
    // REQ_WRITE without REQ_FAULT requests nothing.
    let other = try f.anon(.mib(2), huge: false)
    let nothing = try f.fault(other, 4096, mask: [.requestWrite], inputs: [0: .requestWrite])
    #expect(nothing.pfns == [.none])
  }

  @Test func entriesBeforeAnErrorHoldOutputs() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, .kib(4), write: true)
    try f.space.munmap(buf + .kib(8), .kib(4))
    var range = HMMRange(notifier: f.notifier, notifierSequence: f.notifier.readBegin(), start: buf, end: buf + .kib(12),
                         defaultFlags: .requestFault)
    #expect(throws: HMMError.fault(buf + .kib(8))) { try HMM.rangeFault(&range) }
    #expect(range.pfns[0].isValid && range.pfns[1].isValid)
    #expect(range.pfns[2] == .none, "the failing page still holds its input")
  }
}
