import MemoryModel

extension HMM {
  /// What one run of the driver loop did.
  public struct DriverLoopResult: Sendable, Equatable {
    /// `hmm_range_fault()` calls made.
    public var calls = 0
    /// Calls that returned `-EBUSY`.
    public var busyRetries = 0
    /// Times `mmu_interval_read_retry()` found the sequence moved under the driver lock.
    public var sequenceRetries = 0
    /// Pages the calls faulted in.
    public var pagesFaulted = 0
    /// Output entries the calls wrote.
    public var entriesFilled = 0
  }

  /// The driver loop of Documentation/mm/hmm.rst: `read_begin`, `hmm_range_fault`, retry on
  /// `-EBUSY`, take the driver lock, `read_retry` (begin again if an invalidation hit the
  /// interval), then `commit` the result under the lock. Real drivers bound the loop with
  /// `HMM_RANGE_DEFAULT_TIMEOUT` (1000 ms); the model bounds it with `retryBudget` attempts.
  ///
  /// - Parameters:
  ///   - range: the range to fault; its request flags are reset from `requests` on every attempt.
  ///   - requests: the input entries (nil: all zero, only `defaultFlags`/`pfnFlagsMask` apply).
  ///   - retryBudget: attempts before giving up with `-EBUSY`.
  ///   - beforeLock: runs after `hmm_range_fault` returns and before the driver takes its lock
  ///     — where another CPU thread could change the page tables; tests and scenarios use it to
  ///     inject such a change.
  ///   - variant: the loop (the correct one, or a known-wrong one: ``DriverLoopVariant``).
  ///   - scheduler: hears every ``DriverLoopPoint`` as the loop reaches it (the steps of
  ///     ``DriverLoop``); an explorer runs CPU commands there. Nil: the loop runs straight through.
  ///   - commit: programs the device with the result; runs "under the driver lock", which the
  ///     model's invalidation callbacks would also take.
  /// - Throws: the first error other than `-EBUSY`, or `-EBUSY` when the budget runs out.
  @discardableResult
  public static func faultAndCommit(
    _ range: inout HMMRange, requests: [HMMPFN]? = nil, retryBudget: Int = 16,
    variant: DriverLoopVariant = .correct, scheduler: ((DriverLoopPoint) -> Void)? = nil,
    beforeLock: (inout HMMRange) -> Void = { _ in },
    commit: (inout HMMRange) throws(HMMError) -> Void
  ) throws(HMMError) -> DriverLoopResult {
    var loop = DriverLoop(requests: requests, retryBudget: retryBudget, variant: variant)
    while let point = try loop.step(&range, segment: scheduler, commit: commit) {
      if point == .rangeFault && loop.locksNext { beforeLock(&range) }
      scheduler?(point)
    }
    return loop.result
  }
}
