import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The device page table's change record and the safety oracle's use of it: after a clean check,
/// a device whose table changed is checked again only in the blocks that changed (and where the
/// CPU table changed). Each test changes the device table where only a right record makes the
/// oracle look, and compares with a fresh oracle, whose first check visits every mapping.
@Suite struct SafetyOracleChangeRecordTests {
  private func fixture() throws -> (DeviceFixture, VirtualAddress) {
    let (f, buf) = try DeviceFixture.pteMapped(.mib(6))
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }

  /// What an oracle that never saw the device reports: every mapping checked.
  private func fullCheck(_ f: DeviceFixture) -> [SafetyOracle.Violation] {
    let fresh = SafetyOracle()
    fresh.watch(f.device)
    return fresh.check()
  }

  @Test func aWrongDeviceMappingWhileTheCPUTableStaysIsFound() throws {
    let (f, buf) = try fixture()
    let cpuGeneration = f.space.pageTable.changeGeneration
    let address = buf + .mib(3) + 0x5000
    let old = try #require(f.device.pageTable.lookup(address))
    f.device.pageTable.map(DeviceMapping(start: address, size: .size4K, pfn: old.pfn(for: address) + 1, isWritable: false))
    #expect(f.space.pageTable.changeGeneration == cpuGeneration, "only the device table changed")
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "pfn=\(old.pfn(for: address)) via PTE", "\(violations)")
    #expect(violations == fullCheck(f))
  }

  @Test func aWrongRunMappedInOnePassIsFound() throws {
    let (f, buf) = try fixture()
    // The batched path (a run of 4K mappings into one block), in the last block, after a clean
    // check that moved nothing.
    let first = buf + .mib(5) + 0x10000
    let old = try #require(f.device.pageTable.lookup(first))
    let run = (0..<4).map { i in
      DeviceMapping(start: first + UInt64(i) << 12, size: .size4K, pfn: old.pfn(for: first) + UInt64(i) + (i == 2 ? 7 : 0), isWritable: false)
    }
    run.withUnsafeBufferPointer { f.device.pageTable.map($0) }
    let violations = f.oracle.check()
    #expect(violations.map(\.address) == [first + 0x2000], "\(violations)")
    #expect(violations == fullCheck(f))
  }

  @Test func aWritableDeviceMappingOverAReadOnlyCPUPageIsFound() throws {
    let (f, buf) = try fixture()
    // The CPU page goes read-only (both tables change in the same block), the device keeps it
    // writable: the oracle must look there.
    let address = buf + .mib(1) + 0x3000
    let slot = try #require(f.space.pageTable.slot(for: address, level: .pte, allocate: false))
    let entry = f.space.pageTable.entries[slot]
    f.space.pageTable.setEntry(.present(entry.pfn, writable: false), at: slot)
    let old = try #require(f.device.pageTable.lookup(address))
    f.device.pageTable.map(DeviceMapping(start: address, size: .size4K, pfn: old.pfn(for: address), isWritable: true))
    let violations = f.oracle.check()
    #expect(violations.count == 1 && violations.first?.address == address, "\(violations)")
    #expect(violations == fullCheck(f))
  }

  @Test func theDeviceChangesInOneBlockAndTheCPUInAnother() throws {
    let (f, buf) = try fixture()
    // The device remaps a page of block 0 right (its table changes there only); the CPU breaks a
    // PTE under an old device mapping in block 2.
    let remapped = buf + 0x4000
    let old = try #require(f.device.pageTable.lookup(remapped))
    f.device.pageTable.unmap(remapped, remapped + 0x1000)
    f.device.pageTable.map(DeviceMapping(start: remapped, size: .size4K, pfn: old.pfn(for: remapped), isWritable: false))
    let broken = buf + .mib(4) + 0x9000
    let slot = try #require(f.space.pageTable.slot(for: broken, level: .pte, allocate: false))
    f.space.pageTable.setEntry(.none, at: slot)
    let violations = f.oracle.check()
    #expect(violations.map(\.address) == [broken] && violations.first?.cpuState == "no mapping", "\(violations)")
    #expect(violations == fullCheck(f))
  }

  @Test func theDeviceBreaksInOneBlockWhileTheCPUChangesAnother() throws {
    // The device maps a wrong frame in block 2 while the CPU rewrites a PTE of block 0 (the same
    // entry: no violation there): the oracle looks in both blocks and finds the one.
    let (f, buf) = try fixture()
    let wrong = buf + .mib(2) + 0x1000
    let right = try #require(f.device.pageTable.lookup(wrong))
    f.device.pageTable.map(DeviceMapping(start: wrong, size: .size4K, pfn: right.pfn(for: wrong) + 3, isWritable: false))
    let rewritten = buf + 0x8000
    let slot = try #require(f.space.pageTable.slot(for: rewritten, level: .pte, allocate: false))
    let cpuGeneration = f.space.pageTable.changeGeneration
    f.space.pageTable.setEntry(f.space.pageTable.entries[slot], at: slot)
    #expect(f.space.pageTable.changeGeneration != cpuGeneration, "the CPU table changed too")
    let violations = f.oracle.check()
    #expect(violations.map(\.address) == [wrong], "\(violations)")
    #expect(violations == fullCheck(f))
    // Both broken, in two blocks: both found, in address order.
    let (g, gbuf) = try fixture()
    let gwrong = gbuf + .mib(2) + 0x1000
    let gright = try #require(g.device.pageTable.lookup(gwrong))
    g.device.pageTable.map(DeviceMapping(start: gwrong, size: .size4K, pfn: gright.pfn(for: gwrong) + 3, isWritable: false))
    let broken = gbuf + 0x8000
    let gslot = try #require(g.space.pageTable.slot(for: broken, level: .pte, allocate: false))
    g.space.pageTable.setEntry(.none, at: gslot)
    let both = g.oracle.check()
    #expect(both.map(\.address) == [broken, gwrong], "\(both)")
    #expect(both == fullCheck(g))
  }

  @Test func theRecordNamesWhatWasMappedOrGivesUp() {
    let table = DevicePageTable()
    let block: UInt64 = 1 << 21
    table.map(DeviceMapping(start: VirtualAddress(block), size: .size4K, pfn: PFN(1), isWritable: false))
    table.map(DeviceMapping(start: VirtualAddress(block + 0x1000), size: .size4K, pfn: PFN(2), isWritable: false))
    table.map(DeviceMapping(start: VirtualAddress(3 * block), size: .size2M, pfn: PFN(512), isWritable: false))
    var ranges: [(UInt64, UInt64)] = []
    #expect(table.forEachChangedRange(since: 0) { ranges.append(($0.rawValue, $1.rawValue)) })
    #expect(ranges.map(\.0) == [block, 3 * block] && ranges.map(\.1) == [block + 0x2000, 4 * block], "\(ranges)")
    #expect(!table.forEachChangedRange(since: 1) { _, _ in }, "a record from another generation tells nothing")
    // Removals name nothing (what is gone cannot break invariant 1) but keep the record good.
    table.restartChangeRecord()
    let since = table.generation
    table.unmap(VirtualAddress(3 * block + 0x1000), VirtualAddress(3 * block + 0x2000))
    table.clear()
    #expect(table.generation != since)
    ranges.removeAll()
    #expect(table.forEachChangedRange(since: since) { ranges.append(($0.rawValue, $1.rawValue)) })
    #expect(ranges.isEmpty, "\(ranges)")
    // A 1 GiB mapping is one range; more scattered mappings than the record keeps: it gives up.
    table.map(DeviceMapping(start: VirtualAddress(1 << 30), size: .size1G, pfn: PFN(1 << 18), isWritable: false))
    #expect(table.forEachChangedRange(since: since) { ranges.append(($0.rawValue, $1.rawValue)) })
    #expect(ranges.map(\.0) == [1 << 30] && ranges.map(\.1) == [2 << 30], "\(ranges)")
    for i in 0..<UInt64(DevicePageTable.ChangeRecord.limit) {
      table.map(DeviceMapping(start: VirtualAddress((1 << 30) * 4 + 2 * i * block), size: .size4K, pfn: PFN(1), isWritable: false))
    }
    #expect(!table.forEachChangedRange(since: since) { _, _ in })
    table.restartChangeRecord()
    #expect(table.forEachChangedRange(since: table.generation) { _, _ in })
  }

  @Test func aWrongGiganticMappingIsFound() throws {
    let (f, buf) = try fixture()
    // A 1 GiB device mapping over CPU pages that map other frames, the CPU table unchanged.
    let start = VirtualAddress((buf.rawValue >> 30) << 30)
    f.device.pageTable.map(DeviceMapping(start: start, size: .size1G, pfn: PFN(1 << 18), isWritable: false))
    let violations = f.oracle.check()
    #expect(violations.count == 1, "\(violations)")
    #expect(violations == fullCheck(f))
  }
}
