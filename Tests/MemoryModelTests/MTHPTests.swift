import Testing
@testable import MemoryModel

/// Multi-size THP: settings, alloc_anon_folio()'s order choice, counters and the life cycle.
@Suite struct MTHPTests {
  func system(_ modes: [Int: MTHPMode], thp: MemorySystem.THPMode = .madvise) -> MemorySystem {
    let system = makeSystem(thp: thp)
    for (order, mode) in modes { system.settings.mthp[order] = mode }
    return system
  }

  @Test func defaultsAreLinuxs() {
    let settings = MTHPSettings()
    #expect(settings[9] == .inherit)
    #expect((2...8).allSatisfy { settings[$0] == .never })
    #expect(settings[1] == .never && settings[10] == .never)
    #expect(MTHPSettings.directoryName(order: 4) == "hugepages-64kB")
    #expect(MTHPSettings.directoryName(order: 8) == "hugepages-1024kB")
  }

  @Test func enabledOrdersFollowTheModes() {
    var settings = MTHPSettings()
    settings[4] = .always
    settings[3] = .madvise
    settings[2] = .inherit
    // hugepages-2048kB inherit + 16K inherit: both follow the top level.
    #expect(settings.enabledOrders(top: .never, hugepage: true) == 1 << 4 | 1 << 3)
    #expect(settings.enabledOrders(top: .madvise, hugepage: false) == 1 << 4)
    #expect(settings.enabledOrders(top: .madvise, hugepage: true) == 1 << 9 | 1 << 4 | 1 << 3 | 1 << 2)
    #expect(settings.enabledOrders(top: .always, hugepage: false) == 1 << 9 | 1 << 4 | 1 << 2)
  }

