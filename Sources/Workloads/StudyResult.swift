/// A study's results: one ``RunResult`` per workload × policy × ladder × cost model.
public struct StudyResult: Hashable, Sendable, Codable {
  /// The study run.
  public var study: StudySpec
  /// The runs, in study order.
  public var runs: [RunResult]

  /// Results.
  public init(study: StudySpec, runs: [RunResult]) {
    self.study = study
    self.runs = runs
  }

  /// The run of `workload` under `policy` (first ladder and cost).
  public func run(_ workload: String, _ policy: String) -> RunResult? {
    runs.first { $0.workload == workload && $0.policy == policy }
  }
}
