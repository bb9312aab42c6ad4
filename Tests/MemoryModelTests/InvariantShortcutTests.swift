import Testing

@testable import MemoryModel

/// The invariant check's shortcuts (docs/invariants.md, "What the checks cost"): a pristine
/// chunk of device memory is verified by its mark, the scratch grows with device memory and keeps
/// what the last check found, page-table structure is counted without sets. Each test corrupts
/// the state a shortcut skips over and expects both checks to report it.
@Suite struct InvariantShortcutTests {
  private func makeSystem() -> MemorySystem { MemorySystem(memoryBytes: .mib(32)) }

  @Test func aDescriptorWrittenInAPristineDeviceChunkIsFoundByBothChecks() throws {
    for incremental in [false, true] {
      let system = makeSystem()
      #expect(system.checkInvariants(incremental: incremental).isEmpty)
      let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 65536)
      let pfn = Int(region.pfns.lowerBound) + 3 * FrameTable.chunkSize + 17
      let chunk = pfn >> FrameTable.chunkShift
      #expect(system.memory.frames.isPristine(chunk: chunk), "added device memory is pristine")
      #expect(system.checkInvariants(incremental: incremental).isEmpty)
      #expect(system.memory.frames.isPristine(chunk: chunk), "a check does not clear the mark")
      // Through the only mutable addressor: the mark goes, so the chunk is scanned.
      system.memory.frames[pfn].mapCount = 1
      #expect(!system.memory.frames.isPristine(chunk: chunk))
      let violations = system.checkInvariants(incremental: incremental)
      #expect(violations.contains { $0.invariant == "map-count" && $0.detail.contains("\(PFN(UInt64(pfn)))") }, "\(violations)")
      system.memory.frames[pfn].mapCount = 0
      #expect(system.checkInvariants(incremental: incremental).isEmpty)
      // A descriptor made to look allocated (a leak the scan reports) is found as well.
      system.memory.frames[pfn + 600].flags.insert(.head)
      let leak = system.checkInvariants(incremental: incremental)
      #expect(leak.contains { $0.invariant == "reference-count" }, "\(leak)")
    }
  }

  @Test func aPTEMappingAFrameOfAPristineDeviceChunkIsFoundByBothChecks() throws {
    for incremental in [false, true] {
      let system = makeSystem()
      let space = try system.createProcess(name: "A")
      let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
      try space.touch(buf, .kib(16), write: true)
      let region = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 65536)
      #expect(system.checkInvariants(incremental: incremental).isEmpty)
      // Point one PTE at a free device frame behind the model's back (no descriptor written).
      let device = PFN(region.pfns.lowerBound + 5000)
      #expect(system.memory.frames.isPristine(chunk: device.index >> FrameTable.chunkShift))
      let slot = try #require(space.pageTable.slot(for: buf + 0x1000, level: .pte, allocate: false))
      space.pageTable.setEntry(.present(device, writable: true), at: slot)
      let violations = system.checkInvariants(incremental: incremental)
      #expect(violations.contains { $0.detail.contains("\(device)") }, "\(violations)")
    }
  }

  @Test func addingDeviceMemoryKeepsTheLastCheckAndItStillFindsCorruptedRAM() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let scratch = try #require(system.invariantScratch)
    _ = system.addDeviceMemory(owner: 1, kind: .devicePrivate, pages: 65536)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.invariantScratch === scratch, "the scratch grew in place")
    #expect(scratch.frameCount == system.memory.frameCount)
    // A mapped frame's count, in a chunk the checks before found clean.
    let pfn = try #require(space.translate(buf + 0x2000)?.pfn)
    system.memory.frames[pfn.index].mapCount += 1
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "map-count" && $0.detail.contains("\(pfn)") }, "\(violations)")
    system.memory.frames[pfn.index].mapCount -= 1
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // The full check agrees on the grown machine.
    #expect(system.checkInvariants().isEmpty)
  }

  @Test func aWrongUsedCountIsFoundWithFreeAndDepositedTablesAround() throws {
    for incremental in [false, true] {
      let system = makeSystem()
      let space = try system.createProcess(name: "A")
      let thp = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
      try space.madvise(thp, .mib(4), .hugepage)
      try space.touch(thp, .kib(4), write: true)
      let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
      try space.touch(buf + .mib(2), .kib(4), write: true)
      try space.munmap(buf + .mib(2), .mib(2))
      let table = space.pageTable
      #expect(!table.depositedTables.isEmpty, "the THP has a deposited table")
      #expect(!table.freeNodes.isEmpty, "the unmapped PTE table was freed")
      #expect(system.checkInvariants(incremental: incremental).isEmpty)
      let node = try #require((0..<table.nodeLevel.count).first { table.nodeLevel[$0] == .pmd && !table.freeNodes.contains($0) })
      table.nodeUsed[node] += 1
      // The incremental check looks at a table's structure again when the table changed.
      if incremental { try space.touch(thp + .mib(2), .kib(4), write: true) }
      let violations = system.checkInvariants(incremental: incremental)
      #expect(violations.contains { $0.invariant == "page-table" && $0.detail.contains("table \(node) (") }, "\(violations)")
      table.nodeUsed[node] -= 1
      // A deposited table that holds an entry.
      let deposited = try #require(table.depositedTables.values.first)
      table.entries[deposited << 9] = .present(PFN(1), writable: false)
      if incremental { try space.touch(thp + .mib(2) + 0x1000, .kib(4), write: true) }
      let nonEmpty = system.checkInvariants(incremental: incremental)
      #expect(nonEmpty.contains { $0.detail.contains("deposited table \(deposited) is not empty") }, "\(nonEmpty)")
    }
  }

  @Test func aFrameOfAnUnchangedPTETableGoneBadIsFoundWhileTheTableIsTakenFromTheCache() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(4), .nohugepage)
    try space.touch(buf, .kib(64), write: true)
    try space.touch(buf + .mib(2), .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Change the second PTE table only: the first one's run comes from the cache.
    try space.touch(buf + .mib(2) + 0x10000, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf, level: .pte, allocate: false))
    let record = try #require(system.invariantScratch?.records.first { $0.table === table })
    #expect(record.generation == table.generation && table.nodeGeneration[slot >> 9] < record.generation,
            "the unchanged table's node was not read again")
    // The second check of the first table's frames: one of them is freed behind the model's back.
    let pfn = try #require(space.translate(buf + 0x5000)?.pfn)
    system.memory.frames[pfn.index].kind = .free
    try space.touch(buf + .mib(2) + 0x20000, .kib(4), write: true)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "use-after-free" && $0.detail.contains("\(pfn)") }, "\(violations)")
  }
}

