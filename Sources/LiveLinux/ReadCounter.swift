/// Counts the reads a ``FixtureProcessSource`` served, so that tests can check that live mode
/// reads in bulk rather than one page at a time.
public final class ReadCounter {
  /// Reads of `maps`.
  public var maps = 0
  /// `pread`s of `pagemap`.
  public var pagemap = 0
  /// `PAGEMAP_SCAN` calls.
  public var scan = 0
  /// `pread`s of `kpageflags`.
  public var pageFlags = 0
  /// Creates a zeroed counter.
  public init() {}
}
