/// Which mmap lock a racing command takes, and so where it can run.
public enum LockNeed: Sendable, Hashable {
  /// `mmap_read_lock` or none (page faults, `MADV_DONTNEED`/`MADV_FREE`, another device's
  /// fault): may run anywhere, also inside `hmm_range_fault()`.
  case read
  /// `mmap_write_lock` (munmap, mmap, mprotect, mremap, fork, the other madvise modes): waits
  /// while the driver holds `mmap_read_lock` around `hmm_range_fault()`.
  case write
  /// The process's `exit`: the driver holds a reference on the `mm_struct` (`mmget`) for the
  /// whole operation, so the address space is torn down before or after it, never inside.
  case teardown
}
