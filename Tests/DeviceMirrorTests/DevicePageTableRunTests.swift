import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// `DevicePageTable.forEachRun(overlapping:_:_:)` hands the safety oracle runs of slots instead
/// of mappings: over any range, the runs must cover exactly the pages of the mappings
/// `forEachMapping(overlapping:_:_:)` visits (whole mappings, also at the range's edges), each
/// page with its mapping's frame and permission, in address order.
@Suite struct DevicePageTableRunTests {
  /// (page, frame, writable) for every page of the given spans, in the order given.
  private func pages(_ spans: [(start: UInt64, end: UInt64, pfn: UInt64, writable: Bool)]) -> [[UInt64]] {
    spans.flatMap { span in
      stride(from: span.start, to: span.end, by: 4096).map { [$0 >> 12, span.pfn + ($0 - span.start) >> 12, span.writable ? 1 : 0] }
    }
  }

  private func compare(_ table: DevicePageTable, _ start: UInt64, _ end: UInt64) {
    var mappings: [(start: UInt64, end: UInt64, pfn: UInt64, writable: Bool)] = []
    table.forEachMapping(overlapping: VirtualAddress(start), VirtualAddress(end)) {
      mappings.append(($0.start.rawValue, $0.end.rawValue, $0.pfn.rawValue, $0.isWritable))
    }
    var runs: [(start: UInt64, end: UInt64, pfn: UInt64, writable: Bool)] = []
    table.forEachRun(overlapping: VirtualAddress(start), VirtualAddress(end)) { runs.append(($0, $1, $2, $3)); return true }
    #expect(pages(runs) == pages(mappings), "range \(start)-\(end)")
    #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.end <= $1.start })
  }

  @Test func runsCoverTheMappingsOfEveryRange() {
    var random = SystemRandomNumberGenerator()
    for _ in 0..<20 {
      let table = DevicePageTable()
      let base: UInt64 = 0x4000_0000
      for _ in 0..<200 {
        let size: DevicePageSize = [.size4K, .size4K, .size4K, .size64K, .size2M].randomElement(using: &random)!
        let offset = UInt64.random(in: 0..<(8 << 21), using: &random) & ~(size.bytes - 1)
        // Frames that sometimes continue the neighbour's (long runs) and sometimes do not.
        let pfn = Bool.random(using: &random) ? (base + offset) >> 12 : UInt64.random(in: 1..<1_000_000, using: &random) << 9
        table.map(DeviceMapping(start: VirtualAddress(base + offset), size: size, pfn: PFN(pfn), isWritable: Bool.random(using: &random)))
      }
      for _ in 0..<50 {
        let a = base - (1 << 21) + UInt64.random(in: 0..<(11 << 21), using: &random) & ~4095
        let b = a + (UInt64.random(in: 1...(3 << 9), using: &random) << 12)
        compare(table, a, b)
      }
      compare(table, 0, UInt64.max)
    }
  }

  @Test func a64KMappingAcrossEitherEdgeOfTheRangeComesWhole() {
    let table = DevicePageTable()
    table.map(DeviceMapping(start: VirtualAddress(0x200000), size: .size64K, pfn: PFN(0x1000), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(0x210000), size: .size64K, pfn: PFN(0x1010), isWritable: true))
    var runs: [(UInt64, UInt64, UInt64, Bool)] = []
    table.forEachRun(overlapping: VirtualAddress(0x205000), VirtualAddress(0x212000)) { runs.append(($0, $1, $2, $3)); return true }
    #expect(runs.count == 1)
    #expect(runs.first.map { $0.0 == 0x200000 && $0.1 == 0x220000 && $0.2 == 0x1000 && $0.3 } == true, "\(runs)")
  }

  @Test func aRunBreaksAtAFrameOrPermissionChange() {
    let table = DevicePageTable()
    table.map(DeviceMapping(start: VirtualAddress(0x200000), size: .size4K, pfn: PFN(10), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(0x201000), size: .size4K, pfn: PFN(11), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(0x202000), size: .size4K, pfn: PFN(12), isWritable: false))
    table.map(DeviceMapping(start: VirtualAddress(0x203000), size: .size4K, pfn: PFN(20), isWritable: false))
    var runs: [(UInt64, UInt64, UInt64, Bool)] = []
    table.forEachRun(overlapping: VirtualAddress(0), VirtualAddress(0x400000)) { runs.append(($0, $1, $2, $3)); return true }
    #expect(runs.map(\.0) == [0x200000, 0x202000, 0x203000])
    #expect(runs.map(\.1) == [0x202000, 0x203000, 0x204000])
    // Stopping after the first run visits no more.
    var seen = 0
    table.forEachRun(overlapping: VirtualAddress(0), VirtualAddress(0x400000)) { _, _, _, _ in seen += 1; return false }
    #expect(seen == 1)
  }
}
