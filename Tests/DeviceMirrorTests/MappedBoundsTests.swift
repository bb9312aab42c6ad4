import MemoryModel
import Testing
@testable import DeviceMirror

/// `DevicePageTable.mappedBounds` lets unmaps and visits of ranges outside every mapping return
/// at once: they must find exactly what the whole table filtered finds, with the generation
/// moving exactly when a mapping goes.
@Suite struct MappedBoundsTests {
  @Test(arguments: [false, true])
  func unmapAndVisitOutsideTheBoundsMatchTheFilteredTable(gigantic: Bool) {
    var random = BufferedCommitTests.Random(state: gigantic ? 21 : 22)
    let table = DevicePageTable()
    let base: UInt64 = 0x7f00_0000_0000
    var emptied = 0
    var skippedOutside = 0
    for round in 0..<2000 {
      if random.next(3) != 0 {
        let size: DevicePageSize = gigantic && random.next(40) == 0 ? .size1G : [.size4K, .size4K, .size64K, .size2M][Int(random.next(4))]
        let start = size == .size1G
          ? base + random.next(4) << 30
          : base + random.next(64) << 21 + (size == .size2M ? 0 : (random.next(512) << 12) & ~(size.bytes - 1))
        let mapping = DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(0x100000 + random.next(1 << 16) << 9),
                                    isWritable: random.next(2) == 0)
        if random.next(2) == 0 { table.map(mapping) } else { [mapping].withUnsafeBufferPointer { table.map($0) } }
      }
      let all = table.mappings
      for mapping in all {
        #expect(mapping.start.rawValue >= table.mappedBounds.low && mapping.end.rawValue <= table.mappedBounds.high,
                "round \(round): \(mapping) outside the bounds")
      }
      // Ranges anywhere: inside a block, across blocks, beyond every mapping, huge.
      let start = base - (4 << 21) + random.next(80 << 21) + (round % 3 == 0 ? random.next(4096) : 0)
      let length = round % 17 == 0 ? 1 << 33 : 1 + random.next(round % 2 == 0 ? 8192 : 6 << 21)
      let end = start + length
      let expected = all.filter { $0.start.rawValue < end && start < $0.end.rawValue }
      if table.isOutsideMappedBounds(VirtualAddress(start), VirtualAddress(end)) { skippedOutside += 1 }
      var visited: [DeviceMapping] = []
      table.forEachMapping(overlapping: VirtualAddress(start), VirtualAddress(end)) { visited.append($0) }
      #expect(visited == expected, "round \(round): visit")
      guard random.next(2) == 0 else { continue }
      let generation = table.generation
      let removed = table.unmap(VirtualAddress(start), VirtualAddress(end))
      #expect(removed.sorted { $0.start < $1.start } == expected, "round \(round): unmap")
      #expect(table.mappings == all.filter { !expected.contains($0) })
      #expect((table.generation != generation) == !expected.isEmpty)
      if table.mappingCount == 0 && !all.isEmpty {
        emptied += 1
        #expect(table.mappedBounds.low == .max && table.mappedBounds.high == 0, "an emptied table resets its bounds")
      }
    }
    #expect(emptied > 0 && skippedOutside > 20, "the rounds reach an empty table and ranges outside the bounds")
  }
}
