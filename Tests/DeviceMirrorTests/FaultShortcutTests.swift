import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// The short path of a fault that needs no CPU fault leaves the device, the CPU and the notifier
/// exactly as the whole driver loop does, for one-page, 64K and 2M fault windows.
@Suite struct FaultShortcutTests {
  /// 8 MiB: a PMD-mapped THP, a PTE-mapped THP, 4 KiB pages, the zero page, a read-only
  /// stretch, untouched pages; optionally forked (COW: writes need CPU faults, reads do not).
  func machine(fork: Bool) throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let start = try space.mmap(.init(length: .mib(8), protection: .readWrite, alignment: PageSize.size2M.bytes))
    try space.madvise(start, .mib(4), .hugepage)
    try space.touch(start, .mib(4), write: true)
    try space.mprotect(start + .mib(3), 4096, .read)
    try space.touch(start + .mib(4), .mib(1), write: true)
    try space.touch(start + .mib(5), .mib(1), write: false)
    try space.mprotect(start + .mib(5) + .kib(512), .kib(64), .read)
    if fork { _ = try space.fork(childName: "B") }
    return (system, space, start)
  }

  @Test(arguments: [false, true], [UInt64(4096), 65536, 2 << 20])
  func shortPathMatchesTheDriverLoop(fork: Bool, window: UInt64) throws {
    let policies: [(String, () -> any MappingPolicy)] = [("base", { BasePolicy() }), ("map-order", { MapOrderPolicy() }), ("scan", { ScanPolicy() })]
    let passes: [(offset: UInt64, pages: Int, write: Bool)] = [
      (0, 900, false), (.mib(3) - 8192, 40, true), (.mib(4) + 17, 300, false), (.mib(4), 200, true), (.mib(5), 400, false),
      (.mib(5), 300, true), (.mib(6), 100, false), (.mib(6) + 4096, 50, true), (0, 600, true), (.mib(5) + .kib(512), 20, true),
    ]
    for (name, policy) in policies {
      let (systemA, a, startA) = try machine(fork: fork)
      let (systemB, b, startB) = try machine(fork: fork)
      let fast = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: policy(), faultWindow: window)
      let slow = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: policy(), faultWindow: window)
      slow.allowsFaultShortcut = false
      try fast.mirror(a)
      try slow.mirror(b)
      for pass in passes {
        func run(_ device: Device, _ start: VirtualAddress) -> (pfns: [UInt64], error: String) {
          var pfns: [UInt64] = []
          do throws(HMMError) {
            try device.accessPages(from: start + pass.offset, pages: pass.pages, write: pass.write) { _, pfn, n in
              for i in 0..<n { pfns.append(pfn.rawValue + UInt64(i)) }
              return n
            }
          } catch { return (pfns, "\(error.errno)") }
          return (pfns, "none")
        }
        let (fastPFNs, fastError) = run(fast, startA)
        let (slowPFNs, slowError) = run(slow, startB)
        let errors = [fastError, slowError]
        let note = "\(name) fork=\(fork) window=\(window) pass \(pass)"
        #expect(fastPFNs == slowPFNs, "\(note)")
        #expect(errors[0] == errors[1], "\(note)")
        #expect(fast.counters == slow.counters, "\(note)")
        #expect(fast.tlb.statistics == slow.tlb.statistics && fast.tlb.clock == slow.tlb.clock, "\(note)")
        #expect(fast.deviceMappings.map { "\($0.start - startA) \($0.size) \($0.pfn) \($0.isWritable)" }
          == slow.deviceMappings.map { "\($0.start - startB) \($0.size) \($0.pfn) \($0.isWritable)" }, "\(note)")
        #expect(systemA.events == systemB.events, "\(note)")
        #expect(fast.notifierForTests?.sequence == slow.notifierForTests?.sequence, "\(note)")
      }
      #expect(fast.counters.faults > (window == 4096 ? 1000 : 4), "\(name): the passes fault")
    }
  }
}
