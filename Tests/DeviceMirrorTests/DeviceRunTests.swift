import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// `Device.accessPages` (and touch/read/write built on it) leaves the device exactly as the same
/// accesses one by one do; the TLB's set-probing shootdown drops exactly what a full scan drops.
@Suite struct DeviceRunTests {
  /// 8 MiB, THP or not, touched; a read-only page at +5M (one PTE-mapped THP) and a read-only
  /// 64K stretch at +6M.
  func setUp(thp: Bool) throws -> (AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let start = try space.mmap(.init(length: .mib(8), protection: .readWrite, alignment: PageSize.size2M.bytes))
    if thp { try space.madvise(start, .mib(8), .hugepage) }
    try space.touch(start, .mib(6), write: true)
    try space.mprotect(start + .mib(5), 4096, .read)
    try space.mprotect(start + .mib(6), 65536, .read)
    return (space, start)
  }

  /// Two devices on two identical machines.
  static let threeArrays: [DevicePageSize: DeviceTLB.Geometry] = [
    .size4K: .init(entries: 16, ways: 4), .size64K: .init(entries: 8, ways: 2), .size2M: .init(entries: 4, ways: 4),
  ]

  func pair(thp: Bool, policy: () -> any MappingPolicy, sizes: DevicePageSizes,
            geometry: [DevicePageSize: DeviceTLB.Geometry] = Self.threeArrays, faultWindow: UInt64? = nil)
    throws -> (fast: Device, slow: Device, a: VirtualAddress, b: VirtualAddress)
  {
    let (a, startA) = try setUp(thp: thp)
    let (b, startB) = try setUp(thp: thp)
    let fast = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: faultWindow, tlbGeometry: geometry)
    let slow = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: faultWindow, tlbGeometry: geometry)
    try fast.mirror(a)
    try slow.mirror(b)
    return (fast, slow, startA, startB)
  }

  func expectSameState(_ fast: Device, _ slow: Device, _ a: VirtualAddress, _ b: VirtualAddress, _ note: String) {
    #expect(fast.counters == slow.counters, "\(note)")
    #expect(fast.tlb.statistics == slow.tlb.statistics, "\(note)")
    #expect(fast.tlb.clock == slow.tlb.clock, "\(note)")
    #expect(fast.tlb.slots.map { "\($0.tag == 0 ? 0 : 1) \($0.stamp) \($0.writable)" } == slow.tlb.slots.map { "\($0.tag == 0 ? 0 : 1) \($0.stamp) \($0.writable)" }, "\(note)")
    #expect(fast.tlb.entries.map { $0.start - a } == slow.tlb.entries.map { $0.start - b }, "\(note)")
    #expect(fast.deviceMappings.map { "\($0.start - a) \($0.size) \($0.isWritable)" } == slow.deviceMappings.map { "\($0.start - b) \($0.size) \($0.isWritable)" }, "\(note)")
  }

  /// Reads, then writes (over read-only TLB entries, and into the read-only pages, which fail),
  /// from unaligned starts, under each policy, with and without THP.
  /// The ladders and TLBs: NVIDIA's with three arrays (missed 4 KiB pages take the short path
  /// only where the larger arrays are known to miss), and 4 KiB only with one array and a
  /// 64 KiB window (the short path after every looked-up page).
  @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
  func accessPagesMatchesAccessByAccess(thp: Bool, smallOnly: Bool) throws {
    let policies: [(String, () -> any MappingPolicy)] = [("base", { BasePolicy() }), ("map-order", { MapOrderPolicy() }), ("scan", { ScanPolicy() })]
    let passes: [(offset: UInt64, pages: Int, write: Bool)] = [
      (0, 700, false), (4096 * 3 + 17, 1100, false), (100, 300, true), (0, 2048, false), (.mib(4), 400, true),
      (.mib(6) - 8192, 40, true), (.mib(1), 1, true), (.mib(5) - 8192, 40, false), (.mib(5) - 8192, 40, true),
    ]
    for (name, policy) in policies {
      let (fast, slow, a, b) = smallOnly
        ? try pair(thp: thp, policy: policy, sizes: .base, geometry: [.size4K: .init(entries: 16, ways: 4)], faultWindow: 65536)
        : try pair(thp: thp, policy: policy, sizes: .nvidia)
      for pass in passes {
        var fastPFNs: [UInt64] = []
        var fastError: HMMError?
        do throws(HMMError) {
          try fast.accessPages(from: a + pass.offset, pages: pass.pages, write: pass.write) { address, pfn, n in
            #expect(address >= a + pass.offset)
            for i in 0..<n { fastPFNs.append(pfn.rawValue + UInt64(i)) }
            return n
          }
        } catch { fastError = error }
        var slowPFNs: [UInt64] = []
        var slowError: HMMError?
        do throws(HMMError) {
          for i in 0..<pass.pages {
            let address = i == 0 ? b + pass.offset : (b + pass.offset).alignedDown(to: 4096) + UInt64(i) << 12
            slowPFNs.append(try slow.access(address, write: pass.write).rawValue)
          }
        } catch { slowError = error }
        let note = "\(name) thp=\(thp) pass \(pass) \(String(describing: fastError)) \(String(describing: slowError)) \(fastPFNs.count)"
        #expect(fastPFNs == slowPFNs, "\(note)")
        #expect((fastError == nil) == (slowError == nil), "\(note)")
        if let fastError, let slowError {
          // The same page failed the same way (the addresses differ by the two machines' bases).
          #expect(fastError.errno == slowError.errno, "\(note)")
        }
        expectSameState(fast, slow, a, b, note)
      }
      if thp && name != "base" && !smallOnly { #expect(fast.counters.tlbHits > 1000, "\(name): the 2M entries hit") }
      if smallOnly { #expect(fast.tlb.statistics.evictions > 1000 && fast.counters.tlbHits > 0, "\(name): the 4K array refills") }
    }
  }

  @Test func aBodyThatStopsEarlyCountsOnlyThePagesItUsed() throws {
    let (fast, slow, a, b) = try pair(thp: true, policy: { MapOrderPolicy() }, sizes: .nvidia)
    var seen = 0
    try fast.accessPages(from: a, pages: 1024, write: false) { _, _, n in
      let used = min(n, 700 - seen)
      seen += used
      return used
    }
    for i in 0..<700 { try slow.access(b + UInt64(i) << 12, write: false) }
    #expect(seen == 700)
    #expect(fast.counters.accesses == 700)
    expectSameState(fast, slow, a, b, "stopped at 700")
  }

  @Test func readAndWriteThroughTheDeviceKeepTheirBytes() throws {
    let (space, start) = try setUp(thp: true)
    let device = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    try device.mirror(space)
    let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    try device.write(start + 4000, bytes: bytes)
    #expect(try device.read(start + 4000, count: bytes.count) == bytes)
    #expect(try device.read(start + 4001, count: 5) == Array(bytes[1..<6]))
    #expect(try device.read(start, count: 0) == [])
    #expect(device.counters.accesses == 6 + 6 + 1)
  }

  /// Shootdowns probing sets drop exactly the entries a full scan finds overlapping.
  @Test func setProbingShootdownDropsExactlyTheOverlappingEntries() {
    let seed: UInt64 = 0x5EED_7172
    var state = seed
    func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
    for round in 0..<200 {
      var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 16, ways: 4), .size64K: .init(entries: 8, ways: 2),
                                     .size2M: .init(entries: 8, ways: 4), .size1G: .init(entries: 2, ways: 2)])
      let base: UInt64 = 0x7f00_0000_0000
      for _ in 0..<40 {
        let size = DevicePageSize.allCases[Int(next(4))]
        let start = (base + next(8 << 30)) & ~(size.bytes - 1)
        tlb.fill(DeviceMapping(start: VirtualAddress(start), size: size, pfn: PFN(next(1 << 20) << 18), isWritable: next(2) == 0))
      }
      let before = tlb.entries
      let start = base + next(4 << 30)
      let length = [UInt64(1), 4096, 65536, 3 << 20, next(1 << 31)][Int(next(5))]
      let end = start + length
      let overlapping = before.filter { $0.start.rawValue < end && start < $0.start.rawValue + $0.size.bytes }
      let shootdowns = tlb.statistics.shootdowns
      tlb.invalidate(VirtualAddress(start), VirtualAddress(end))
      let after = tlb.entries
      #expect(tlb.statistics.shootdowns - shootdowns == overlapping.count, "seed \(seed) round \(round)")
      #expect(after.count == before.count - overlapping.count, "seed \(seed) round \(round)")
      #expect(!after.contains { $0.start.rawValue < end && start < $0.start.rawValue + $0.size.bytes }, "seed \(seed) round \(round)")
    }
  }
}
