import MemoryModel
import Testing
@testable import DeviceMirror

/// `DevicePageTable.mapIntoCachedEmptySlot` leaves the table exactly as `map` does (mappings,
/// counts, generation, change record, bounds), and declines, changing nothing, where it cannot.
@Suite struct CachedSlotMapTests {
  @Test(arguments: [false, true])
  func mappingIntoTheCachedSlotMatchesMap(gigantic: Bool) {
    var random = BufferedCommitTests.Random(state: gigantic ? 31 : 32)
    let plain = DevicePageTable()
    let fast = DevicePageTable()
    let base: UInt64 = 0x7f00_0000_0000
    var taken = 0
    var declined = 0
    for round in 0..<1500 {
      let size: DevicePageSize = gigantic && round > 1200 && random.next(60) == 0 ? .size1G
        : [.size4K, .size4K, .size4K, .size4K, .size64K, .size2M][Int(random.next(6))]
      let start = size == .size1G
        ? base + random.next(2) << 30
        : base + random.next(8) << 21 + (size == .size2M ? 0 : (random.next(512) << 12) & ~(size.bytes - 1))
      let mapping = DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(0x100000 + random.next(1 << 16) << 9),
                                  isWritable: random.next(2) == 0)
      // Lookups move the one-block cache (as the access before a fault does), the same on both.
      let probe = VirtualAddress(random.next(3) == 0 ? base + random.next(8 << 21) : start)
      #expect(plain.lookup(probe) == fast.lookup(probe))
      plain.map(mapping)
      if fast.mapIntoCachedEmptySlot(mapping) {
        taken += 1
      } else {
        declined += 1
        fast.map(mapping)
      }
      if random.next(8) == 0 {
        let low = VirtualAddress(base + random.next(8 << 21))
        let high = low + 1 + random.next(1 << 20)
        #expect(plain.unmap(low, high) == fast.unmap(low, high))
      }
      if random.next(200) == 0 {
        plain.restartChangeRecord()
        fast.restartChangeRecord()
      }
      #expect(plain.mappings == fast.mappings, "round \(round)")
      #expect(plain.counts == fast.counts && plain.generation == fast.generation, "round \(round)")
      #expect(plain.mappedBounds == fast.mappedBounds, "round \(round)")
      #expect(plain.changeRecord.complete == fast.changeRecord.complete && plain.changeRecord.since == fast.changeRecord.since)
      #expect(plain.changeRecord.ranges.map { [$0.first, $0.last] } == fast.changeRecord.ranges.map { [$0.first, $0.last] })
    }
    #expect(taken > 200 && declined > 200, "both ways are taken")
  }
}
