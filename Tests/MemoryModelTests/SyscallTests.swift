import Testing
@testable import MemoryModel

@Suite struct SyscallTests {
  @Test func mmapPlacesTopDownAndAlignsLargeAnonymousMappings() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let first = try a.mmap(.init(length: .mib(4), protection: .readWrite))
    #expect(first.isAligned(to: .mib(2)) && first + .mib(4) <= AddressSpace.mmapBase)
    let odd = try a.mmap(.init(length: .kib(12), protection: .read))
    #expect(odd < first)
    let aligned = try a.mmap(.init(length: .kib(8), protection: .read, alignment: .gib(1)))
    #expect(aligned.isAligned(to: .gib(1)))
    let fixed = try a.mmap(.init(length: .kib(8), protection: .read, fixedAddress: VirtualAddress(0x4000_0000)))
    #expect(fixed == VirtualAddress(0x4000_0000))
    #expect(a.vmas.count == 4)
  }

  @Test func mapFixedReplacesWhatWasThere() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.touch(buf, .mib(2), write: true)
    _ = try a.mmap(.init(length: .mib(1), protection: .read, fixedAddress: buf))
    #expect(a.vmas.count == 2)
    #expect(a.page(buf).state == .notPresent)
    #expect(a.residentPages.anonymous == 256)
    expectConsistent(system)
  }

  @Test func badArgumentsGiveLinuxErrors() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    #expect(throws: SyscallError.self) { try a.mmap(.init(length: 0, protection: .read)) }
    do { _ = try a.mmap(.init(length: 0, protection: .read)) } catch { #expect(error.errno == .EINVAL) }
    do { _ = try a.mmap(.init(length: .gib(1 << 20), protection: .read)) } catch { #expect(error.errno == .ENOMEM) }
    do { _ = try a.mmap(.init(length: 4096, protection: .read, fixedAddress: VirtualAddress(0x1001))) } catch { #expect(error.errno == .EINVAL) }
    do { try a.munmap(VirtualAddress(0x1001), 4096) } catch { #expect(error.errno == .EINVAL) }
    do { try a.munmap(VirtualAddress(0x1000), 0) } catch { #expect(error.errno == .EINVAL) }
    do { try a.mprotect(VirtualAddress(0x10_0000), 4096, .read) } catch { #expect(error.errno == .ENOMEM) }
    do { try a.madvise(VirtualAddress(0x10_0000), 4096, .dontneed) } catch { #expect(error.errno == .ENOMEM) }
    do { _ = try a.mremap(VirtualAddress(0x10_0000), oldSize: 4096, newSize: 8192, mayMove: true) } catch { #expect(error.errno == .EFAULT) }
    do { _ = try a.mmap(.init(length: .mib(2), protection: .read, hugetlbPageSize: .size2M)) } catch { #expect(error.errno == .ENOMEM) }
    #expect(a.vmas.isEmpty)
  }

  @Test func munmapOfAHoleSucceedsAndSplitsVMAs() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4), huge: false)
    try a.munmap(buf + .mib(1), .mib(1))
    #expect(a.vmas.map(\.size) == [.mib(1), .mib(2)])
    #expect(a.vmas[1].pageOffset == a.vmas[0].pageOffset + 512, "vm_pgoff follows the split")
    try a.munmap(buf + .mib(1), .mib(1))  // nothing there: still fine
    try a.munmap(buf, .mib(4))
    #expect(a.vmas.isEmpty)
  }

  @Test func madviseHugepageSplitsAndMergesVMAs() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(6), huge: false)
    try a.madvise(buf + .mib(2), .mib(2), .hugepage)
    #expect(a.vmas.count == 3 && a.vmas[1].flags.contains(.hugepage))
    try a.touch(buf, .mib(6), write: true)
    #expect(a.page(buf).level == .pte && a.page(buf + .mib(2)).level == .pmd && a.page(buf + .mib(4)).level == .pte)
    try a.madvise(buf, .mib(6), .hugepage)
    #expect(a.vmas.count == 1)
  }

  @Test func madviseFreeMarksPagesClean() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.touch(buf, .kib(8), write: true)
    try a.madvise(buf, .kib(8), .free)
    let pfn = try #require(a.translate(buf)?.pfn)
    #expect(system.memory.isLazyFree(pfn))
    try a.access(buf, write: true)
    #expect(!system.memory.isLazyFree(pfn), "a write makes the page needed again")
    let file = system.createFile(name: "f", size: .mib(1))
    let map = try a.mmap(.init(length: .mib(1), protection: .read, shared: true, file: file))
    do { try a.madvise(map, 4096, .free) } catch { #expect(error.errno == .EINVAL) }
  }

  @Test func mremapGrowsInPlaceOrMoves() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(1), huge: false)
    try a.write(buf, bytes: [5])
    #expect(try a.mremap(buf, oldSize: .mib(1), newSize: .kib(512), mayMove: false) == buf)
    #expect(a.vmas[0].size == .kib(512))
    _ = try a.mmap(.init(length: 4096, protection: .read, fixedAddress: buf + .kib(512)))
    do { _ = try a.mremap(buf, oldSize: .kib(512), newSize: .mib(1), mayMove: false) } catch { #expect(error.errno == .ENOMEM) }
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let moved = try a.mremap(buf, oldSize: .kib(512), newSize: .mib(1), mayMove: true)
    #expect(moved != buf)
    #expect(try a.read(moved, count: 1) == [5])
    #expect(a.page(buf).state == .unmapped)
    #expect(recorder.ranges == [InvalidationRange(start: buf, end: buf + .kib(512), event: .unmap)])
    expectConsistent(system)
  }

  @Test func mremapOfAlignedTHPKeepsThePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = a.page(buf).folio?.head
    let target = try a.mmap(.init(length: .mib(4), protection: .read, alignment: .mib(2)))
    let moved = try a.mremap(buf, oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: target)
    #expect(moved == target)
    #expect(a.page(moved).level == .pmd && a.page(moved).folio?.head == head && a.page(moved).isWritable)
    #expect(a.vma(containing: moved)?.flags.contains(.hugepage) == true)
    expectConsistent(system)
  }

  @Test func mremapToAnUnalignedAddressSplitsThePMD() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let head = a.page(buf).folio?.head
    let target = try a.mmap(.init(length: .mib(4), protection: .read, alignment: .mib(2)))
    let moved = try a.mremap(buf, oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: target + 4096)
    let runs = a.snapshot(moved, moved + .mib(2))
    #expect(runs.count == 1 && runs[0].level == .pte && runs[0].folio?.head == head && runs[0].folio?.order == 9)
    expectConsistent(system)
  }

  @Test func mremapOfASubRangeSplitsTheTHP() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let moved = try a.mremap(buf, oldSize: .mib(1), newSize: .mib(1), mayMove: true, fixedAddress: buf - .mib(16))
    #expect(a.page(moved).level == .pte && a.page(buf + .mib(1)).level == .pte)
    #expect(a.page(moved).folio?.order == 9)
    expectConsistent(system)
  }
}

