import Testing
@testable import MemoryModel

@Suite struct THPTests {
  @Test func mprotectOf4KInsideATHPSplitsThePMDButNotTheFolio() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let folio = try #require(a.page(buf).folio)
    a.register(recorder)
    try a.mprotect(buf + .mib(1), 4096, .read)
    let runs = a.snapshot(buf, buf + .mib(2))
    #expect(runs.count == 3)
    #expect(runs.allSatisfy { $0.level == .pte && $0.folio?.head == folio.head && $0.folio?.order == 9 })
    #expect(runs[0].isWritable && !runs[1].isWritable && runs[2].isWritable)
    #expect(runs[1].start == buf + .mib(1) && runs[1].pageCount == 1)
    #expect(a.vmas.count == 3)
    #expect(recorder.ranges == [
      InvalidationRange(start: buf, end: buf + .mib(2), event: .clear),  // split at the VMA edge
      InvalidationRange(start: buf + .mib(1), end: buf + .mib(1) + 4096, event: .protectionVMA),
    ])
    #expect(system.events.thpSplitPMD == 1)
    #expect(a.residentPages.anonymous == 512)
    expectConsistent(system)
    // Making it writable again merges the VMAs; the mapping stays PTE-level until collapse.
    try a.mprotect(buf + .mib(1), 4096, .readWrite)
    #expect(a.vmas.count == 1)
    #expect(a.snapshot(buf, buf + .mib(2)).count == 1)
    #expect(a.page(buf).level == .pte && a.page(buf + .mib(1)).isWritable)
  }

  @Test func mprotectOfAWholeTHPKeepsThePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    try a.touch(buf, .mib(4), write: true)
    try a.mprotect(buf, .mib(2), .read)
    #expect(a.page(buf).level == .pmd && !a.page(buf).isWritable)
    #expect(a.page(buf + .mib(2)).level == .pmd && a.page(buf + .mib(2)).isWritable)
    try a.mprotect(buf, .mib(2), .none)
    #expect(a.page(buf).state == .protNone && a.page(buf).level == .pmd)
    try a.mprotect(buf, .mib(2), .readWrite)
    #expect(a.page(buf).state == .present && a.page(buf).isWritable, "an exclusive THP may become writable again")
    expectConsistent(system)
  }

  @Test func munmapOfHalfATHPLeavesPTEsAndQueuesADeferredSplit() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    // Data in every page: a split maps zero-filled pages to the shared zero page.
    for i in 0..<UInt64(512) { try a.writePage(buf + i * 4096, .filled(0x33)) }
    let head = try #require(a.page(buf).folio?.head)
    a.register(recorder)
    try a.munmap(buf + .mib(1), .mib(1))
    let runs = a.snapshot(buf, buf + .mib(2))
    #expect(runs.count == 2)
    #expect(runs[0].level == .pte && runs[0].pageCount == 256 && runs[0].folio?.head == head && runs[0].folio?.order == 9)
    #expect(runs[1].state == .unmapped)
    #expect(system.deferredSplitQueue == [head])
    #expect(system.memory.isOnDeferredSplitQueue(head))
    #expect(recorder.ranges == [
      InvalidationRange(start: buf, end: buf + .mib(2), event: .clear),
      InvalidationRange(start: buf + .mib(1), end: buf + .mib(2), event: .unmap),
    ])
    #expect(a.residentPages.anonymous == 256)
    expectConsistent(system)
    // The deferred split frees the unmapped half.
    let free = system.memory.freeFrameCount
    #expect(system.processDeferredSplitQueue() == 1)
    #expect(system.memory.freeFrameCount == free + 256)
    #expect(a.page(buf).folio?.order == 0 && a.page(buf + 4096).folio?.head == head + 1)
    #expect(system.deferredSplitQueue.isEmpty)
    expectConsistent(system)
  }

  @Test func collapseTurns512PTEsIntoOnePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.write(buf, bytes: [1, 2, 3])
    try a.touch(buf + .mib(1), .mib(1), write: true)
    #expect(a.snapshot(buf, buf + .mib(2)).allSatisfy { $0.level == .pte })
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let free = system.memory.freeFrameCount
    try a.madvise(buf, .mib(2), .collapse)
    let runs = a.snapshot(buf, buf + .mib(2))
    #expect(runs.count == 1 && runs[0].level == .pmd && runs[0].folio?.order == 9 && runs[0].isWritable)
    #expect(try a.read(buf, count: 3) == [1, 2, 3], "contents are copied")
    #expect(recorder.ranges == [InvalidationRange(start: buf, end: buf + .mib(2), event: .clear)])
    #expect(system.memory.freeFrameCount == free - 512 + 257, "257 small pages freed, one THP taken; the PTE table is kept as the deposit")
    #expect(a.residentPages.anonymous == 512)
    expectConsistent(system)
    #expect(a.collapse(at: buf) == .alreadyPMDMapped)
  }

  @Test func collapseAfterMprotectRestoresThePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    try a.mprotect(buf + .mib(1), 4096, .read)
    try a.mprotect(buf + .mib(1), 4096, .readWrite)
    try a.madvise(buf, .mib(2), .collapse)
    #expect(a.page(buf).level == .pmd)
    #expect(system.deferredSplitQueue.isEmpty)
    expectConsistent(system)
  }

  @Test func collapseFailuresReportLinuxErrors() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    // Never written: no anon_vma, refused before any 2M is looked at.
    #expect(throws: SyscallError(.EINVAL, "madvise: collapse: the VMA at \(buf) has no anon_vma")) {
      try a.madvise(buf, .mib(2), .collapse)
    }
    try a.madvise(buf, .mib(2), .nohugepage)
    try a.touch(buf, 4096, write: true)
    #expect(a.collapse(at: buf) == .failed(.vmaCheck, "THP is not allowed for \(buf)"))
  }

  @Test func khugepagedHonoursMaxPTEsNone() throws {
    let system = makeSystem()
    system.settings.maxPTEsNone = 64
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.madvise(buf, .mib(2), .nohugepage)
    try a.touch(buf, .mib(1), write: true)
    try a.madvise(buf, .mib(2), .hugepage)
    guard case .failed(.exceedNonePTE, _) = a.collapse(at: buf, byKhugepaged: true) else {
      Issue.record("256 empty PTEs exceed max_ptes_none 64")
      return
    }
    #expect(a.collapse(at: buf, byKhugepaged: false) == .collapsed, "MADV_COLLAPSE ignores max_ptes_none")
  }

  @Test func dontneedOfPartOfATHPSplitsAndZaps() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let recorder = InvalidationRecorder()
    a.register(recorder)
    try a.madvise(buf, .kib(64), .dontneed)
    let runs = a.snapshot(buf, buf + .mib(2))
    #expect(runs[0].state == .notPresent && runs[0].pageCount == 16)
    #expect(runs[1].level == .pte && runs[1].folio?.order == 9)
    #expect(system.deferredSplitQueue.count == 1)
    #expect(recorder.ranges.map(\.event) == [.clear, .clear])
    #expect(recorder.ranges[0] == InvalidationRange(start: buf, end: buf + .kib(64), event: .clear))
    #expect(recorder.ranges[1] == InvalidationRange(start: buf, end: buf + .mib(2), event: .clear))
    // The zapped pages refault as zero pages.
    #expect(try a.read(buf, count: 1) == [0])
    #expect(a.page(buf).isZeroPage)
    expectConsistent(system)
  }

  @Test func splitFolioSplitsEveryPMDMappingFirst() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    // Data in every page: a split maps zero-filled pages to the shared zero page.
    for i in 0..<UInt64(512) { try a.writePage(buf + i * 4096, .filled(0x33)) }
    let b = try a.fork(childName: "B")
    let head = try #require(a.page(buf).folio?.head)
    #expect(system.splitFolio(head))
    #expect(a.page(buf).level == .pte && b.page(buf).level == .pte)
    #expect(a.page(buf).folio?.order == 0 && a.page(buf).mapCount == 2)
    expectConsistent(system)
  }
}
