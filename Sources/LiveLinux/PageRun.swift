import HMM
import MemoryModel

/// A run of consecutive pages of one VMA that are alike: the same presence, CPU mapping order,
/// zero-page-ness, folio order (and, for large folios, the same folio), exclusivity and
/// file/anon-ness, and so the same `hmm_range_fault()` encoding. A run never crosses an aligned
/// block of its map order (each PMD mapping is its own run). Order-0 pages join a run whether or
/// not their PFNs are consecutive (``pfnsContiguous`` says which).
public struct PageRun: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// Bytes covered.
  public var size: UInt64
  /// `pagemap` bit 63.
  public var isPresent: Bool
  /// `pagemap` bit 62 (swapped out, or another non-present swap-type entry).
  public var isSwapped: Bool
  /// The first page's PFN; nil when not present or when PFNs are hidden (no `CAP_SYS_ADMIN`).
  public var pfn: PFN?
  /// Whether the pages' PFNs are consecutive (always true for PMD-mapped runs).
  public var pfnsContiguous: Bool
  /// The order of the CPU mapping: 0 for PTEs, 9 for a PMD, the hugetlb order for hugetlb VMAs;
  /// nil when not present or not known (no `PAGEMAP_SCAN` and the fallback could not decide).
  public var mapOrder: Int?
  /// Whether the pages map the zero page or the huge zero page; nil when unknown.
  public var isZeroPage: Bool?
  /// The folio of the first page; nil when not present or unknown (PFNs hidden, `kpageflags` unreadable).
  public var folio: LiveFolio?
  /// `pagemap` bit 56: mapped exactly once.
  public var isExclusive: Bool
  /// `PG_anon_exclusive` (``KernelPageFlags/anonExclusive``) for a private anonymous page in a
  /// small folio or a PMD mapping, which `kpageflags` shows exactly; nil elsewhere. False with
  /// ``isExclusive`` true is a page a fork once shared: the CPU maps it read-only until a write
  /// fault reuses it.
  public var isAnonExclusive: Bool?
  /// `pagemap` bit 61: a file page or shared (shmem) page.
  public var isFileOrShared: Bool
  /// What `hmm_range_fault()` without fault flags reports for the first page (the others differ
  /// only in the PFN, which steps by one when ``pfnsContiguous``).
  public var hmm: HMMPFN

  /// Creates a run.
  public init(start: VirtualAddress, size: UInt64, isPresent: Bool, isSwapped: Bool = false, pfn: PFN? = nil,
              pfnsContiguous: Bool = true, mapOrder: Int? = nil, isZeroPage: Bool? = false, folio: LiveFolio? = nil,
              isExclusive: Bool = false, isAnonExclusive: Bool? = nil, isFileOrShared: Bool = false,
              hmm: HMMPFN = .none) {
    self.start = start
    self.size = size
    self.isPresent = isPresent
    self.isSwapped = isSwapped
    self.pfn = pfn
    self.pfnsContiguous = pfnsContiguous
    self.mapOrder = mapOrder
    self.isZeroPage = isZeroPage
    self.folio = folio
    self.isExclusive = isExclusive
    self.isAnonExclusive = isAnonExclusive
    self.isFileOrShared = isFileOrShared
    self.hmm = hmm
  }

  /// One past the last address.
  public var end: VirtualAddress { start + size }
  /// The number of 4 KiB pages.
  public var pageCount: Int { Int(size >> 12) }
  /// Whether the pages are mapped by a PMD (map order 9); nil when unknown.
  public var isPMDMapped: Bool? { isPresent ? mapOrder.map { $0 == 9 } : false }
  /// Whether the folio is larger than the CPU mapping: what a device mapping by folio size would
  /// map beyond what the CPU maps with this entry. Nil when either is unknown.
  public var isLargeFolioSmallMapping: Bool? {
    guard isPresent else { return false }
    guard let folio, let mapOrder else { return nil }
    return folio.order > mapOrder
  }

  /// `start-end size present pmd pfn=… folio=… anon excl  hmm=0x… (…)`.
  public var description: String {
    var words: [String] = []
    words.append(isPresent ? "present" : (isSwapped ? "swapped" : "absent"))
    if isPresent {
      switch mapOrder {
      case 0: words.append("pte")
      case 9: words.append("pmd")
      case 18: words.append("pud")
      case let order?: words.append("order\(order)")
      case nil: words.append("pmd?")
      }
      if isZeroPage == true { words.append("zero") }
      if let pfn { words.append("pfn=\(pfn)" + (pfnsContiguous ? "" : "…")) }
      if let folio {
        words.append(folio.isLarge ? "folio=\(folio.head)/order\(folio.order)" : "folio=order0")
      }
      if isZeroPage != true { words.append(isFileOrShared ? "file/shared" : "anon") }
      if isExclusive { words.append("excl") }
      if let isAnonExclusive { words.append(isAnonExclusive ? "anon-excl" : "cow") }
    }
    let span = String(start.rawValue, radix: 16) + "-" + String(end.rawValue, radix: 16)
    let sizeText = formatSize(size)
    let padding = String(repeating: " ", count: max(1, 6 - sizeText.count))
    return "\(span)\(padding)\(sizeText)  " + words.joined(separator: " ") + "  hmm=\(hmm)"
  }
}
