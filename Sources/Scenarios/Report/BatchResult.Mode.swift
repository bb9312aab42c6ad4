extension BatchResult {
  /// What was done.
  public enum Mode: String, Sendable, Hashable {
    /// Files were parsed and run.
    case run
    /// Files were only parsed.
    case check
  }
}
