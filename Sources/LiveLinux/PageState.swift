/// What live mode knows about one 4 KiB page while it walks a VMA (internal; runs of alike
/// states become ``PageRun``s).
struct PageState {
  var isPresent = false
  var isSwapped = false
  var isFileOrShared = false
  var isExclusive = false
  /// `PG_anon_exclusive` where `kpageflags` shows it for this very page; nil elsewhere.
  var isAnonExclusive: Bool? = nil
  var isZeroPage: Bool? = false
  /// nil: unknown (or not present).
  var mapOrder: Int? = nil
  /// The fallback could not yet tell whether this fully-present, folio-aligned 2M block is PMD-mapped.
  var isPMDCandidate = false
  var folio: LiveFolio? = nil
  var pfn: UInt64 = 0

  /// The head flags that distinguish folios in a run.
  static let folioKindFlags: KernelPageFlags = [.thp, .huge, .zeroPage, .anonymous, .ksm]

  /// Whether `next`, the page after the last page of a run that starts with `self`, joins the run.
  func admits(_ next: PageState, at address: UInt64) -> Bool {
    guard isPresent == next.isPresent, isSwapped == next.isSwapped, isFileOrShared == next.isFileOrShared,
      isExclusive == next.isExclusive, isAnonExclusive == next.isAnonExclusive, isZeroPage == next.isZeroPage, mapOrder == next.mapOrder,
      isPMDCandidate == next.isPMDCandidate
    else { return false }
    if let order = next.mapOrder, order > 0, next.isPresent, address & ((4096 << UInt64(order)) - 1) == 0 { return false }
    if next.isPMDCandidate, address & ((2 << 20) - 1) == 0 { return false }
    switch (folio, next.folio) {
    case (nil, nil): return true
    case (let a?, let b?):
      if a.order != b.order || a.flags.intersection(Self.folioKindFlags) != b.flags.intersection(Self.folioKindFlags) {
        return false
      }
      return a.order == 0 || a.head == b.head
    default: return false
    }
  }
}
