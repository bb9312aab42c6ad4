/// One job of a sweep: its stable id, its place in the plan, the axis values it takes and the
/// parameters they make.
public struct SweepJob: Hashable, Sendable {
  /// The id: the job's index in the plan, zero-padded (`0007`); the same file always gives the
  /// same ids.
  public var id: String
  /// The index in the plan (a Slurm array task's `SLURM_ARRAY_TASK_ID` for one job per task).
  public var index: Int
  /// The axis values, in axis order, with the seed last (`seed`).
  public var assignments: [(axis: String, value: SweepValue)]
  /// The template with the axis values put in (what the result records).
  public var parameters: SweepValue
  /// The parameters, decoded and checked.
  public var spec: SweepJobSpec

  /// A job.
  public init(id: String, index: Int, assignments: [(axis: String, value: SweepValue)], parameters: SweepValue, spec: SweepJobSpec) {
    self.id = id
    self.index = index
    self.assignments = assignments
    self.parameters = parameters
    self.spec = spec
  }

  /// `policy=map-order ladder=4K,2M seed=1`: the job's axis values, as a plan line shows them.
  public var label: String { assignments.map { "\($0.axis)=\($0.value)" }.joined(separator: " ") }

  /// The axis values as an object (axis name → value), as results and the database keep them.
  public var axisValues: [String: SweepValue] {
    Dictionary(assignments.map { ($0.axis, $0.value) }, uniquingKeysWith: { first, _ in first })
  }

  /// Equal when id, index and parameters are equal.
  public static func == (lhs: SweepJob, rhs: SweepJob) -> Bool {
    lhs.id == rhs.id && lhs.index == rhs.index && lhs.parameters == rhs.parameters
  }

  /// Hashes id and parameters.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(id)
    hasher.combine(parameters)
  }
}
