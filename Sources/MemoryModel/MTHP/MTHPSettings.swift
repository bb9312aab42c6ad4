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

  // One bit per order for each mode but never, so that a fault's question costs a few bit
  // operations.
  @usableFromInline var always: UInt32 = 0
  @usableFromInline var madvise: UInt32 = 0
  @usableFromInline var inherit: UInt32 = 1 << 9

  /// Creates Linux's defaults: 2 MiB `inherit`, every smaller size `never`.
  public init() {}

  /// The setting of `order` (2–9; `never` for any other order).
  public subscript(order: Int) -> MTHPMode {
    get {
      guard Self.orders.contains(order) else { return .never }
      let bit: UInt32 = 1 << order
      if always & bit != 0 { return .always }
      if madvise & bit != 0 { return .madvise }
      if inherit & bit != 0 { return .inherit }
      return .never
    }
    set {
      precondition(Self.orders.contains(order), "anonymous mTHP orders are 2 to 9")
      let bit: UInt32 = 1 << order
      always &= ~bit
      madvise &= ~bit
      inherit &= ~bit
      switch newValue {
      case .always: always |= bit
      case .madvise: madvise |= bit
      case .inherit: inherit |= bit
      case .never: break
      }
    }
  }

  /// Whether any size below the PMD's is enabled in any mode (when not, anonymous faults never
  /// look for a large folio below 2M).
  @inlinable public var enablesSmallOrders: Bool { (always | madvise | inherit) & ((1 << 9) - 1) != 0 }

  /// The sysfs directory name of an order's setting: `hugepages-64kB` for order 4.
  public static func directoryName(order: Int) -> String { "hugepages-\(4 << order)kB" }

  /// The orders (a bit per order) anonymous faults may use in a VMA with or without
  /// `MADV_HUGEPAGE` under the top-level mode `thp` (`__thp_vma_allowable_orders` for
  /// anonymous VMAs): the `always` sizes; the `madvise` sizes if the VMA has `VM_HUGEPAGE`;
  /// the `inherit` sizes if the top level is `always`, or `madvise` and the VMA has it.
  public func enabledOrders(top thp: MemorySystem.THPMode, hugepage: Bool) -> UInt32 {
    let inherits = thp == .always || (thp == .madvise && hugepage)
    return always | (hugepage ? madvise : 0) | (inherits ? inherit : 0)
  }
}
