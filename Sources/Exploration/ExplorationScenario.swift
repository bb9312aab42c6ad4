import HMM
import Scenarios

/// A scenario with one concurrent block: the statements before it, one device operation and the
/// CPU commands that race it, the outcomes it allows, and the statements after it
/// (docs/explore.md).
public struct ExplorationScenario: Sendable {
  /// The file name used in locations.
  public var file: String
  /// The statements before `#> concurrent`.
  public var prefix: [Statement]
  /// The device operation (the block's device command).
  public var operation: Statement
  /// The name of the device or dmirror file that runs it.
  public var deviceName: String
  /// The racing CPU commands, in program order (one CPU thread).
  public var cpuCommands: [Statement]
  /// The allowed outcomes: each a list of expectations; an interleaving must meet every
  /// expectation of at least one. Empty: any outcome is allowed.
  public var outcomes: [Outcome]
  /// The statements after `#> end`.
  public var suffix: [Statement]
  /// The placement of every CPU command when each has an `#> at` line (a replay: one
  /// interleaving is run), else nil.
  public var pinned: [Placement]?
  /// Driver loops chosen by `#> loop DEVICE=VARIANT`, by device name.
  public var loops: [String: DriverLoopVariant]

  /// One `#> allow` line.
  public struct Outcome: Sendable {
    /// Its expectations.
    public var expectations: [Statement]
    /// The line's text after `allow`.
    public var text: String
  }
}
