#if canImport(Glibc)
import Glibc
#endif

/// The host C library's heap, tuned for a process that runs fuzz cases one after another: each
/// case allocates its machine's tables and buffers and frees them at its end, and with glibc's
/// defaults the heap's top is given back to the kernel (`brk`) whenever 128 KiB lie free there,
/// so the next case's allocations fault the same host pages in again, zero-filled by the kernel.
/// Keeping freed memory in the heap (`M_TRIM_THRESHOLD`, `M_TOP_PAD`) and serving blocks of up
/// to 32 MiB from it (`M_MMAP_THRESHOLD`) removes that churn; the model's behaviour does not
/// depend on host addresses.
enum HostHeap {
  /// `mallopt`'s parameter numbers (`<malloc.h>`).
  private static let trimThreshold: Int32 = -1
  private static let topPad: Int32 = -2
  private static let mmapThreshold: Int32 = -3

  /// Tunes the heap once per process (a no-op where the C library has no `mallopt`).
  static func keepFreedMemory() { _ = tuned }

  private static let tuned: Bool = {
    #if canImport(Glibc)
    // mallopt is not in the Glibc module's headers: look it up (RTLD_DEFAULT is a null handle).
    guard let symbol = dlsym(nil, "mallopt") else { return false }
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(trimThreshold, 256 << 20)
    _ = mallopt(topPad, 16 << 20)
    _ = mallopt(mmapThreshold, 32 << 20)
    return true
    #else
    return false
    #endif
  }()
}
