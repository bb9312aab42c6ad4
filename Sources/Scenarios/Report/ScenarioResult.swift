/// The outcome of one scenario file: its steps, or the diagnostics that kept it from running.
public struct ScenarioResult: Sendable {
  /// The file name.
  public var file: String
  /// The steps in order (empty when the file did not parse).
  public var steps: [StepResult]
  /// The diagnostics when the file could not be read or parsed (then nothing ran).
  public var diagnostics: [ScenarioDiagnostic]
  /// The number of statements the file holds (0 when it did not parse).
  public var statementCount: Int

  /// Creates a result.
  public init(
    file: String, steps: [StepResult] = [], diagnostics: [ScenarioDiagnostic] = [], statementCount: Int? = nil
  ) {
    self.file = file
    self.steps = steps
    self.diagnostics = diagnostics
    self.statementCount = statementCount ?? steps.count
  }

  /// Whether the file was read and parsed (and so ran).
  public var didRun: Bool { diagnostics.isEmpty }

  /// Expectations that held.
  public var passed: Int { steps.count { $0.isExpectation && $0.status == .ok } }

  /// Failures: expectations that did not hold, unexpected command errors and invariant
  /// violations.
  public var failed: Int { steps.count { $0.isFailure } }

  /// The failed steps.
  public var failures: [StepResult] { steps.filter(\.isFailure) }

  /// Whether the file ran and nothing failed.
  public var succeeded: Bool { didRun && failed == 0 }
}
