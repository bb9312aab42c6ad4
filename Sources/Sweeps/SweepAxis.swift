/// One axis of a sweep: a place in the job template and the values it takes there.
public struct SweepAxis: Hashable, Sendable, Codable {
  /// Where the values go (`policy`, `ladder`, `cost.farFaultLatencyNS`, `workload.accesses`).
  public var axis: String
  /// The values, in the order jobs take them.
  public var values: [SweepValue]

  /// An axis.
  public init(axis: String, values: [SweepValue]) {
    self.axis = axis
    self.values = values
  }

  enum CodingKeys: String, CodingKey, CaseIterable { case axis, values }

  /// Reads an axis; both fields are required and nothing else is allowed.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: SweepKey.self)
    try SweepKey.rejectUnknown(in: c, known: CodingKeys.allCases.map(\.rawValue), what: "axis")
    axis = try c.decode(String.self, forKey: SweepKey("axis"))
    values = try c.decode([SweepValue].self, forKey: SweepKey("values"))
  }

  /// Writes the axis back.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(axis, forKey: .axis)
    try c.encode(values, forKey: .values)
  }
}
