import Testing
@testable import DeviceMirror
@testable import HMM
@testable import MemoryModel

/// A machine, a process and a device mirroring it, with the oracle watching.
struct DeviceFixture {
  let system: MemorySystem
  let space: AddressSpace
  let device: Device
  let oracle = SafetyOracle()

  init(policy: any MappingPolicy = MapOrderPolicy(), sizes: DevicePageSizes = .nvidia, memory: UInt64 = .mib(512),
       window: UInt64? = nil) throws {
    system = MemorySystem(memoryBytes: memory)
    space = try system.createProcess(name: "A")
    device = Device(name: "gpu0", ownerID: 100, pageSizes: sizes, policy: policy, faultWindow: window)
    try device.mirror(space)
    oracle.watch(device)
    space.register(oracle)
  }

  func thp(_ length: UInt64) throws -> VirtualAddress {
    let address = try space.mmap(.init(length: length, protection: .readWrite, alignment: .mib(2)))
    try space.madvise(address, length, .hugepage)
    try space.touch(address, length, write: true)
    return address
  }
}

@Suite struct DeviceTests {
  @Test func mapOrderMapsAPMDMappedTHPWithOne2MDevicePage() throws {
    let f = try DeviceFixture()
    let buf = try f.thp(.mib(4))
    try f.device.touch(buf, .mib(4), write: false)
    #expect(f.device.counters.faults == 2)
    #expect(f.device.counters.mappingsCreated == [.size2M: 2])
    #expect(f.device.pageTable.counts[.size2M] == 2)
    #expect(f.device.counters.tlbHits == 1022 && f.device.counters.tlbMisses == 2)
    #expect(f.oracle.check().isEmpty)
  }

  @Test func basePolicyMaps4KOnly() throws {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.thp(.mib(2))
    try f.device.touch(buf, .mib(2), write: true)
    #expect(f.device.counters.mappingsCreated == [.size4K: 512])
    #expect(f.device.counters.faults == 1)
    #expect(f.oracle.check().isEmpty)
  }

  @Test func aPTEMappedTHPGetsSmallDevicePagesUnderMapOrderAnd64KOrLargerUnderScan() throws {
    for (policy, expected) in [(MapOrderPolicy() as any MappingPolicy, [DevicePageSize.size4K: 512]),
                               (ScanPolicy(), [.size4K: 16, .size64K: 31])] {
      let f = try DeviceFixture(policy: policy)
      let buf = try f.thp(.mib(2))
      try f.space.mprotect(buf + .mib(1), 4096, .read)
      try f.device.touch(buf, .mib(2), write: false)
      #expect(f.device.pageTable.counts.filter { $0.value > 0 } == expected, "\(policy.name)")
      #expect(f.oracle.check().isEmpty, "\(policy.name) is safe")
    }
  }

