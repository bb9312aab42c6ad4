/// One size's `/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled`.
public enum MTHPMode: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Folios of this size wherever a VMA allows large folios.
  case always
  /// Follows the top-level `transparent_hugepage/enabled` setting.
  case inherit
  /// Folios of this size only in `MADV_HUGEPAGE` regions.
  case madvise
  /// No folios of this size.
  case never

  /// The sysfs spelling.
  public var description: String { rawValue }
}
