/// A driver loop: the correct one of Documentation/mm/hmm.rst, or one of the known-wrong ones
/// kept to show that the model (the safety oracle, the explorer's termination check) catches
/// them. Selected by name (`hmmkit explore --loop NAME`, `#> loop DEVICE=NAME` in a scenario).
public enum DriverLoopVariant: String, Sendable, Hashable, CaseIterable {
  /// `read_begin` on every attempt, `read_retry` under the lock, `set_seq` in the callback.
  case correct
  /// Takes the sequence once and never again after `-EBUSY` or a failed `read_retry` (amdkfd's
  /// `amdgpu_hmm_range_get_pages` before its fix): after one invalidation every attempt fails
  /// until the retry budget (the driver's timeout) runs out — a livelock.
  case noSeqRefresh = "no-seq-refresh"
  /// Programs the device without `mmu_interval_read_retry()`: a result that an invalidation made
  /// stale is mapped (the safety oracle reports it).
  case noReadRetry = "no-read-retry"
  /// The invalidation callback unmaps but forgets `mmu_interval_set_seq()`, so neither
  /// `hmm_range_fault()`'s check nor `read_retry` ever sees the collision.
  case noSetSeq = "no-set-seq"

  /// Whether the invalidation callback stores the sequence.
  public var setsSequence: Bool { self != .noSetSeq }
}
