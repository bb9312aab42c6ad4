import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// A run of one-page faults committed from one walk ahead of the CPU page table
/// (Device+RunFault.swift) leaves the device, the CPU side and the notifier exactly as the same
/// accesses with every fault walking its own page.
@Suite struct RunFaultTests {
  /// 8 MiB: a PMD-mapped THP, a PTE-mapped THP (one page read-only), 4 KiB pages, the zero page,
  /// a read-only stretch, untouched pages; optionally forked (writes then break COW).
  func machine(fork: Bool) throws -> (AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let start = try space.mmap(.init(length: .mib(8), protection: .readWrite, alignment: PageSize.size2M.bytes))
    try space.madvise(start, .mib(4), .hugepage)
    try space.touch(start, .mib(4), write: true)
    try space.mprotect(start + .mib(3), 4096, .read)
    try space.touch(start + .mib(4), .mib(1), write: true)
    try space.touch(start + .mib(5), .mib(1), write: false)
    try space.mprotect(start + .mib(5) + .kib(512), .kib(64), .read)
    // Holes in a present stretch: every eighth page of [6M, 7M) present.
    for page in stride(from: UInt64(0), to: 256, by: 8) { try space.touch(start + .mib(6) + page << 12, 4096, write: true) }
    if fork { _ = try space.fork(childName: "B") }
    return (space, start)
  }

  func state(_ device: Device, _ space: AddressSpace, _ base: VirtualAddress) -> [String] {
    let page = base.rawValue >> 12
    let table = device.pageTable
    return [
      "\(device.counters)", "\(device.tlb.statistics) clock \(device.tlb.clock)",
      device.tlb.slots.map { "\($0.tag == 0 ? 0 : 1) \($0.stamp) \($0.writable)" }.joined(separator: ","),
      device.tlb.entries.map { "\($0.start - base) \($0.size)" }.joined(separator: ","),
      device.deviceMappings.map { "\($0.start - base) \($0.size) \($0.pfn) \($0.isWritable)" }.joined(separator: ","),
      "generation \(table.generation) complete \(table.changeRecord.complete) since \(table.changeRecord.since)",
      table.changeRecord.ranges.map { "\($0.first &- page)-\($0.last &- page)" }.joined(separator: ","),
      "cpu \(space.pageTable.changeGeneration) sequence \(device.notifierForTests?.sequence ?? 0)",
    ]
  }

  /// One pass: `pages` pages from `offset`; `stopAfter` makes the body stop there; `cpuWrite`
  /// makes the body write the CPU page that many pages ahead after its first page (the walk
  /// ahead then no longer holds it).
  struct Pass {
    var offset: UInt64
    var pages: Int
    var write: Bool
    var stopAfter = Int.max
    var cpuWrite: Int? = nil
    var cpuProtect: Int? = nil
  }

  func run(_ device: Device, _ space: AddressSpace, _ base: VirtualAddress, _ pass: Pass) -> ([UInt64], String) {
    var pfns: [UInt64] = []
    var failure = "none"
    var cpuWritten = false
    do throws(HMMError) {
      try device.accessPages(from: base + pass.offset, pages: pass.pages, write: pass.write) { address, pfn, n in
        var used = 0
        for i in 0..<n where pfns.count < pass.stopAfter {
          pfns.append(pfn.rawValue + UInt64(i))
          used += 1
        }
        if let ahead = pass.cpuWrite, !cpuWritten {
          cpuWritten = true
          try? space.touch(address.alignedDown(to: 4096) + UInt64(ahead) << 12, 1, write: true)
        }
        if let ahead = pass.cpuProtect, !cpuWritten {
          cpuWritten = true
          try? space.mprotect(address.alignedDown(to: 4096) + UInt64(ahead) << 12, 4096, .read)
        }
        return used
      }
    } catch { failure = "\(error.errno)" }
    return (pfns, failure)
  }

