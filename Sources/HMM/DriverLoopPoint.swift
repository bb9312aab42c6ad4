/// A named boundary between two steps of the driver loop of Documentation/mm/hmm.rst, where
/// another CPU thread (or another device) may run: the interleaving points a scheduler uses.
///
/// Each point is reached after the step it names. What may run there follows the locks the
/// driver holds at that point: inside `hmm_range_fault()` the driver holds `mmap_read_lock`, so
/// only commands that take the mmap lock for read (or not at all) can run; between
/// `take_lock(driver->update)` and the unlock, an invalidation that reaches the driver's
/// notifier blocks on the driver lock, so a CPU command there completes only after the unlock.
public enum DriverLoopPoint: String, Sendable, Hashable, CaseIterable {
  /// `mmu_interval_read_begin()` returned (or, for a loop that does not refresh its sequence, the
  /// attempt began); `mmap_read_lock` is not yet taken.
  case readBegin = "read_begin"
  /// Inside `hmm_range_fault()`: a segment's internal faults were handled and the walk is about
  /// to restart (`mmap_read_lock` held).
  case segment
  /// `hmm_range_fault()` returned and `mmap_read_unlock` ran; the driver lock is not yet taken.
  case rangeFault = "range_fault"
  /// The driver lock is taken.
  case lock
  /// `mmu_interval_read_retry()` said the result is current.
  case readRetry = "read_retry"
  /// The device page table is programmed (still under the driver lock).
  case program
  /// The driver lock is released: this pass of the loop is over.
  case unlock

  /// Whether the driver holds `mmap_read_lock` here (commands needing it for write wait).
  public var holdsMmapReadLock: Bool { self == .segment }

  /// Whether the driver holds its own lock here (an invalidation of its notifier waits for the
  /// unlock, so nothing that invalidates can complete here).
  public var holdsDriverLock: Bool { self == .lock || self == .readRetry || self == .program }
}
