extension Command {
  /// The system-wide THP mode.
  public enum ThpMode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// THP wherever a VMA allows it.
    case always
    /// THP only in `MADV_HUGEPAGE` regions (the default, as in most distributions).
    case madvise
    /// No THP.
    case never

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
