/// A virtual memory area (`struct vm_area_struct`): one contiguous range of an address space
/// with one protection, one backing and one set of flags.
public struct VMA: Hashable, Sendable, CustomStringConvertible {
  /// The first address (page aligned).
  public var start: VirtualAddress
  /// One past the last address (page aligned).
  public var end: VirtualAddress
  /// `VM_READ`/`VM_WRITE`/`VM_EXEC`.
  public var protection: Protection
  /// The other `VM_*` flags the model uses.
  public var flags: VMAFlags
  /// What backs the area.
  public var backing: VMABacking
  /// `vm_pgoff`: for file and shmem areas the file offset of `start` in pages; for anonymous
  /// areas `start >> 12` when the area was created (kept across `mremap` once the area has an
  /// anon_vma; a never-faulted one takes its new address's, as `copy_vma()` does).
  public var pageOffset: UInt64
  /// For hugetlb areas, the pool's page size.
  public var hugetlbPageSize: PageSize?
  /// The `anon_vma` identity: set on the first anonymous fault and inherited by forked children.
  /// Nil until then (Linux's `vma->anon_vma == NULL`).
  public var anonID: Int?
  /// Whether the `anon_vma` came with a fork (`vma_had_uncowed_parents()`: the child's chain
  /// holds its parent's too): such a VMA shares it with no neighbour that has none, neither by
  /// merging nor through `find_mergeable_anon_vma()`.
  public var anonVMAForked = false

  /// The size in bytes.
  public var size: UInt64 { end - start }
  /// Whether `address` lies inside the area.
  public func contains(_ address: VirtualAddress) -> Bool { start <= address && address < end }
  /// Whether the area is `MAP_SHARED`.
  public var isShared: Bool { flags.contains(.shared) }
  /// Whether the area is private anonymous memory.
  public var isAnonymous: Bool { backing == .anonymous }
  /// Whether the area maps hugetlb pages.
  public var isHugetlb: Bool { hugetlbPageSize != nil }
  /// Linux's `is_cow_mapping()`: private and possibly writable.
  public var isCOWMapping: Bool { !isShared }
  /// The file page index that backs `address` (`linear_page_index`).
  public func pageIndex(of address: VirtualAddress) -> UInt64 { pageOffset &+ ((address - start) >> PageSize.shift4K) }

  /// `start-end prot flags backing`, like one line of `/proc/PID/maps`.
  public var description: String {
    var text = "\(start)-\(end) \(protection) \(isShared ? "shared" : "private") \(backing)"
    if let hugetlbPageSize { text += " hugetlb=\(hugetlbPageSize)" }
    if flags.contains(.hugepage) { text += " hugepage" }
    if flags.contains(.noHugepage) { text += " nohugepage" }
    if flags.contains(.io) { text += " io" }
    if flags.contains(.pfnmap) { text += " pfnmap" }
    if flags.contains(.mixedmap) { text += " mixedmap" }
    return text
  }

  /// Whether two adjacent areas can be one (`vma_merge` conditions the model checks).
  func canMerge(with next: VMA) -> Bool {
    end == next.start && protection == next.protection && flags == next.flags && backing == next.backing
      && hugetlbPageSize == next.hugetlbPageSize && (anonID == next.anonID || anonID == nil || next.anonID == nil)
      && !(anonID == nil && next.anonID != nil && next.anonVMAForked) && !(next.anonID == nil && anonID != nil && anonVMAForked)
      && pageOffset &+ (size >> PageSize.shift4K) == next.pageOffset
  }
}

/// `VM_*` flags of a ``VMA`` besides protection.
public struct VMAFlags: OptionSet, Hashable, Sendable {
  /// The flag bits.
  public var rawValue: UInt16
  /// Creates flags from bits.
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  /// `VM_SHARED`: `MAP_SHARED`.
  public static let shared = VMAFlags(rawValue: 1 << 0)
  /// `VM_HUGEPAGE`: `madvise(MADV_HUGEPAGE)`.
  public static let hugepage = VMAFlags(rawValue: 1 << 1)
  /// `VM_NOHUGEPAGE`: `madvise(MADV_NOHUGEPAGE)`.
  public static let noHugepage = VMAFlags(rawValue: 1 << 2)
  /// `VM_IO`: memory-mapped I/O.
  public static let io = VMAFlags(rawValue: 1 << 3)
  /// `VM_PFNMAP`: raw PFNs without `struct page`.
  public static let pfnmap = VMAFlags(rawValue: 1 << 4)
  /// `VM_MIXEDMAP`: a mix of raw PFNs and pages.
  public static let mixedmap = VMAFlags(rawValue: 1 << 5)
}

/// What backs a ``VMA``.
public enum VMABacking: Hashable, Sendable, CustomStringConvertible {
  /// Private anonymous memory.
  case anonymous
  /// A file's page cache (`file` is the ``File/id``); private mappings copy on write.
  case file(Int)

  /// `anon` or `file#N`.
  public var description: String {
    switch self {
    case .anonymous: "anon"
    case .file(let id): "file#\(id)"
    }
  }
  /// The file ID, if file-backed.
  public var fileID: Int? {
    if case .file(let id) = self { return id }
    return nil
  }
}
