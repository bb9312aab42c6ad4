import Foundation

/// How far a running sweep is: jobs done of the total, failures, and the job that has been
/// running longest.
public struct SweepProgress: Sendable, Equatable {
  /// Jobs with a result (those done before this run included).
  public var done: Int
  /// Jobs in the plan.
  public var total: Int
  /// Jobs that failed on every attempt.
  public var failed: Int
  /// Workers running now.
  public var running: Int
  /// The longest-running job: its id, axis values, attempt and seconds so far.
  public var slowest: (id: String, label: String, attempt: Int, seconds: Double)?

  /// Progress.
  public init(done: Int, total: Int, failed: Int, running: Int, slowest: (id: String, label: String, attempt: Int, seconds: Double)?) {
    self.done = done
    self.total = total
    self.failed = failed
    self.running = running
    self.slowest = slowest
  }

  /// Progress of `plan` in `directory` now.
  public init(plan: SweepPlan, directory: SweepDirectory, now: Date = Date()) {
    let status = SweepStatus(plan: plan, directory: directory)
    let oldest = status.running.min { $0.startedAt < $1.startedAt }
    self.init(done: status.done.count, total: status.total, failed: status.failed.count, running: status.running.count,
              slowest: oldest.map { job in
                (job.job, plan.job(job.job)?.label ?? "", job.attempt, max(0, now.timeIntervalSince1970 - job.startedAt))
              })
  }

  /// `12/24 done, 1 failed, 2 running; slowest: 0013 (policy=base seed=1) 4.2 s`.
  public var line: String {
    var text = "\(done)/\(total) done"
    if failed > 0 { text += ", \(failed) failed" }
    text += ", \(running) running"
    if let slowest {
      text += "; slowest: \(slowest.id) (\(slowest.label))" + (slowest.attempt > 1 ? " attempt \(slowest.attempt)" : "")
        + " \(String(format: "%.1f", slowest.seconds)) s"
    }
    return text
  }

  /// Equal when the counts and the slowest job's id are.
  public static func == (lhs: SweepProgress, rhs: SweepProgress) -> Bool {
    lhs.done == rhs.done && lhs.total == rhs.total && lhs.failed == rhs.failed && lhs.running == rhs.running
      && lhs.slowest?.id == rhs.slowest?.id
  }
}
