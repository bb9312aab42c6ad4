/// One 64-bit entry of `/proc/kpageflags` (include/uapi/linux/kernel-page-flags.h): the flags of
/// the physical page with that PFN. Reading the file needs `CAP_SYS_ADMIN`.
public struct KernelPageFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
  /// The raw entry.
  public var rawValue: UInt64
  /// Wraps a raw entry.
  public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `KPF_LOCKED` (0).
  public static let locked = KernelPageFlags(rawValue: 1 << 0)
  /// `KPF_REFERENCED` (2).
  public static let referenced = KernelPageFlags(rawValue: 1 << 2)
  /// `KPF_UPTODATE` (3).
  public static let uptodate = KernelPageFlags(rawValue: 1 << 3)
  /// `KPF_DIRTY` (4).
  public static let dirty = KernelPageFlags(rawValue: 1 << 4)
  /// `KPF_LRU` (5).
  public static let lru = KernelPageFlags(rawValue: 1 << 5)
  /// `KPF_ACTIVE` (6).
  public static let active = KernelPageFlags(rawValue: 1 << 6)
  /// `KPF_SLAB` (7).
  public static let slab = KernelPageFlags(rawValue: 1 << 7)
  /// `KPF_BUDDY` (10): free.
  public static let buddy = KernelPageFlags(rawValue: 1 << 10)
  /// `KPF_MMAP` (11): mapped into some page table.
  public static let mmap = KernelPageFlags(rawValue: 1 << 11)
  /// `KPF_ANON` (12).
  public static let anonymous = KernelPageFlags(rawValue: 1 << 12)
  /// `KPF_SWAPCACHE` (13).
  public static let swapCache = KernelPageFlags(rawValue: 1 << 13)
  /// `KPF_SWAPBACKED` (14).
  public static let swapBacked = KernelPageFlags(rawValue: 1 << 14)
  /// `KPF_COMPOUND_HEAD` (15): the first page of a large folio.
  public static let compoundHead = KernelPageFlags(rawValue: 1 << 15)
  /// `KPF_COMPOUND_TAIL` (16): any other page of a large folio.
  public static let compoundTail = KernelPageFlags(rawValue: 1 << 16)
  /// `KPF_HUGE` (17): a hugetlb folio.
  public static let huge = KernelPageFlags(rawValue: 1 << 17)
  /// `KPF_UNEVICTABLE` (18).
  public static let unevictable = KernelPageFlags(rawValue: 1 << 18)
  /// `KPF_HWPOISON` (19).
  public static let hwPoison = KernelPageFlags(rawValue: 1 << 19)
  /// `KPF_NOPAGE` (20): no struct page at this PFN.
  public static let noPage = KernelPageFlags(rawValue: 1 << 20)
  /// `KPF_KSM` (21).
  public static let ksm = KernelPageFlags(rawValue: 1 << 21)
  /// `KPF_THP` (22): a large anonymous or page-cache folio of any order (not only PMD-sized),
  /// or the huge zero page.
  public static let thp = KernelPageFlags(rawValue: 1 << 22)
  /// `KPF_OFFLINE` (23).
  public static let offline = KernelPageFlags(rawValue: 1 << 23)
  /// `KPF_ZERO_PAGE` (24): the zero page or the huge zero page.
  public static let zeroPage = KernelPageFlags(rawValue: 1 << 24)
  /// `KPF_IDLE` (25).
  public static let idle = KernelPageFlags(rawValue: 1 << 25)
  /// `KPF_PGTABLE` (26).
  public static let pageTable = KernelPageFlags(rawValue: 1 << 26)
  /// Bit 34, a kernel-internal bit outside the uapi header (`KPF_OWNER_2`, formerly
  /// `KPF_MAPPEDTODISK`): on an anonymous folio it is `PG_anon_exclusive` (Linux 5.19+) of the
  /// folio's head page — set when the page may be written without copy-on-write, cleared by
  /// fork, and set again only by a write fault that reuses the page.
  public static let anonExclusive = KernelPageFlags(rawValue: 1 << 34)

  /// Whether the page belongs to a large folio (head or tail).
  public var isCompound: Bool { !isDisjoint(with: [.compoundHead, .compoundTail]) }

  private static let names: [(KernelPageFlags, String)] = [
    (.compoundHead, "head"), (.compoundTail, "tail"), (.huge, "hugetlb"), (.thp, "thp"), (.zeroPage, "zero"),
    (.anonymous, "anon"), (.anonExclusive, "anon-exclusive"), (.swapBacked, "swapbacked"), (.ksm, "ksm"), (.mmap, "mmap"), (.lru, "lru"),
    (.buddy, "buddy"), (.noPage, "nopage"), (.slab, "slab"),
  ]

  /// The set flags among the ones HMMKit looks at, e.g. `head thp anon mmap`.
  public var description: String {
    let parts = Self.names.filter { contains($0.0) }.map(\.1)
    return parts.isEmpty ? "none" : parts.joined(separator: " ")
  }
}
