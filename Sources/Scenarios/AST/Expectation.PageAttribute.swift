extension Expectation {
  /// One attribute that every 4 KiB page of a snapshot range must have.
  public enum PageAttribute: Sendable, Hashable, CustomStringConvertible {
    /// `none`: not mapped (no present entry).
    case none
    /// `unmapped`: no VMA covers the page.
    case unmapped
    /// `present`: mapped (by any page, the zero page included).
    case present
    /// `protnone`: a `PROT_NONE` entry still names the page.
    case protNone
    /// `swap`: a software (swap-type) entry maps the page: not present, and `PM_SWAP` set in
    /// `/proc/PID/pagemap` (migration, device-private and device-exclusive entries).
    case swap
    /// `device-private`, `device-exclusive`, `migration`: a software entry of that type.
    case swapType(SwapEntryKind)
    /// `zero`: mapped to the zero page (with `pmd`: the huge zero page).
    case zero
    /// `read`: mapped and not writable.
    case readOnly
    /// `write`: mapped and writable.
    case writable
    /// `pte`, `pmd`, `pud`: mapped at this page-table level.
    case level(Level)
    /// `order=N`: the mapped folio has this order.
    case order(Int)
    /// `folios=N`: the range maps exactly this many distinct folios (a property of the range).
    case folios(Int)
    /// `mapcount=N`: each page is mapped this many times (PTE and PMD mappings counted).
    case mapCount(Int)
    /// `anon`, `file`, `shmem`, `hugetlb`: the mapped folio has this kind.
    case kind(FolioKind)
    /// `shared-with=B`: each page maps the same physical page in process `B`.
    case sharedWith(Identifier)
    /// `not-shared-with=B`: no page maps the same physical page as in process `B`.
    case notSharedWith(Identifier)

    /// The attribute as written.
    public var description: String {
      switch self {
      case .none: "none"
      case .unmapped: "unmapped"
      case .present: "present"
      case .protNone: "protnone"
      case .swap: "swap"
      case .swapType(let kind): kind.rawValue
      case .zero: "zero"
      case .readOnly: "read"
      case .writable: "write"
      case .level(let level): level.rawValue
      case .order(let order): "order=\(order)"
      case .folios(let count): "folios=\(count)"
      case .mapCount(let count): "mapcount=\(count)"
      case .kind(let kind): kind.rawValue
      case .sharedWith(let process): "shared-with=\(process)"
      case .notSharedWith(let process): "not-shared-with=\(process)"
      }
    }
  }
}

extension Expectation {
  /// The type of a software page-table entry, as `expect ... snapshot` names it.
  public enum SwapEntryKind: String, Sendable, Hashable, CaseIterable {
    /// A migration entry (`is_migration_entry`).
    case migration
    /// A device-private entry (`is_device_private_entry`).
    case devicePrivate = "device-private"
    /// A device-exclusive entry (`is_device_exclusive_entry`).
    case deviceExclusive = "device-exclusive"
  }
}
