import Testing
@testable import DeviceMirror
@testable import HMM
@testable import MemoryModel

/// The safety oracle reads the CPU's PTEs of a device mapping in a row (one lookup per PTE
/// table); these break one PTE in the middle of a 2M device mapping behind the notifiers' back
/// and expect the oracle to name that page and what the CPU has there.
@Suite struct SafetyOracleLookupTests {
  /// A 2M device mapping (folio-order maps the whole THP) over CPU PTEs (a partial mprotect,
  /// undone, split the PMD).
  private func fixture() throws -> (DeviceFixture, VirtualAddress) {
    let f = try DeviceFixture(policy: FolioOrderPolicy())
    let buf = try f.thp(.mib(2))
    try f.space.mprotect(buf + .mib(1), 4096, .read)
    try f.space.mprotect(buf + .mib(1), 4096, .readWrite)
    #expect(f.space.translate(buf)?.level == .pte)
    try f.device.access(buf, write: false)
    #expect(f.device.pageTable.counts[.size2M] == 1)
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }

  @Test func aPTEPointingElsewhereIsNamed() throws {
    let (f, buf) = try fixture()
    let address = buf + 0x1F_3000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    let other = PFN(7)
    f.space.pageTable.setEntry(.present(other, writable: true), at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address)
    #expect(violations.first?.cpuState == "pfn=\(other) via PTE", "\(violations)")
  }

  @Test func aClearedPTEIsNamed() throws {
    let (f, buf) = try fixture()
    let address = buf + 0x8_0000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address)
    #expect(violations.first?.cpuState == "no mapping", "\(violations)")
  }

  @Test func aWritableDeviceMappingOverAReadOnlyPTEIsNamed() throws {
    let f = try DeviceFixture(policy: FolioOrderPolicy())
    let buf = try f.thp(.mib(2))
    try f.space.mprotect(buf + .mib(1), 4096, .read)
    try f.device.access(buf, write: true)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == buf + .mib(1))
    let pfn = try #require(f.space.translate(buf + .mib(1))?.pfn)
    #expect(violations.first?.cpuState == "read-only PTE mapping of pfn=\(pfn)", "\(violations)")
  }
}

/// After a clean check and a CPU change the device does not see, the oracle checks again (the
/// tables' generations moved on); these break a PTE behind the notifiers' back, in the region
/// that changed and in another.
@Suite struct SafetyOracleRegionTests {
  private func fixture() throws -> (DeviceFixture, VirtualAddress) {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try f.space.madvise(buf, .mib(4), .nohugepage)
    try f.space.touch(buf, .kib(64), write: true)
    try f.space.touch(buf + .mib(2), .kib(64), write: true)
    try f.device.touch(buf, .kib(64), write: false)
    try f.device.touch(buf + .mib(2), .kib(64), write: false)
    #expect(f.oracle.check().isEmpty)
    // A CPU change the device does not see (and no invalidation): a PTE of the first region
    // written again with the value it has (its table's generation moves on).
    let generation = f.device.pageTable.generation
    try rewritePTE(f, buf + .mib(1))
    #expect(f.device.pageTable.generation == generation, "no invalidation reached the device")
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }

  private func rewritePTE(_ f: DeviceFixture, _ address: VirtualAddress) throws {
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(f.space.pageTable.entry(at: slot), at: slot)
  }

  @Test func aBrokenPTEInAnUnchangedRegionIsFound() throws {
    let (f, buf) = try fixture()
    let address = buf + .mib(2) + 0x3000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.present(PFN(9), writable: true), at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "pfn=\(PFN(9)) via PTE", "\(violations)")
  }

  @Test func aBrokenPTEInTheChangedRegionIsFound() throws {
    let (f, buf) = try fixture()
    try rewritePTE(f, buf + .mib(1) + 0x1000)
    #expect(f.oracle.check().isEmpty)
    let address = buf + 0x5000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "no mapping", "\(violations)")
    // Reported again while it lasts (the record was dropped), gone once repaired.
    #expect(f.oracle.check().count == 1)
  }
}
