import MemoryModel

/// The first walk of `hmm_range_fault()` over a fault window inside one VMA, made before the
/// driver loop starts (``HMM/walkWindow(_:_:_:_:defaultFlags:owner:into:)``): either the whole
/// output (no page needs a fault), or where the walk stopped, which
/// ``HMM/faultAndCommit(_:after:retryBudget:commit:)`` then takes as its first walk instead of
/// walking again.
public struct HMMWindowWalk {
  /// Where the walk stopped (a fault, a migration entry to wait for, a failure); nil when it
  /// reached the end.
  let outcome: HMM.WalkOutcome?
  /// The entries the walk counted as filled.
  public let filled: Int

  /// Whether the walk stopped before the end: the window needs the driver loop.
  public var needsFault: Bool { outcome != nil }
}
