/// Runs every combination of a study.
public struct StudyRunner {
  /// The study.
  public var study: StudySpec

  /// A runner.
  public init(study: StudySpec) { self.study = study }

  /// The number of runs.
  public var runCount: Int { study.workloads.count * study.policies.count * study.ladders.count * study.costs.count }

  /// Runs everything; `progress` gets (runs done + fraction of the current one) / total.
  /// - Throws: ``WorkloadRunner/RunError`` for a study with problems or a workload that cannot start.
  public func run(progress: ((Double) -> Void)? = nil) throws(WorkloadRunner.RunError) -> StudyResult {
    let problems = study.problems()
    guard problems.isEmpty else { throw WorkloadRunner.RunError(description: problems.joined(separator: "\n")) }
    var runs: [RunResult] = []
    let total = Double(max(runCount, 1))
    for workload in study.workloads {
      for policyName in study.policies {
        let policy = DevicePolicyChoice(named: policyName)!
        for ladderName in study.ladders {
          let ladder = StudySpec.ladder(named: ladderName)!
          for cost in study.costs {
            let done = Double(runs.count)
            let runner = WorkloadRunner(workload: workload, policy: policy, ladder: ladder, cost: cost, seed: study.seed,
                                        memoryBytes: study.memory.bytes, progress: progress.map { p in { p((done + $0) / total) } })
            runs.append(try runner.run())
            progress?(Double(runs.count) / total)
          }
        }
      }
    }
    return StudyResult(study: study, runs: runs)
  }
}
