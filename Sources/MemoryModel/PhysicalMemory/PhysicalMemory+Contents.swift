/// Sparse page contents: a frame holds data only once something was written to it; every other
/// frame reads as zeros. Data written as a pattern stays a pattern (``PageData``), so memory
/// grows with pages written, not with their size.
extension PhysicalMemory {
  /// Copies `count` bytes at `offset` within frame `pfn` into `buffer`.
  /// - Precondition: `offset + count <= 4096`.
  public func read(_ pfn: PFN, offset: Int, count: Int, into buffer: inout [UInt8]) {
    precondition(offset >= 0 && count >= 0 && offset + count <= 4096, "read crosses a page")
    if hasContents.contains(Self.bit(pfn)), let page = contents[UInt32(truncatingIfNeeded: pfn.rawValue)] {
      page.append(offset, count, to: &buffer)
    } else {
      buffer.append(contentsOf: repeatElement(0, count: count))
    }
  }

  /// Writes `bytes` at `offset` within frame `pfn` (a pattern page partly overwritten is
  /// expanded to its bytes first).
  /// - Precondition: the write stays within the page, and the frame is not a zero page.
  public func write<C: Collection>(_ pfn: PFN, offset: Int, bytes: C) where C.Element == UInt8 {
    precondition(offset >= 0 && offset + bytes.count <= 4096, "write crosses a page")
    precondition(!isZeroPage(pfn), "writing to the zero page")
    let key = UInt32(truncatingIfNeeded: pfn.rawValue)
    hasContents.insert(Self.bit(pfn))
    if offset == 0 && bytes.count == 4096 {
      contents[key] = .bytes(Array(bytes))
      return
    }
    var page = contents.removeValue(forKey: key)?.expanded ?? [UInt8](repeating: 0, count: 4096)
    page.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    contents[key] = .bytes(page)
  }

  /// The whole contents of frame `pfn`.
  public func page(_ pfn: PFN) -> PageData {
    guard hasContents.contains(Self.bit(pfn)) else { return .zero }
    return contents[UInt32(truncatingIfNeeded: pfn.rawValue)] ?? .zero
  }

  /// Replaces the whole contents of frame `pfn` (a zero page is stored as nothing).
  /// - Precondition: the frame is not a zero page.
  public func setPage(_ pfn: PFN, _ data: PageData) {
    precondition(!isZeroPage(pfn), "writing to the zero page")
    let key = UInt32(truncatingIfNeeded: pfn.rawValue)
    if data == .zero {
      clearContents(pfn)
    } else {
      contents[key] = data
      hasContents.insert(Self.bit(pfn))
    }
  }

  /// Copies the contents of frame `source` to frame `destination` (`copy_highpage`).
  public func copyContents(from source: PFN, to destination: PFN) {
    guard hasContents.contains(Self.bit(source)) else { return clearContents(destination) }
    let key = UInt32(truncatingIfNeeded: destination.rawValue)
    contents[key] = contents[UInt32(truncatingIfNeeded: source.rawValue)]
    hasContents.insert(Self.bit(destination))
  }

  /// Clears frame `pfn` to zeros (`clear_highpage`).
  public func clearContents(_ pfn: PFN) {
    guard hasContents.contains(Self.bit(pfn)) else { return }
    contents[UInt32(truncatingIfNeeded: pfn.rawValue)] = nil
    hasContents.remove(Self.bit(pfn))
  }

  /// Frames that hold non-zero data (for reports; the model's own memory use).
  public var framesWithContents: Int { contents.count }

  /// The bit of ``hasContents`` for frame `pfn` (the contents dictionary's key).
  @inline(__always)
  static func bit(_ pfn: PFN) -> Int { Int(UInt32(truncatingIfNeeded: pfn.rawValue)) }
}
