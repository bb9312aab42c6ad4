import Scenarios

/// One generated scenario: the steps, and the seed that generates them again.
public struct FuzzCase: Sendable, Hashable {
  /// The run's seed (`--seed`).
  public var runSeed: UInt64
  /// The case's index in the run (0-based).
  public var index: Int
  /// The steps, in order.
  public var steps: [FuzzStep]

  /// Creates a case.
  public init(runSeed: UInt64, index: Int, steps: [FuzzStep]) {
    self.runSeed = runSeed
    self.index = index
    self.steps = steps
  }

  /// The scenario lines of every step.
  public var commands: [Command] { steps.flatMap(\.commands) }

  /// The case as scenario text (what the fuzzer ran, byte for byte the same for a seed).
  public var text: String {
    ScenarioPrinter.text(commands, header: ["hmmkit fuzz --seed \(runSeed): case \(index)"])
  }
}
