extension Expectation {
  /// The per-size counters of `expect mthp SIZE NAME`, named as the files of
  /// `/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/`.
  public enum MTHPStat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `anon_fault_alloc`: anonymous faults that got a folio of this size.
    case anonFaultAlloc = "anon_fault_alloc"
    /// `anon_fault_fallback`: anonymous faults that could not get a folio of this size and
    /// tried a smaller one.
    case anonFaultFallback = "anon_fault_fallback"
    /// `anon_fault_fallback_charge`: fallbacks for the memory cgroup's charge (always 0: the
    /// model has no cgroups).
    case anonFaultFallbackCharge = "anon_fault_fallback_charge"
    /// `split`: folios of this size split.
    case split
    /// `split_failed`: failed splits of folios of this size.
    case splitFailed = "split_failed"
    /// `split_deferred`: folios of this size queued for deferred split.
    case splitDeferred = "split_deferred"
    /// `nr_anon`: anonymous folios of this size in use.
    case nrAnon = "nr_anon"
    /// `nr_anon_partially_mapped`: anonymous folios of this size on the deferred-split queue.
    case nrAnonPartiallyMapped = "nr_anon_partially_mapped"

    /// The sysfs name.
    public var description: String { rawValue }
  }
}
