import Testing
@testable import MemoryModel

@Suite struct FaultTests {
  @Test func thpWriteFaultMapsAPMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    try a.access(buf + 12345, write: true)
    let runs = a.snapshot(buf, buf + .mib(4))
    #expect(runs.count == 2)
    #expect(runs[0].level == .pmd && runs[0].pageCount == 512 && runs[0].isWritable && runs[0].state == .present)
    #expect(runs[0].folio?.order == 9 && runs[0].folio?.kind == .anonymous && runs[0].mapCount == 1)
    #expect(runs[1].state == .notPresent)
    #expect(a.residentPages.anonymous == 512)
    #expect(system.events.thpFaultAlloc == 1)
    expectConsistent(system)
  }

  @Test func withoutMadviseTheFaultIs4K() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4), huge: false)
    try a.access(buf, write: true)
    #expect(a.page(buf).level == .pte && a.page(buf).folio?.order == 0)
    #expect(a.residentPages.anonymous == 1)
  }

  @Test func thpAlwaysNeedsNoMadvise() throws {
    let system = makeSystem(thp: .always)
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.access(buf, write: true)
    #expect(a.page(buf).level == .pmd)
  }

  @Test(arguments: [
    ("VMA smaller than 2M", UInt64.mib(1), UInt64.mib(2), UInt64(0)),
    ("VMA misaligned", UInt64.mib(2), UInt64.mib(2), UInt64(4096)),
  ])
  func thpFallsBackTo4KWhenTheAligned2MDoesNotFit(_ name: String, _ length: UInt64, _ alignment: UInt64, _ shift: UInt64) throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let base = try a.mmap(.init(length: .mib(8), protection: .readWrite, alignment: alignment))
    try a.munmap(base, .mib(8))
    let buf = try a.mmap(.init(length: length, protection: .readWrite, fixedAddress: base + shift))
    try a.madvise(buf, length, .hugepage)
    try a.touch(buf, length, write: true)
    let runs = a.snapshot(buf, buf + length)
    #expect(runs.allSatisfy { $0.level == .pte }, "\(name)")
    #expect(a.residentPages.anonymous == Int(length / 4096))
    #expect(system.events.thpFaultAlloc == 0)
  }

  @Test func fragmentationMakesTHPFaultsFallBack() throws {
    let system = makeSystem(memory: .mib(64))
    system.memory.fragment(percent: 100)
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.access(buf, write: true)
    #expect(a.page(buf).level == .pte)
    #expect(a.page(buf).folio?.order == 0)
    #expect(system.events.thpFaultFallback == 1)
    expectConsistent(system)
  }

  @Test func readsOfUntouchedAnonymousMemoryMapTheZeroPages() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let small = try mapAnon(a, .mib(2), huge: false)
    let huge = try mapAnon(a, .mib(2))
    #expect(try a.read(small + 100, count: 4) == [0, 0, 0, 0])
    #expect(try a.read(huge + 100, count: 4) == [0, 0, 0, 0])
    let zero = a.page(small)
    #expect(zero.isZeroPage && !zero.isWritable && zero.level == .pte && zero.firstPFN == system.memory.zeroPage)
    let hugeZero = a.page(huge)
    #expect(hugeZero.isZeroPage && !hugeZero.isWritable && hugeZero.level == .pmd)
    #expect(hugeZero.firstPFN == system.memory.hugeZeroPage)
    #expect(a.residentPages.total == 0, "zero pages are not counted in RSS")
    expectConsistent(system)
  }

  @Test func writingTheZeroPageAllocatesAndRaisesAClear() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.access(buf, write: false)
    #expect(recorder.count() == 0, "populating an empty entry raises nothing")
    try a.write(buf, bytes: [9])
    #expect(recorder.ranges == [InvalidationRange(start: buf, end: buf + 4096, event: .clear)])
    #expect(!a.page(buf).isZeroPage && a.page(buf).isWritable)
  }

  @Test func writingTheHugeZeroPageAllocatesATHP() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let buf = try mapAnon(a, .mib(2))
    try a.access(buf, write: false)
    try a.access(buf + 8192, write: true)
    let page = a.page(buf)
    #expect(page.level == .pmd && page.isWritable && !page.isZeroPage && page.folio?.order == 9)
    #expect(recorder.ranges == [InvalidationRange(start: buf, end: buf + .mib(2), event: .clear)])
    expectConsistent(system)
  }

  @Test func accessErrorsAreSegmentationFaults() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let ro = try a.mmap(.init(length: .mib(1), protection: .read))
    let none = try a.mmap(.init(length: .mib(1), protection: .none))
    #expect(throws: FaultError.self) { try a.access(ro, write: true) }
    #expect(throws: FaultError.self) { try a.access(none, write: false) }
    #expect(throws: FaultError.self) { try a.access(VirtualAddress(0x1000), write: false) }
    do {
      try a.access(ro, write: true)
    } catch {
      #expect(error.errno == .EFAULT)
      #expect(error.address == ro)
    }
  }

  @Test func dataSurvivesCOWAndSplits() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.write(buf + 4090, bytes: Array(1...10))
    let b = try a.fork(childName: "B")
    try b.write(buf + 4094, bytes: [0xEE])
    #expect(try a.read(buf + 4090, count: 10) == Array(1...10))
    var expected: [UInt8] = Array(1...10)
    expected[4] = 0xEE
    #expect(try b.read(buf + 4090, count: 10) == expected)
    expectConsistent(system)
  }
}
