/// A check that failed after one interleaving.
public struct ExplorationFinding: Sendable, Hashable {
  /// What kind of check.
  public enum Kind: String, Sendable, Hashable {
    /// A model invariant.
    case invariant
    /// The safety oracle (a device mapping the CPU no longer has).
    case oracle
    /// The device read data the CPU never had there.
    case data
    /// No allowed outcome matched, or an expectation after the block failed.
    case outcome
    /// The driver loop used its whole retry budget (a livelock, reported rather than hung).
    case termination
  }

  /// The kind.
  public var kind: Kind
  /// What failed, in words.
  public var detail: String
}
