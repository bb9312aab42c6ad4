import Foundation

/// A job a worker is running now, as it records itself in `running/ID`.
public struct SweepRunningJob: Hashable, Sendable, Codable {
  /// The job's id.
  public var job: String
  /// The worker's process id (on `host`).
  public var pid: Int32
  /// The attempt.
  public var attempt: Int
  /// The host.
  public var host: String
  /// When it started (seconds since 1970).
  public var startedAt: Double

  /// A running job.
  public init(job: String, pid: Int32, attempt: Int, host: String, startedAt: Double) {
    self.job = job
    self.pid = pid
    self.attempt = attempt
    self.host = host
    self.startedAt = startedAt
  }

  /// Whether the worker still runs (only knowable on its own host; elsewhere assumed so).
  public var isAlive: Bool {
    guard host == SweepDirectory.hostName else { return true }
    return kill(pid, 0) == 0 || errno == EPERM
  }
}
