extension Expectation {
  /// The event counters an expectation can read, named as in `/proc/vmstat` (the last two are
  /// the model's own).
  public enum VMStat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `thp_fault_alloc`: THP faults that got a PMD-sized folio.
    case thpFaultAlloc = "thp_fault_alloc"
    /// `thp_fault_fallback`: THP faults that fell back to 4 KiB pages.
    case thpFaultFallback = "thp_fault_fallback"
    /// `thp_split_pmd`: PMD mappings split into PTEs.
    case thpSplitPMD = "thp_split_pmd"
    /// `thp_split_page`: large folios split.
    case thpSplitPage = "thp_split_page"
    /// `thp_split_page_failed`: splits refused because of extra references (GUP pins).
    case thpSplitPageFailed = "thp_split_page_failed"
    /// `thp_deferred_split_page`: folios queued for deferred split.
    case thpDeferredSplitPage = "thp_deferred_split_page"
    /// `thp_collapse_alloc`: collapses that allocated a new THP.
    case thpCollapseAlloc = "thp_collapse_alloc"
    /// `pgfault`: page faults handled.
    case pageFaults = "pgfault"
    /// The model's count of huge-zero-page mappings made by read faults.
    case thpZeroPageMapped = "thp_zero_page_mapped"
    /// The model's count of copy-on-write copies made by write faults.
    case cowCopies = "cow_copies"

    /// The `/proc/vmstat`-style name.
    public var description: String { rawValue }
  }
}
