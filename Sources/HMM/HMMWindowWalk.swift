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

extension HMMWindowWalk {
  /// The entries from the walk's first page that hold outputs: all `pages` when the walk reached
  /// the end; those before the page it stopped at for a fault or a migration entry (each written
  /// as a walk of that page alone would write it: every callback decides page by page, or for a
  /// whole leaf whose pages all decide alike, from the same input entries); none when it failed.
  /// - Parameters:
  ///   - start: the first page the walk was given.
  ///   - pages: the pages it was given.
  public func resolvedPages(from start: VirtualAddress, of pages: Int) -> Int {
    switch outcome {
    case nil, .done?: pages
    case .fault(let address, _, _)?, .wait(let address)?: min(pages, Int((address.rawValue &- start.rawValue) >> 12))
    case .failed?: 0
    }
  }
}
