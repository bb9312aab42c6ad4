/// Where live mode reads a process's memory state from: the real `/proc`
/// (``LiveProcessSource``) or recorded bytes (``FixtureProcessSource``). Every read is in bulk —
/// whole files, whole ranges of `pagemap` and `kpageflags`, one `PAGEMAP_SCAN` per range.
public protocol ProcessMemorySource {
  /// The process ID.
  var processID: Int32 { get }
  /// The kernel release (`uname -r`), if known: it says which internal `kpageflags` bits mean what.
  var kernelRelease: String? { get }
  /// The process's command name (`/proc/PID/comm`), if known.
  func readCommand() -> String?
  /// The text of `/proc/PID/maps`.
  func readMaps() throws(LiveLinuxError) -> String
  /// The text of `/proc/PID/smaps`.
  func readSmaps() throws(LiveLinuxError) -> String
  /// Fills `buffer` with the `pagemap` entries of the pages starting at virtual page number `firstPage`.
  func readPagemap(firstPage: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError)
  /// The `PAGEMAP_SCAN` regions of `[start, end)` with the categories of
  /// ``PageScanCategories/inspected``; throws ``LiveLinuxError/pagemapScanUnsupported(errno:)`` on
  /// kernels without the ioctl.
  func scan(start: UInt64, end: UInt64) throws(LiveLinuxError) -> [PageScanRegion]
  /// Fills `buffer` with the `/proc/kpageflags` entries of the frames starting at `firstPFN`
  /// (zero beyond the end of physical memory).
  func readPageFlags(firstPFN: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError)
}
