/// What a fresh ``PhysicalMemory`` of one size holds after its buddy allocator was set up and
/// the zero pages allocated: its non-zero descriptors and the allocator's state, to give a
/// reused frame table (FrameTablePool.swift) exactly the state a new one would get.
final class FrameTemplate: @unchecked Sendable {
  /// Frames of RAM.
  let ramFrameCount: Int
  /// PFNs of the non-zero descriptors, ascending.
  let indices: [Int32]
  /// Their descriptors.
  let descriptors: [FrameDescriptor]
  /// Each order's free-list head.
  let freeListHead: [Int64]
  /// Each order's free blocks.
  let freeBlocks: [Int]
  /// Free frames.
  let freeFrameCount: Int
  /// Allocation counters (the zero pages).
  let statistics: PhysicalMemory.Statistics
  /// The zero page and the huge zero page.
  let zeroPage: PFN
  let hugeZeroPage: PFN

  /// The state of `memory`, which was just created (only ``FrameTable/writtenChunks()`` can
  /// hold non-zero descriptors).
  init(capturing memory: PhysicalMemory) {
    ramFrameCount = memory.ramFrameCount
    var indices: [Int32] = []
    var descriptors: [FrameDescriptor] = []
    let frames = memory.frames
    for chunk in frames.writtenChunks() {
      let start = chunk << FrameTable.chunkShift
      for index in start..<min(start + FrameTable.chunkSize, frames.count) {
        let descriptor = frames[index]
        if !descriptor.isZero {
          indices.append(Int32(index))
          descriptors.append(descriptor)
        }
      }
    }
    self.indices = indices
    self.descriptors = descriptors
    freeListHead = (0...PhysicalMemory.maxBuddyOrder).map { memory.freeListHead[$0] }
    freeBlocks = (0...PhysicalMemory.maxBuddyOrder).map { memory.freeBlocks[$0] }
    freeFrameCount = memory.freeFrameCount
    statistics = memory.statistics
    zeroPage = memory.zeroPage
    hugeZeroPage = memory.hugeZeroPage
  }

  /// The first entry at or after `from` whose PFN is at least `index`.
  func firstEntry(atOrAfter index: Int, from: Int) -> Int {
    var low = from
    var high = indices.count
    while low < high {
      let middle = (low + high) / 2
      if Int(indices[middle]) < index { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
