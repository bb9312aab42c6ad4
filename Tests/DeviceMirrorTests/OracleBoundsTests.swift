import MemoryModel
import Testing
@testable import DeviceMirror

/// The safety oracle's invalidation receiver answers a range outside a device's
/// `DeviceTLB.filledBounds` and `DevicePageTable.mappedBounds` without probing either: an entry
/// inside the bounds must still be found, one outside only when the bounds say so, and a device
/// left holding a page of an invalidated range must still be reported when only one of the two
/// bounds excludes the range.
@Suite struct OracleBoundsTests {
  @Test func hasEntryAgreesWithTheListOfEntriesInsideAndOutsideTheBounds() {
    var random = BufferedCommitTests.Random(state: 77)
    var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 16, ways: 4), .size64K: .init(entries: 8, ways: 2),
                                   .size2M: .init(entries: 4, ways: 2)])
    let base: UInt64 = 0x7f00_0000_0000
    var foundInside = 0
    var answeredOutside = 0
    for round in 0..<3000 {
      for _ in 0..<Int(random.next(3)) {
        let size: DevicePageSize = [.size4K, .size4K, .size64K, .size2M][Int(random.next(4))]
        let start = (base + random.next(16 << 21)) & ~(size.bytes - 1)
        tlb.fill(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(random.next(1 << 20) << 9), isWritable: true))
      }
      let start = base - (2 << 21) + random.next(20 << 21)
      let end = start + 1 + random.next(round % 2 == 0 ? 8192 : 2 << 21)
      let listed = tlb.entries.contains { $0.start.rawValue < end && start < $0.start.rawValue + $0.size.bytes }
      let answer = tlb.hasEntry(overlapping: VirtualAddress(start), VirtualAddress(end))
      #expect(answer == listed, "round \(round): [\(start), \(end)) bounds \(tlb.filledBounds)")
      if tlb.isOutsideFilledBounds(VirtualAddress(start), VirtualAddress(end)) {
        answeredOutside += 1
        #expect(!listed, "round \(round): an entry outside the bounds")
      } else if answer {
        foundInside += 1
      }
      if round % 7 == 0 { tlb.invalidate(VirtualAddress(start), VirtualAddress(end)) }
      if round % 97 == 0 { tlb.invalidate(VirtualAddress(0), VirtualAddress(.max)) }
    }
    #expect(foundInside > 100 && answeredOutside > 100, "\(foundInside) \(answeredOutside)")
  }

  @Test func anEntryAtTheEdgeOfTheBoundsIsFoundAndOnePastItIsNot() {
    var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 16, ways: 4), .size2M: .init(entries: 4, ways: 2)])
    let page: UInt64 = 0x7f00_0020_3000
    tlb.fill(DeviceMapping(start: VirtualAddress(page), size: .size4K, pfn: PFN(5), isWritable: false))
    #expect(tlb.filledBounds.low == page && tlb.filledBounds.high == page + 4096)
    #expect(tlb.hasEntry(overlapping: VirtualAddress(page + 4095), VirtualAddress(page + 4096)))
    #expect(tlb.hasEntry(overlapping: VirtualAddress(page - 4096), VirtualAddress(page + 1)))
    #expect(!tlb.hasEntry(overlapping: VirtualAddress(page + 4096), VirtualAddress(page + 8192)))
    #expect(!tlb.hasEntry(overlapping: VirtualAddress(page - 4096), VirtualAddress(page)))
  }

  private func fixture() throws -> (DeviceFixture, VirtualAddress) {
    let (f, buf) = try DeviceFixture.pteMapped(.mib(4))
    try f.device.access(buf + 0x3000, write: false)
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }

  @Test func aTableMappingLeftIsReportedWhenTheTLBIsEmpty() throws {
    let (f, buf) = try fixture()
    f.device.tlb.invalidate(VirtualAddress(0), VirtualAddress(.max))
    #expect(f.device.tlb.isOutsideFilledBounds(buf, buf + .mib(4)))
    // An invalidation the device never heard of: its table still maps the pages.
    f.oracle.invalidateRangeEnd(InvalidationRange(start: buf + 0x5000, end: buf + 0x6000, event: .unmap), in: f.space)
    let violations = f.oracle.check()
    #expect(violations.count == 1 && violations.first?.invariant == 2 && violations.first?.address == buf + 0x5000
            && violations.first?.deviceMapping.hasPrefix("TLB entry") == false, "\(violations)")
  }

  @Test func aTLBEntryLeftIsReportedWhenTheTableIsEmpty() throws {
    let (f, buf) = try fixture()
    f.device.pageTable.clear()
    #expect(f.device.pageTable.isOutsideMappedBounds(buf, buf + .mib(4)))
    #expect(f.device.tlb.hasEntry(overlapping: buf + 0x3000, buf + 0x4000))
    f.oracle.invalidateRangeEnd(InvalidationRange(start: buf + 0x3000, end: buf + 0x4000, event: .unmap), in: f.space)
    let violations = f.oracle.check()
    #expect(violations.contains { $0.invariant == 2 && $0.address == buf + 0x3000 && $0.deviceMapping.hasPrefix("TLB entry") },
            "\(violations)")
    // Outside both bounds: nothing to report.
    f.oracle.invalidateRangeEnd(InvalidationRange(start: buf + .mib(64), end: buf + .mib(66), event: .unmap), in: f.space)
    #expect(f.oracle.check().isEmpty)
  }
}
