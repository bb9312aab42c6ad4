/// What one run of a workload under a policy produced: counters, modelled time by cause, fault
/// latencies, the address-space map and the safety oracle's findings.
public struct RunResult: Hashable, Sendable, Codable {
  /// The workload's name.
  public var workload: String
  /// The policy (or preset).
  public var policy: String
  /// The device's page-size ladder.
  public var ladder: String
  /// The cost model's name.
  public var cost: String
  /// The seed the run used.
  public var seed: UInt64
  /// Device accesses simulated.
  public var accesses = 0
  /// Device faults.
  public var faults = 0
  /// Faults that failed, by errno name (`EINVAL`, `EFAULT`, …).
  public var failedFaults: [String: Int] = [:]
  /// TLB hits.
  public var tlbHits = 0
  /// TLB misses.
  public var tlbMisses = 0
  /// Bytes the TLB covers at the end.
  public var tlbReach: UInt64 = 0
  /// Bytes mapped by the device at the end, by page size.
  public var bytesMapped: [String: UInt64] = [:]
  /// Device mappings created, by page size.
  public var mappingsCreated: [String: Int] = [:]
  /// Invalidations delivered.
  public var invalidations = 0
  /// `hmm_range_fault()` entries.
  public var hmmEntries = 0
  /// Pages migrated to device memory.
  public var pagesToDevice = 0
  /// Safety-oracle violations (invariants 1 and 2).
  public var oracleViolations = 0
  /// The first violations, as sentences.
  public var violationExamples: [String] = []
  /// Modelled time by cause.
  public var time = ModelledTime()
  /// Modelled latency of every fault (far-fault latency included), in nanoseconds, sorted.
  public var faultLatencies: [Double] = []
  /// The address-space map at the end.
  public var map = AddressSpaceMap()

  /// An empty result.
  public init(workload: String, policy: String, ladder: String, cost: String, seed: UInt64) {
    self.workload = workload
    self.policy = policy
    self.ladder = ladder
    self.cost = cost
    self.seed = seed
  }
}
