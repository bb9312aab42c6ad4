/// How ``ProcessInspector`` reads a process.
public struct InspectionOptions: Hashable, Sendable {
  /// The range to inspect, or nil for every VMA.
  public var range: InspectionRange?
  /// Use the `PAGEMAP_SCAN` ioctl when the kernel has it (false forces the pagemap + kpageflags
  /// fallback that older kernels get).
  public var usePagemapScan: Bool
  /// The most `pagemap` entries read with one `pread` (the memory bound of a walk).
  public var pagesPerRead: Int

  /// Creates options.
  public init(range: InspectionRange? = nil, usePagemapScan: Bool = true, pagesPerRead: Int = 1 << 15) {
    self.range = range
    self.usePagemapScan = usePagemapScan
    self.pagesPerRead = max(512, pagesPerRead & ~511)
  }
}