  @Test func folioOrderIsCaughtByTheOracleAfterAPartialMprotect() throws {
    let f = try DeviceFixture(policy: FolioOrderPolicy())
    let buf = try f.thp(.mib(2))
    try f.space.mprotect(buf + .mib(1), 4096, .read)
    try f.device.access(buf, write: true)
    #expect(f.device.pageTable.counts[.size2M] == 1, "the whole folio is mapped writable")
    let violations = f.oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.invariant == 1 && violations.first?.address == buf + .mib(1))
    // map-order stays safe on the same sequence.
    let safe = try DeviceFixture(policy: MapOrderPolicy())
    let other = try safe.thp(.mib(2))
    try safe.space.mprotect(other + .mib(1), 4096, .read)
    try safe.device.access(other, write: true)
    #expect(safe.oracle.check().isEmpty)
  }

  @Test func invalidationRemovesWholeLargeMappingsAndTheyRefault() throws {
    let f = try DeviceFixture()
    let buf = try f.thp(.mib(2))
    try f.device.touch(buf, .mib(2), write: false)
    #expect(f.device.pageTable.counts[.size2M] == 1)
    try f.space.madvise(buf + .kib(8), 4096, .dontneed)
    #expect(f.device.pageTable.mappingCount == 0, "a 2M device page partly covered is removed whole")
    #expect(f.device.counters.mappingsRemoved[.size2M] == 1)
    #expect(f.device.tlb.entries.isEmpty)
    #expect(f.oracle.check().isEmpty)
    try f.device.access(buf, write: false)
    #expect(f.device.pageTable.counts[.size4K] == 512, "the CPU now maps PTEs: the device refaults 4K")
    #expect(f.oracle.check().isEmpty)
  }

  @Test func deviceWritesReachTheCPUAndCOWIsRespected() throws {
    let f = try DeviceFixture()
    let buf = try f.thp(.mib(2))
    let child = try f.space.fork(childName: "B")
    try f.device.write(buf + 10, bytes: [7, 8, 9])
    #expect(try f.space.read(buf + 10, count: 3) == [7, 8, 9])
    #expect(try child.read(buf + 10, count: 3) == [0, 0, 0], "the device write broke COW in the parent only")
    #expect(f.oracle.check().isEmpty)
  }

  @Test func writeToAReadOnlyVMAFailsWithEPERM() throws {
    let f = try DeviceFixture()
    let ro = try f.space.mmap(.init(length: .mib(2), protection: .read, alignment: .mib(2)))
    #expect(throws: HMMError.permission(ro)) { try f.device.access(ro, write: true) }
    #expect(throws: HMMError.fault(VirtualAddress(0x1000))) { try f.device.access(VirtualAddress(0x1000), write: false) }
  }

  @Test func exitClearsTheDevice() throws {
    let f = try DeviceFixture()
    let buf = try f.thp(.mib(2))
    try f.device.touch(buf, .mib(2), write: false)
    f.space.exit()
    #expect(f.device.pageTable.mappingCount == 0)
    #expect(f.device.mirroredSpace == nil)
  }

  @Test func hugetlb1GMapsOne1GDevicePageOnXe() throws {
    let f = try DeviceFixture(sizes: .xe, memory: .gib(3), window: .gib(1))
    f.system.setHugetlbPool(.size1G, count: 1)
    let m = try f.space.mmap(.init(length: .gib(1), protection: .readWrite, hugetlbPageSize: .size1G))
    try f.space.access(m, write: true)
    try f.device.access(m + .mib(700), write: true)
    #expect(f.device.pageTable.counts[.size1G] == 1)
    #expect(f.oracle.check().isEmpty)
  }

  @Test func tlbIsSetAssociativeWithLRU() {
    var tlb = DeviceTLB(geometry: [.size4K: .init(entries: 4, ways: 2)])
    for page in [0, 2, 4] as [UInt64] {  // all three land in set 0
      tlb.fill(DeviceMapping(start: VirtualAddress(page << 12), size: .size4K, pfn: PFN(page), isWritable: true))
    }
    #expect(tlb.statistics.evictions == 1)
    #expect(tlb.lookup(VirtualAddress(0)) == nil, "page 0 was least recently used")
    #expect(tlb.lookup(VirtualAddress(4 << 12))?.pfn == PFN(4))
    tlb.invalidate(VirtualAddress(0), VirtualAddress(1 << 20))
    #expect(tlb.entries.isEmpty && tlb.reach == 0)
  }

  @Test func devicePageTableUnmapsOverlappingMappingsWhole() {
    let table = DevicePageTable()
    table.map(DeviceMapping(start: VirtualAddress(0x20_0000), size: .size2M, pfn: PFN(512), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(0x40_0000), size: .size64K, pfn: PFN(1024), isWritable: false))
    table.map(DeviceMapping(start: VirtualAddress(0x41_0000), size: .size4K, pfn: PFN(7), isWritable: false))
    #expect(table.lookup(VirtualAddress(0x20_5000))?.pfn(for: VirtualAddress(0x20_5000)) == PFN(517))
    #expect(table.lookup(VirtualAddress(0x40_3000))?.size == .size64K)
    #expect(table.lookup(VirtualAddress(0x40_3000))?.pfn == PFN(1024))
    let removed = table.unmap(VirtualAddress(0x3F_F000), VirtualAddress(0x40_2000))
    #expect(removed.map(\.size) == [.size2M, .size64K])
    #expect(table.mappings.map(\.start) == [VirtualAddress(0x41_0000)])
  }

  /// The generation (what the safety oracle compares to skip an unchanged device) moves when a
  /// mapping is added or removed, and not for an unmap that removes nothing.
  @Test func devicePageTableGenerationMovesOnlyWhenMappingsChange() {
    let table = DevicePageTable()
    let empty = table.generation
    table.unmap(VirtualAddress(0), VirtualAddress(1 << 40)) { _ in }
    #expect(table.generation == empty)
    table.map(DeviceMapping(start: VirtualAddress(0x20_0000), size: .size2M, pfn: PFN(512), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(0x40_0000), size: .size4K, pfn: PFN(7), isWritable: false))
    let mapped = table.generation
    #expect(mapped != empty)
    #expect(table.unmap(VirtualAddress(0x60_0000), VirtualAddress(0x80_0000)).isEmpty)
    #expect(table.unmap(VirtualAddress(0x40_1000), VirtualAddress(0x40_2000)).isEmpty)
    #expect(table.generation == mapped, "nothing was removed")
    #expect(table.unmap(VirtualAddress(0x40_0000), VirtualAddress(0x40_1000)).count == 1)
    #expect(table.generation != mapped)
    let afterSmall = table.generation
    #expect(table.unmap(VirtualAddress(0x3F_F000), VirtualAddress(0x20_1000 + 0x20_0000)).count == 1)
    #expect(table.generation != afterSmall)
  }
}