  @Test(arguments: [false, true], ["xe", "amd-small-tlb", "nvidia", "migrate"])
  func runsMatchFaultByFault(fork: Bool, kind: String) throws {
    let sizes: DevicePageSizes = kind.hasPrefix("amd") ? .amd : kind == "nvidia" ? .nvidia : .xe
    let geometry: [DevicePageSize: DeviceTLB.Geometry]? = kind.hasSuffix("small-tlb")
      ? [.size4K: .init(entries: 8, ways: 2), .size64K: .init(entries: 4, ways: 2), .size2M: .init(entries: 2, ways: 2), .size1G: .init(entries: 2, ways: 2)]
      : nil
    let passes: [Pass] = [
      // The CPU changing a page the walk ahead holds (pages the device has not mapped yet): the
      // zero page replaced, a writable page made read-only.
      Pass(offset: .mib(5) + .kib(128), pages: 64, write: false, cpuWrite: 9),
      Pass(offset: .mib(4) + .kib(600), pages: 32, write: true, cpuProtect: 5),
      // Present memory read: PMD-mapped THP, PTE-mapped THP, 4 KiB pages, the zero page.
      Pass(offset: .mib(2) + .mib(1) - .kib(64), pages: 100, write: false), Pass(offset: .mib(4) + 17, pages: 700, write: false),
      Pass(offset: .mib(5) + .kib(500), pages: 60, write: true),  // zero page and read-only: CPU faults, -EFAULT
      Pass(offset: .mib(6), pages: 300, write: false), Pass(offset: .mib(6) + 4096, pages: 300, write: true),
      Pass(offset: 0, pages: 600, write: true), Pass(offset: .mib(4), pages: 512, write: true),
      // Stopping early; the CPU changing a page the walk ahead holds.
      Pass(offset: .mib(4) + .kib(300), pages: 200, write: false, stopAfter: 37),
      Pass(offset: .mib(5) + .kib(128), pages: 64, write: false, cpuWrite: 9),
      Pass(offset: .mib(1), pages: 64, write: false, cpuWrite: 5),
      Pass(offset: .mib(5) + .kib(600), pages: 64, write: true, cpuWrite: 3),
      // Again over pages just accessed (TLB hits and device mappings between the faults).
      Pass(offset: .mib(4), pages: 1024, write: false), Pass(offset: .mib(5), pages: 300, write: true),
      Pass(offset: .mib(7) - .kib(8), pages: 400, write: false),
    ]
    for (name, policy) in [("base", { BasePolicy() as any MappingPolicy }), ("map-order", { MapOrderPolicy() }), ("scan", { ScanPolicy() })] {
      let (a, startA) = try machine(fork: fork)
      let (b, startB) = try machine(fork: fork)
      let placement: Device.Placement = kind == "migrate" ? .migrate : .system
      let memory: UInt64 = kind == "migrate" ? .mib(4) : 0
      let fast = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: 4096, tlbGeometry: geometry,
                        placement: placement, deviceMemoryBytes: memory)
      let slow = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: 4096, tlbGeometry: geometry,
                        placement: placement, deviceMemoryBytes: memory)
      slow.allowsRunFaults = false
      try fast.mirror(a)
      try slow.mirror(b)
      for pass in passes {
        let (fastPFNs, fastError) = run(fast, a, startA, pass)
        let (slowPFNs, slowError) = run(slow, b, startB, pass)
        let note = "\(kind) \(name) fork=\(fork) pass \(pass)"
        #expect(fastPFNs == slowPFNs, "\(note)")
        #expect(fastError == slowError, "\(note)")
        #expect(state(fast, a, startA) == state(slow, b, startB), "\(note)")
      }
      #expect(fast.counters.faults > 1000)
    }
  }

  /// Reads, writes and readouts with data, over anonymous memory and a hugetlb mapping (one
  /// huge page present, one empty), give the same bytes and leave the same state.
  @Test(arguments: ["base", "map-order", "scan"])
  func dataAndHugetlbMatchFaultByFault(name: String) throws {
    func policy() -> any MappingPolicy { name == "base" ? BasePolicy() : name == "scan" ? ScanPolicy() as any MappingPolicy : MapOrderPolicy() }
    func hugetlbMachine() throws -> (AddressSpace, VirtualAddress, VirtualAddress) {
      let (space, start) = try machine(fork: false)
      _ = space.system.setHugetlbPool(.size2M, count: 2)
      let huge = try space.mmap(.init(length: .mib(4), protection: .readWrite, hugetlbPageSize: .size2M))
      try space.access(huge, write: true)
      try space.write(start + .mib(4) + 100, bytes: (0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
      return (space, start, huge)
    }
    let (a, startA, hugeA) = try hugetlbMachine()
    let (b, startB, hugeB) = try hugetlbMachine()
    let fast = Device(name: "d", ownerID: 1, pageSizes: .xe, policy: policy(), faultWindow: 4096)
    let slow = Device(name: "d", ownerID: 1, pageSizes: .xe, policy: policy(), faultWindow: 4096)
    slow.allowsRunFaults = false
    try fast.mirror(a)
    try slow.mirror(b)
    // Reads over present pages (the run path), then writes, then readouts of what was written.
    let reads: [(offset: UInt64, count: Int)] = [(.mib(4), 70_000), (.mib(5) + 10, 20_000), (.mib(2) + 4095, 50_000)]
    for (offset, count) in reads {
      #expect(try fast.read(startA + offset, count: count) == slow.read(startB + offset, count: count))
    }
    #expect(try fast.read(hugeA + 8192, count: 2 << 20) == slow.read(hugeB + 8192, count: 2 << 20))
    let bytes = (0..<30_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
    try fast.write(startA + .mib(4) + 5000, bytes: bytes)
    try slow.write(startB + .mib(4) + 5000, bytes: bytes)
    try fast.write(hugeA + .mib(1), bytes: bytes)
    try slow.write(hugeB + .mib(1), bytes: bytes)
    let fastOut = try fast.readout(startA + .mib(4), count: 60_000)
    let slowOut = try slow.readout(startB + .mib(4), count: 60_000)
    #expect(fastOut.firstDifference(from: slowOut) == nil)
    #expect(state(fast, a, startA) == state(slow, b, startB))
    #expect(fast.counters.faults > 500)
  }

  /// The walk ahead resolves pages up to the first one that needs a fault.
  @Test func theWalkAheadStopsAtTheFirstFault() throws {
    let (space, start) = try machine(fork: false)
    let device = Device(name: "d", ownerID: 1, pageSizes: .xe, policy: BasePolicy(), faultWindow: 4096)
    try device.mirror(space)
    // [6M, 7M): every eighth page present; pages 1-7 after the first need a fault.
    #expect(device.prewalkRun(after: start + .mib(6) - 4096, pages: 100, write: false).pages == 1)
    #expect(device.prewalkRun(after: start + .mib(4), pages: 100, write: false).pages == 100)
    #expect(device.prewalkRun(after: start, pages: 5000, write: false).pages == 512)
    // Clipped to the VMA ([4M, 5M + 512K) ends at the read-only stretch).
    #expect(device.prewalkRun(after: start + .mib(4), pages: 5000, write: false).pages == 383)
    // The zero page is read-only: a write run stops at it.
    #expect(device.prewalkRun(after: start + .mib(5) - .kib(12), pages: 10, write: true).pages == 2)
    device.allowsRunFaults = false
    #expect(device.prewalkRun(after: start + .mib(4), pages: 100, write: false).pages == 0)
  }
}
