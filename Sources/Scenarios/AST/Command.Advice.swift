extension Command {
  /// The advice of `madvise` (`MADV_*`), spelled as in the scenario language.
  public enum Advice: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `MADV_HUGEPAGE`: allow THP in the range.
    case hugepage
    /// `MADV_NOHUGEPAGE`: forbid THP in the range.
    case nohugepage
    /// `MADV_DONTNEED`: drop the pages; later reads see zeroes (anon) or the file.
    case dontneed
    /// `MADV_FREE`: the pages may be reclaimed lazily (the model frees them at once).
    case free
    /// `MADV_COLLAPSE`: collapse the range into PMD-mapped THPs now.
    case collapse

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
