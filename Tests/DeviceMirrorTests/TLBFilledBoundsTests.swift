import MemoryModel
import Testing
@testable import DeviceMirror

/// `DeviceTLB.filledBounds` lets a shootdown outside every entry return at once: after each
/// shootdown the entries and counters must be what removing the overlapping entries gives.
@Suite struct TLBFilledBoundsTests {
  @Test func shootdownsMatchRemovingTheOverlappingEntries() {
    var random = BufferedCommitTests.Random(state: 31)
    var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 16, ways: 4), .size64K: .init(entries: 8, ways: 2),
                                   .size2M: .init(entries: 4, ways: 2), .size1G: .init(entries: 2, ways: 2)])
    let base: UInt64 = 0x7f00_0000_0000
    var emptied = 0
    var outside = 0
    for round in 0..<3000 {
      for _ in 0..<Int(random.next(4)) {
        let size: DevicePageSize = [.size4K, .size4K, .size64K, .size2M, .size1G][Int(random.next(random.next(8) == 0 ? 5 : 4))]
        let start = (base + random.next(32 << 21)) & ~(size.bytes - 1)
        tlb.fill(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(random.next(1 << 20) << 18), isWritable: true))
      }
      let entries = tlb.entries
      for entry in entries {
        #expect(entry.start.rawValue >= tlb.filledBounds.low && entry.start.rawValue + entry.size.bytes <= tlb.filledBounds.high,
                "round \(round)")
      }
      let start = base - (2 << 21) + random.next(40 << 21) + (round % 3 == 0 ? random.next(4096) : 0)
      let end = start + (round % 29 == 0 ? 1 << 34 : 1 + random.next(round % 2 == 0 ? 8192 : 4 << 21))
      let overlapping = entries.filter { $0.start.rawValue < end && start < $0.start.rawValue + $0.size.bytes }
      if start >= tlb.filledBounds.high || end <= tlb.filledBounds.low { outside += 1 }
      let shootdowns = tlb.statistics.shootdowns
      tlb.invalidate(VirtualAddress(start), VirtualAddress(end))
      let left = tlb.entries
      #expect(left.count == entries.count - overlapping.count, "round \(round)")
      #expect(left.allSatisfy { e in !overlapping.contains { $0.start == e.start && $0.size == e.size } })
      #expect(tlb.statistics.shootdowns - shootdowns == overlapping.count)
      if left.isEmpty && !entries.isEmpty {
        emptied += 1
        #expect(tlb.filledBounds.low == .max && tlb.filledBounds.high == 0)
      }
    }
    #expect(emptied > 0 && outside > 20)
  }
}
