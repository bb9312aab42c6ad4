import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The safety oracle checks the device mappings of a changed region in runs (mappings that
/// continue one another in address, frame and permission, SafetyOracle.checkChangedRegions):
/// a CPU entry that breaks invariant 1 at a run's first or last page, in its middle, or at a
/// 2 MiB boundary inside it must be found, as the check of every mapping finds it.
@Suite struct SafetyOracleRunTests {
  /// 4 MiB of 4K pages, mirrored by the device (writable when `write`), checked clean.
  private func fixture(write: Bool) throws -> (DeviceFixture, VirtualAddress) {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try f.space.madvise(buf, .mib(4), .nohugepage)
    try f.space.touch(buf, .mib(4), write: true)
    try f.device.touch(buf, .mib(4), write: write)
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }

  @Test(arguments: [UInt64(0), 0x1000, 0x7F000, 0x1FF000, 0x200000, 0x3FF000])
  func aPTENamingTheNextFrameIsFoundAnywhereInARun(offset: UInt64) throws {
    let (f, buf) = try fixture(write: false)
    let address = buf + offset
    let pfn = try #require(f.space.translate(address)?.pfn)
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.present(pfn + 1, writable: true), at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "pfn=\(pfn + 1) via PTE", "\(violations)")
  }

  @Test(arguments: [UInt64(0), 0x5000, 0x1FF000, 0x3FF000])
  func aReadOnlyPTEUnderAWritableRunIsFound(offset: UInt64) throws {
    let (f, buf) = try fixture(write: true)
    try f.expectReadOnlyPTEBehindTheDevicesBackIsFound(at: buf + offset)
  }

  @Test func aLegalChangeUnderARunLeavesTheCheckClean() throws {
    let (f, buf) = try fixture(write: false)
    // A CPU write fault elsewhere in the region changes its PTE table; the run still holds.
    let other = try f.space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try f.space.touch(other, .kib(8), write: true)
    try f.space.touch(buf + 0x3000, .kib(4), write: false)
    #expect(f.oracle.check().isEmpty)
  }
}
