extension Command {
  /// One size's anonymous THP mode (`hugepages-<size>kB/enabled`), written `thp-64K=MODE`.
  public enum MTHPMode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Folios of this size wherever a VMA allows them.
    case always
    /// Follow the top-level `thp=` mode.
    case inherit
    /// Only in `MADV_HUGEPAGE` regions.
    case madvise
    /// Never this size.
    case never

    /// The orders with a per-size setting (2: 16K … 9: 2M).
    public static let orders = 2...9

    /// The scenario spelling of an order's setting name: `thp-64K` for order 4.
    public static func settingName(order: Int) -> String { "thp-\(SizeFormatter.string(UInt64(4096) << UInt64(order)))" }

    /// The order a setting name such as `thp-64K` names, if any.
    public static func order(settingName name: String) -> Int? {
      orders.first { settingName(order: $0) == name }
    }

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
