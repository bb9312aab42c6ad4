import MemoryModel

/// Runs parsed scenarios against a fresh `MemoryModel.MemorySystem` each.
///
/// Every statement becomes one ``StepResult``. After every step that can change the model the
/// runner calls the model's invariant checker (`MemoryModel.MemorySystem.checkInvariants()`)
/// and fails the step on a violation. A command that fails when the next line is not
/// `expect error`, and an invariant violation, stop the file: later steps are `skipped`.
/// A failed expectation does not stop the file.
public struct ScenarioRunner: Sendable {
  /// How scenarios run.
  public struct Options: Sendable, Hashable {
    /// Physical memory of the simulated machine unless the scenario sets `system memory=`.
    public var memoryBytes: UInt64
    /// Whether the model's invariants are checked after every step.
    public var checkInvariants: Bool
    /// The host memory one request may need (a dmirror buffer, a snapshot): a request that
    /// needs more is refused up front with an error naming both sizes (`run --max-host-memory`).
    public var maxHostMemory: UInt64

    /// The default ``maxHostMemory``: 2 GiB.
    public static let defaultMaxHostMemory: UInt64 = 2 << 30

    /// Creates options: 4 GiB of memory, invariants checked, 2 GiB of host memory per request.
    public init(memoryBytes: UInt64 = 4 << 30, checkInvariants: Bool = true, maxHostMemory: UInt64 = Options.defaultMaxHostMemory) {
      self.memoryBytes = memoryBytes
      self.checkInvariants = checkInvariants
      self.maxHostMemory = maxHostMemory
    }
  }

  /// The options every run uses.
  public var options: Options

  /// Creates a runner.
  public init(options: Options = Options()) {
    self.options = options
  }

  /// Runs `scenario` from a fresh machine and returns every step's result.
  ///
  /// - Complexity: the cost of the model operations, plus one invariant check (O(frames)) per
  ///   step when ``Options/checkInvariants`` is set.
  public func run(_ scenario: Scenario) -> ScenarioResult {
    let interpreter = ScenarioInterpreter(options: options)
    interpreter.directives = scenario.directives
    let steps = interpreter.run(scenario.statements)
    interpreter.shutdown()
    return ScenarioResult(file: scenario.file, steps: steps)
  }
}
