import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// A run of 4 KiB mappings committed straight into the slots leaves the table as mapping its
/// pages one by one; the TLB's one-pass miss-and-fill leaves what a probe, a counted miss and a
/// fill leave; the device's run-by-run commit makes what the policies return.
@Suite struct RunCommitTests {
  struct Random {
    var state: UInt64
    mutating func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
  }

  func expectSameTables(_ a: DevicePageTable, _ b: DevicePageTable, _ note: String) {
    #expect(a.mappings == b.mappings, "\(note)")
    #expect(a.counts == b.counts && a.generation == b.generation, "\(note)")
    #expect(a.mappedBounds == b.mappedBounds, "\(note)")
    #expect(a.changeRecord.complete == b.changeRecord.complete, "\(note)")
    #expect(a.changeRecord.ranges.map { [$0.first, $0.last] } == b.changeRecord.ranges.map { [$0.first, $0.last] }, "\(note)")
  }

  /// Runs over empty slots, 4K, 64K and 2M mappings, across blocks, after unmaps that empty the
  /// table, with and without a 1G mapping.
  @Test(arguments: [false, true])
  func map4KRunMatchesMappingOneByOne(gigantic: Bool) {
    var random = Random(state: gigantic ? 31 : 32)
    let base: UInt64 = 0x7f00_0000_0000
    let run = DevicePageTable()
    let single = DevicePageTable()
    if gigantic {
      for table in [run, single] { table.map(DeviceMapping(start: VirtualAddress(base + (1 << 30)), size: .size1G, pfn: PFN(1 << 18), isWritable: true)) }
    }
    for round in 0..<200 {
      // Something to map over.
      for _ in 0..<Int(random.next(6)) {
        let size: DevicePageSize = [.size4K, .size64K, .size2M][Int(random.next(3))]
        let start = (base + random.next(6 << 21)) & ~(size.bytes - 1)
        let mapping = DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(0x300000 + random.next(1 << 12) << 9), isWritable: random.next(2) == 0)
        run.map(mapping)
        single.map(mapping)
      }
      if random.next(4) != 0 {
        run.restartChangeRecord()
        single.restartChangeRecord()
      }
      let start = VirtualAddress((base + random.next(6 << 21)) & ~4095)
      let count = 1 + Int(random.next(random.next(3) == 0 ? 1200 : 40))
      let pfn = PFN(0x100000 + random.next(1 << 20))
      let writable = random.next(2) == 0
      run.map4KRun(start: start, pfn: pfn, count: count, writable: writable)
      for k in 0..<count {
        single.map(DeviceMapping(start: start + UInt64(k) << 12, size: .size4K, pfn: pfn + UInt64(k), isWritable: writable))
      }
      expectSameTables(run, single, "round \(round)")
      if random.next(3) == 0 {
        let from = base + random.next(6 << 21)
        let length = random.next(8) == 0 ? UInt64(1) << 40 : 4096 + random.next(3 << 21)
        run.unmap(VirtualAddress(from), VirtualAddress(from + length))
        single.unmap(VirtualAddress(from), VirtualAddress(from + length))
      }
    }
    #expect(run.count(of: .size4K) > 100, "the runs mapped pages")
  }

  /// Random 4K-only and three-array TLBs: at each address where the larger arrays miss, the
  /// one-pass call either reports the hit the probe finds (changing nothing) or leaves what
  /// `countMiss()` and `fill(_:)` leave.
  @Test func missAndFillSmallestMatchesProbeMissAndFill() {
    var random = Random(state: 41)
    let geometries: [[DevicePageSize: DeviceTLB.Geometry]] = [
      [.size4K: .init(entries: 16, ways: 4)],
      [.size4K: .init(entries: 64, ways: 4), .size64K: .init(entries: 8, ways: 2), .size2M: .init(entries: 4, ways: 4)],
      [.size4K: .init(entries: 8, ways: 8)],
    ]
    let base: UInt64 = 0x7f00_0000_0000
    var hits = 0
    var misses = 0
    var evictions = 0
    for geometry in geometries {
      var fused = DeviceTLB(geometry: geometry)
      var reference = fused
      #expect(fused.smallestIs4K)
      for round in 0..<3000 {
        let address = VirtualAddress(base + random.next(1 << 22) + (round % 5 == 0 ? random.next(4096) : 0))
        if random.next(10) == 0 {
          // A larger entry or a shootdown now and then, in both.
          let size = DevicePageSize.allCases[Int(random.next(3))]
          let mapping = DeviceMapping(start: address.alignedDown(to: size.bytes), size: size, pfn: PFN(random.next(1 << 20) << 9), isWritable: true)
          if random.next(2) == 0 {
            fused.fill(mapping)
            reference.fill(mapping)
          } else {
            fused.invalidate(mapping.start, mapping.end)
            reference.invalidate(mapping.start, mapping.end)
          }
        }
        let probed = reference.probe(address)
        guard reference.largerArraysMissed(probed) else { continue }
        let pfn = random.next(1 << 30)
        let writable = random.next(2) == 0
        let before = reference.statistics.evictions
        let filled = fused.missAndFillSmallest(address, pfn: pfn, writable: writable)
        if probed != nil {
          hits += 1
          #expect(!filled, "round \(round): a hit fills nothing")
        } else {
          misses += 1
          #expect(filled, "round \(round): a miss fills")
          reference.countMiss()
          reference.fill(DeviceMapping(start: address.alignedDown(to: 4096), size: .size4K, pfn: PFN(pfn), isWritable: writable))
          evictions += reference.statistics.evictions - before
        }
        #expect(fused.clock == reference.clock && fused.statistics == reference.statistics, "round \(round)")
        #expect(fused.validEntries == reference.validEntries && fused.filledBounds == reference.filledBounds, "round \(round)")
        #expect(fused.slots.map { [$0.tag, $0.pfn, $0.stamp, $0.writable ? 1 : 0] } == reference.slots.map { [$0.tag, $0.pfn, $0.stamp, $0.writable ? 1 : 0] },
                "round \(round)")
      }
    }
    #expect(hits > 50 && misses > 1000 && evictions > 500, "hits \(hits) misses \(misses) evictions \(evictions)")
  }

  /// The device's commit of an `hmm_range_fault()` output (run by run, 4K runs straight into the
  /// slots) makes the mappings each built-in policy returns, on every ladder, over a table that
  /// already holds mappings.
  @Test func commitMakesThePolicysMappings() throws {
    let memory = MemorySystem(memoryBytes: .mib(64)).memory
    var random = Random(state: 43)
    let policies: [any MappingPolicy] = [BasePolicy(), MapOrderPolicy(), ScanPolicy()]
    let ladders: [DevicePageSizes] = [.base, .nvidia, .xe, .amd, DevicePageSizes([.size4K, .size64K])]
    var large = 0
    for round in 0..<24 {
      let count = round < 8 ? 512 : 2 + Int(random.next(1100))
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
      let start = VirtualAddress(0x7f00_0000_0000 + (round % 2 == 0 ? 0 : UInt64(round) << 12))
      for policy in policies {
        for sizes in ladders {
          let device = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy)
          let reference = DevicePageTable()
          // Mappings already there (replaced where the commit maps over them).
          for _ in 0..<4 {
            let size = sizes.sizes[Int(random.next(UInt64(min(sizes.sizes.count, 3))))]
            let at = (start.rawValue + random.next(UInt64(count) << 12)) & ~(size.bytes - 1)
            let old = DeviceMapping(start: VirtualAddress(at), size: size, pfn: PFN(0x900000 + random.next(1 << 10) << 9), isWritable: true)
            device.pageTable.map(old)
            reference.map(old)
          }
          device.pageTable.restartChangeRecord()
          reference.restartChangeRecord()
          device.commitMappings(pfns, start: start, memory: memory)
          let expected = policy.mappings(for: pfns, start: start, sizes: sizes, memory: memory)
          for mapping in expected { reference.map(mapping) }
          let note = "\(policy.name) \(sizes) round \(round)"
          expectSameTables(device.pageTable, reference, note)
          var created: [DevicePageSize: Int] = [:]
          for mapping in expected { created[mapping.size, default: 0] += 1 }
          #expect(device.counters.mappingsCreated == created, "\(note)")
          large += expected.filter { $0.size != .size4K }.count
        }
      }
    }
    #expect(large > 100, "runs with larger mappings went through the buffer")
  }
}