@Suite struct KernelAgreementTests {
  @Test func collapseOverVMAsThatCannotHoldAPMDIsEINVAL() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    try a.mprotect(buf + 4096, 4096, .read)
    do {
      try a.madvise(buf, .mib(2), .collapse)
      Issue.record("Linux returns EINVAL")
    } catch {
      #expect(error.errno == .EINVAL)
    }
    #expect(a.page(buf).level == .pte)
  }

  @Test func madviseFreeOfPartOfAnExclusiveTHPSplitsTheFolio() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    // Data in every page: a split maps zero-filled pages to the shared zero page.
    for i in 0..<UInt64(512) { try a.writePage(buf + i * 4096, .filled(0x33)) }
    try a.madvise(buf + .mib(1), 4096, .free)
    #expect(a.page(buf).level == .pte && a.page(buf).folio?.order == 0, "the kernel splits the folio, not only the PMD")
    #expect(system.memory.isLazyFree(try #require(a.translate(buf + .mib(1))?.pfn)))
    expectConsistent(system)
  }
}

@Suite struct KernelAgreementTests2 {
  @Test func forkOfReadOnlyTouchedMemoryCopiesNoPageTables() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let z = try mapAnon(a, .mib(2), huge: false)
    try a.touch(z, .kib(64), write: false)
    let b = try a.fork(childName: "B")
    #expect(b.page(z).state == .notPresent, "zero-page reads create no anon_vma, so fork copies nothing")
  }

  @Test func dontneedOfA2MRangeFreesTheEmptyPTETable() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    try a.madvise(buf + .mib(1), .kib(64), .dontneed)
    try a.madvise(buf, .mib(2), .dontneed)
    try a.touch(buf, 4096, write: true)
    #expect(a.page(buf).level == .pmd && a.page(buf).folio?.order == 9, "the next fault finds an empty PMD again")
    expectConsistent(system)
  }

  @Test func madviseFreeOverAPartlyMappedTHPSplitsIt() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let t = try mapAnon(a, .mib(2))
    try a.touch(t, .mib(2), write: true)
    try a.madvise(t, 4096, .dontneed)
    try a.madvise(t, .mib(2), .free)
    #expect(a.page(t + 4096).folio?.order == 0)
    expectConsistent(system)
  }

  @Test func collapseNeedsAnAnonVMANotAWritablePTE() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let dst = try mapAnon(a, .mib(2), huge: false)
    try a.touch(dst, .mib(2), write: false)
    #expect(a.collapse(at: dst) == .failed(.pageAnon, "the VMA at \(dst) has no anon_vma"),
            "zero pages only, never written: no anon_vma, Linux 6.18 refuses")
    let other = try mapAnon(a, .mib(2), huge: false)
    try a.touch(other, 4096, write: true)
    try a.madvise(other, 4096, .dontneed)
    try a.touch(other, .mib(2), write: false)
    #expect(a.collapse(at: other) == .collapsed, "zero pages in a VMA with an anon_vma collapse")
    #expect(a.page(other).level == .pmd && a.page(other).isWritable && !a.page(other).isZeroPage)
    let empty = try mapAnon(a, .mib(2), huge: false)
    #expect(a.collapse(at: empty) == .failed(.pmdNone, "no PTE table at \(empty)"))
    expectConsistent(system)
  }

  @Test func collapseOfReadOnlyPTEsAfterForkGivesEachProcessItsOwnTHP() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2), huge: false)
    try a.write(buf + 4096, bytes: [7])
    try a.touch(buf, .mib(2), write: true)
    let b = try a.fork(childName: "B")
    #expect(!a.page(buf).isWritable && !b.page(buf).isWritable)
    #expect(b.collapse(at: buf) == .collapsed)
    #expect(a.collapse(at: buf) == .collapsed)
    #expect(a.page(buf).level == .pmd && b.page(buf).level == .pmd && a.page(buf).firstPFN != b.page(buf).firstPFN)
    #expect(try b.read(buf + 4096, count: 1) == [7], "the child's THP holds the data")
    let r = try mapAnon(a, .mib(2), huge: false)
    try a.touch(r, .mib(2), write: true)
    try a.mprotect(r, .mib(2), .read)
    #expect(a.collapse(at: r) == .collapsed, "read-only PTEs after mprotect collapse too")
    #expect(a.page(r).level == .pmd && !a.page(r).isWritable)
    expectConsistent(system)
  }

  @Test func dontneedFreesATableOnlyWhenOneZapCoversIts2M() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    try a.touch(buf, .mib(4), write: true)
    try a.madvise(buf, .mib(1), .dontneed)
    try a.madvise(buf + .mib(1), .mib(2), .dontneed)  // empties the first table, covering half of it
    try a.touch(buf, 4096, write: true)
    #expect(a.page(buf).level == .pte && a.page(buf).folio?.order == 0, "the emptied table stays: a small page")
    try a.madvise(buf, .mib(2), .dontneed)  // one zap over the whole 2M
    try a.touch(buf, 4096, write: true)
    #expect(a.page(buf).level == .pmd && a.page(buf).folio?.order == 9)
    expectConsistent(system)
  }

  @Test func madviseFreeOverAWholePTEMappedTHPKeepsItLarge() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let t = try mapAnon(a, .mib(2))
    try a.touch(t, .mib(2), write: true)
    try a.mprotect(t + 4096, 4096, .read)
    try a.mprotect(t + 4096, 4096, [.read, .write])
    #expect(a.page(t).level == .pte && a.page(t).folio?.order == 9)
    try a.madvise(t, .mib(2), .free)
    #expect(a.page(t).folio?.order == 9 && a.page(t + .mib(2) - 4096).folio?.order == 9)
    try a.madvise(t, .mib(1), .free)
    #expect(a.page(t).folio?.order == 0, "part of it splits the folio")
    expectConsistent(system)
  }

  @Test func aLargeFolioWithOnePageLeftIsCopiedNotReused() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let t = try mapAnon(a, .mib(2))
    try a.touch(t, .mib(2), write: true)
    try a.mprotect(t + 4096, 4096, .read)
    try a.mprotect(t + 4096, 4096, [.read, .write])
    let b = try a.fork(childName: "B")
    b.exit()
    try a.madvise(t, .mib(2) - 8192, .dontneed)
    try a.touch(t + .mib(2) - 4096, 4096, write: true)
    #expect(a.page(t + .mib(2) - 4096).folio?.order == 9, "two pages left: reused in place")
    try a.madvise(t + .mib(2) - 8192, 4096, .dontneed)
    let c = try a.fork(childName: "C")
    c.exit()
    try a.touch(t + .mib(2) - 4096, 4096, write: true)
    #expect(a.page(t + .mib(2) - 4096).folio?.order == 0, "one page left: copied into a small folio")
    expectConsistent(system)
  }

  @Test func aLargeFolioAcrossTwoPageTablesIsReusedPageByPage() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(2))
    try a.touch(buf, .mib(2), write: true)
    let dst = try mapAnon(a, .mib(4))
    let moved = try a.mremap(buf, oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: dst + .mib(1))
    let b = try a.fork(childName: "B")
    try a.touch(moved, 4096, write: true)
    #expect(a.page(moved).folio?.order == 0, "while the child maps it too: copied")
    b.exit()
    try a.touch(moved + .mib(1), 4096, write: true)
    #expect(a.page(moved + .mib(1)).folio?.order == 9 && a.page(moved + .mib(1)).isWritable, "reused in place")
    #expect(!a.page(moved + .mib(1) + 4096).isWritable, "page by page")
    expectConsistent(system)
  }

  @Test func mremapMovesARangeOfSeveralVMAs() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let z = try mapAnon(a, .mib(4))
    try a.touch(z, .mib(4), write: true)
    try a.mprotect(z + .mib(2) + 4096, 4096, .read)
    let w = try a.mmap(.init(length: .mib(2), protection: .read, alignment: .mib(2)))
    let moved = try a.mremap(z + .mib(2), oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: w)
    #expect(moved == w)
    #expect(a.page(w + 4096).state == .present && !a.page(w + 4096).isWritable)
    #expect(a.page(w).isWritable && a.page(z + .mib(2)).state == .unmapped)
    expectConsistent(system)
  }
}
