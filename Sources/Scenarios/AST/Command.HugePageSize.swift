extension Command {
  /// A huge page size usable for hugetlb: 2 MiB or 1 GiB.
  public enum HugePageSize: UInt64, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 2 MiB (PMD level).
    case size2M = 0x20_0000
    /// 1 GiB (PUD level).
    case size1G = 0x4000_0000

    /// The size in bytes.
    public var bytes: UInt64 { rawValue }
    /// `2M` or `1G`.
    public var description: String { SizeFormatter.string(rawValue) }
  }
}
