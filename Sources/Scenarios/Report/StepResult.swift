import MemoryModel

/// What happened when one statement of a scenario ran.
public struct StepResult: Sendable {
  /// The statement that ran.
  public var statement: Statement
  /// How it ended.
  public var status: Status
  /// For a command that failed: the error (errno or signal name) and the model's reason.
  public var error: CommandError?
  /// For an expectation (and for `read ... expect=`): the expected value, as text.
  public var expected: String?
  /// For an expectation (and for `read ... expect=`): the actual value, as text.
  public var actual: String?
  /// Readable lines the step produced (assigned addresses, collapse results, ...).
  public var output: [String]
  /// For `snapshot`: the runs of the range, with addresses shown relative to `snapshotBase`.
  public var snapshot: [SnapshotRun]?
  /// The name and address that snapshot offsets are relative to, if the range named a region.
  public var snapshotBase: (name: String, address: VirtualAddress)?
  /// Invalidations the step raised, in order, with the process that heard each.
  public var invalidations: [(process: String, range: InvalidationRange)]
  /// Invariant violations the model's checker found after the step.
  public var violations: [String]

  /// Creates a result for `statement` with nothing recorded yet.
  public init(statement: Statement, status: Status) {
    self.statement = statement
    self.status = status
    self.error = nil
    self.expected = nil
    self.actual = nil
    self.output = []
    self.snapshot = nil
    self.snapshotBase = nil
    self.invalidations = []
    self.violations = []
  }

  /// Whether the step counts as a failure (a failed expectation, an unexpected error or an
  /// invariant violation).
  public var isFailure: Bool { status == .failed }

  /// Whether the step is an expectation (an `expect` line or a `read` with `expect=`).
  public var isExpectation: Bool {
    switch statement.command {
    case .expect: return true
    case .read(let access): return access.pattern != nil
    case .device(.access(_, _, let write, let pattern, _, _)): return !write && pattern != nil
    default: return false
    }
  }
}
