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
}
