import Testing

@testable import MemoryModel

/// A pooled frame table is restored sub-chunk by sub-chunk (FrameTable+Baseline.swift): every
/// sub-chunk written since the baseline, whichever ``FrameTable/clearWritten()`` forgot its
/// marks, gets its baseline back, and the others are left alone.
@Suite struct FrameTableSubchunkRestoreTests {
  /// Every non-zero descriptor of `memory` and its allocator's state.
  private func state(_ memory: PhysicalMemory) -> [String] {
    var lines = (0..<memory.frameCount).compactMap { index -> String? in
      let d = memory.frames[index]
      guard !d.isZero else { return nil }
      return "\(index): \(d.refCount) \(d.mapCount) \(d.head) \(d.order) \(d.kind) \(d.flags.rawValue)"
    }
    lines.append("free \(memory.freeFrameCount) blocks \((0...PhysicalMemory.maxBuddyOrder).map { memory.freeBlockCount(order: $0) })")
    lines.append("heads \((0...PhysicalMemory.maxBuddyOrder).map { memory.freeListHead[$0] })")
    return lines
  }

  @Test func subchunksForgottenByEitherClearAreRestored() throws {
    let bytes = UInt64(45 << 20) + 28672  // a size no other test pools
    weak var dropped: PhysicalMemory?
    do {
      let memory = PhysicalMemory(bytes: bytes)
      dropped = memory
      // Written before any clear: marks in subWritten only.
      memory.frames[3000].flags = .lazyFree
      // Forgotten by the full clear.
      memory.frames.clearWritten()
      memory.frames[3100].refCount = 5
      let chunk = 3100 >> FrameTable.chunkShift
      #expect(memory.frames.writtenSubchunks(chunk: chunk) == 1 << ((3100 & 511) >> FrameTable.subchunkShift))
      memory.frames.clearWritten()
      #expect(memory.frames.subDirty[chunk] == 1 << ((3100 & 511) >> FrameTable.subchunkShift))
      // Forgotten by the incremental clear (only the chunks written), in two sub-chunks of one chunk.
      memory.frames[5000].mapCount = 2
      memory.frames[5400].head = 9
      let written = memory.frames.writtenChunks()
      #expect(written == [5000 >> FrameTable.chunkShift, 5400 >> FrameTable.chunkShift])
      memory.frames.clearWritten(written)
      #expect(memory.frames.subDirty[5000 >> FrameTable.chunkShift].nonzeroBitCount == 1)
      #expect(memory.frames.subDirty[5400 >> FrameTable.chunkShift].nonzeroBitCount == 1)
      // Still marked at the drop; and a folio over whole sub-chunks.
      memory.frames[7000].order = 3
      _ = memory.allocateFolio(order: 9, kind: .anonymous)
    }
    #expect(dropped == nil)
    let reused = PhysicalMemory(bytes: bytes)
    let fresh = PhysicalMemory(bytes: bytes)
    #expect(reused.reusesPooledFrameTable)
    #expect(!fresh.reusesPooledFrameTable)
    #expect(state(reused) == state(fresh))
    for chunk in 0..<reused.frames.chunkCount { #expect(reused.frames.subDirty[chunk] == 0) }
  }
}
