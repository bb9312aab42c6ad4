/// A run of consecutive 4 KiB pages of an address space that share one state: the unit the
/// snapshot API, the CLI and scenarios print.
public struct SnapshotRun: Hashable, Sendable, CustomStringConvertible {
  /// What maps the pages.
  public enum State: Hashable, Sendable {
    /// No VMA covers the pages.
    case unmapped
    /// A VMA covers them but no entry maps them (`pte_none`).
    case notPresent
    /// Present entries map them.
    case present
    /// `PROT_NONE` entries that still name the pages.
    case protNone
    /// Software entries of this type (migration, device-private, device-exclusive).
    case swap(SwapEntryType)
  }

  /// The first page's address.
  public var start: VirtualAddress
  /// How many 4 KiB pages the run covers.
  public var pageCount: Int
  /// What maps the pages.
  public var state: State
  /// The frame of the first page (nil unless present, `PROT_NONE` or a software entry).
  public var firstPFN: PFN?
  /// Whether the entries allow writes.
  public var isWritable: Bool
  /// The page-table level of the entries (PTE, PMD or PUD).
  public var level: PageTableLevel
  /// Whether the pages are the zero page (or the huge zero page).
  public var isZeroPage: Bool
  /// The folio of the first page, when a frame is mapped.
  public var folio: FolioInfo?
  /// The first page's total map count (PTE mappings plus whole-folio mappings).
  public var mapCount: Int
  /// Whether the pages are marked exclusive to this process (`PageAnonExclusive`).
  public var isExclusive: Bool

  /// The run's end address.
  public var end: VirtualAddress { start + UInt64(pageCount) << PageSize.shift4K }
  /// The run's size in bytes.
  public var size: UInt64 { UInt64(pageCount) << PageSize.shift4K }

  /// A line such as `0x7f..000-0x7f..000 2M present write PMD pfn=0x1200 folio=anon/order9 map=1`.
  public var description: String {
    var text = "\(start)-\(end) \(formatSize(size)) "
    switch state {
    case .unmapped: return text + "unmapped"
    case .notPresent: return text + "none"
    case .present: text += isZeroPage ? "zero" : "present"
    case .protNone: text += "protnone"
    case .swap(let type): text += type.description
    }
    text += isWritable ? " write" : " read"
    text += " \(level)"
    if let firstPFN { text += " pfn=\(firstPFN)" }
    if let folio, !isZeroPage { text += " folio=\(folio.kind)/order\(folio.order) map=\(mapCount)" }
    if isExclusive { text += " exclusive" }
    return text
  }

  /// Whether `next` continues this run: same state and attributes, and frames that follow on
  /// (the zero page repeats itself; small folios may be in any order of allocation).
  func canExtend(with next: SnapshotRun) -> Bool {
    guard end == next.start, state == next.state, isWritable == next.isWritable, level == next.level,
      isZeroPage == next.isZeroPage, mapCount == next.mapCount, isExclusive == next.isExclusive,
      folio?.order == next.folio?.order, folio?.kind == next.folio?.kind
    else { return false }
    guard let firstPFN, let nextPFN = next.firstPFN else { return firstPFN == nil && next.firstPFN == nil }
    if isZeroPage { return true }
    guard nextPFN.rawValue == firstPFN.rawValue + UInt64(pageCount) else { return false }
    return folio?.head == next.folio?.head || folio?.order == 0
  }
}
