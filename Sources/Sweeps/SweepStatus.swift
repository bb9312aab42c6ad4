import Foundation

/// Where each job of a sweep stands in its directory: done, running, failed (both attempts),
/// or not run; and the report that names every job without a result.
public struct SweepStatus: Sendable {
  /// Jobs in the plan.
  public var total: Int
  /// Ids of the jobs with a result.
  public var done: [String]
  /// Jobs with a result that needed a retry.
  public var retried: [String]
  /// Jobs without a result.
  public var missing: [Missing]
  /// Workers running now.
  public var running: [SweepRunningJob]

  /// The status of `plan`'s jobs in `directory`.
  public init(plan: SweepPlan, directory: SweepDirectory) {
    let results = Set(directory.resultIDs())
    running = directory.running()
    let runningIDs = Set(running.map(\.job))
    total = plan.jobs.count
    done = []
    retried = []
    missing = []
    let failed = Set(directory.failureIDs())
    for job in plan.jobs {
      if results.contains(job.id) {
        done.append(job.id)
        if failed.contains(job.id) { retried.append(job.id) }
      } else {
        missing.append(Missing(id: job.id, label: job.label, failures: failed.contains(job.id) ? directory.failures(job.id) : [],
                               running: runningIDs.contains(job.id)))
      }
    }
  }

  /// Jobs that failed on every attempt.
  public var failed: [Missing] { missing.filter { !$0.failures.isEmpty && !$0.running } }

  /// The report: counts, then one line per job without a result.
  public var report: String {
    var lines = ["\(done.count)/\(total) jobs done" + (retried.isEmpty ? "" : " (\(retried.count) after a retry: \(retried.joined(separator: ", ")))")]
    if !missing.isEmpty {
      lines.append("\(missing.count) job\(missing.count == 1 ? "" : "s") without a result:")
      for job in missing { lines.append("  \(job.id) (\(job.label)): \(job.reason)") }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
