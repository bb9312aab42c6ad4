import MemoryModel
import Testing
@testable import DeviceMirror

/// The device page table's lookup through the last small block's slots (no enum copy) finds
/// what a search of every mapping finds, through maps of every size (a 2 MiB mapping replacing
/// a small block, 4 KiB/64 KiB mappings replacing a 2 MiB one, 1 GiB mappings over blocks),
/// unmaps that empty a block, and clear().
@Suite struct DevicePageTableLookupCacheTests {
  struct Random {
    var state: UInt64
    mutating func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
  }

  /// The mapping that covers `address`, by searching the list of all mappings.
  static func search(_ table: DevicePageTable, _ address: VirtualAddress) -> DeviceMapping? {
    guard let mapping = table.mappings.first(where: { $0.contains(address) }) else { return nil }
    return mapping
  }

  @Test(arguments: [1, 2, 3])
  func lookupMatchesSearch(seed: UInt64) {
    var random = Random(state: seed)
    let base: UInt64 = 0x7f00_0000_0000
    let table = DevicePageTable()
    var probes = 0
    for step in 0..<400 {
      let block = random.next(4)
      let choice = random.next(20)
      if choice < 2 {
        let start = base + random.next(4) << 21 + random.next(512) << 12
        table.unmap(VirtualAddress(start), VirtualAddress(start + random.next(1 << 21) + 4096))
      } else if choice == 2 && step % 50 == 49 {
        table.clear()
      } else {
        let size: DevicePageSize = choice == 3 ? .size1G : choice < 6 ? .size2M : choice < 9 ? .size64K : .size4K
        let start = (base + block << 21 + random.next(512) << 12) & ~(size.bytes - 1)
        table.map(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(0x400000 + random.next(1 << 10) << 18),
                                isWritable: random.next(2) == 0))
      }
      // Probe the same block several times in a row (the cached path) and other blocks between.
      for _ in 0..<6 {
        let address = VirtualAddress(base + random.next(4) << 21 + random.next(512) << 12 + random.next(4096))
        for _ in 0..<2 {
          #expect(table.lookup(address) == Self.search(table, address), "step \(step) address \(address)")
          probes += 1
        }
      }
    }
    #expect(probes == 400 * 12)
  }

  /// A block emptied by unmaps is kept and reused for the next block the table needs: the reused
  /// block holds nothing of what it held, in its own place or the new one.
  @Test func aReusedBlockStartsEmpty() {
    let table = DevicePageTable()
    let base: UInt64 = 0x7f00_0000_0000
    for round in 0..<12 {
      let old = base + UInt64(round % 3) << 21
      table.map(DeviceMapping(start: VirtualAddress(old), size: .size64K, pfn: PFN(0x10000), isWritable: true))
      table.map(DeviceMapping(start: VirtualAddress(old + 0x20_0000 - 4096), size: .size4K, pfn: PFN(0x777), isWritable: false))
      table.unmap(VirtualAddress(old), VirtualAddress(old + (2 << 20)))
      #expect(table.mappingCount == 0, "round \(round)")
      let new = base + UInt64(10 + round) << 21
      let mapping = DeviceMapping(start: VirtualAddress(new + 4096 * UInt64(round)), size: .size4K, pfn: PFN(0x5000 + UInt64(round)), isWritable: true)
      table.map(mapping)
      #expect(table.mappings == [mapping], "round \(round)")
      #expect(table.lookup(VirtualAddress(new + 0x20_0000 - 4096)) == nil && table.lookup(VirtualAddress(new)) == (round == 0 ? mapping : nil), "round \(round)")
      #expect(table.lookup(VirtualAddress(old)) == nil, "round \(round)")
      table.unmap(mapping.start, mapping.end)
    }
  }
}

