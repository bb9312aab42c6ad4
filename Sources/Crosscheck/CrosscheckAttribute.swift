/// What a crosscheck compares for every 4 KiB page, between the model's snapshot and the real
/// process read by live mode.
public enum CrosscheckAttribute: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
  /// The outcome of the step's command (success, the errno, or the signal).
  case outcome
  /// The VMA covering the page: its protection and sharing (`rw-p`), `VM_HUGEPAGE` (`hg`) and
  /// `VM_NOHUGEPAGE` (`nh`); or none.
  case vma
  /// Whether a present page-table entry maps the page.
  case present
  /// Whether a PMD maps it (`PAGEMAP_SCAN` `PAGE_IS_HUGE` for real).
  case pmd
  /// Whether it is the zero page or the huge zero page.
  case zero
  /// The order of the folio it belongs to (not for the zero page).
  case order
  /// Whether the CPU may write it without a fault: the model's entry; for real,
  /// `PG_anon_exclusive` (kpageflags bit 34) in a writable private VMA where kpageflags shows it
  /// exactly, else "mapped exactly once" — never `pagemap` bit 56 alone (docs/live-mode.md).
  case write
  /// The other processes that map the same physical page at the same address (COW sharing).
  case sharedWith = "shared-with"

  /// The name used in reports.
  public var description: String { rawValue }
}
