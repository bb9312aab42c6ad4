/// Sparse page contents: a frame holds bytes only once data was written to it; every other
/// frame reads as zeros. Memory grows with pages written, not with the simulated size.
extension PhysicalMemory {
  /// Copies `count` bytes at `offset` within frame `pfn` into `buffer`.
  /// - Precondition: `offset + count <= 4096`.
  public func read(_ pfn: PFN, offset: Int, count: Int, into buffer: inout [UInt8]) {
    precondition(offset >= 0 && count >= 0 && offset + count <= 4096, "read crosses a page")
    if let page = contents[UInt32(truncatingIfNeeded: pfn.rawValue)] {
      buffer.append(contentsOf: page[offset..<(offset + count)])
    } else {
      buffer.append(contentsOf: repeatElement(0, count: count))
    }
  }

  /// Writes `bytes` at `offset` within frame `pfn`.
  /// - Precondition: the write stays within the page, and the frame is not a zero page.
  public func write<C: Collection>(_ pfn: PFN, offset: Int, bytes: C) where C.Element == UInt8 {
    precondition(offset >= 0 && offset + bytes.count <= 4096, "write crosses a page")
    precondition(!isZeroPage(pfn), "writing to the zero page")
    let key = UInt32(truncatingIfNeeded: pfn.rawValue)
    var page = contents.removeValue(forKey: key) ?? [UInt8](repeating: 0, count: 4096)
    page.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    contents[key] = page
  }

  /// Copies the contents of frame `source` to frame `destination` (`copy_highpage`).
  public func copyContents(from source: PFN, to destination: PFN) {
    let key = UInt32(truncatingIfNeeded: destination.rawValue)
    contents[key] = contents[UInt32(truncatingIfNeeded: source.rawValue)]
  }

  /// Clears frame `pfn` to zeros (`clear_highpage`).
  public func clearContents(_ pfn: PFN) {
    if !contents.isEmpty { contents[UInt32(truncatingIfNeeded: pfn.rawValue)] = nil }
  }

  /// Frames that hold non-zero data (for reports; the model's own memory use).
  public var framesWithContents: Int { contents.count }
}
