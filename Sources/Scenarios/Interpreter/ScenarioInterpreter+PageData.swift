import MemoryModel

/// Data patterns page by page: a whole page of a pattern is stored and compared as a
/// ``MemoryModel/PageData``; only partial pages go byte by byte.
extension ScenarioInterpreter {
  /// The page that holds `pattern` from `offset` bytes past its origin, when the pattern
  /// lines up with a page there (a byte pattern always; an index pattern at a multiple of 4).
  static func pageData(of pattern: DataPattern, offset: UInt64) -> PageData? {
    switch pattern {
    case .byte(let value):
      return .filled(value)
    case .index, .negatedIndex, .shiftedIndex:
      guard offset % 4 == 0, let first = pattern.word(UInt32(truncatingIfNeeded: offset / 4)) else { return nil }
      return .words(first: first, step: pattern == .negatedIndex ? UInt32.max : 1)
    }
  }

  /// The pieces of `[start, end)`: whole pages (with the pattern page, if it lines up) and the
  /// partial pages at either end, each with its offset from the pattern's origin. `body`
  /// returns false to stop.
  static func forEachPiece(_ start: VirtualAddress, _ end: VirtualAddress, origin: VirtualAddress, pattern: DataPattern,
                           _ body: (VirtualAddress, Int, PageData?) throws(StepFailure) -> Bool) throws(StepFailure) {
    var cursor = start
    while cursor < end {
      let inPage = cursor.rawValue & 4095
      let count = Int(min(4096 - inPage, end - cursor))
      let page = inPage == 0 && count == 4096 ? pageData(of: pattern, offset: cursor - origin) : nil
      guard try body(cursor, count, page) else { return }
      cursor = cursor + UInt64(count)
    }
  }

  /// Refuses a request that needs more host memory than `--max-host-memory`.
  func reserveHostMemory(_ bytes: UInt64, for what: String) throws(StepFailure) {
    guard bytes > options.maxHostMemory else { return }
    throw StepFailure(
      error: CommandError(
        name: "ENOMEM", errno: .ENOMEM,
        reason: "\(what) needs \(SizeFormatter.string(bytes)) of host memory, more than the limit of \(SizeFormatter.string(options.maxHostMemory)) (run --max-host-memory)"))
  }
}
