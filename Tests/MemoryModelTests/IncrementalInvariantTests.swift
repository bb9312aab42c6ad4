import Testing

@testable import MemoryModel

/// The incremental invariant check skips chunks of frames nothing changed; these corrupt frames
/// in chunks the last check skipped or found clean, behind the model's back, and expect the
/// next incremental check to see it.
@Suite struct IncrementalInvariantTests {
  private func makeSystem() -> MemorySystem { MemorySystem(memoryBytes: .mib(64)) }

  @Test func aCorruptedFreeDeviceFrameInAnUntouchedChunkIsFound() throws {
    let system = makeSystem()
    let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 16384)
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty, "the second check skips the unchanged chunks")
    // The last free device frame: in a chunk nothing allocated from or mapped.
    let last = Int(region.pfns.upperBound) - 1
    system.memory.frames[last].mapCount = 1
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "map-count" }, "\(violations)")
    system.memory.frames[last].mapCount = 0
    #expect(system.checkInvariants(incremental: true).isEmpty)
  }

  @Test func aFreeBlockTakenBehindTheAllocatorsBackIsFound() throws {
    let system = makeSystem()
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Clear the buddy flag of a free block head in the middle of RAM: the free lists no longer
    // add up to the allocator's count.
    var pfn = system.memory.ramFrameCount / 2
    while !system.memory.frames[pfn].flags.contains(.buddy) { pfn += 1 }
    system.memory.frames[pfn].flags.remove(.buddy)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "frames" }, "\(violations)")
    system.memory.frames[pfn].flags.insert(.buddy)
    #expect(system.checkInvariants(incremental: true).isEmpty)
  }

  @Test func aWholeFolioCountChangedAloneIsFound() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(4), .hugepage)
    try space.touch(buf, .kib(4), write: true)
    let head = try #require(space.translate(buf)?.pfn)
    #expect(system.memory.order(ofFolio: head) == 9)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Only the side table changes, no descriptor: the check must still look at that folio.
    system.memory.entireMapCounts[UInt32(head.rawValue)]! += 1
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "map-count" }, "\(violations)")
  }

  @Test func anEntryClearedWithoutItsMapCountIsFoundWhileOtherTablesAreReplayed() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let b = try system.createProcess(name: "B")
    let bufA = try a.mmap(.init(length: .mib(1), protection: .readWrite))
    let bufB = try b.mmap(.init(length: .mib(1), protection: .readWrite))
    try a.touch(bufA, .kib(64), write: true)
    try b.touch(bufB, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try b.touch(bufB + 0x10000, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty, "B changed, A is replayed")
    // Clear one of A's PTEs behind the model's back: no descriptor is written, only the table.
    let pfn = try #require(a.translate(bufA + 0x3000)?.pfn)
    let slot = try #require(a.pageTable.slot(for: bufA + 0x3000, level: .pte, allocate: false))
    a.pageTable.setEntry(.none, at: slot)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "map-count" && $0.detail.contains("\(pfn)") }, "\(violations)")
  }

  @Test func theIncrementalCheckAgreesWithTheFullOneAcrossForkExitAndUnmap() throws {
    let system = makeSystem()
    let parent = try system.createProcess(name: "A")
    let buf = try parent.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try parent.madvise(buf, .mib(2), .hugepage)
    try parent.touch(buf, .mib(3), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let child = try parent.fork(childName: "B")
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try child.touch(buf + 0x1000, .kib(8), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try parent.munmap(buf + 0x200000, .mib(1))
    #expect(system.checkInvariants(incremental: true).isEmpty)
    child.exit()
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // A count broken now, in a chunk the last checks found clean, is still seen.
    let pfn = try #require(parent.translate(buf + 0x1000)?.pfn)
    system.memory.frames[pfn.index].mapCount += 1
    let incremental = system.checkInvariants(incremental: true)
    #expect(!incremental.isEmpty)
    #expect(incremental == system.checkInvariants(), "the incremental check finds what the full one does")
  }

  @Test func aPageCacheEntryDroppedAloneIsFound() throws {
    let system = makeSystem()
    let file = system.createFile(name: "F", size: .mib(1))
    try system.write(file, offset: 0, bytes: [1, 2, 3])
    try system.write(file, offset: .kib(8), bytes: [4])
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty, "the page cache did not change")
    // Drop one page-cache entry behind the model's back: no descriptor and no table changes.
    let index = try #require(file.pageCache.keys.min())
    file.pageCache[index] = nil
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "reference-count" }, "\(violations)")
  }
}
