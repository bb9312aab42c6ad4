import Testing
@testable import MemoryModel

@Suite struct PageTableTests {
  @Test func entryLayoutIsX86() {
    let entry = PageTableEntry.present(PFN(0x1234), writable: true, huge: true, dirty: true)
    #expect(entry.rawValue == 0x1234 << 12 | 0b1110_0111)
    #expect(entry.isPresent && entry.isWritable && entry.isHuge && entry.isDirty)
    #expect(entry.pfn == PFN(0x1234))
    let none = entry.withProtection(accessible: false, writable: false)
    #expect(!none.isHardwarePresent && none.isPresent && none.isProtNone && none.pfn == PFN(0x1234))
    let swap = PageTableEntry.swap(.devicePrivate, pfn: PFN(7), writable: true)
    #expect(!swap.isPresent && swap.swapType == .devicePrivate && swap.isWritable && swap.pfn == PFN(7))
  }

  @Test func addressIndicesFollowTheFourLevels() {
    let address = VirtualAddress(0x7F12_3456_7000)
    #expect(address.index(at: .pgd) == 0xFE)
    #expect(address.index(at: .pud) == 0x48)
    #expect(address.index(at: .pmd) == 0x1A2)
    #expect(address.index(at: .pte) == 0x167)
  }

  @Test func tablesAreAllocatedOnDemandAndFreedWhenEmpty() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    #expect(a.pageTable.tableCount == 1)
    let buf = try mapAnon(a, .mib(4), huge: false)
    #expect(a.pageTable.tableCount == 1, "mmap allocates no tables")
    try a.touch(buf, 4096, write: true)
    #expect(a.pageTable.tableCount(at: .pud) == 1)
    #expect(a.pageTable.tableCount(at: .pmd) == 1)
    #expect(a.pageTable.tableCount(at: .pte) == 1)
    try a.touch(buf + .mib(2), 4096, write: true)
    #expect(a.pageTable.tableCount(at: .pte) == 2)
    try a.munmap(buf, .mib(4))
    #expect(a.pageTable.tableCount == 1, "munmap frees the emptied tables")
    expectConsistent(system)
  }

  @Test func walkerHandsOverWholeTablesAndLeaves() throws {
    struct Recorder: PageTableVisitor {
      var calls: [String] = []
      mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
        calls.append("ptes \(entries.count)")
        return .continue
      }
      mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
        calls.append("leaf \(level) \(formatSize(end - start))")
        return .continue
      }
      mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl {
        calls.append("hole \(level) \(formatSize(end - start))")
        return .continue
      }
    }
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(6))
    try a.touch(buf, .mib(2), write: true)  // one PMD leaf
    try a.madvise(buf + .mib(2), .mib(2), .nohugepage)
    try a.touch(buf + .mib(2), 8192, write: true)  // one PTE table
    var recorder = Recorder()
    a.pageTable.walk(buf, buf + .mib(6), &recorder)
    #expect(recorder.calls == ["leaf PMD 2M", "ptes 512", "hole PMD 2M"])
  }
}
