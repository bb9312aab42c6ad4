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
