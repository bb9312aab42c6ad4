import Testing

@testable import MemoryModel

/// The frame table's sub-chunk marks (16 frames each, 32 per chunk, FrameTable+SubchunkMarks.swift)
/// name exactly the sub-chunks written, and the ledger finds a change in a run of a node the
/// last check saw empty (MemorySystem+IncrementalInvariants.swift).
@Suite struct InvariantSubchunkMarkTests {
  @Test func anEntryChangedInARunNotWrittenBeforeIsFoundByTheLedger() throws {
    // Two PTEs in different runs of one node; a later change in a third run only: the ledger
    // compares that run, and a corruption there is found with the full check's verdict.
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .nohugepage)
    try space.touch(buf, .kib(4), write: true)
    try space.touch(buf + 300 * 4096, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let pfn = try #require(space.translate(buf)?.pfn)
    let slot = try #require(space.pageTable.slot(for: buf + 200 * 4096, level: .pte, allocate: false))
    // Behind the model's back: a second PTE naming the first page's frame.
    space.pageTable.setEntry(.present(pfn, writable: false), at: slot)
    let incremental = system.checkInvariants(incremental: true)
    #expect(!incremental.isEmpty)
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }

  @Test(arguments: [0, 1, 7, 8, 15, 16, 24, 31])
  func aWrittenDescriptorMarksItsSubchunkAlone(subchunk: Int) throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let frames = system.memory.frames
    frames.clearWritten()
    let chunk = 3
    let pfn = chunk << FrameTable.chunkShift + subchunk * FrameTable.subchunkSize + 5
    var descriptor = frames[pfn]
    descriptor.mapCount += 0
    frames[pfn] = descriptor
    #expect(frames.writtenSubchunks(chunk: chunk) == FrameTable.SubchunkMask(1) << FrameTable.SubchunkMask(subchunk))
    #expect(FrameTable.subchunksPerChunk == 32 && FrameTable.subchunkSize == 16)
  }
}
