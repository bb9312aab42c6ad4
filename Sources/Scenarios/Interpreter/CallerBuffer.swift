import MemoryModel

/// The caller's buffer of a dmirror file (`cmd.ptr`): whole pages kept as patterns where they
/// are patterns (``MemoryModel/PageData``), and the number of bytes it holds.
struct CallerBuffer {
  /// The pages (the last may be only partly counted).
  private(set) var pages: [PageData] = []
  /// Bytes held.
  private(set) var count = 0

  /// `pages` pages of `pattern` (`buffer=`, a WRITE's `pattern=`).
  init(pattern: DataPattern, pages: UInt64) {
    self.pages = (0..<pages).map { k in
      ScenarioInterpreter.pageData(of: pattern, offset: k << 12)
        ?? .bytes(ScenarioInterpreter.bytes(of: pattern, offset: k << 12, count: 4096))
    }
    count = Int(pages) * 4096
  }

  /// An empty buffer.
  init() {}

  /// The page at index `k` (zeros past the end).
  func page(_ k: Int) -> PageData { k < pages.count ? pages[k] : .zero }

  /// The byte at `offset`.
  func byte(at offset: Int) -> UInt8 { page(offset >> 12).byte(at: offset & 4095) }

  /// `copy_to_user` of whole pages at the start.
  mutating func copyOut(_ data: [PageData]) {
    if pages.count < data.count { pages += repeatElement(PageData.zero, count: data.count - pages.count) }
    pages.replaceSubrange(0..<data.count, with: data)
    count = max(count, data.count * 4096)
  }

  /// `copy_to_user` of bytes at the start (SNAPSHOT's one byte per page).
  mutating func copyOut(_ bytes: [UInt8]) {
    let needed = (bytes.count + 4095) / 4096
    if pages.count < needed { pages += repeatElement(PageData.zero, count: needed - pages.count) }
    var offset = 0
    while offset < bytes.count {
      let k = offset / 4096
      let n = min(4096, bytes.count - offset)
      var page = pages[k].expanded
      page.replaceSubrange(0..<n, with: bytes[offset..<(offset + n)])
      pages[k] = .bytes(page)
      offset += n
    }
    count = max(count, bytes.count)
  }

  /// The first `n` pages (zero pages past the end), for a WRITE.
  func prefix(pages n: UInt64) -> [PageData] { (0..<Int(n)).map(page) }
}
