import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The safety oracle's shortcuts: after a clean check, while the device table is unchanged, only
/// the device mappings in the 2 MiB regions the CPU table changed are checked again (changed PTE
/// tables, and PMD entries that differ from the copy the oracle keeps); after an invalidation the
/// TLB is probed in the sets the range falls in. Each test breaks what a shortcut skips over.
@Suite struct SafetyOracleShortcutTests {
  private func fixture() throws -> (DeviceFixture, VirtualAddress) { try DeviceFixture.pteMapped(.mib(4)) }

  @Test func aPMDEntryClearedBehindTheDevicesBackIsFound() throws {
    let (f, buf) = try fixture()
    let generation = f.device.pageTable.generation
    // The PMD entry of the second region no longer points at its PTE table (the PTE table itself
    // is unchanged).
    let pmd = try #require(f.space.pageTable.slot(for: buf + .mib(2), level: .pmd, allocate: false))
    f.space.pageTable.setEntry(.none, at: pmd)
    #expect(f.device.pageTable.generation == generation)
    let violations = f.oracle.check()
    #expect(violations.first?.address == buf + .mib(2) && violations.first?.cpuState == "no mapping", "\(violations)")
  }

  @Test func aChangeOutsideTheDeviceMappingsLeavesTheCheckClean() throws {
    let (f, buf) = try fixture()
    let other = try f.space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try f.space.touch(other, .kib(16), write: true)
    #expect(f.oracle.check().isEmpty)
    // And a break inside them is still found after that.
    let slot = try #require(f.space.pageTable.slot(for: buf + 0x7000, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    #expect(f.oracle.check().count == 1)
  }

  @Test func aBreakUnderAnOldMappingIsFoundWhenTheDeviceTableChangedToo() throws {
    let (f, buf) = try fixture()
    // The device maps more (its table changes), and the CPU breaks a PTE under an old mapping.
    let other = try f.space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try f.space.touch(other, .kib(16), write: true)
    try f.device.touch(other, .kib(16), write: false)
    #expect(f.oracle.check().isEmpty, "the old mappings are taken as checked, the new ones are checked")
    try f.device.touch(other + .kib(16), .kib(16), write: false)
    let address = buf + .mib(3) + 0x2000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.present(PFN(11), writable: true), at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "pfn=\(PFN(11)) via PTE", "\(violations)")
  }

  @Test func aTLBEntryLeftAfterAnInvalidationIsFound() throws {
    let (f, buf) = try fixture()
    try f.device.access(buf + 0x3000, write: false)
    #expect(f.device.tlb.hasEntry(overlapping: buf + 0x3000, buf + 0x4000))
    #expect(!f.device.tlb.hasEntry(overlapping: buf + .mib(64), buf + .mib(66)))
    // An invalidation the device never heard of: its TLB still caches the page.
    f.oracle.invalidateRangeEnd(InvalidationRange(start: buf + 0x3000, end: buf + 0x4000, event: .unmap), in: f.space)
    let violations = f.oracle.check()
    #expect(violations.contains { $0.invariant == 2 && $0.deviceMapping.hasPrefix("TLB entry") }, "\(violations)")
  }
}
