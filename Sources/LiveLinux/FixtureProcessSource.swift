import MemoryModel

/// A process recorded as bytes: `maps` and `smaps` text, `pagemap` and `kpageflags` entries, and
/// the `PAGEMAP_SCAN` regions (or none, to play a kernel older than 6.7). For tests and for
/// replaying a snapshot taken elsewhere.
public struct FixtureProcessSource: ProcessMemorySource {
  /// The process ID reported.
  public var processID: Int32
  /// The command name reported.
  public var command: String?
  /// The kernel release reported.
  public var kernelRelease: String?
  /// The text of `/proc/PID/maps`.
  public var maps: String
  /// The text of `/proc/PID/smaps`, or nil to fail as unreadable.
  public var smaps: String?
  /// `pagemap` entries by virtual page number (address >> 12); absent pages read as 0.
  public var pagemap: [UInt64: PagemapEntry]
  /// `kpageflags` entries by PFN, or nil to fail with `EPERM` (no `CAP_SYS_ADMIN`).
  public var pageFlags: [UInt64: KernelPageFlags]?
  /// The regions `PAGEMAP_SCAN` returns (clipped to each request), or nil for a kernel without it.
  public var scanRegions: [PageScanRegion]?
  /// How many reads each method served (to check that reads are in bulk).
  public let readCount = ReadCounter()

  /// Creates a fixture.
  public init(processID: Int32 = 4242, command: String? = "fixture", kernelRelease: String? = "6.18.0", maps: String, smaps: String? = nil,
              pagemap: [UInt64: PagemapEntry] = [:], pageFlags: [UInt64: KernelPageFlags]? = [:],
              scanRegions: [PageScanRegion]? = nil) {
    self.processID = processID
    self.command = command
    self.kernelRelease = kernelRelease
    self.maps = maps
    self.smaps = smaps
    self.pagemap = pagemap
    self.pageFlags = pageFlags
    self.scanRegions = scanRegions
  }

  /// The recorded command.
  public func readCommand() -> String? { command }
  /// The recorded `maps`.
  public func readMaps() throws(LiveLinuxError) -> String {
    readCount.maps += 1
    return maps
  }
  /// The recorded `smaps`, or `EACCES`.
  public func readSmaps() throws(LiveLinuxError) -> String {
    guard let smaps else { throw .permissionDenied(path: "/proc/\(processID)/smaps") }
    return smaps
  }
  /// The recorded entries.
  public func readPagemap(firstPage: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError) {
    readCount.pagemap += 1
    for index in buffer.indices { buffer[index] = pagemap[firstPage + UInt64(index)]?.rawValue ?? 0 }
  }
  /// The recorded regions clipped to `[start, end)`, or `ENOTTY`.
  public func scan(start: UInt64, end: UInt64) throws(LiveLinuxError) -> [PageScanRegion] {
    readCount.scan += 1
    guard let scanRegions else { throw .pagemapScanUnsupported(errno: 25) }
    return scanRegions.compactMap { region in
      let lower = max(region.start.rawValue, start)
      let upper = min(region.end.rawValue, end)
      guard lower < upper else { return nil }
      return PageScanRegion(start: VirtualAddress(lower), end: VirtualAddress(upper), categories: region.categories)
    }
  }
  /// The recorded flags, or `EPERM`.
  public func readPageFlags(firstPFN: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError) {
    readCount.pageFlags += 1
    guard let pageFlags else { throw .permissionDenied(path: "/proc/kpageflags") }
    for index in buffer.indices { buffer[index] = pageFlags[firstPFN + UInt64(index)]?.rawValue ?? 0 }
  }
}
