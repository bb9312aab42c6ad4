/// One explored run: where each racing command ran, and what the checks found.
public struct Interleaving: Sendable {
  /// The placement of each CPU command of the block, in program order.
  public var placements: [Placement]
  /// The points the operation reached, in order (for the replay).
  public var points: Int
  /// The findings (empty: every check held).
  public var findings: [ExplorationFinding]
  /// The device operation's return code (dmirror) or 0/-errno (device access).
  public var returnCode: Int32
}