  @Test func writeFaultMapsAWhole64KFolio() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(256), huge: false, alignment: .kib(64))
    try a.handleFault(at: buf + 0x5000, write: true)
    let runs = a.snapshot(buf, buf + .kib(64))
    #expect(runs.count == 1)
    #expect(runs[0].level == .pte && runs[0].isWritable && runs[0].folio?.order == 4 && runs[0].pageCount == 16)
    #expect(a.snapshot(buf + .kib(64), buf + .kib(256)).allSatisfy { $0.state == .notPresent })
    #expect(system.mthpStats.anonFaultAlloc[4] == 1)
    #expect(system.events.pageFaults == 1)
    #expect(a.residentPages.anonymous == 16)
    #expect(system.anonymousFolioCount(order: 4) == 1)
    expectConsistent(system)
  }

  @Test func readFaultStillMapsTheZeroPage() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: .kib(64))
    try a.handleFault(at: buf, write: false)
    #expect(a.page(buf).isZeroPage)
    #expect(system.mthpStats.anonFaultAlloc[4] == 0)
    // The aligned 64K is no longer all pte_none: the next write gets 4K.
    try a.handleFault(at: buf + 0x8000, write: true)
    #expect(a.page(buf + 0x8000).folio?.order == 0)
    #expect(system.mthpStats.anonFaultFallback[4] == 0)
    expectConsistent(system)
  }

  @Test func fallsBackOrderByOrderWhenTheRangeIsNotEmpty() throws {
    let system = system([2: .always, 3: .always, 4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: .kib(64))
    try a.handleFault(at: buf, write: false)
    try a.handleFault(at: buf + .kib(48), write: true)
    #expect(a.page(buf + .kib(48)).folio?.order == 3)
    try a.handleFault(at: buf + .kib(20), write: true)
    #expect(a.page(buf + .kib(20)).folio?.order == 2)
    try a.handleFault(at: buf + .kib(4), write: true)
    #expect(a.page(buf + .kib(4)).folio?.order == 0)
    expectConsistent(system)
  }

  @Test func aVMAThatCannotHoldTheAlignedRangeGetsSmallerFolios() throws {
    let system = system([2: .always, 4: .always])
    let a = try system.createProcess(name: "A")
    let block = try mapAnon(a, .kib(128), huge: false, alignment: .kib(64))
    try a.munmap(block, .kib(128))
    let small = try a.mmap(.init(length: .kib(48), protection: .readWrite, fixedAddress: block + .kib(16)))
    try a.handleFault(at: small, write: true)
    #expect(a.page(small).folio?.order == 2)
    expectConsistent(system)
  }

  @Test func allocationFailureCountsAFallbackAndTriesTheNextOrder() throws {
    let system = makeSystem(memory: .mib(8))
    system.settings.mthp[4] = .always
    system.settings.mthp[2] = .always
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(128), huge: false, alignment: .kib(64))
    try a.handleFault(at: buf + .kib(64), write: true)  // page tables exist from here on
    let spare = try #require(system.memory.allocateFolio(order: 2, kind: .anonymous))
    var taken: [PFN] = []
    for order in (0...PhysicalMemory.maxBuddyOrder).reversed() {
      while let pfn = system.memory.allocateFolio(order: order, kind: .anonymous) { taken.append(pfn) }
    }
    system.memory.freeFolio(spare)  // the only free memory: one 16K block
    try a.handleFault(at: buf, write: true)
    #expect(system.mthpStats.anonFaultFallback[4] == 1)
    #expect(system.mthpStats.anonFaultAlloc[2] == 1)
    #expect(a.page(buf).folio?.order == 2)
    for pfn in taken { system.memory.freeFolio(pfn) }
    expectConsistent(system)
  }

  @Test func noHugepageAndSharedVMAsGetNoMTHP() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: .kib(64))
    try a.madvise(buf, .kib(64), .nohugepage)
    try a.handleFault(at: buf, write: true)
    #expect(a.page(buf).folio?.order == 0)
    let shared = try a.mmap(.init(length: .kib(64), protection: .readWrite, shared: true, alignment: .kib(64)))
    try a.handleFault(at: shared, write: true)
    #expect(a.page(shared).folio?.order == 0)
    expectConsistent(system)
  }

  @Test func partialUnmapQueuesForDeferredSplitAndSplitCountsBySize() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: .kib(64))
    try a.touch(buf, .kib(64), write: true)
    try a.madvise(buf + .kib(8), 4096, .dontneed)
    #expect(system.mthpStats.splitDeferred[4] == 1)
    #expect(system.events.thpDeferredSplitPage == 0)
    #expect(system.partiallyMappedFolioCount(order: 4) == 1)
    #expect(system.processDeferredSplitQueue() == 1)
    #expect(system.mthpStats.split[4] == 1)
    #expect(system.events.thpSplitPage == 0)
    #expect(system.anonymousFolioCount(order: 4) == 0)
    expectConsistent(system)
  }

  @Test func forkThenChildWriteCopiesOnePageAndReuseFollowsExit() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: .kib(64))
    try a.touch(buf, .kib(64), write: true)
    let head = try #require(a.page(buf).folio?.head)
    let b = try a.fork(childName: "B")
    try b.handleFault(at: buf + 0x3000, write: true)
    #expect(b.page(buf + 0x3000).folio?.order == 0)
    #expect(b.page(buf).folio?.head == head && !b.page(buf).isWritable)
    #expect(system.events.cowCopies == 1)
    b.exit()
    try a.handleFault(at: buf + 0x3000, write: true)
    #expect(a.page(buf + 0x3000).folio?.head == head && a.page(buf + 0x3000).isWritable)
    #expect(system.events.cowCopies == 1)
    expectConsistent(system)
  }

  @Test func collapseOfMTHPBackedPTEsGivesOneTHP() throws {
    let system = system([4: .always])
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.touch(buf, .mib(2), write: true)
    #expect(system.anonymousFolioCount(order: 4) == 32)
    #expect(a.collapse(at: buf) == .collapsed)
    #expect(a.page(buf).level == .pmd && a.page(buf).folio?.order == 9)
    #expect(system.anonymousFolioCount(order: 4) == 0)
    expectConsistent(system)
  }

  @Test func pmdSizeFollowsItsOwnSetting() throws {
    let system = system([9: .never], thp: .always)
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.handleFault(at: buf, write: true)
    #expect(a.page(buf).level == .pte)
    system.settings.mthp[9] = .always
    system.settings.thp = .never
    let other = try mapAnon(a, .mib(2), huge: false)
    try a.handleFault(at: other, write: true)
    #expect(a.page(other).level == .pmd)
    #expect(system.mthpStats.anonFaultAlloc[9] == 1)
  }
}
