import Testing
@testable import MemoryModel

@Suite struct GUPTests {
  @Test func pinCountsKeepTheSixteenByteDescriptor() {
    #expect(MemoryLayout<FrameDescriptor>.size == 16)
    #expect(MemorySystem.gupPinCountingBias == 1024)
  }

  @Test func pinOfASmallFolioAddsTheBiasAndUnpinRemovesIt() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(16), huge: false)
    try a.touch(buf, .kib(16), write: true)
    let pages = try a.getUserPages(buf, count: 2, flags: [], reference: .pin)
    #expect(pages.count == 2)
    #expect(system.memory.referenceCount(ofFolio: pages[0]) == 1 + 1024)
    #expect(system.folioMaybeDMAPinned(pages[0]) && system.pinCount(of: pages[0]) == 1)
    #expect(a.hasPinned)
    expectConsistent(system)
    system.releaseUserPages(pages, .pin)
    #expect(system.memory.referenceCount(ofFolio: pages[0]) == 1 && !system.folioMaybeDMAPinned(pages[0]))
    let got = try a.getUserPages(buf, count: 1, flags: [], reference: .get)
    #expect(system.memory.referenceCount(ofFolio: got[0]) == 2 && !system.folioMaybeDMAPinned(got[0]))
    expectConsistent(system)
    system.releaseUserPages(got, .get)
    expectConsistent(system)
  }

  @Test func pinOfALargeFolioCountsInPincount() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = try #require(a.page(buf).folio?.head)
    let pages = try a.getUserPages(buf + 4096, count: 3, flags: [.write], reference: .pin)
    #expect(pages == [head + 1, head + 2, head + 3])
    #expect(system.memory.referenceCount(ofFolio: head) == 1 + 3)
    #expect(system.pinCount(of: head) == 3 && system.folioMaybeDMAPinned(head))
    expectConsistent(system)
    system.releaseUserPages(pages, .pin)
    #expect(system.pinCount(of: head) == 0 && system.memory.referenceCount(ofFolio: head) == 1)
    expectConsistent(system)
  }

  @Test func writeGUPBreaksCOWAndReadPinUnshares() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(8), huge: false)
    try a.write(buf, bytes: [7])
    try a.write(buf + 4096, bytes: [8])
    let b = try a.fork(childName: "B")
    let shared = a.page(buf).folio?.head
    // FOLL_WRITE in the child: a write fault copies the page.
    let written = try b.getUserPages(buf, count: 1, flags: [.write], reference: .get)
    #expect(written[0] != shared && b.page(buf).isWritable && b.page(buf).isExclusive)
    system.releaseUserPages(written, .get)
    // A read-only pin of a shared anonymous page unshares it (FAULT_FLAG_UNSHARE): a private
    // read-only copy, exclusive.
    let sharedSecond = a.page(buf + 4096).folio?.head
    let pinned = try b.getUserPages(buf + 4096, count: 1, flags: [], reference: .pin)
    #expect(pinned[0] != sharedSecond && !b.page(buf + 4096).isWritable && b.page(buf + 4096).isExclusive)
    #expect(try b.read(buf + 4096, count: 1) == [8])
    // A read-only get (FOLL_GET) does not unshare.
    let before = a.page(buf + 4096).folio?.head
    let got = try a.getUserPages(buf + 4096, count: 1, flags: [], reference: .get)
    #expect(got[0] == before)
    system.releaseUserPages(got, .get)
    system.releaseUserPages(pinned, .pin)
    expectConsistent(system)
  }

  @Test func gupErrors() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let ro = try a.mmap(.init(length: .kib(8), protection: .read))
    #expect(throws: SyscallError.self) { try a.getUserPages(ro, count: 1, flags: [.write], reference: .pin) }
    #expect(throws: SyscallError.self) { try a.getUserPages(ro, count: 1, flags: [.longterm], reference: .get) }
    #expect(throws: SyscallError.self) { try a.getUserPages(VirtualAddress(0x1000), count: 1, flags: [], reference: .get) }
    // A failure after the first page returns the pages taken so far.
    let pages = try a.getUserPages(ro + 4096, count: 4, flags: [], reference: .get)
    #expect(pages.count == 1)
    system.releaseUserPages(pages, .get)
    expectConsistent(system)
  }

  @Test func forkCopiesAMaybePinnedExclusivePage() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(8), huge: false)
    try a.write(buf, bytes: [1])
    try a.write(buf + 4096, bytes: [2])
    let pinned = try a.getUserPages(buf, count: 1, flags: [.write], reference: .pin)
    let b = try a.fork(childName: "B")
    // The pinned page: the child has its own writable copy; the parent keeps its page writable.
    #expect(b.page(buf).folio?.head != pinned[0] && b.page(buf).isWritable && b.page(buf).isExclusive)
    #expect(a.page(buf).folio?.head == pinned[0] && a.page(buf).isWritable && a.page(buf).isExclusive)
    #expect(try b.read(buf, count: 1) == [1])
    // The unpinned page is shared copy-on-write as usual.
    #expect(b.page(buf + 4096).folio?.head == a.page(buf + 4096).folio?.head && !a.page(buf + 4096).isWritable)
    expectConsistent(system)
    system.releaseUserPages(pinned, .pin)
    expectConsistent(system)
  }

  @Test func forkSplitsAPinnedTHPAndCopiesItsPages() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = try #require(a.page(buf).folio?.head)
    let pinned = try a.getUserPages(buf, count: 1, flags: [], reference: .pin)
    let b = try a.fork(childName: "B")
    #expect(a.page(buf).level == .pte && a.page(buf).isWritable, "the parent's PMD was split, its PTEs stay writable")
    let child = b.snapshot(buf, buf + .mib(2))
    #expect(child.allSatisfy { $0.level == .pte && $0.folio?.order == 0 && $0.folio?.head != head })
    #expect(b.residentPages.anonymous == 512)
    expectConsistent(system)
    system.releaseUserPages(pinned, .pin)
    expectConsistent(system)
  }

  @Test func pinnedFolioOutlivesMunmapUntilUnpinned() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(4), huge: false)
    try a.write(buf, bytes: [9])
    let pinned = try a.getUserPages(buf, count: 1, flags: [.write], reference: .pin)
    try a.munmap(buf, .kib(4))
    #expect(system.memory.isAllocated(pinned[0]) && system.memory.referenceCount(ofFolio: pinned[0]) == 1024)
    #expect(a.residentPages.anonymous == 0, "no longer mapped, still allocated")
    let free = system.memory.freeFrameCount
    expectConsistent(system)
    system.releaseUserPages(pinned, .pin)
    #expect(!system.memory.isAllocated(pinned[0]) && system.memory.freeFrameCount == free + 1)
    expectConsistent(system)
  }

  @Test func pinnedTHPDoesNotSplitAndStaysQueued() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = try #require(a.page(buf).folio?.head)
    let pinned = try a.getUserPages(buf, count: 1, flags: [], reference: .pin)
    try a.munmap(buf + .mib(1), .mib(1))
    #expect(system.deferredSplitQueue == [head])
    #expect(system.processDeferredSplitQueue() == 0)
    #expect(system.events.thpSplitPageFailed == 1 && system.deferredSplitQueue == [head])
    #expect(system.memory.order(ofFolio: head) == 9)
    expectConsistent(system)
    system.releaseUserPages(pinned, .pin)
    #expect(system.processDeferredSplitQueue() == 1)
    expectConsistent(system)
  }
}
