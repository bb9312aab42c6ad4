import Testing
@testable import MemoryModel

@Suite struct ForkTests {
  @Test func childWriteToATHPCopiesOne4KPage() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = try #require(a.page(buf).folio?.head)
    let parentEvents = InvalidationRecorder()
    a.register(parentEvents)
    let b = try a.fork(childName: "B")
    #expect(parentEvents.ranges == [InvalidationRange(start: buf, end: buf + .mib(2), event: .protectionPage)])
    // Both map the THP read-only with a PMD; the folio is mapped twice.
    for space in [a, b] {
      let page = space.page(buf)
      #expect(page.level == .pmd && !page.isWritable && page.folio?.head == head && page.mapCount == 2 && !page.isExclusive)
    }
    let childEvents = InvalidationRecorder()
    b.register(childEvents)
    let free = system.memory.freeFrameCount
    try b.write(buf + 4096 * 3, bytes: [42])
    #expect(system.memory.freeFrameCount == free - 1, "exactly one new 4K page")
    let runs = b.snapshot(buf, buf + .mib(2))
    #expect(runs.count == 3)
    #expect(runs[0].level == .pte && runs[0].folio?.head == head && !runs[0].isWritable && runs[0].pageCount == 3)
    #expect(runs[1].pageCount == 1 && runs[1].isWritable && runs[1].folio?.order == 0 && runs[1].folio?.head != head)
    #expect(runs[2].folio?.head == head && !runs[2].isWritable)
    #expect(childEvents.ranges == [
      InvalidationRange(start: buf, end: buf + .mib(2), event: .clear),  // PMD split
      InvalidationRange(start: buf + 4096 * 3, end: buf + 4096 * 4, event: .clear),  // COW
    ])
    #expect(a.page(buf).level == .pmd && !a.page(buf).isWritable, "the parent keeps its PMD")
    #expect(parentEvents.count() == 1, "the child's faults do not touch the parent")
    #expect(try a.read(buf + 4096 * 3, count: 1) == [0])
    #expect(b.residentPages.anonymous == 512)
    expectConsistent(system)
  }

  @Test func parentWriteAfterChildExitReusesThePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let b = try a.fork(childName: "B")
    b.exit()
    let free = system.memory.freeFrameCount
    try a.access(buf, write: true)
    #expect(a.page(buf).level == .pmd && a.page(buf).isWritable)
    #expect(system.memory.freeFrameCount == free, "no copy: the folio is only ours again")
  }

  @Test func small4KPagesCopyOnWriteAndReuse() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(1), huge: false)
    try a.write(buf, bytes: [7])
    let original = try #require(a.translate(buf)?.pfn)
    let b = try a.fork(childName: "B")
    #expect(a.translate(buf)?.isWritable == false && b.translate(buf)?.pfn == original)
    try a.write(buf, bytes: [8])
    #expect(a.translate(buf)?.pfn != original, "the parent copies")
    #expect(try b.read(buf, count: 1) == [7])
    try b.write(buf, bytes: [9])
    #expect(b.translate(buf)?.pfn == original, "the child is the page's only user now: reuse")
    expectConsistent(system)
  }

  @Test func sharedMappingsStaySharedAndAreNotCopied() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try a.mmap(.init(length: .mib(1), protection: .readWrite, shared: true))
    try a.write(buf, bytes: [1])
    let b = try a.fork(childName: "B")
    #expect(b.page(buf).state == .notPresent, "shared VMAs have no page tables copied")
    try b.write(buf, bytes: [2])
    #expect(try a.read(buf, count: 1) == [2])
    #expect(a.translate(buf)?.pfn == b.translate(buf)?.pfn)
    #expect(a.translate(buf)?.isWritable == true)
    expectConsistent(system)
  }

  @Test func untouchedPrivateVMAsAreNotCopied() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let b = try a.fork(childName: "B")
    #expect(recorder.count() == 0)
    #expect(b.vmas == a.vmas)
    #expect(b.pageTable.tableCount == 1)
    _ = buf
  }
}
