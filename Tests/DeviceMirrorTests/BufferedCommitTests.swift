import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// The device's buffered commit gives the mappings each built-in policy returns, and the
/// page table's visit without key lists finds what filtering every mapping finds.
@Suite struct BufferedCommitTests {
  struct Random {
    var state: UInt64
    mutating func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
  }

  /// Outputs with PMD-order entries, PTE runs, holes, errors, read-only stretches and PFN breaks.
  func outputs(_ random: inout Random, count: Int) -> [HMMPFN] {
    var pfns: [HMMPFN] = []
    var pfn: UInt64 = random.next(2) == 0 ? 0x40000 : 0x1000 + random.next(1000)
    while pfns.count < count {
      let n = min(count - pfns.count, 1 + Int(random.next(random.next(3) == 0 ? 600 : 40)))
      let kind = random.next(6)
      for _ in 0..<n {
        switch kind {
        case 0: pfns.append(.none)
        case 1: pfns.append(.error)
        case 2: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue | HMMPFN.write.rawValue | 9 << HMMPFN.orderShift))
        case 3: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue))
        default: pfns.append(HMMPFN(rawValue: pfn | HMMPFN.valid.rawValue | HMMPFN.write.rawValue))
        }
        pfn += 1
      }
      if random.next(3) == 0 { pfn += random.next(3000) }
    }
    return pfns
  }

  @Test func builtInPoliciesAppendWhatTheyReturn() {
    let memory = MemorySystem(memoryBytes: .mib(64)).memory
    var random = Random(state: 7)
    let policies: [any MappingPolicy] = [BasePolicy(), MapOrderPolicy(), ScanPolicy(), PTEBatchPolicy()]
    let ladders: [DevicePageSizes] = [.base, .nvidia, .xe, .amd, DevicePageSizes([.size4K, .size64K])]
    for round in 0..<16 {
      let pfns = outputs(&random, count: round < 8 ? 512 : 1 + Int(random.next(1100)))
      let start = VirtualAddress(0x7f00_0000_0000 + (round % 2 == 0 ? 0 : UInt64(round) << 12))
      for policy in policies {
        guard let builtIn = BuiltInPolicy(policy) else {
          Issue.record("\(policy.name) is built in")
          continue
        }
        for sizes in ladders {
          var buffer = [DeviceMapping(start: VirtualAddress(0), size: .size4K, pfn: PFN(1), isWritable: true)]
          buffer.removeAll(keepingCapacity: true)
          builtIn.appendMappings(for: pfns, start: start, sizes: sizes, into: &buffer)
          #expect(buffer == policy.mappings(for: pfns, start: start, sizes: sizes, memory: memory), "\(policy.name) \(sizes) round \(round)")
        }
      }
    }
    #expect(BuiltInPolicy(FolioOrderPolicy()) == nil)
    #expect(BuiltInPolicy(DriverPreset.gpusvm.makePolicy()) == nil)
  }

  /// Tables of 4K, 64K, 2M (and 1G) mappings; ranges inside one block, across blocks, past
  /// every block, and unaligned.
  @Test(arguments: [false, true])
  func forEachMappingMatchesFilter(gigantic: Bool) {
    var random = Random(state: gigantic ? 11 : 5)
    let table = DevicePageTable()
    let base: UInt64 = 0x7f00_0000_0000
    for _ in 0..<300 {
      let size: DevicePageSize = [.size4K, .size4K, .size64K, .size2M][Int(random.next(4))]
      let block = random.next(24)
      let start = base + block << 21 + (size == .size2M ? 0 : (random.next(512) << 12) & ~(size.bytes - 1))
      table.map(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(0x100000 + random.next(1 << 16) << 9), isWritable: random.next(2) == 0))
    }
    if gigantic { table.map(DeviceMapping(start: VirtualAddress(base + (1 << 30)), size: .size1G, pfn: PFN(1 << 18), isWritable: true)) }
    let all = table.mappings
    for round in 0..<300 {
      let start = base + random.next(30 << 21) + (round % 3 == 0 ? random.next(4096) : 0)
      let length = round % 10 == 0 ? 1 << 32 : 1 + random.next(round % 2 == 0 ? 8192 : 6 << 21)
      var visited: [DeviceMapping] = []
      table.forEachMapping(overlapping: VirtualAddress(start), VirtualAddress(start + length)) { visited.append($0) }
      let expected = all.filter { $0.start.rawValue < start + length && start < $0.end.rawValue }
      #expect(visited == expected, "round \(round)")
    }
    var every: [DeviceMapping] = []
    table.forEachMapping { every.append($0) }
    #expect(every == all)
  }

  /// Mapping a list at once (runs of 4K mappings through their block) leaves the table as
  /// mapping it one by one: 4K over 64K and 2M mappings, 64K over 4K, blocks that change kind,
  /// with and without a 1G mapping.
  @Test(arguments: [false, true])
  func mappingAListMatchesMappingOneByOne(gigantic: Bool) {
    var random = Random(state: gigantic ? 3 : 4)
    let base: UInt64 = 0x7f00_0000_0000
    let batched = DevicePageTable()
    let single = DevicePageTable()
    if gigantic {
      for table in [batched, single] { table.map(DeviceMapping(start: VirtualAddress(base + (1 << 30)), size: .size1G, pfn: PFN(1 << 18), isWritable: true)) }
    }
    for _ in 0..<60 {
      var list: [DeviceMapping] = []
      var address = base + random.next(6) << 21 + random.next(512) << 12
      for _ in 0..<(1 + Int(random.next(700))) {
        let size: DevicePageSize = random.next(10) == 0 ? [.size64K, .size2M][Int(random.next(2))] : .size4K
        address = (address + size.bytes - 1) & ~(size.bytes - 1)
        list.append(DeviceMapping(start: VirtualAddress(address), size: size, pfn: PFN(0x200000 + random.next(1 << 12) << 9), isWritable: random.next(2) == 0))
        address += random.next(8) == 0 ? size.bytes * (1 + random.next(600)) : size.bytes
        if random.next(20) == 0 { address = base + random.next(6) << 21 }
      }
      // A fresh change record each round (so that it stays under its limit and says something),
      // or the one left from before.
      if random.next(4) != 0 {
        batched.restartChangeRecord()
        single.restartChangeRecord()
      }
      list.withUnsafeBufferPointer { batched.map($0) }
      for mapping in list { single.map(mapping) }
      #expect(batched.mappings == single.mappings)
      #expect(batched.counts == single.counts && batched.generation == single.generation)
      #expect(batched.changeRecord.complete == single.changeRecord.complete)
      #expect(batched.changeRecord.ranges.map { [$0.first, $0.last] } == single.changeRecord.ranges.map { [$0.first, $0.last] })
      let start = base + random.next(6) << 21
      let end = start + random.next(3 << 21) + 4096
      batched.unmap(VirtualAddress(start), VirtualAddress(end))
      single.unmap(VirtualAddress(start), VirtualAddress(end))
    }
  }

  /// The TLB's valid-entry counts (which let a shootdown skip an empty array) stay equal to the
  /// valid slots through fills, refills, evictions and shootdowns of every size.
  @Test func tlbValidCountsFollowTheSlots() {
    var random = Random(state: 21)
    var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 16, ways: 4), .size64K: .init(entries: 8, ways: 2),
                                   .size2M: .init(entries: 8, ways: 4), .size1G: .init(entries: 2, ways: 2)])
    let base: UInt64 = 0x7f00_0000_0000
    for round in 0..<400 {
      let size = DevicePageSize.allCases[Int(random.next(4))]
      let start = (base + random.next(1 << 28)) & ~(size.bytes - 1)
      tlb.fill(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(random.next(1 << 20) << 18), isWritable: true))
      if round % 3 == 0 {
        let from = base + random.next(1 << 28)
        tlb.invalidate(VirtualAddress(from), VirtualAddress(from + [UInt64(4096), 65536, 3 << 20, 1 << 27][Int(random.next(4))]))
      }
      for a in tlb.arrays.indices {
        #expect(tlb.validEntries[a] == tlb.arrays[a].slotRange.filter { tlb.slots[$0].tag != 0 }.count, "round \(round)")
      }
    }
    tlb.invalidate(VirtualAddress(0), VirtualAddress(UInt64.max))
    #expect(tlb.validEntries.allSatisfy { $0 == 0 } && tlb.entries.isEmpty)
  }
}
