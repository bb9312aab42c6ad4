/// A file with a page cache: a regular file, a shmem/tmpfs file (which also backs
/// `MAP_SHARED|MAP_ANONYMOUS`), or a hugetlbfs file. Several processes can map it at any offset
/// and address; its folios may be large.
///
/// Simplification: regular files behave like tmpfs files (no write-back, no `page_mkwrite`
/// write-notify), so shared writable mappings map pages writable on the first fault.
public final class File {
  /// The kinds of file.
  public enum Kind: String, Sendable, Hashable {
    /// A regular file (page cache with large folios if `largeFolios`).
    case regular
    /// A shmem/tmpfs file.
    case shmem
    /// A hugetlbfs file (shared hugetlb mappings).
    case hugetlb
  }

  /// A unique identifier.
  public let id: Int
  /// A name for reports.
  public let name: String
  /// The kind of file.
  public let kind: Kind
  /// The size in bytes.
  @exclusivity(unchecked) public internal(set) var size: UInt64
  /// Whether the page cache allocates PMD-sized folios where the file's extent allows
  /// (`huge=always` for shmem, large-folio support for regular files).
  public let largeFolios: Bool
  /// For hugetlbfs files, the page size.
  public let hugetlbPageSize: PageSize?
  /// The page cache: every cached page index maps to the frame that holds it.
  let pageCache = PageCacheIndex()
  /// Whether the file was unlinked (its cache is freed once nothing maps it).
  @exclusivity(unchecked) public internal(set) var isDeleted = false

  init(id: Int, name: String, kind: Kind, size: UInt64, largeFolios: Bool, hugetlbPageSize: PageSize?) {
    self.id = id
    self.name = name
    self.kind = kind
    self.size = size
    self.largeFolios = largeFolios
    self.hugetlbPageSize = hugetlbPageSize
  }

  /// The number of pages in the file (rounded up).
  public var pageCount: UInt64 { (size >> PageSize.shift4K) + (size & (PageSize.bytes4K - 1) == 0 ? 0 : 1) }

  /// The frame caching page `index`, if cached.
  public func cachedPage(_ index: UInt64) -> PFN? { pageCache[index] }

  /// The number of cached pages.
  public var cachedPageCount: Int { pageCache.count }

  /// The kind of folio this file's cache holds.
  var folioKind: FolioKind {
    switch kind {
    case .regular: .file
    case .shmem: .shmem
    case .hugetlb: .hugetlb
    }
  }
}
