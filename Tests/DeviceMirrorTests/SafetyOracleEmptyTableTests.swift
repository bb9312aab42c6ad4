import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The safety oracle takes a device whose table maps nothing as clean without checking a mapping
/// (SafetyOracle.checkBuiltIn), keeping the region tracker of an earlier clean check (or recording
/// one at the first): a mapping made afterwards, and a CPU change made while the table was
/// empty, must still be checked as a check of every mapping checks them.
@Suite struct SafetyOracleEmptyTableTests {
  @Test func aBreakUnderAMappingMadeAfterTheTableWasEmptyIsFound() throws {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try f.space.madvise(buf, .mib(4), .nohugepage)
    try f.space.touch(buf, .mib(4), write: true)
    try f.device.touch(buf, .mib(4), write: false)
    #expect(f.oracle.check().isEmpty)  // a full check: the tracker is recorded
    // Every device mapping goes (an invalidation of the whole buffer); CPU changes follow while
    // the table is empty, each step checked.
    try f.space.madvise(buf, .mib(4), .dontneed)
    #expect(f.device.pageTable.mappingCount == 0)
    #expect(f.oracle.check().isEmpty)
    try f.space.touch(buf, .mib(4), write: true)
    #expect(f.oracle.check().isEmpty)
    // The device maps again; then the CPU table is broken under one of its pages behind its back.
    try f.device.touch(buf + .mib(2), .kib(64), write: false)
    #expect(f.oracle.check().isEmpty)
    let address = buf + .mib(2) + 0x3000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "no mapping", "\(violations)")
  }

  @Test func aBreakMadeWhileTheTableWasEmptyIsFoundUnderTheNextMapping() throws {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try f.space.madvise(buf, .mib(2), .nohugepage)
    try f.space.touch(buf, .mib(2), write: true)
    #expect(f.oracle.check().isEmpty)  // nothing mapped yet
    // A read-only PTE where the device is about to map writable pages (a break the device's
    // walk does not see: it is made after the walk, as a bug would).
    try f.device.touch(buf, .kib(16), write: true)
    try f.expectReadOnlyPTEBehindTheDevicesBackIsFound(at: buf + 0x2000)
  }
}
