/// Why a 2 MiB range could not be collapsed, named as khugepaged's `enum scan_result` names it
/// (mm/khugepaged.c). A collapse result carries one of these from the scan to `madvise`, to the
/// scenario transcript and to the crosscheck, so every decision is made on the code, not on text.
public enum CollapseScanResult: String, Sendable, CaseIterable {
  /// `SCAN_FAIL`: the generic failure (`madvise_collapse()`'s `last_fail` before any chunk, as when
  /// the range holds no 2 MiB boundary at all).
  case fail = "SCAN_FAIL"
  /// `SCAN_VMA_NULL`: no VMA at the address.
  case vmaNull = "SCAN_VMA_NULL"
  /// `SCAN_VMA_CHECK`: `thp_vma_allowable_order()` refuses the VMA (`VM_NOHUGEPAGE`, THP mode for
  /// khugepaged, a kind of memory that cannot hold a THP).
  case vmaCheck = "SCAN_VMA_CHECK"
  /// `SCAN_ADDRESS_RANGE`: the 2 MiB does not lie inside the VMA.
  case addressRange = "SCAN_ADDRESS_RANGE"
  /// `SCAN_PMD_NULL`: no PMD table covers the range (nothing was ever mapped near it).
  case pmdNull = "SCAN_PMD_NULL"
  /// `SCAN_PMD_NONE`: the PMD entry is none (no PTE table).
  case pmdNone = "SCAN_PMD_NONE"
  /// `SCAN_PTE_NON_PRESENT`: a PTE is a swap, migration or device-private entry, or `PROT_NONE`.
  case pteNonPresent = "SCAN_PTE_NON_PRESENT"
  /// `SCAN_PAGE_ANON`: a page is not anonymous, or the VMA has no anon_vma
  /// (`hugepage_vma_revalidate(expect_anon)`).
  case pageAnon = "SCAN_PAGE_ANON"
  /// `SCAN_EXCEED_NONE_PTE`: more empty PTEs than khugepaged's `max_ptes_none`.
  case exceedNonePTE = "SCAN_EXCEED_NONE_PTE"
  /// `SCAN_TRUNCATED`: no page of the file is cached in the 2 MiB (`collapse_file()`).
  case truncated = "SCAN_TRUNCATED"
  /// `SCAN_PAGE_COUNT`: a page has references other than its mappings and the cache.
  case pageCount = "SCAN_PAGE_COUNT"
  /// `SCAN_ALLOC_HUGE_PAGE_FAIL`: no PMD-sized folio is free.
  case allocHugePageFail = "SCAN_ALLOC_HUGE_PAGE_FAIL"

  /// The error `MADV_COLLAPSE` returns when this was the last failure (`madvise_collapse_errno()`):
  /// `ENOMEM` for an allocation failure or too many empty PTEs, `EAGAIN` for extra page
  /// references, `EINVAL` for the rest of these.
  public var errno: Errno {
    switch self {
    case .allocHugePageFail, .exceedNonePTE: .ENOMEM
    case .pageCount: .EAGAIN
    default: .EINVAL
    }
  }

  /// Whether `madvise_collapse()` goes on to the next 2 MiB after this failure: it continues
  /// after the results it lists as worth continuing (here `SCAN_PMD_NULL`, `SCAN_PTE_NON_PRESENT`
  /// and `SCAN_PAGE_COUNT`); any other failure, such as a PMD entry that is none
  /// (`SCAN_PMD_NONE`, measured on Linux 6.18), ends the walk.
  public var madviseCollapseContinues: Bool { self == .pmdNull || self == .pteNonPresent || self == .pageCount }
}
