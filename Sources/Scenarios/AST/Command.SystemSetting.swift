extension Command {
  /// One setting of a `system` line.
  public enum SystemSetting: Sendable, Hashable, CustomStringConvertible {
    /// `thp=always|madvise|never` (`/sys/kernel/mm/transparent_hugepage/enabled`).
    case thp(ThpMode)
    /// `thp-64K=always|inherit|madvise|never` (`hugepages-64kB/enabled`): one size's
    /// anonymous THP mode, for orders 2 (16K) to 9 (2M).
    case mthp(order: Int, MTHPMode)
    /// `memory=SIZE`: the size of physical memory (4M to 256G); only before anything is
    /// allocated (processes, files, hugetlb pools, fragmentation).
    case memory(UInt64)
    /// `fragment=PERCENT`: makes this percentage of 2 MiB blocks of physical memory unusable
    /// for THP by taking one 4 KiB frame in the middle of each (a fixed, deterministic spread).
    case fragment(percent: UInt64)
    /// `hugetlb 2M=N 1G=M`: reserves hugetlb pool pages of a size.
    case hugetlbPages(HugePageSize, count: UInt64)
    /// `oracle=strict|record`: whether a safety-oracle violation fails the step (strict, the
    /// default) or is only recorded for `expect oracle violations`.
    case oracle(record: Bool)

    /// The setting as written.
    public var description: String {
      switch self {
      case .thp(let mode): "thp=\(mode)"
      case .mthp(let order, let mode): "\(MTHPMode.settingName(order: order))=\(mode)"
      case .memory(let bytes): "memory=\(SizeFormatter.string(bytes))"
      case .fragment(let percent): "fragment=\(percent)"
      case .hugetlbPages(let size, let count): "hugetlb \(size)=\(count)"
      case .oracle(let record): "oracle=\(record ? "record" : "strict")"
      }
    }
  }
}
