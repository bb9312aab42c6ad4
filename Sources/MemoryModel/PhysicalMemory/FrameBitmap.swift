/// One bit per frame in a block of memory its owner frees, growing on demand: which frames have
/// an entry in ``PhysicalMemory``'s contents dictionary, so that allocating, clearing, copying
/// and freeing frames without data costs a bit test instead of a hash lookup. Only
/// ``PhysicalMemory`` uses it and never copies it.
struct FrameBitmap {
  private var words: UnsafeMutablePointer<UInt64>?
  private var wordCount = 0

  /// Whether the bit of frame `index` is set.
  @inline(__always)
  func contains(_ index: Int) -> Bool {
    let word = index >> 6
    guard let words, word < wordCount else { return false }
    return words[word] & (1 << UInt64(index & 63)) != 0
  }

  /// Sets the bit of frame `index`.
  @inline(__always)
  mutating func insert(_ index: Int) {
    let word = index >> 6
    if word >= wordCount { grow(toHold: word + 1) }
    words![word] |= 1 << UInt64(index & 63)
  }

  /// Clears the bit of frame `index`.
  @inline(__always)
  func remove(_ index: Int) {
    let word = index >> 6
    guard let words, word < wordCount else { return }
    words[word] &= ~(1 << UInt64(index & 63))
  }

  /// Whether any bit of frames `range` is set.
  func containsAny(_ range: Range<Int>) -> Bool {
    guard let words, !range.isEmpty else { return false }
    var index = range.lowerBound
    while index < range.upperBound {
      let word = index >> 6
      guard word < wordCount else { return false }
      if index & 63 == 0 && index + 64 <= range.upperBound {
        if words[word] != 0 { return true }
        index += 64
      } else {
        if words[word] & (1 << UInt64(index & 63)) != 0 { return true }
        index += 1
      }
    }
    return false
  }

  @inline(never)
  private mutating func grow(toHold count: Int) {
    let newCount = max(count, wordCount * 2, 1024)
    let new = UnsafeMutablePointer<UInt64>.allocate(capacity: newCount)
    new.initialize(repeating: 0, count: newCount)
    if let words {
      new.update(from: words, count: wordCount)
      words.deallocate()
    }
    words = new
    wordCount = newCount
  }

  /// Frees the block (the owner's `deinit`).
  func release() { words?.deallocate() }
}
