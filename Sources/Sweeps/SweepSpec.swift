import Foundation

/// A sweep file (docs/sweeps.md): a job template, the axes whose values replace parts of it,
/// and the seeds. Its jobs are every combination of the axes' values and the seeds, the first
/// axis varying slowest and the seeds fastest.
public struct SweepSpec: Hashable, Sendable, Codable {
  /// The sweep's name (the database keys runs by it).
  public var name: String
  /// What the sweep is for, if said.
  public var description: String?
  /// The seeds every combination runs with (the innermost axis, `seed`).
  public var seeds: [UInt64]
  /// The job template: `workload` (a workload of docs/study.md), `policy`, `ladder`, `cost`, `memory`.
  public var template: SweepValue
  /// The axes, outermost first.
  public var axes: [SweepAxis]

  /// A sweep.
  public init(name: String, description: String? = nil, seeds: [UInt64] = [1], template: SweepValue, axes: [SweepAxis]) {
    self.name = name
    self.description = description
    self.seeds = seeds
    self.template = template
    self.axes = axes
  }

  enum CodingKeys: String, CodingKey, CaseIterable { case name, description, seeds, template, axes }

  /// Reads a sweep; `name`, `template` and `axes` are required, `seeds` defaults to `[1]`.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: SweepKey.self)
    try SweepKey.rejectUnknown(in: c, known: CodingKeys.allCases.map(\.rawValue), what: "sweep")
    name = try c.decode(String.self, forKey: SweepKey("name"))
    description = try c.decodeIfPresent(String.self, forKey: SweepKey("description"))
    seeds = try c.decodeIfPresent([UInt64].self, forKey: SweepKey("seeds")) ?? [1]
    template = try c.decode(SweepValue.self, forKey: SweepKey("template"))
    axes = try c.decode([SweepAxis].self, forKey: SweepKey("axes"))
  }

  /// Writes the sweep back.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encodeIfPresent(description, forKey: .description)
    try c.encode(seeds, forKey: .seeds)
    try c.encode(template, forKey: .template)
    try c.encode(axes, forKey: .axes)
  }

  /// The most jobs one sweep may have.
  public static let maximumJobs = 1_000_000

  /// The number of jobs: the product of the axes' value counts and the seeds.
  public var jobCount: Int {
    axes.reduce(seeds.count) { total, axis in total.multipliedReportingOverflow(by: axis.values.count).partialValue }
  }

  /// What is wrong with the sweep's shape (sentences naming the field), empty when it can be
  /// planned. Each job's parameters are checked when the plan is made.
  public func problems() -> [String] {
    var result: [String] = []
    if name.isEmpty || name.contains(where: { $0 == "/" || $0.isNewline }) {
      result.append("'name' must be a non-empty name without '/' or line breaks")
    }
    if seeds.isEmpty { result.append("'seeds' is empty") }
    if Set(seeds).count != seeds.count { result.append("'seeds' has a seed twice") }
    if let big = seeds.first(where: { $0 > UInt64(Int64.max) }) { result.append("'seeds': \(big) is not below 2^63") }
    guard case .object = template else { return result + ["'template' must be an object (workload, policy, ladder, cost, memory)"] }
    var seen: Set<String> = []
    for (i, axis) in axes.enumerated() {
      if SweepPath(parsing: axis.axis) == nil {
        result.append(".axes[\(i)]: '\(axis.axis)' is not a path (keys separated by '.', list elements as [N], e.g. workload.regions[0].size)")
      }
      if axis.axis == "seed" { result.append(".axes[\(i)]: the seed axis is 'seeds' at the top level") }
      if !seen.insert(axis.axis).inserted { result.append(".axes[\(i)]: axis '\(axis.axis)' is given twice") }
      if axis.values.isEmpty { result.append(".axes[\(i)]: axis '\(axis.axis)' has no values") }
      if Set(axis.values).count != axis.values.count { result.append(".axes[\(i)]: axis '\(axis.axis)' has a value twice") }
    }
    let count = axes.reduce(seeds.count) { total, axis in
      let (product, overflow) = total.multipliedReportingOverflow(by: axis.values.count)
      return overflow ? Int.max : product
    }
    if count > Self.maximumJobs { result.append("the sweep has \(count) jobs, more than \(Self.maximumJobs); split it") }
    return result
  }
}
