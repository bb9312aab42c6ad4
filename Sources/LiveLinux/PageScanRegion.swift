import MemoryModel

/// One `struct page_region` of the `PAGEMAP_SCAN` ioctl: a range of pages with the same categories.
public struct PageScanRegion: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// One past the last address.
  public var end: VirtualAddress
  /// The categories (masked by the ioctl's `return_mask`).
  public var categories: PageScanCategories

  /// Creates a region.
  public init(start: VirtualAddress, end: VirtualAddress, categories: PageScanCategories) {
    self.start = start
    self.end = end
    self.categories = categories
  }

  /// `start-end categories`.
  public var description: String { "\(start)-\(end) \(categories)" }
}
