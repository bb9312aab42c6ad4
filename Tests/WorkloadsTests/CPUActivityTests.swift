import Testing
@testable import Workloads

/// CPU activity between device accesses: the device follows the CPU through every operation,
/// and the safe policies stay safe.
@Suite struct CPUActivityTests {
  static let workload = WorkloadSpec(
    name: "busy", pattern: .random, regions: [RegionSpec(size: ByteCount(8 << 20))], accesses: 4000, accessSize: 4096, writeFraction: 0.5,
    cpu: [
      CPUEventSpec(op: .fork, at: 0.1), CPUEventSpec(op: .touch, at: 0.2, length: ByteCount(1 << 20)),
      CPUEventSpec(op: .collapse, at: 0.3, length: ByteCount(8 << 20)),
      CPUEventSpec(op: .numaProtect, at: 0.4, offset: ByteCount(2 << 20), length: ByteCount(64 << 10)),
      CPUEventSpec(op: .freeReuse, at: 0.5, offset: ByteCount(4 << 20), length: ByteCount(2 << 20)),
      CPUEventSpec(op: .mprotect, at: 0.6, offset: ByteCount(6 << 20), length: 4096),
    ])

  @Test(arguments: ["base", "map-order", "scan", "gpusvm", "nouveau", "amdkfd", "uvm-hmm"])
  func safePoliciesFollowTheCPU(policy: String) throws {
    let result = try WorkloadRunner(workload: Self.workload, policy: DevicePolicyChoice(named: policy)!, memoryBytes: 256 << 20).run()
    #expect(result.oracleViolations == 0, "\(result.violationExamples)")
    #expect(result.invalidations > 0)
    #expect(result.time.invalidation > 0 && result.time.shootdown > 0)
    #expect(result.accesses == 4000)
    // Writes to the page mprotected read-only fail with -EPERM or -EFAULT; nothing else fails.
    #expect(Set(result.failedFaults.keys).isSubset(of: ["EPERM", "EFAULT"]))
  }

  @Test func aRunIsDeterministicForItsSeed() throws {
    let a = try WorkloadRunner(workload: Self.workload, policy: .plain("map-order"), seed: 5, memoryBytes: 256 << 20).run()
    let b = try WorkloadRunner(workload: Self.workload, policy: .plain("map-order"), seed: 5, memoryBytes: 256 << 20).run()
    let c = try WorkloadRunner(workload: Self.workload, policy: .plain("map-order"), seed: 6, memoryBytes: 256 << 20).run()
    #expect(a == b)
    #expect(a.tlbMisses != c.tlbMisses || a.faults != c.faults || a.time != c.time)
  }

  @Test func migrationIsPricedOnTheWayThereAndBack() throws {
    let workload = WorkloadSpec(name: "m", pattern: .sequential, regions: [RegionSpec(size: ByteCount(4 << 20))], accesses: 1024, accessSize: 4096,
                                cpu: [CPUEventSpec(op: .touch, at: 1, length: ByteCount(2 << 20), write: false)], placement: "migrate")
    let result = try WorkloadRunner(workload: workload, policy: .plain("map-order"), memoryBytes: 256 << 20).run()
    #expect(result.pagesToDevice == 1024)
    #expect(result.time.copy > 0 && result.time.migration > 0)
    #expect(result.map.blocks.map(\.cpu) == [.pmd, .device] || result.map.blocks.map(\.cpu) == [.pte, .device]
            || result.map.blocks.map(\.cpu) == [.pteLargeFolio, .device])
  }
}
