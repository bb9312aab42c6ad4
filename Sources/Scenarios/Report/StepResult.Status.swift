extension StepResult {
  /// How a step ended.
  public enum Status: String, Sendable, Hashable, CaseIterable {
    /// The command succeeded (or the expectation held).
    case ok
    /// The command failed and the next line, `expect error`, allowed it.
    case expectedError = "expected-error"
    /// An expectation did not hold, the command failed unexpectedly, or the model's invariant
    /// checker found a violation.
    case failed
    /// The step did not run because an earlier step failed in a way that stops the file (an
    /// unexpected error or an invariant violation).
    case skipped
  }
}
