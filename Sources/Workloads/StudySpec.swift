import DeviceMirror

/// A study: every workload under every policy, page ladder and cost model (docs/study.md).
public struct StudySpec: Hashable, Sendable, Codable {
  /// The study's name.
  public var name: String
  /// The seed of every access stream (printed, and accepted back).
  public var seed: UInt64
  /// Simulated physical memory.
  public var memory: ByteCount
  /// The workloads.
  public var workloads: [WorkloadSpec]
  /// Policy or preset names (``DevicePolicyChoice/names``).
  public var policies: [String]
  /// Ladders: `default` (the policy's own), `nvidia`, `xe`, `amd`, `base`, or a list like `4K,2M`.
  public var ladders: [String]
  /// Cost models (parameters left out keep their defaults).
  public var costs: [DeviceCostModel]

  /// A study.
  public init(name: String, seed: UInt64 = 1, memory: ByteCount = ByteCount(1 << 30), workloads: [WorkloadSpec], policies: [String],
              ladders: [String] = ["default"], costs: [DeviceCostModel] = [DeviceCostModel()]) {
    self.name = name
    self.seed = seed
    self.memory = memory
    self.workloads = workloads
    self.policies = policies
    self.ladders = ladders
    self.costs = costs
  }

  enum CodingKeys: String, CodingKey, CaseIterable { case name, seed, memory, workloads, policies, ladders, costs }

  /// Reads a study; `name`, `workloads` and `policies` are required.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for key in c.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
      throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
        "unknown study field '\(key.stringValue)' (known: \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    name = try c.decode(String.self, forKey: AnyKey("name"))
    seed = try c.decodeIfPresent(UInt64.self, forKey: AnyKey("seed")) ?? 1
    memory = try c.decodeIfPresent(ByteCount.self, forKey: AnyKey("memory")) ?? ByteCount(1 << 30)
    workloads = try c.decode([WorkloadSpec].self, forKey: AnyKey("workloads"))
    policies = try c.decode([String].self, forKey: AnyKey("policies"))
    ladders = try c.decodeIfPresent([String].self, forKey: AnyKey("ladders")) ?? ["default"]
    costs = try c.decodeIfPresent([DeviceCostModel].self, forKey: AnyKey("costs")) ?? [DeviceCostModel()]
  }

  /// Writes the study back.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: AnyKey.self)
    try c.encode(name, forKey: AnyKey("name"))
    try c.encode(seed, forKey: AnyKey("seed"))
    try c.encode(memory, forKey: AnyKey("memory"))
    try c.encode(workloads, forKey: AnyKey("workloads"))
    try c.encode(policies, forKey: AnyKey("policies"))
    try c.encode(ladders, forKey: AnyKey("ladders"))
    try c.encode(costs, forKey: AnyKey("costs"))
  }

  /// Parses a ladder name; nil for `default`.
  public static func ladder(named name: String) -> DevicePageSizes?? {
    switch name {
    case "default": return .some(nil)
    case "nvidia": return .some(.nvidia)
    case "xe": return .some(.xe)
    case "amd": return .some(.amd)
    case "base": return .some(.base)
    default:
      var sizes: Set<DevicePageSize> = []
      for part in name.split(separator: ",") {
        guard let size = DevicePageSize(parsing: String(part)) else { return nil }
        sizes.insert(size)
      }
      return sizes.isEmpty ? nil : .some(DevicePageSizes(sizes))
    }
  }

  /// What is wrong with the study (sentences naming the field), empty when it can run.
  public func problems() -> [String] {
    var result: [String] = []
    if workloads.isEmpty { result.append("'workloads' is empty") }
    if policies.isEmpty { result.append("'policies' is empty") }
    if ladders.isEmpty { result.append("'ladders' is empty") }
    if costs.isEmpty { result.append("'costs' is empty") }
    for policy in policies where DevicePolicyChoice(named: policy) == nil {
      result.append("unknown policy '\(policy)' (known: \(DevicePolicyChoice.names.joined(separator: ", ")))")
    }
    for ladder in ladders where Self.ladder(named: ladder) == nil {
      result.append("unknown ladder '\(ladder)' (expected default, nvidia, xe, amd, base or sizes like 4K,64K,2M)")
    }
    if memory.bytes < 64 << 20 || memory.bytes > 256 << 30 { result.append("'memory' \(memory) must be between 64M and 256G") }
    let names = workloads.map(\.name)
    if Set(names).count != names.count { result.append("workload names must be distinct") }
    for workload in workloads { result += workload.problems() }
    return result
  }
}
