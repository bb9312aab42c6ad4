import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// `Device.readout` leaves a device as `Device.read` does and holds the same bytes;
/// `DeviceReadout.firstDifference` finds what comparing the byte arrays finds.
@Suite struct DeviceReadoutTests {
  /// A process with 1 MiB written as patterns (filled, words, and a page partly overwritten).
  func machine() throws -> (AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let start = try space.mmap(.init(length: .mib(2), protection: .readWrite))
    try space.touch(start, .mib(1), write: true)
    return (space, start)
  }

  @Test func readoutHoldsWhatReadReturnsAndLeavesTheSameDevice() throws {
    let (a, startA) = try machine()
    let (b, startB) = try machine()
    for (space, start) in [(a, startA), (b, startB)] {
      let memory = space.system.memory
      for page in 0..<256 {
        guard let pfn = space.translate(start + UInt64(page) << 12)?.pfn else { continue }
        memory.setPage(pfn, page % 3 == 0 ? .filled(UInt8(page)) : .words(first: UInt32(page), step: 1))
      }
      if let pfn = space.translate(start + 5 * 4096)?.pfn { memory.write(pfn, offset: 100, bytes: [1, 2, 3]) }
    }
    let one = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    let two = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    try one.mirror(a)
    try two.mirror(b)
    for (offset, count) in [(0, 4096), (17, 10_000), (4095, 2), (3 * 4096 + 5, 300 * 4096), (0, 0), (100, 1)] {
      let bytes = try one.read(startA + UInt64(offset), count: count)
      let readout = try two.readout(startB + UInt64(offset), count: count)
      #expect(readout.bytes == bytes, "\(offset) \(count)")
      #expect(readout.firstDifference(from: readout) == nil)
      #expect(one.counters == two.counters, "\(offset) \(count)")
      #expect(one.tlb.statistics == two.tlb.statistics, "\(offset) \(count)")
    }
  }

  /// Every way two readouts can differ (a whole page, a partial first or last page, a page
  /// whose bytes are equal in another representation) against the byte arrays' first difference.
  @Test func firstDifferenceMatchesTheByteArrays() {
    let words = PageData.words(first: 7, step: 1)
    let pages: [[PageData]] = [
      [.filled(1), words, .filled(0)],
      [.filled(1), .bytes(words.expanded), .filled(0)],
      [.filled(1), words, .filled(9)],
      [.filled(2), words, .filled(0)],
      [.filled(1), .words(first: 7, step: 2), .filled(0)],
      [.bytes(PageData.filled(1).expanded.enumerated().map { $0.offset == 4000 ? 5 : $0.element }), words, .filled(0)],
    ]
    for (offset, count) in [(0, 3 * 4096), (3000, 2 * 4096 + 100), (4095, 4098), (3000, 1100)] {
      for x in pages {
        for y in pages {
          let a = DeviceReadout(offset: offset, count: count, pages: Array(x.prefix((offset + count + 4095) / 4096)))
          let b = DeviceReadout(offset: offset, count: count, pages: Array(y.prefix((offset + count + 4095) / 4096)))
          let first = a.bytes
          let bytes = b.bytes
          #expect(first.count == count)
          let expected: Int? = bytes == first ? nil : bytes.indices.first { $0 >= first.count || bytes[$0] != first[$0] } ?? 0
          #expect(a.firstDifference(from: b) == expected, "\(offset) \(count) \(x) \(y)")
        }
      }
    }
    // Readouts of different shapes compare their bytes.
    let short = DeviceReadout(offset: 0, count: 10, pages: [.filled(1)])
    let long = DeviceReadout(offset: 0, count: 20, pages: [.filled(1)])
    #expect(long.firstDifference(from: short) == 0)
    #expect(short.firstDifference(from: long) == 10)
  }
}
