import Foundation
import Workloads

/// What one job runs: the sweep's template with the job's axis values and seed put in. It is
/// one run of a study (docs/study.md): a workload under a policy, a page ladder and a cost model.
public struct SweepJobSpec: Hashable, Sendable, Codable {
  /// The workload.
  public var workload: WorkloadSpec
  /// The policy or driver preset (`DevicePolicyChoice.names` in Workloads).
  public var policy: String
  /// The page ladder (`default`, `nvidia`, `xe`, `amd`, `base` or sizes like `4K,2M`).
  public var ladder: String
  /// The cost model.
  public var cost: DeviceCostModel
  /// Simulated physical memory.
  public var memory: ByteCount
  /// The seed of the access stream.
  public var seed: UInt64

  /// A job.
  public init(workload: WorkloadSpec, policy: String, ladder: String = "default", cost: DeviceCostModel = DeviceCostModel(),
              memory: ByteCount = ByteCount(1 << 30), seed: UInt64 = 1) {
    self.workload = workload
    self.policy = policy
    self.ladder = ladder
    self.cost = cost
    self.memory = memory
    self.seed = seed
  }

  enum CodingKeys: String, CodingKey, CaseIterable { case workload, policy, ladder, cost, memory, seed }

  /// Reads a job; `workload` and `policy` are required.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: SweepKey.self)
    try SweepKey.rejectUnknown(in: c, known: CodingKeys.allCases.map(\.rawValue), what: "template")
    workload = try c.decode(WorkloadSpec.self, forKey: SweepKey("workload"))
    policy = try c.decode(String.self, forKey: SweepKey("policy"))
    ladder = try c.decodeIfPresent(String.self, forKey: SweepKey("ladder")) ?? "default"
    cost = try c.decodeIfPresent(DeviceCostModel.self, forKey: SweepKey("cost")) ?? DeviceCostModel()
    memory = try c.decodeIfPresent(ByteCount.self, forKey: SweepKey("memory")) ?? ByteCount(1 << 30)
    seed = try c.decodeIfPresent(UInt64.self, forKey: SweepKey("seed")) ?? 1
  }

  /// Writes the job.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(workload, forKey: .workload)
    try c.encode(policy, forKey: .policy)
    try c.encode(ladder, forKey: .ladder)
    try c.encode(cost, forKey: .cost)
    try c.encode(memory, forKey: .memory)
    try c.encode(seed, forKey: .seed)
  }

  /// The job as a one-run study, whose checks and runner it shares.
  public var study: StudySpec {
    StudySpec(name: workload.name, seed: seed, memory: memory, workloads: [workload], policies: [policy], ladders: [ladder], costs: [cost])
  }

  /// What is wrong with the job's parameters (sentences naming the field), empty when it can run.
  public func problems() -> [String] { study.problems() }

  /// Runs the job.
  /// - Throws: ``SweepError`` when the workload cannot be set up.
  public func run() throws(SweepError) -> RunResult {
    do {
      let result = try StudyRunner(study: study).run()
      guard let run = result.runs.first else { throw SweepError("the job ran nothing") }
      return run
    } catch let error as SweepError {
      throw error
    } catch {
      throw SweepError("\(error)")
    }
  }
}
