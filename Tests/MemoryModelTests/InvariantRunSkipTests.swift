import Testing

@testable import MemoryModel

/// The incremental check skips runs of 16 page-table entries equal to its copy when it takes a
/// changed node's difference, and runs of 16 frames no entry names when it re-checks the frames
/// of a dirty chunk (MemorySystem+IncrementalInvariants.swift). A corruption in the run next to
/// a skipped one, at either end of a run, or in the node's last run must still be found, with
/// the full check's verdict.
@Suite struct InvariantRunSkipTests {
  /// A 2M range of 4K pages, every PTE of one node present, checked clean.
  private func makeMappedNode() throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .nohugepage)
    try space.touch(buf, .mib(2), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    return (system, space, buf)
  }

  @Test(arguments: [1, 15, 16, 31, 200, 511])
  func anEntryClearedBehindTheModelsBackNextToALegalChangeIsFound(index: Int) throws {
    let (system, space, buf) = try makeMappedNode()
    // A legal change in the node's first run: the node's generation moves, its difference is taken.
    try space.madvise(buf, .kib(4), .dontneed)
    let address = buf + UInt64(index) * 4096
    let pfn = try #require(space.translate(address)?.pfn)
    let slot = try #require(space.pageTable.slot(for: address, level: .pte, allocate: false))
    space.pageTable.setEntry(.none, at: slot)
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "map-count" && $0.detail.contains("\(pfn)") }, "\(incremental)")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }

  @Test(arguments: [0, 15, 16, 100])
  func anEntryNamingAFreedFrameIsFound(index: Int) throws {
    let (system, space, buf) = try makeMappedNode()
    // Free one page legally, then make another PTE of the node name the freed frame: its chunk
    // is dirty, and the entry names a frame no entry may map.
    let freed = try #require(space.translate(buf + .mib(1))?.pfn)
    try space.madvise(buf + .mib(1), .kib(4), .dontneed)
    let slot = try #require(space.pageTable.slot(for: buf + UInt64(index) * 4096, level: .pte, allocate: false))
    space.pageTable.setEntry(.present(freed, writable: true), at: slot)
    let incremental = system.checkInvariants(incremental: true)
    #expect(!incremental.isEmpty)
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }
}
