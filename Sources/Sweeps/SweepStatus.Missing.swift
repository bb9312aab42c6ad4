extension SweepStatus {
  /// A job without a result.
  public struct Missing: Sendable, Hashable {
    /// The job's id.
    public var id: String
    /// Its axis values.
    public var label: String
    /// Its failed attempts (empty: never run, or killed together with its supervisor).
    public var failures: [SweepFailure]
    /// Whether a worker runs it now.
    public var running: Bool

    /// Why it has no result, as a sentence.
    public var reason: String {
      if running { return "still running" }
      guard let last = failures.last else { return "no result and no failed attempt recorded (not run, or stopped together with its engine)" }
      let attempts = failures.count == 1 ? "1 attempt" : "\(failures.count) attempts"
      return "failed after \(attempts); last: \(last.reason)"
    }
  }
}
