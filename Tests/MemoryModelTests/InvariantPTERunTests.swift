import Testing

@testable import MemoryModel

/// The ledger's diff of a changed PTE node counts a run of entries mapped (in a node whose span
/// lies in one VMA) or unmapped at consecutive frames in one pass (MemorySystem+IncrementalInvariants.swift,
/// `presentRun`). Over random edits the incremental check must stay clean without handing over,
/// and where such a run breaks the counts it must report what the full check reports.
@Suite struct InvariantPTERunTests {
  /// A process with a 2 MiB-aligned 2 MiB buffer (one PTE table, its span inside the VMA) whose
  /// first 64 KiB are written, checked clean twice.
  private func checkedAlignedBuffer() throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.touch(buf, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    return (system, space, buf)
  }

  @Test func randomMapsAndUnmapsNeverHandOverToTheFullCheck() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    var random = SplitMix64(seed: 11)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    for step in 0..<200 {
      let page = UInt64.random(in: 0..<(1024 - 48), using: &random)
      let pages = UInt64.random(in: 1...48, using: &random)
      let address = buf + page << 12
      let length = pages << 12
      switch UInt64.random(in: 0..<4, using: &random) {
      case 0, 1: try space.touch(address, length, write: true)
      case 2: try space.madvise(address, length, .dontneed)
      default: try space.touch(address, length, write: false)
      }
      #expect(system.checkInvariants(incremental: true).isEmpty, "step \(step)")
    }
    #expect(system.invariantScratch?.fallbacks == 0, "no incremental check handed over to the full one")
    #expect(system.checkInvariants().isEmpty)
  }

  @Test func aRunOfPTEsClearedBehindTheMapCountsIsFound() throws {
    let (system, space, buf) = try checkedAlignedBuffer()
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf, level: .pte, allocate: false))
    // Sixteen entries gone, their frames' map counts kept.
    for i in 0..<16 { table.setEntry(.none, at: slot + i) }
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.invariant == "map-count" }, "\(violations)")
  }

  @Test func aRunOfPTEsMappedBehindTheMapCountsIsFound() throws {
    let (system, space, buf) = try checkedAlignedBuffer()
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf + .kib(512), level: .pte, allocate: false))
    // Sixteen consecutive frames mapped where nothing was, no map count or reference taken.
    let head = try #require(system.memory.allocateFolio(order: 4, kind: .anonymous))
    for i in 0..<16 { table.setEntry(.present(PFN(head.rawValue + UInt64(i)), writable: true), at: slot + i) }
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.invariant == "map-count" && $0.detail.contains("\(head)") }, "\(violations)")
  }

  @Test func aRunOfPTEsMappedPastTheVMAIsFound() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    // A VMA of 64 KiB at the start of a 2 MiB region: its PTE table's span is not inside it.
    let buf = try space.mmap(.init(length: .kib(64), protection: .readWrite, alignment: .mib(2)))
    try space.touch(buf, .kib(64), write: true)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty)
    let table = space.pageTable
    let slot = try #require(table.slot(for: buf, level: .pte, allocate: false))
    let head = try #require(system.memory.allocateFolio(order: 4, kind: .anonymous))
    for i in 0..<16 { table.setEntry(.present(PFN(head.rawValue + UInt64(i)), writable: true), at: slot + 16 + i) }
    let violations = expectBothAgree(system)
    #expect(violations.contains { $0.detail.contains("lies outside every VMA") }, "\(violations)")
  }
}
