import Testing

@testable import MemoryModel

/// While a migration entry is counted (a `migrate_vma` setup left pending between checks), the
/// incremental check rescans dirty chunks whole and looks at every frame the ledger counts in
/// them (MemorySystem+IncrementalInvariants.swift: `partialRescans`, `bySubchunk`): a migration
/// entry's references are counted at its folio's head only for the frames looked at, so a
/// partial rescan of a folio whose head's sub-chunk is clean would leave them out, and a
/// corruption that makes up for them (one more PTE map on a tail in another sub-chunk) would
/// pass. These tests keep the entry counted across checks and show the gate's effect.
@Suite struct InvariantMigrationGateTests {
  /// An order-9 folio mapped by a PMD, checked clean twice (the second check knows its chunk's
  /// sub-chunk bounds), then collected by `migrate_vma_setup` (a PMD migration entry naming the
  /// head) and left pending across two clean checks.
  private func makePendingHugeMigration() throws -> (MemorySystem, AddressSpace, PFN, MigrateVMA) {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let huge = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(huge, .mib(2), .hugepage)
    try space.touch(huge, .mib(2), write: true)
    let translation = try #require(space.translate(huge))
    #expect(translation.level == .pmd)
    let head = translation.pfn
    #expect(system.memory.frames[head.index].order == 9)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let m = try space.migrateVMASetup(start: huge, end: huge + .mib(2), select: [.system, .compound], pgmapOwner: nil)
    #expect(m.collected == 1)
    let pmdSlot = try #require(space.pageTable.slot(for: huge, level: .pmd, allocate: false))
    #expect(space.pageTable.entry(at: pmdSlot).isMigration, "a PMD migration entry")
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let scratch = try #require(system.invariantScratch)
    #expect(scratch.migrationTotal == 1, "the entry is counted")
    return (system, space, head, m)
  }

  @Test(arguments: [1, 4, 7])
  func aTailMapCountThatMakesUpForTheMigrationEntryIsFound(subchunk: Int) throws {
    let (system, _, head, _) = try makePendingHugeMigration()
    // One PTE map on a tail in sub-chunk `subchunk` that no PTE names: the head's sum over its
    // tails is one too high, unless the migration entry at the head (a clean sub-chunk) were
    // left out of the head's expected count.
    let tail = head + UInt64(subchunk * 64 + 3)
    system.memory.frames[tail.index].mapCount += 1
    let incremental = system.checkInvariants(incremental: true)
    #expect(!incremental.isEmpty, "the corruption is found")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
  }

  @Test func chunksAreRescannedWholeWhileTheEntryIsCountedAndInPartAfterwards() throws {
    let system = MemorySystem(memoryBytes: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .nohugepage)
    try space.touch(buf, .mib(2), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    try space.touch(buf, .kib(4), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let scratch = try #require(system.invariantScratch)
    // Page 3 collected and left pending: legal changes elsewhere are checked clean, by whole chunks.
    var m = try space.migrateVMASetup(start: buf + 3 * 4096, end: buf + 4 * 4096, select: [.system], pgmapOwner: nil)
    #expect(m.collected == 1)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let before = scratch.partialRescans
    let fallbacks = scratch.fallbacks
    for page: UInt64 in [300, 100, 511] {
      try space.madvise(buf + page * 4096, .kib(4), .dontneed)
      #expect(system.checkInvariants(incremental: true).isEmpty)
      #expect(scratch.migrationTotal == 1)
    }
    #expect(scratch.partialRescans == before, "no partial rescan while the entry is counted")
    // A corruption away from the entry, in another sub-chunk, is found.
    let pfn = try #require(space.translate(buf + 400 * 4096)?.pfn)
    system.memory.frames[pfn.index].mapCount += 1
    let incremental = system.checkInvariants(incremental: true)
    #expect(incremental.contains { $0.invariant == "map-count" && $0.detail.contains("\(pfn)") }, "\(incremental)")
    #expect(incremental == system.checkInvariants(), "the full check's verdict")
    system.memory.frames[pfn.index].mapCount -= 1
    // The migration restored (no destination page): the entry is gone, partial rescans resume.
    space.migrateVMAPages(&m)
    space.migrateVMAFinalize(&m)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(scratch.migrationTotal == 0)
    let resumed = scratch.partialRescans
    try space.madvise(buf + 200 * 4096, .kib(4), .dontneed)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(scratch.partialRescans > resumed, "partial rescans again without migration entries")
    #expect(scratch.fallbacks == fallbacks + 1, "only the corruption handed over to the full check")
  }
}
