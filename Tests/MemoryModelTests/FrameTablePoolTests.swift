import Testing

@testable import MemoryModel

/// A dropped machine's frame table serves the next machine of its size (FrameTablePool), and
/// device frames stay zero descriptors until their device memory hands them out: neither may
/// change what the model does.
@Suite struct FrameTablePoolTests {
  /// Every descriptor, the allocator's lists and counters of `memory`.
  private func state(_ memory: PhysicalMemory) -> [String] {
    var lines = (0..<memory.frameCount).compactMap { index -> String? in
      let d = memory.frames[index]
      guard d.refCount != 0 || d.mapCount != 0 || d.head != 0 || d.order != 0 || d.kind != .free || d.flags.rawValue != 0 else { return nil }
      return "\(index): \(d.refCount) \(d.mapCount) \(d.head) \(d.order) \(d.kind) \(d.flags.rawValue)"
    }
    lines.append("free \(memory.freeFrameCount) zero \(memory.zeroPage) huge \(memory.hugeZeroPage)")
    lines.append("blocks \((0...PhysicalMemory.maxBuddyOrder).map { memory.freeBlockCount(order: $0) })")
    lines.append("heads \((0...PhysicalMemory.maxBuddyOrder).map { memory.freeListHead[$0] })")
    lines.append("statistics \(memory.statistics.allocations) \(memory.statistics.failures) \(memory.statistics.frees)")
    return lines
  }

  /// Allocates, fragments, frees and adds device frames the way a run does.
  private func churn(_ memory: PhysicalMemory) -> [PFN] {
    var taken: [PFN] = []
    for order in [0, 9, 3, 0, 10, 4, 9, 0] { if let pfn = memory.allocateFolio(order: order, kind: .anonymous) { taken.append(pfn) } }
    memory.fragment(percent: 50)
    for pfn in taken.prefix(3) { memory.freeFolio(pfn) }
    _ = memory.appendDeviceFrames(1024, kind: .devicePrivate)
    memory.frames[memory.frameCount - 1].refCount = 7
    return taken
  }

  @Test(arguments: [UInt64(41 << 20) + 12288, UInt64(3 << 30) - 4096])
  func aReusedFrameTableStartsAsAFreshOne(_ bytes: UInt64) throws {
    var first: PhysicalMemory? = PhysicalMemory(bytes: bytes)
    let firstPFNs = churn(try #require(first))
    first = nil
    let reused = PhysicalMemory(bytes: bytes)
    let fresh = PhysicalMemory(bytes: bytes)  // the pool holds no other table of this odd size
    #expect(reused.reusesPooledFrameTable)
    #expect(!fresh.reusesPooledFrameTable)
    #expect(state(reused) == state(fresh))
    #expect(churn(reused) == firstPFNs, "the same allocations get the same frames")
    #expect(churn(fresh) == firstPFNs)
    #expect(state(reused) == state(fresh))
  }

  @Test func chunksWrittenBeforeAnInvariantCheckAreRestoredToo() throws {
    // The checks forget which chunks were written (clearWritten); the pool must not.
    let bytes = UInt64(37 << 20) + 20480
    weak var dropped: PhysicalMemory?
    do {
      let system = MemorySystem(memoryBytes: bytes)
      dropped = system.memory
      let space = try system.createProcess(name: "A")
      let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite))
      try space.touch(buf, .mib(1), write: true)
      #expect(system.checkInvariants(incremental: true).isEmpty)
      let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 2048)
      _ = try #require(system.allocateDeviceFolio(region, order: 0))
      system.memory.frames.clearWritten()
      try space.touch(buf + .mib(2), .kib(64), write: true)
      system.discard()
    }
    #expect(dropped == nil)
    let reused = PhysicalMemory(bytes: bytes)
    let fresh = PhysicalMemory(bytes: bytes)
    #expect(reused.reusesPooledFrameTable)
    #expect(state(reused) == state(fresh))
  }

  @Test func deviceFramesKeepTheirKindBeforeAndAfterUse() throws {
    let system = MemorySystem(memoryBytes: .mib(33) + 4096)
    let region = system.addDeviceMemory(owner: 1, kind: .deviceCoherent, pages: 2048)
    #expect(region.pfns.lowerBound % 512 == 0)
    let padding = PFN(UInt64(system.memory.ramFrameCount))
    #expect(system.memory.kind(of: padding) == .deviceCoherent, "padding frames between RAM and the device are the device's")
    for pfn in [region.pfns.lowerBound, region.pfns.upperBound - 1] {
      #expect(system.memory.kind(of: PFN(pfn)) == .deviceCoherent)
      #expect(system.memory.isDeviceMemory(PFN(pfn)))
      #expect(system.memory.isAllocated(PFN(pfn)), "a free device frame is the device's, not the buddy allocator's")
    }
    #expect(region.freePageCount == 2048)
    let huge = try #require(system.allocateDeviceFolio(region, order: 9))
    let small = try #require(system.allocateDeviceFolio(region, order: 0))
    #expect(huge.rawValue == region.pfns.lowerBound, "chunks are handed out in ascending order")
    #expect(small.rawValue == region.pfns.lowerBound + 512, "4 KiB pages from the next chunk, lowest first")
    #expect(region.freePageCount == 2048 - 513)
    #expect(region.usedPFNs == region.pfns.lowerBound..<(region.pfns.lowerBound + 1024))
    #expect(system.memory.kind(of: PFN(small.rawValue + 1)) == .deviceCoherent)
    system.releaseDeviceFolio(huge)
    system.releaseDeviceFolio(small)
    #expect(system.checkInvariants().isEmpty)
    #expect(try #require(system.allocateDeviceFolio(region, order: 9)) == huge, "a chunk given back is used first")
    #expect(try #require(system.allocateDeviceFolio(region, order: 0)) == small, "so is a page")
    #expect(try #require(system.allocateDeviceFolio(region, order: 9)).rawValue == region.pfns.lowerBound + 1024, "then the next unused chunk")
  }

  @Test func aClearedDescriptorOfAUsedDeviceFrameIsFound() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 1024)
    let small = try #require(system.allocateDeviceFolio(region, order: 0))
    system.releaseDeviceFolio(small)
    #expect(system.checkInvariants().isEmpty)
    // A free frame of the chunk the page came from: it has its device descriptor now.
    system.memory.frames[small.index + 1] = FrameDescriptor()
    let violations = system.checkInvariants()
    #expect(violations.contains { $0.invariant == "frames" }, "\(violations)")
  }

  @Test func aWriteToAnUnusedDeviceFrameIsFoundByTheFullCheck() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 4096)
    #expect(system.checkInvariants().isEmpty)
    system.memory.frames[Int(region.pfns.lowerBound) + 2000].refCount = 1
    system.memory.frames[Int(region.pfns.lowerBound) + 2000].flags = .head
    let violations = system.checkInvariants()
    #expect(violations.contains { $0.invariant == "reference-count" }, "\(violations)")
  }
}
