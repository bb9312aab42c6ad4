extension Expectation {
  /// The kinds of folio an expectation can name.
  public enum FolioKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Anonymous memory.
    case anon
    /// Page cache of a regular file.
    case file
    /// shmem / tmpfs.
    case shmem
    /// A hugetlb page.
    case hugetlb

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
