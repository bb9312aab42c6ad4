import Testing
@testable import DeviceMirror
@testable import MemoryModel

/// The safety oracle checks a changed small block slot by slot against the CPU entries of the
/// same pages (DevicePageTable.forEachSpan): the spans must hold exactly the pages of the
/// mappings that overlap the range, and a break must be found wherever it lies, also where the
/// device's frames do not continue one another and under a huge CPU leaf.
@Suite struct SafetyOracleSpanTests {
  /// What an oracle that never saw the device reports: every mapping checked.
  private func fullCheck(_ f: DeviceFixture) -> [SafetyOracle.Violation] {
    let fresh = SafetyOracle()
    fresh.watch(f.device)
    return fresh.check()
  }

  @Test func spansHoldThePagesOfTheOverlappingMappings() {
    var random = SystemRandomNumberGenerator()
    for _ in 0..<20 {
      let table = DevicePageTable()
      let base: UInt64 = 0x4000_0000
      for _ in 0..<200 {
        let size: DevicePageSize = [.size4K, .size4K, .size4K, .size64K, .size2M].randomElement(using: &random)!
        let offset = UInt64.random(in: 0..<(8 << 21), using: &random) & ~(size.bytes - 1)
        let pfn = Bool.random(using: &random) ? (base + offset) >> 12 : UInt64.random(in: 1..<1_000_000, using: &random) << 9
        table.map(DeviceMapping(start: VirtualAddress(base + offset), size: size, pfn: PFN(pfn), isWritable: Bool.random(using: &random)))
      }
      for round in 0..<60 {
        let a = round == 0 ? 0 : base - (1 << 21) + UInt64.random(in: 0..<(11 << 21), using: &random) & ~4095
        let b = round == 0 ? UInt64.max : a + (UInt64.random(in: 1...(3 << 9), using: &random) << 12)
        var expected: [[UInt64]] = []
        table.forEachMapping(overlapping: VirtualAddress(a), VirtualAddress(b)) { mapping in
          for k in 0..<UInt64(mapping.size.pageCount) {
            expected.append([(mapping.start.rawValue >> 12) + k, mapping.pfn.rawValue + k, mapping.isWritable ? 1 : 0])
          }
        }
        var spans: [[UInt64]] = []
        var last: UInt64?
        let visited = table.forEachSpan(overlapping: VirtualAddress(a), VirtualAddress(b)) { span in
          switch span {
          case .slots(let start, let slots, let count):
            #expect(last.map { $0 < start } ?? true, "in address order")
            last = start
            for i in 0..<count where !slots[i].isEmpty {
              spans.append([(start >> 12) + UInt64(i), slots[i].pfn, slots[i].writable ? 1 : 0])
            }
          case .mapping(let mapping):
            #expect(last.map { $0 < mapping.start.rawValue } ?? true, "in address order")
            last = mapping.start.rawValue
            for k in 0..<UInt64(mapping.size.pageCount) {
              spans.append([(mapping.start.rawValue >> 12) + k, mapping.pfn.rawValue + k, mapping.isWritable ? 1 : 0])
            }
          }
          return true
        }
        #expect(visited)
        #expect(spans == expected, "range \(a)-\(b)")
      }
    }
    let gigantic = DevicePageTable()
    gigantic.map(DeviceMapping(start: VirtualAddress(1 << 30), size: .size1G, pfn: PFN(1 << 18), isWritable: true))
    #expect(!gigantic.forEachSpan(overlapping: VirtualAddress(0), VirtualAddress(UInt64.max)) { _ in true }, "runs instead")
  }

  /// A PMD-mapped THP mirrored by 4K device pages (base policy), every other page mapped again
  /// (the same frames: clean); then the device's page at `index` of the THP is mapped to another
  /// frame of the THP: only that page breaks invariant 1 (the CPU leaf is checked at each page's
  /// own offset in it).
  @Test(arguments: [0, 1, 255, 511])
  func aWrongPageUnderAHugeCPULeafIsFound(index: Int) throws {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.thp(.mib(2))
    try f.device.touch(buf, .mib(2), write: false)
    #expect(f.oracle.check().isEmpty)
    let (leaf, level) = f.space.cpuEntry(buf)
    #expect(level == .pmd && leaf.isHuge)
    // Legal: every other page mapped again to its own frame, last first.
    for i in stride(from: 511, through: 0, by: -2) {
      let address = buf + UInt64(i) << 12
      f.device.pageTable.map(DeviceMapping(start: address, size: .size4K, pfn: leaf.pfn + UInt64(i), isWritable: false))
    }
    #expect(f.oracle.check().isEmpty, "the same frames, mapped again")
    let address = buf + UInt64(index) << 12
    f.device.pageTable.map(DeviceMapping(start: address, size: .size4K, pfn: leaf.pfn + UInt64((index + 7) % 512), isWritable: false))
    let violations = f.oracle.check()
    #expect(violations.map(\.address) == [address], "\(violations)")
    #expect(violations == fullCheck(f))
    #expect(violations.first?.cpuState == "pfn=\(leaf.pfn + UInt64(index)) via PMD", "\(violations)")
  }
}
