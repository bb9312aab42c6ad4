import Testing

@testable import MemoryModel

/// A machine whose frame table a dropped machine's case used (restored when that machine was
/// dropped, FrameTablePool.swift) behaves exactly as a fresh one: the same workload gets the same
/// frames, counters and invariant verdicts, whatever ran on the table before.
@Suite struct ReusedMachineTests {
  /// What a run of `workload` on a machine of `bytes` shows: every page's frame and writability
  /// in both processes, the allocator's counters and the invariant check's verdict.
  private func run(_ bytes: UInt64, _ workload: (MemorySystem) throws -> [VirtualAddress]) throws -> (lines: [String], reused: Bool) {
    let system = MemorySystem(memoryBytes: bytes)
    let reused = system.memory.reusesPooledFrameTable
    let addresses = try workload(system)
    var lines: [String] = []
    for space in system.addressSpaces {
      for address in addresses {
        let t = space.translate(address)
        lines.append("\(space.pid) \(address) \(t.map { "\($0.pfn) \($0.isWritable) \($0.level)" } ?? "-")")
      }
    }
    lines.append("free \(system.memory.freeFrameCount) events \(system.events)")
    lines.append("stats \(system.memory.statistics.allocations) \(system.memory.statistics.frees)")
    lines.append("invariants \(system.checkInvariants().map(\.description))")
    system.discard()
    return (lines, reused)
  }

  /// Anonymous memory, a THP, a fork and COW writes in the child.
  private func forkAndWrite(_ system: MemorySystem) throws -> [VirtualAddress] {
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite))
    try space.madvise(buf, .mib(4), .hugepage)
    try space.touch(buf, .mib(3), write: true)
    let child = try space.fork(childName: "B")
    try child.touch(buf + .kib(2052), .kib(64), write: true)
    try child.touch(buf + .kib(8), .kib(12), write: true)
    return stride(from: 0, to: 1024, by: 5).map { buf + UInt64($0) << 12 }
  }

  /// Something else first: small pages, a device memory, frees and fragmentation.
  private func churn(_ system: MemorySystem) throws -> [VirtualAddress] {
    let space = try system.createProcess(name: "X")
    let buf = try space.mmap(.init(length: .mib(8), protection: .readWrite))
    try space.touch(buf + .mib(1), .mib(5), write: true)
    try space.munmap(buf + .mib(2), .mib(1))
    let region = system.addDeviceMemory(owner: 3, kind: .devicePrivate, pages: 1024)
    _ = try #require(system.allocateDeviceFolio(region, order: 0))
    system.memory.fragment(percent: 30)
    return [buf]
  }

  @Test func aMachineAfterADifferentCaseBehavesAsAFreshOne() throws {
    // A size no other test uses, so that the first machine's table is a fresh one.
    let bytes = UInt64(43 << 20) + 28672
    let fresh = try run(bytes, forkAndWrite)
    #expect(!fresh.reused)
    let other = try run(bytes, churn)
    #expect(other.reused)
    let reused = try run(bytes, forkAndWrite)
    #expect(reused.reused)
    #expect(reused.lines == fresh.lines)
    #expect(fresh.lines.contains { $0.hasPrefix("2 ") && !$0.hasSuffix(" -") }, "the child maps pages")
    let again = try run(bytes, forkAndWrite)
    #expect(again.lines == fresh.lines, "and so does the run after it")
  }

  @Test func aPooledEntryBlockComesBackEmpty() {
    // Page tables' entry blocks go to PageTableEntryBlockPool when the table is dropped; the next
    // table's nodes must be all `.none`, however many of them the block held before.
    var storage = PageTableEntryStorage()
    for _ in 0..<6 { storage.appendNode() }
    for slot in stride(from: 0, to: storage.count, by: 7) { storage[slot] = PageTableEntry(rawValue: 0xdead_b067) }
    storage.release()
    for round in 0..<3 {
      var next = PageTableEntryStorage()
      for _ in 0..<(5 + round) { next.appendNode() }
      let dirty = next.withUnsafeBufferPointer { buffer in buffer.indices.filter { buffer[$0] != .none } }
      #expect(dirty.isEmpty, "round \(round): \(dirty.count) entries left over")
      for slot in stride(from: round, to: next.count, by: 5) { next[slot] = PageTableEntry(rawValue: 0xbeef_0067) }
      next.release()
    }
  }
}
