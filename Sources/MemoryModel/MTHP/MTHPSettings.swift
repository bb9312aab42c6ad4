/// The per-size anonymous THP settings (`hugepages-<size>kB/enabled`, Linux 6.8+): one
/// ``MTHPMode`` for each order from 2 (16 KiB) to 9 (2 MiB, the PMD size). As in Linux, the
/// PMD size defaults to `inherit` (it follows `transparent_hugepage/enabled`) and the smaller
/// sizes to `never`. Order 1 (8 KiB) has no anonymous setting.
public struct MTHPSettings: Sendable, Equatable {
  /// The smallest order anonymous memory can use (`THP_ORDERS_ALL_ANON` leaves out 0 and 1).
  public static let minimumOrder = 2
  /// The PMD order, the largest with a setting.
  public static let pmdOrder = 9
  /// Every order with a setting.
  public static let orders = minimumOrder...pmdOrder

  private var modes: [MTHPMode]

  /// Creates Linux's defaults: 2 MiB `inherit`, every smaller size `never`.
  public init() {
    modes = Self.orders.map { $0 == Self.pmdOrder ? .inherit : .never }
  }

  /// The setting of `order` (2–9; `never` for any other order).
  public subscript(order: Int) -> MTHPMode {
    get { Self.orders.contains(order) ? modes[order - Self.minimumOrder] : .never }
    set {
      precondition(Self.orders.contains(order), "anonymous mTHP orders are 2 to 9")
      modes[order - Self.minimumOrder] = newValue
    }
  }

  /// The sysfs directory name of an order's setting: `hugepages-64kB` for order 4.
  public static func directoryName(order: Int) -> String { "hugepages-\(4 << order)kB" }

  /// The orders (a bit per order) anonymous faults may use in a VMA with or without
  /// `MADV_HUGEPAGE` under the top-level mode `thp` (`__thp_vma_allowable_orders` for
  /// anonymous VMAs): the `always` sizes; the `madvise` sizes if the VMA has `VM_HUGEPAGE`;
  /// the `inherit` sizes if the top level is `always`, or `madvise` and the VMA has it.
  public func enabledOrders(top thp: MemorySystem.THPMode, hugepage: Bool) -> UInt32 {
    let inherit = thp == .always || (thp == .madvise && hugepage)
    var mask: UInt32 = 0
    for order in Self.orders {
      switch self[order] {
      case .always: mask |= 1 << order
      case .madvise: if hugepage { mask |= 1 << order }
      case .inherit: if inherit { mask |= 1 << order }
      case .never: break
      }
    }
    return mask
  }
}
