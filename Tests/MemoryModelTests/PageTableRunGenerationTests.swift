import Testing

@testable import MemoryModel

/// PageTable keeps a generation per run of 16 entries (`runGeneration`): 0 for a run never
/// written (all its entries empty), else the table's generation at the last write to the run.
/// The incremental invariant check compares only a changed node's runs written since it looked
/// (MemorySystem+IncrementalInvariants.swift), so a write must move its run's generation and no
/// other run's; and the frame table's sub-chunk marks (16 frames each, 32 per chunk) must name
/// exactly the sub-chunks written.
@Suite struct PageTableRunGenerationTests {
  @Test func aWriteMovesItsRunsGenerationAndNoOther() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .nohugepage)
    try space.touch(buf + 37 * 4096, .kib(4), write: true)
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf + 37 * 4096, level: .pte, allocate: false))
    let node = slot >> 9
    let runs = table.runGeneration.values + (node << 5)
    #expect(runs[37 >> 4] != 0, "the run written has a generation")
    for run in 0..<32 where run != 37 >> 4 {
      #expect(runs[run] == 0, "run \(run) was never written")
    }
    let before = table.generation
    let other = runs[37 >> 4]
    table.setEntry(.none, at: node << 9 | 500)
    #expect(runs[500 >> 4] == table.generation && table.generation > before, "the write's run moves")
    #expect(runs[37 >> 4] == other, "another run keeps its generation")
    #expect(table.nodeGeneration[node] == table.generation)
  }

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