/// The incremental check remembers runs of PTEs outside every VMA that it found empty, by node
/// generation; an entry written there later (the node's generation moves on) is still found.
@Suite struct InvariantGapCacheTests {
  @Test func anEntryWrittenInAGapOfAPartlyMappedTableIsFound() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(4), .nohugepage)
    try space.touch(buf, .kib(16), write: true)
    try space.touch(buf + .mib(2), .kib(16), write: true)
    // Unmap the last 1M: the second PTE table stays, half of it now outside every VMA.
    try space.munmap(buf + .mib(3), .mib(1))
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Change the first table only: the second one's gap is not scanned again.
    try space.touch(buf + 0x10000, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let slot = try #require(space.pageTable.slot(for: buf + .mib(3) + 0x4000, level: .pte, allocate: false))
    let node = slot >> 9
    let record = try #require(system.invariantScratch?.records.first { $0.table === space.pageTable })
    #expect(space.pageTable.nodeGeneration[node] < record.generation && record.level[node] != 0,
            "the node with the gap is recorded and was not read again")
    let pfn = try #require(space.translate(buf)?.pfn)
    space.pageTable.setEntry(.present(pfn, writable: true), at: slot)
    try space.touch(buf + 0x20000, .kib(4), write: true)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.detail.contains("lies outside every VMA") }, "\(violations)")
  }
}

/// The incremental check takes the page caches' folio list from its last check while no page
/// cache index changed (`PageCacheIndex.generation`) and no descriptor of a cached frame's chunk
/// was written; a page cache changed behind the model's back must still be found.
@Suite struct InvariantPageCacheShortcutTests {
  @Test func aPageDroppedFromThePageCacheIsFoundAfterUnchangedChecks() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let file = system.createFile(name: "F", size: .mib(1))
    for page in stride(from: UInt64(0), to: UInt64.kib(64), by: 4096) { try system.write(file, offset: page, bytes: [7]) }
    let space = try system.createProcess(name: "A")
    let mapped = try space.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
    try space.touch(mapped, .kib(16), write: false)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty, "a second check takes the list as it was")
    let generation = file.pageCache.generation
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(file.pageCache.generation == generation, "checks do not change the index")
    // Uncache page 9 (unmapped) without freeing its frame: the frame's reference is nobody's.
    let pfn = try #require(file.pageCache[9])
    file.pageCache[9] = nil
    #expect(file.pageCache.generation != generation)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "reference-count" && $0.detail.contains("\(pfn)") }, "\(violations)")
    #expect(system.checkInvariants(incremental: false).contains { $0.invariant == "reference-count" })
  }

  @Test func aCachedFrameWhoseDescriptorChangedIsRescanned() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let file = system.createFile(name: "F", size: .mib(1))
    for page in stride(from: UInt64(0), to: UInt64.kib(32), by: 4096) { try system.write(file, offset: page, bytes: [7]) }
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // A cached frame's reference count changed through the descriptor (the index did not move).
    let pfn = try #require(file.pageCache[3])
    let generation = file.pageCache.generation
    system.memory.frames[pfn.index].refCount += 1
    #expect(file.pageCache.generation == generation)
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "reference-count" && $0.detail.contains("\(pfn)") }, "\(violations)")
  }
}
