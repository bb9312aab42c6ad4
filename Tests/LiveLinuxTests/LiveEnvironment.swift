import LiveLinux
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Why a live test cannot run here, or nil.
enum LiveEnvironment {
  static var skipReason: String? {
    #if os(Linux)
    if geteuid() != 0 { return "live test skipped: not root (PFNs and /proc/kpageflags need CAP_SYS_ADMIN)" }
    let settings = TransparentHugePageSettings.current()
    guard let mode = settings.enabled else { return "live test skipped: this kernel has no transparent huge pages" }
    if !settings.allowsMadvisedTHP { return "live test skipped: THP is '\(mode)' (needs 'madvise' or 'always')" }
    return nil
    #else
    return "live test skipped: not Linux"
    #endif
  }

  /// Skips (cancels) the current test with a printed reason when it cannot run here.
  static func requireLiveTHP() throws {
    if let reason = skipReason {
      print(reason)
      try Test.cancel(Comment(rawValue: reason))
    }
  }
}

/// The suites that inspect this process's own memory, one at a time and never while a
/// crosscheck's helpers exist (the crosscheck tests are another target, in the same process):
/// a crosscheck's `fork()` makes this process's anonymous memory copy-on-write (no longer
/// `PG_anon_exclusive`) and reserves a large window of its address space, which a concurrent
/// self-inspection would see. ``HoldsHelperForkLock`` takes `HelperForkLock` for the suite.
@Suite(.serialized, HoldsHelperForkLock()) enum LiveProcessTests {}

/// A suite trait that holds `HelperForkLock` while the suite runs (waiting for it without
/// blocking a thread).
struct HoldsHelperForkLock: SuiteTrait, TestScoping {
  func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
    try await HelperForkLock.withLock { try await function() }
  }
}
