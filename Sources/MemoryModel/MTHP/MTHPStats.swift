/// Per-size event counters, as `/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/`
/// keeps them (`count_mthp_stat`), indexed by folio order (0–10; sysfs shows orders 1–9).
/// `nr_anon` and `nr_anon_partially_mapped` are states, not events: the model computes them
/// from its folios (``MemorySystem/anonymousFolioCount(order:)``).
public struct MTHPStats: Sendable, Equatable {
  /// One counter for every order.
  public struct PerOrder: Sendable, Equatable {
    fileprivate var values = [Int](repeating: 0, count: 11)

    /// The count for `order` (0 outside 0–10).
    public subscript(order: Int) -> Int {
      get { values.indices.contains(order) ? values[order] : 0 }
      set { if values.indices.contains(order) { values[order] = newValue } }
    }
  }

  /// `anon_fault_alloc`: anonymous faults that got a folio of this order.
  public var anonFaultAlloc = PerOrder()
  /// `anon_fault_fallback`: anonymous faults that tried this order and fell back to a smaller
  /// one (no free block, or the range was not empty).
  public var anonFaultFallback = PerOrder()
  /// `anon_fault_fallback_charge`: fallbacks because the memory cgroup refused the charge (the
  /// model has no cgroups: always 0).
  public var anonFaultFallbackCharge = PerOrder()
  /// `split`: folios of this order split.
  public var split = PerOrder()
  /// `split_failed`: splits of a folio of this order that failed.
  public var splitFailed = PerOrder()
  /// `split_deferred`: folios of this order queued for deferred split (partly mapped).
  public var splitDeferred = PerOrder()

  /// Creates zeroed counters.
  public init() {}
}
