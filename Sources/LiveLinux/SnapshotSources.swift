/// Which kernel interfaces a snapshot could use, and so which figures it has.
public struct SnapshotSources: Hashable, Sendable {
  /// `PAGEMAP_SCAN` answered (Linux 6.7+): PMD mappings and zero pages are exact.
  public var pagemapScan: Bool
  /// `pagemap` showed PFNs (the reader has `CAP_SYS_ADMIN`); nil when no present page was seen.
  public var pfns: Bool?
  /// `/proc/kpageflags` could be read: folio heads and orders are known.
  public var pageFlags: Bool
  /// `/proc/PID/smaps` could be read: hugetlb page sizes, `VM_IO`/`VM_PFNMAP`, PMD-mapped totals.
  public var smaps: Bool

  /// Creates a record of sources.
  public init(pagemapScan: Bool, pfns: Bool?, pageFlags: Bool, smaps: Bool) {
    self.pagemapScan = pagemapScan
    self.pfns = pfns
    self.pageFlags = pageFlags
    self.smaps = smaps
  }
}
