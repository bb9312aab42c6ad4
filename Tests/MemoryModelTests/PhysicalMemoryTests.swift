import Testing
@testable import MemoryModel

@Suite struct PhysicalMemoryTests {
  @Test func freshMemoryHoldsOnlyTheZeroPages() {
    let memory = PhysicalMemory(bytes: .mib(64))
    #expect(memory.frameCount == 16384)
    #expect(memory.freeFrameCount == 16384 - 1 - 512)
    #expect(memory.kind(of: memory.zeroPage) == .zero)
    #expect(memory.order(ofFolio: memory.hugeZeroPage) == 9)
    #expect(memory.hugeZeroPage.rawValue % 512 == 0)
  }

  @Test func buddyAllocatorSplitsAndMergesBack() throws {
    let memory = PhysicalMemory(bytes: .mib(64))
    let before = (0...PhysicalMemory.maxBuddyOrder).map { memory.freeBlockCount(order: $0) }
    let free = memory.freeFrameCount
    let small = try #require(memory.allocateFolio(order: 0, kind: .anonymous))
    let large = try #require(memory.allocateFolio(order: 9, kind: .anonymous))
    #expect(large.rawValue % 512 == 0, "buddy blocks are naturally aligned")
    #expect(memory.freeFrameCount == free - 513)
    #expect(memory.folioHead(of: large + 300) == large)
    memory.freeFolio(small)
    memory.freeFolio(large)
    #expect(memory.freeFrameCount == free)
    #expect((0...PhysicalMemory.maxBuddyOrder).map { memory.freeBlockCount(order: $0) } == before, "buddies merged back")
  }

  @Test func allocationFailsWhenMemoryIsExhausted() {
    let memory = PhysicalMemory(bytes: .mib(8))
    var taken = 0
    while memory.allocateFolio(order: 9, kind: .anonymous) != nil { taken += 1 }
    #expect(taken == 2, "of four 2 MiB blocks, the huge zero page takes one and the zero page splits another")
    #expect(memory.statistics.failures[9] == 1)
    #expect(memory.allocateFolio(order: 0, kind: .anonymous) != nil, "small pages are still free")
  }

  @Test func fragmentationLeavesNoPMDSizedBlocks() {
    let memory = PhysicalMemory(bytes: .mib(64))
    let taken = memory.fragment(percent: 100)
    #expect(taken == 31, "every 2 MiB region but the huge zero page's loses one frame")
    #expect(memory.allocateFolio(order: 9, kind: .anonymous) == nil)
    #expect(memory.allocateFolio(order: 8, kind: .anonymous) != nil)
  }

  @Test func gigantic1GPagesComeFromAlignedFreeRanges() throws {
    let memory = PhysicalMemory(bytes: .gib(3))
    let head = try #require(memory.allocateFolio(order: 18, kind: .hugetlb))
    #expect(head.rawValue % 262144 == 0)
    #expect(memory.folioHead(of: head + 262143) == head)
    let free = memory.freeFrameCount
    memory.freeFolio(head)
    #expect(memory.freeFrameCount == free + 262144)
  }

  @Test func contentsAreSparseAndCopied() throws {
    let memory = PhysicalMemory(bytes: .mib(16))
    let a = try #require(memory.allocateFolio(order: 0, kind: .anonymous))
    let b = try #require(memory.allocateFolio(order: 0, kind: .anonymous))
    var out: [UInt8] = []
    memory.read(a, offset: 0, count: 4, into: &out)
    #expect(out == [0, 0, 0, 0])
    memory.write(a, offset: 10, bytes: [1, 2, 3])
    memory.copyContents(from: a, to: b)
    out = []
    memory.read(b, offset: 9, count: 5, into: &out)
    #expect(out == [0, 1, 2, 3, 0])
    #expect(memory.framesWithContents == 2)
    memory.freeFolio(a)
    #expect(memory.framesWithContents == 1, "freeing drops the contents")
  }
}
