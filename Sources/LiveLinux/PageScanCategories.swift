/// The `PAGE_IS_*` categories of the `PAGEMAP_SCAN` ioctl (Linux 6.7+, include/uapi/linux/fs.h).
public struct PageScanCategories: OptionSet, Hashable, Sendable, CustomStringConvertible {
  /// The bits.
  public var rawValue: UInt64
  /// Creates categories from their bits.
  public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `PAGE_IS_WPALLOWED`: userfaultfd async write-protect is enabled on the VMA.
  public static let writeProtectAllowed = PageScanCategories(rawValue: 1 << 0)
  /// `PAGE_IS_WRITTEN`: written since write-protected (every page not uffd-wp protected).
  public static let written = PageScanCategories(rawValue: 1 << 1)
  /// `PAGE_IS_FILE`: the VMA has a file, or the page is not anonymous.
  public static let file = PageScanCategories(rawValue: 1 << 2)
  /// `PAGE_IS_PRESENT`.
  public static let present = PageScanCategories(rawValue: 1 << 3)
  /// `PAGE_IS_SWAPPED`.
  public static let swapped = PageScanCategories(rawValue: 1 << 4)
  /// `PAGE_IS_PFNZERO`: maps the zero page or the huge zero page.
  public static let pfnZero = PageScanCategories(rawValue: 1 << 5)
  /// `PAGE_IS_HUGE`: mapped by a PMD (THP) or by a hugetlb page — never set for PTE-mapped THPs.
  public static let huge = PageScanCategories(rawValue: 1 << 6)
  /// `PAGE_IS_SOFT_DIRTY`.
  public static let softDirty = PageScanCategories(rawValue: 1 << 7)

  /// The categories HMMKit asks the kernel to report.
  public static let inspected: PageScanCategories = [.present, .swapped, .pfnZero, .huge, .file]

  /// `present huge zero …`.
  public var description: String {
    let names: [(PageScanCategories, String)] = [
      (.present, "present"), (.swapped, "swapped"), (.huge, "huge"), (.pfnZero, "zero"), (.file, "file"),
      (.written, "written"), (.softDirty, "soft-dirty"), (.writeProtectAllowed, "wp-allowed"),
    ]
    let parts = names.filter { contains($0.0) }.map(\.1)
    return parts.isEmpty ? "none" : parts.joined(separator: " ")
  }
}
