import HMM
import MemoryModel
import Testing
@testable import DeviceMirror

/// `Device.stream` leaves the device exactly as the same accesses one by one do.
@Suite struct DeviceStreamTests {
  func setUp(thp: Bool) throws -> (AddressSpace, VirtualAddress) {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let start = try space.mmap(.init(length: .mib(8), protection: .readWrite, alignment: PageSize.size2M.bytes))
    if thp { try space.madvise(start, .mib(8), .hugepage) }
    try space.touch(start, .mib(8), write: true)
    try space.mprotect(start + .mib(5), 4096, .read)  // one PTE-mapped THP
    return (space, start)
  }

  @Test(arguments: [(true, UInt64(64)), (true, 4096), (false, 64), (true, 12288)])
  func streamMatchesAccessByAccess(thp: Bool, step: UInt64) throws {
    let (a, startA) = try setUp(thp: thp)
    let (b, startB) = try setUp(thp: thp)
    let fast = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    let slow = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    try fast.mirror(a)
    try slow.mirror(b)
    let count = Int(UInt64.mib(8) / step)
    #expect(try fast.stream(from: startA, step: step, count: count, write: false) == count)
    for i in 0..<count { try slow.access(startB + UInt64(i) * step, write: false) }
    #expect(fast.counters == slow.counters)
    #expect(fast.tlb.statistics == slow.tlb.statistics)
    #expect(fast.tlb.entries.map { $0.start - startA } == slow.tlb.entries.map { $0.start - startB })
    #expect(fast.counters.tlbHits > count / 2)
  }

  @Test func aStreamStopsAtTheFirstFailingAccess() throws {
    let (space, start) = try setUp(thp: true)
    let device = Device(name: "d", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    try device.mirror(space)
    // Writes reach the read-only page at +5M and fail there with -EPERM... or -EFAULT.
    #expect(throws: HMMError.self) { try device.stream(from: start, step: 4096, count: 2048, write: true) }
    #expect(device.counters.accesses == 5 * 256 + 1)
  }
}
