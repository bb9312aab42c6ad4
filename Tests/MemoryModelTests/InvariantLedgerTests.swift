import Testing

@testable import MemoryModel

/// The incremental check's ledger (MemorySystem+IncrementalInvariants.swift): counts kept across
/// checks and updated by the difference of changed page-table nodes and page caches. A clean run
/// never hands over to the full check; each corruption below is one the ledger's shortcuts skip
/// over (an unchanged table, unchanged VMAs, an unchanged chunk), and the incremental check must
/// report what the full check reports.
@Suite struct InvariantLedgerTests {
  private func makeSystem() -> MemorySystem { MemorySystem(memoryBytes: .mib(64)) }

  /// A process with 64 KiB written at the start of a 1 MiB buffer, checked clean twice (the
  /// second incremental check starts from a ledger that saw everything).
  private func checkedTouchedBuffer() throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    return (system, space, buf)
  }

  @Test func aCleanWorkloadNeverHandsOverToTheFullCheck() throws {
    let system = makeSystem()
    let file = system.createFile(name: "F", size: .mib(1))
    let parent = try system.createProcess(name: "A")
    let thp = try parent.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try parent.madvise(thp, .mib(4), .hugepage)
    let buf = try parent.mmap(.init(length: .mib(3), protection: .readWrite))
    let mapped = try parent.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
    var steps: [() throws -> Void] = []
    steps.append { try parent.touch(thp, .mib(2), write: true) }
    steps.append { try parent.touch(buf, .mib(2), write: true) }
    steps.append { try parent.touch(mapped, .kib(64), write: false) }
    steps.append { try system.write(file, offset: 0x3000, bytes: [1, 2, 3]) }
    var child: AddressSpace?
    steps.append { child = try parent.fork(childName: "B") }
    steps.append { try child?.touch(buf, .kib(64), write: true) }  // COW in the child
    steps.append { try parent.touch(buf + .kib(512), .kib(256), write: true) }  // COW after fork
    steps.append { try parent.mprotect(buf, .mib(1), .read) }
    steps.append { try parent.madvise(buf + .mib(1), .kib(512), .dontneed) }
    steps.append { try parent.munmap(buf + .mib(2), .mib(1)) }
    steps.append { try parent.touch(thp + .mib(2), .kib(8), write: true) }
    steps.append { try parent.munmap(thp + .mib(1), .kib(4)) }  // splits the THP's mapping
    steps.append { try parent.touch(buf + .mib(1) + .kib(512), .kib(512), write: true) }
    steps.append { _ = try parent.mremap(buf + .mib(1) + .kib(512), oldSize: .kib(512), newSize: .mib(1), mayMove: true) }
    steps.append { child?.exit() }
    for (i, step) in steps.enumerated() {
      try step()
      #expect(system.checkInvariants(incremental: true).isEmpty, "step \(i)")
      #expect(system.checkInvariants(incremental: true).isEmpty, "step \(i), nothing changed")
    }
    #expect(system.invariantScratch?.fallbacks == 0, "no incremental check handed over to the full one")
    #expect(system.checkInvariants().isEmpty)
  }

  @Test func entriesLeftBehindWhenAVMAShrinksAreFound() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .mib(1), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // The VMA loses its second half, the entries stay (the table itself does not change).
    let index = try #require(space.vmas.firstIndex { $0.start == buf })
    space.vmas[index].end = buf + .kib(512)
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.detail.contains("lies outside every VMA") }, "\(violations)")
  }

  @Test func aVMABoundaryInsideAHugeLeafIsFound() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let thp = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(thp, .mib(2), .hugepage)
    try space.touch(thp, .kib(4), write: true)
    #expect(space.pageTable.lookup(thp).level == .pmd, "a PMD leaf")
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Split the VMA in the middle of the leaf without splitting the leaf: the full check's walk
    // now meets it twice.
    let index = try #require(space.vmas.firstIndex { $0.start == thp })
    var second = space.vmas[index]
    second.start = thp + .mib(1)
    space.vmas[index].end = thp + .mib(1)
    space.vmas.insert(second, at: index + 1)
    let violations = expectBothAgree(system)
    #expect(!violations.isEmpty)
  }

  @Test func aTableFrameOfAnUnchangedTableGoneBadIsFound() throws {
    let (system, space, buf) = try checkedTouchedBuffer()
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf, level: .pte, allocate: false))
    let frame = table.nodeFrame[slot >> 9]
    let generation = table.generation
    system.memory.frames[frame.index].kind = .anonymous
    #expect(table.generation == generation, "the table did not change")
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.invariant == "page-table" && $0.detail.contains("not a page-table frame") }, "\(violations)")
  }

  @Test func aPageCacheSlotPointedElsewhereIsFound() throws {
    let system = makeSystem()
    let file = system.createFile(name: "F", size: .mib(1))
    for page in stride(from: UInt64(0), to: UInt64.kib(32), by: 4096) { try system.write(file, offset: page, bytes: [7]) }
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    // Slot 2 now names slot 3's frame: one frame is cached twice, the other not at all.
    let other = try #require(file.pageCache[3])
    file.pageCache[2] = other
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.invariant == "reference-count" && $0.detail.contains("\(other)") }, "\(violations)")
  }

  @Test func aMappedFrameFreedInAnUnchangedTableIsFound() throws {
    let (system, space, buf) = try checkedTouchedBuffer()
    // The ledger counts the frame; its descriptor now says free (no table changed).
    let pfn = try #require(space.translate(buf + 0x3000)?.pfn)
    system.memory.frames[pfn.index].kind = .free
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.invariant == "use-after-free" && $0.detail.contains("\(pfn)") }, "\(violations)")
  }
}
