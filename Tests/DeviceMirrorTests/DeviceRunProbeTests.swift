import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// `Device.accessPages` probing only the 4 KiB TLB array where every larger array is known to
/// miss, and the fault path that continues the driver loop from its first walk, leave the device
/// exactly as the same accesses one by one on a device that takes the whole driver loop.
@Suite struct DeviceRunProbeTests {
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
    if fork { _ = try space.fork(childName: "B") }
    return (space, start)
  }

  func state(_ device: Device, _ base: VirtualAddress) -> [String] {
    [
      "\(device.counters)", "\(device.tlb.statistics) clock \(device.tlb.clock)",
      device.tlb.slots.map { "\($0.tag == 0 ? 0 : 1) \($0.stamp) \($0.writable)" }.joined(separator: ","),
      device.tlb.entries.map { "\($0.start - base) \($0.size)" }.joined(separator: ","),
      device.deviceMappings.map { "\($0.start - base) \($0.size) \($0.isWritable)" }.joined(separator: ","),
    ]
  }

  @Test(arguments: [false, true], ["xe", "nvidia", "amd", "small-tlb", "migrate"])
  func runsMatchAccessByAccess(fork: Bool, kind: String) throws {
    let sizes: DevicePageSizes = kind == "amd" ? .amd : kind == "nvidia" ? .nvidia : .xe
    let geometry: [DevicePageSize: DeviceTLB.Geometry]? = kind == "small-tlb"
      ? [.size4K: .init(entries: 8, ways: 2), .size64K: .init(entries: 4, ways: 2), .size2M: .init(entries: 2, ways: 2), .size1G: .init(entries: 2, ways: 2)]
      : nil
    let passes: [(offset: UInt64, pages: Int, write: Bool)] = [
      (0, 900, false), (.mib(3) - 8192, 40, true), (.mib(4) + 17, 300, false), (.mib(4), 200, true), (.mib(5), 400, false),
      (.mib(5), 300, true), (.mib(6), 100, false), (.mib(6) + 4096, 50, true), (0, 600, true), (.mib(5) + .kib(512), 20, true),
      (.mib(7), 256, false), (.mib(7), 256, true),
      // Again over pages just accessed (their 4 KiB entries hit), reads then writes.
      (.mib(6) + 8192, 30, false), (.mib(6) + 8192, 30, false), (.mib(6), 30, true), (.mib(6) + 4096, 30, true),
      (.mib(4) + 8192, 12, false), (.mib(4) + 8192, 12, true),
    ]
    for (name, policy) in [("base", { BasePolicy() as any MappingPolicy }), ("map-order", { MapOrderPolicy() }), ("scan", { ScanPolicy() })] {
      for window in name == "map-order" ? [UInt64(4096), 2 << 20] : [65536] {
        let (a, startA) = try machine(fork: fork)
        let (b, startB) = try machine(fork: fork)
        let placement: Device.Placement = kind == "migrate" ? .migrate : .system
        let memory: UInt64 = kind == "migrate" ? .mib(4) : 0
        let fast = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: window, tlbGeometry: geometry,
                          placement: placement, deviceMemoryBytes: memory)
        let slow = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: policy(), faultWindow: window, tlbGeometry: geometry,
                          placement: placement, deviceMemoryBytes: memory)
        slow.allowsFaultShortcut = false
        try fast.mirror(a)
        try slow.mirror(b)
        for pass in passes {
          var fastPFNs: [UInt64] = []
          var fastError = "none"
          do throws(HMMError) {
            try fast.accessPages(from: startA + pass.offset, pages: pass.pages, write: pass.write) { _, pfn, n in
              for i in 0..<n { fastPFNs.append(pfn.rawValue + UInt64(i)) }
              return n
            }
          } catch { fastError = "\(error.errno)" }
          var slowPFNs: [UInt64] = []
          var slowError = "none"
          do throws(HMMError) {
            for i in 0..<pass.pages {
              let address = i == 0 ? startB + pass.offset : (startB + pass.offset).alignedDown(to: 4096) + UInt64(i) << 12
              slowPFNs.append(try slow.access(address, write: pass.write).rawValue)
            }
          } catch { slowError = "\(error.errno)" }
          let note = "\(kind) \(name) fork=\(fork) window=\(window) pass \(pass)"
          #expect(fastPFNs == slowPFNs, "\(note)")
          #expect(fastError == slowError, "\(note)")
          #expect(state(fast, startA) == state(slow, startB), "\(note)")
          #expect(fast.notifierForTests?.sequence == slow.notifierForTests?.sequence, "\(note)")
        }
        #expect(fast.counters.accesses > 3000)
      }
    }
  }
}
