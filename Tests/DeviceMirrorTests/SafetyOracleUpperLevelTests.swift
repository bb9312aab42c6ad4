import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The region tracker the safety oracle keeps of the CPU table also compares the PUD and PGD
/// tables with copies (PageTable.forEachChangedRegion): a changed entry there gives its whole
/// span (1 GiB, 512 GiB) instead of a check of every device mapping. A change at those levels
/// behind the device's back must still be found; a legal one (a new table elsewhere) must not be
/// reported.
@Suite struct SafetyOracleUpperLevelTests {
  private func fixture() throws -> (DeviceFixture, VirtualAddress) { try DeviceFixture.pteMapped(.mib(4)) }

  @Test func aPUDEntryClearedBehindTheDevicesBackIsFound() throws {
    let (f, buf) = try fixture()
    let pud = try #require(f.space.pageTable.slot(for: buf, level: .pud, allocate: false))
    f.space.pageTable.setEntry(.none, at: pud)
    let violations = f.oracle.check()
    #expect(violations.first?.address == buf && violations.first?.cpuState == "no mapping", "\(violations)")
  }

  @Test func aNewTableFarAwayLeavesTheCheckCleanAndABreakIsFoundAfter() throws {
    let (f, buf) = try fixture()
    // 1 GiB aligned, far from the buffer: new PUD and PMD tables (or at least a new PMD table).
    let far = try f.space.mmap(.init(length: .gib(1), protection: .readWrite, alignment: .gib(1)))
    try f.space.touch(far, .kib(8), write: true)
    #expect(f.oracle.check().isEmpty)
    try f.space.munmap(far, .gib(1))
    #expect(f.oracle.check().isEmpty)
    let slot = try #require(f.space.pageTable.slot(for: buf + 0x5000, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == buf + 0x5000, "\(violations)")
  }

  @Test func theTrackerGivesTheSpanOfAChangedPUDEntry() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .gib(1)))
    try space.touch(buf, .kib(4), write: true)
    var tracker = PageTable.RegionTracker()
    space.pageTable.record(&tracker)
    let pud = try #require(space.pageTable.slot(for: buf, level: .pud, allocate: false))
    space.pageTable.setEntry(.none, at: pud)
    var regions: [(UInt64, UInt64)] = []
    #expect(space.pageTable.forEachChangedRegion(&tracker) { regions.append(($0.rawValue, $1)) })
    #expect(regions.contains { $0.0 == buf.alignedDown(to: .gib(1)).rawValue && $0.1 == .gib(1) }, "\(regions)")
    // Brought up to date: nothing more to tell.
    regions.removeAll()
    #expect(space.pageTable.forEachChangedRegion(&tracker) { regions.append(($0.rawValue, $1)) })
    #expect(regions.isEmpty)
  }

  @Test func aBreakInAnotherChunkOfAChangedTableIsFound() throws {
    let (f, buf) = try fixture()
    // A legal change in the region first, then, in one step, another legal change and a break
    // far from it in the same PTE table.
    try f.space.madvise(buf + 0x1000, .kib(4), .dontneed)
    #expect(f.oracle.check().isEmpty)
    try f.space.madvise(buf + 0x2000, .kib(4), .dontneed)
    let address = buf + 0x1F0000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "no mapping", "\(violations)")
  }
}
