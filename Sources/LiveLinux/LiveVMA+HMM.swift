import HMM
import MemoryModel

extension LiveVMA {
  /// The entry `hmm_range_fault()` without fault flags (a snapshot, as `HMM_DMIRROR_SNAPSHOT`
  /// takes one) reports for one page of this VMA, from what `/proc` says about the page:
  ///
  /// - the whole VMA is `HMM_PFN_ERROR` when ``hmmErrorReason`` is set (`hmm_vma_walk_test`);
  /// - a page that is not present is `0` — except in a hugetlb VMA, where the order bits are
  ///   OR-ed in even without VALID (`hmm_vma_walk_hugetlb_entry`);
  /// - a present page is `VALID`, with `WRITE` when the VMA is writable, the page is not the zero
  ///   page, and the mapping is shared or the page is a private anonymous page that may be
  ///   written without copy-on-write: `PG_anon_exclusive` when `kpageflags` shows it for the
  ///   page (`isAnonExclusive`), else mapped exactly once (`PM_MMAP_EXCLUSIVE` without
  ///   `PM_FILE`) — `/proc` does not show the PTE's write bit, so this is inferred; the order field is the map order (9 when PMD-mapped, the hugetlb
  ///   order in hugetlb VMAs, else 0 — never the folio order); the PFN field is the PFN when it
  ///   could be read, else 0.
  public func hmmEntry(isPresent: Bool, pfn: UInt64, mapOrder: Int?, isZeroPage: Bool?, isExclusive: Bool,
                       isFileOrShared: Bool, isAnonExclusive: Bool? = nil) -> HMMPFN {
    if hmmErrorReason != nil { return .error }
    guard isPresent else {
      if let order = hugetlbOrder { return .order(order) }
      return .none
    }
    var flags: HMMPFN = .valid
    if isWritable && isZeroPage != true && (isShared || (!isFileOrShared && (isAnonExclusive ?? isExclusive))) {
      flags = flags | .write
    }
    return HMMPFN(pfn: PFN(pfn & ~HMMPFN.flagsMask), flags: flags, order: mapOrder ?? 0)
  }
}
