/// The outcome of `hmmkit run` or `hmmkit check` over several files.
public struct BatchResult: Sendable {
  /// What was done.
  public var mode: Mode
  /// One result per file, in the order given.
  public var files: [ScenarioResult]

  /// Creates a batch result.
  public init(mode: Mode, files: [ScenarioResult]) {
    self.mode = mode
    self.files = files
  }

  /// Expectations that held, over all files.
  public var passed: Int { files.reduce(0) { $0 + $1.passed } }
  /// Failures (failed expectations, unexpected errors, invariant violations), over all files.
  public var failed: Int { files.reduce(0) { $0 + $1.failed } }
  /// Whether some file could not be read or parsed.
  public var hasErrors: Bool { files.contains { !$0.didRun } }

  /// The process exit code: 2 when a file could not be read or parsed (or none was given),
  /// 1 when something failed, 0 when every expectation held.
  public var exitCode: Int32 {
    if files.isEmpty || hasErrors { return 2 }
    return failed > 0 ? 1 : 0
  }

  /// The summary line: `N passed, N failed`.
  public var summary: String { "\(passed) passed, \(failed) failed" }
}