@Suite struct PlacementTests {
  @Test func firstTouchMigratesATHPAsOneDevicePMDAndTheCPUBringsItBack() throws {
    let system = MemorySystem(memoryBytes: .mib(512))
    let space = try system.createProcess(name: "A")
    let device = Device(name: "gpu0", ownerID: 100, pageSizes: .nvidia, policy: MapOrderPolicy(), placement: .migrate,
                        deviceMemoryBytes: .mib(64))
    try device.mirror(space)
    let oracle = SafetyOracle()
    oracle.watch(device)
    space.register(oracle)
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(buf, .mib(2), .hugepage)
    try space.write(buf, bytes: [1, 2, 3])
    try device.access(buf, write: true)
    #expect(device.migration.pagesToDevice == 512)
    #expect(space.cpuEntry(buf).entry.swapType == .devicePrivate && space.cpuEntry(buf).level == .pmd)
    #expect(device.pageTable.counts[.size2M] == 1, "the device maps its own 2M folio with one 2M page")
    #expect(try device.read(buf, count: 3) == [1, 2, 3])
    #expect(oracle.check().isEmpty)
    #expect(system.checkInvariants().isEmpty)
    #expect(try space.read(buf, count: 3) == [1, 2, 3], "the CPU faults the data back")
    #expect(device.migration.pagesToSystem == 512)
    #expect(device.pageTable.mappingCount == 0)
    #expect(oracle.check().isEmpty)
    #expect(system.checkInvariants().isEmpty)
  }
}

/// Device page tables cost what they map.
@Suite struct DevicePageTableCostTests {
  @Test func unmappingEverythingVisitsOnlyWhatIsMapped() {
    let table = DevicePageTable()
    table.map(DeviceMapping(start: VirtualAddress(1 << 30), size: .size1G, pfn: PFN(1 << 18), isWritable: true))
    table.map(DeviceMapping(start: VirtualAddress(3 << 30), size: .size2M, pfn: PFN(512), isWritable: false))
    table.map(DeviceMapping(start: VirtualAddress((3 << 30) + (4 << 20) + (64 << 10)), size: .size64K, pfn: PFN(16), isWritable: true))
    var visited: [DeviceMapping] = []
    table.forEachMapping { visited.append($0) }
    #expect(visited == table.mappings)
    var inRange: [DeviceMapping] = []
    table.forEachMapping(overlapping: VirtualAddress((3 << 30) + (4 << 20) + (68 << 10)), VirtualAddress(UInt64.max)) { inRange.append($0) }
    #expect(inRange.map(\.size) == [.size64K], "a 64K mapping that starts before the range overlaps it")
    // Over 0..<2^64 (what an exit's release covers): returns at once with all three.
    let removed = table.unmap(VirtualAddress(0), VirtualAddress(UInt64.max))
    #expect(removed.count == 3)
    #expect(table.mappingCount == 0)
  }
}
