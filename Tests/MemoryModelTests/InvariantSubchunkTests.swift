import Testing

@testable import MemoryModel

/// The incremental check rescans a chunk that is a group of its own in part: from the last
/// block start at or before each sub-chunk of 16 frames that changed, to the next clean
/// sub-chunk a block started at in the last scan (MemorySystem+IncrementalInvariants.swift,
/// FrameTable+SubchunkMarks.swift). Legal changes stay clean without handing over to the full
/// check; a corruption in any sub-chunk, next to or away from a legal change, and one that only
/// a folio head's sum over tails in other sub-chunks shows, are found with the full check's verdict.
@Suite struct InvariantSubchunkTests {
  /// A 2M range of 4K pages touched and checked clean twice (the second check knows the
  /// chunks' sub-chunk bounds).
  private func makeMapped() throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .nohugepage)
    try space.touch(buf, .mib(2), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try space.touch(buf, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    return (system, space, buf)
  }

  @Test func legalChangesInFewSubchunksAreRescannedInPartWithoutHandingOver() throws {
    let (system, space, buf) = try makeMapped()
    let scratch = try #require(system.invariantScratch)
    let before = scratch.partialRescans
    let fallbacks = scratch.fallbacks
    // Pages freed and faulted in again in sub-chunks here and there: free counts by sub-chunk
    // and block starts change.
    for page: UInt64 in [3, 100, 101, 300, 511, 64, 0, 200] {
      try space.madvise(buf + page * 4096, .kib(4), .dontneed)
      #expect(system.checkInvariants(incremental: true).isEmpty)
      try space.touch(buf + page * 4096, .kib(4), write: true)
      #expect(system.checkInvariants(incremental: true).isEmpty)
    }
    try space.madvise(buf + .kib(256), .kib(64), .dontneed)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(scratch.fallbacks == fallbacks, "no legal change hands over to the full check")
    #expect(scratch.partialRescans > before, "some chunks were rescanned in part")
    #expect(system.checkInvariants().isEmpty)
  }

  @Test(arguments: [(0, 1), (70, 1), (300, 1), (511, 1), (64, 3), (127, 7), (17, 16), (47, 33), (250, 260)])
  func aMapCountCorruptedInAnySubchunkIsFound(corrupted: Int, legal: Int) throws {
    let (system, space, buf) = try makeMapped()
    // A legal change in one sub-chunk, a corruption in the same or another.
    try space.madvise(buf + UInt64(legal) * 4096, .kib(4), .dontneed)
    let pfn = try #require(space.translate(buf + UInt64(corrupted) * 4096)?.pfn)
    system.memory.frames[pfn.index].mapCount += 1
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "map-count" && $0.detail.contains("\(pfn)") }, "\(incremental)")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }

  @Test(arguments: [1, 5, 7])
  func aTailMappedBehindTheHeadsBackInALaterSubchunkIsFoundAtTheHead(subchunk: Int) throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let huge = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(huge, .mib(2), .hugepage)
    try space.touch(huge, .mib(2), write: true)
    // Split the PMD mapping (the folio stays one order-9 folio, mapped by 512 PTEs).
    try space.mprotect(huge + .kib(4), .kib(4), .read)
    #expect(space.translate(huge)?.level == .pte)
    let head = try #require(space.translate(huge)?.pfn)
    #expect(system.memory.frames[head.index].order == 9)
    // A page mapping the zero page (its PTEs are not counted against a descriptor).
    let small = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(small, .mib(2), .nohugepage)
    try space.touch(small, .kib(4), write: false)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try space.touch(small + .kib(4), .kib(4), write: false)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // The zero-page PTE now maps a tail in sub-chunk `subchunk` whose map count follows, but the
    // head's reference count does not: only the head's sum over its tails shows it.
    let tail = head + UInt64(subchunk * 64 + 9)
    let slot = try #require(space.pageTable.slot(for: small, level: .pte, allocate: false))
    space.pageTable.setEntry(.present(tail, writable: false), at: slot)
    system.memory.frames[tail.index].mapCount += 1
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "reference-count" && $0.detail.contains("\(head)") }, "\(incremental)")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }

  @Test(arguments: [2, 6])
  func aFreeBlockCorruptedInACleanSubchunkNextToALegalChangeIsFound(subchunk: Int) throws {
    let (system, space, buf) = try makeMapped()
    // Free two pages legally (sub-chunks 1 and `subchunk`), check, then make the second's free
    // block a lone free frame: the allocator's and the lists' totals disagree.
    let freed = try #require(space.translate(buf + UInt64(subchunk * 64 + 5) * 4096)?.pfn)
    try space.madvise(buf + .kib(4 * 70), .kib(4), .dontneed)
    try space.madvise(buf + UInt64(subchunk * 64 + 5) * 4096, .kib(4), .dontneed)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try space.touch(buf + .kib(4 * 70), .kib(4), write: true)
    guard system.memory.frames[freed.index].flags.contains(.buddy) else { return }
    system.memory.frames[freed.index].flags.remove(.buddy)
    let incremental = system.checkInvariants(incremental: true)
    #expect(!incremental.isEmpty)
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }
}
