import Testing

@testable import MemoryModel

/// The invariant checks take the scan of a group of chunks that still holds the frame table's
/// baseline from what a scan of the same descriptors found before, for the same template
/// (InvariantBaseline.swift): the first incremental check of a fresh machine and the full check
/// need not read every free block. A chunk written since, or one a count looks at, must still
/// be scanned, with the full check's verdict.
@Suite(.serialized) struct InvariantBaselineTests {
  /// A size no other test uses, so that no other machine shares its template while a test runs.
  private static let size: UInt64 = .mib(44)

  /// A machine with one written page, checked incrementally (which learns its template's
  /// groups), and a second, fresh one of the same size, checked the same way.
  private func makeSecondMachine() throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    do {
      let first = MemorySystem(memoryBytes: Self.size)
      let template = try #require(first.memory.template)
      InvariantBaseline.forget(template)
      let space = try first.createProcess(name: "A")
      let buf = try space.mmap(.init(length: .kib(16), protection: .readWrite))
      try space.touch(buf, .kib(16), write: true)
      #expect(first.checkInvariants(incremental: true).isEmpty)
      let learned = try #require(InvariantBaseline.lookup(template))
      #expect(learned.span.contains { $0 > 0 }, "groups learned from the first scan")
    }
    let system = MemorySystem(memoryBytes: Self.size)
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .kib(16), protection: .readWrite))
    try space.touch(buf, .kib(16), write: true)
    return (system, space, buf)
  }

  private func chunkCount(_ system: MemorySystem) -> Int { system.memory.frames.chunkCount }

  @Test func aFreshMachinesFirstCheckScansOnlyWhatItsStepsChanged() throws {
    let (system, _, _) = try makeSecondMachine()
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let scratch = try #require(system.invariantScratch)
    #expect(scratch.lastScannedChunks < chunkCount(system) / 2, "scanned \(scratch.lastScannedChunks) of \(chunkCount(system))")
    #expect(scratch.fallbacks == 0)
    #expect(system.checkInvariants().isEmpty)
    #expect(scratch.lastBaselineGroups > 0, "the full check took groups from the baseline")
  }

  /// The head of a free block in a chunk no step wrote (one that holds its baseline).
  private func baselineFreeBlock(_ system: MemorySystem) throws -> Int {
    let frames = system.memory.frames
    var pfn = 0
    while pfn < system.memory.ramFrameCount {
      if frames[pfn].flags.contains(.buddy) && frames.holdsBaseline(chunk: pfn >> FrameTable.chunkShift) { return pfn }
      pfn += 1
    }
    Issue.record("no free block in a baseline chunk")
    return 0
  }

  @Test(arguments: [false, true])
  func aFreeBlockCorruptedInABaselineChunkIsFound(checkedFirst: Bool) throws {
    let (system, _, _) = try makeSecondMachine()
    if checkedFirst { #expect(system.checkInvariants(incremental: true).isEmpty) }
    let pfn = try baselineFreeBlock(system)
    // Written through the frame table (as every change is): the chunk holds its baseline no more.
    system.memory.frames[pfn].flags.remove(.buddy)
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "frames" }, "\(incremental)")
    let full = system.checkInvariants()
    #expect(incremental == full, "the full check's verdict")
    let template = try #require(system.memory.template)
    InvariantBaseline.forget(template)
    #expect(system.checkInvariants() == full, "the same verdict without the baseline")
  }

  @Test(arguments: [false, true])
  func anEntryMappingAFreeFrameOfABaselineChunkIsFound(checkedFirst: Bool) throws {
    let (system, space, buf) = try makeSecondMachine()
    if checkedFirst { #expect(system.checkInvariants(incremental: true).isEmpty) }
    let pfn = try baselineFreeBlock(system)
    // An entry made to name a free frame behind the model's back: the chunk's descriptors are
    // the baseline's, but a count now looks at it.
    let slot = try #require(space.pageTable.slot(for: buf, level: .pte, allocate: false))
    space.pageTable.setEntry(.present(PFN(UInt64(pfn + 1)), writable: true), at: slot)
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "use-after-free" }, "\(incremental)")
    let full = system.checkInvariants()
    #expect(incremental == full, "the full check's verdict")
    let template = try #require(system.memory.template)
    InvariantBaseline.forget(template)
    #expect(system.checkInvariants() == full, "the same verdict without the baseline")
  }

  @Test func aMapCountSetOnTheZeroPageIsFound() throws {
    let (system, _, _) = try makeSecondMachine()
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // No entry maps the zero page here; a map count set on it behind the model's back.
    let zero = system.memory.zeroPage
    system.memory.frames[zero.index].mapCount = 5
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "map-count" && $0.detail.contains("\(zero)") }, "\(incremental)")
    let full = system.checkInvariants()
    #expect(incremental == full, "the full check's verdict")
    let template = try #require(system.memory.template)
    InvariantBaseline.forget(template)
    #expect(system.checkInvariants() == full, "the same verdict without the baseline")
  }
}
