import Testing

@testable import MemoryModel

/// The incremental check takes a changed page cache's difference 16 slots at a time, in place
/// (MemorySystem+IncrementalInvariants.swift, InvariantLedgerUpdate.update): a slot pointed
/// elsewhere at either end of a run, next to runs that did not change, must still be found, with
/// the full check's verdict.
@Suite struct InvariantPageCacheRunTests {
  @Test(arguments: [(15, 16), (16, 17), (31, 0), (100, 101), (127, 126)])
  func aPageCacheSlotPointedElsewhereNextToUnchangedRunsIsFound(slot: Int, source: Int) throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let file = system.createFile(name: "F", size: .mib(1))
    for page in stride(from: UInt64(0), to: UInt64(128 * 4096), by: 4096) { try system.write(file, offset: page, bytes: [7]) }
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Slot `slot` now names slot `source`'s frame: one frame cached twice, the other not at all.
    let other = try #require(file.pageCache[UInt64(source)])
    file.pageCache[UInt64(slot)] = other
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "reference-count" && $0.detail.contains("\(other)") }, "\(incremental)")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }
}
