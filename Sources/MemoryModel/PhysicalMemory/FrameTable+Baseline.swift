/// Setting a frame table back to the state a machine starts from, in work proportional to the
/// chunks that changed, so that a dropped machine's host memory serves the next machine of its
/// size without being unmapped, mapped again and faulted in page by page (FrameTablePool.swift).
extension FrameTable {
  /// Makes what the descriptors in use hold now the baseline: every chunk counts as unchanged
  /// since (``pristine``) and, for the invariant check, as written until the first
  /// ``clearWritten()``.
  func markBaseline() {
    let chunks = chunkCount
    unwritten.update(repeating: 1, count: chunks)
    pristine.update(repeating: Self.baseline, count: chunks)
    resetMeta(chunks: chunks)
  }

  /// The chunks in use written since the table was made or last cleared (for a fresh table:
  /// every chunk that can hold a non-zero descriptor).
  func writtenChunks() -> [Int] {
    var written: [Int] = []
    for chunk in 0..<chunkCount where unwritten[chunk] == 0 { written.append(chunk) }
    return written
  }

  /// Gives the descriptors their baseline again and ends the table at `ramCount`: every
  /// sub-chunk of a chunk written since ``markBaseline()`` that may have changed since
  /// (``subDirty`` and the marks still in ``subWritten``; the whole chunk when it has no mark)
  /// is cleared and gets `template`'s descriptors back; the others already hold them (or zeros
  /// beyond RAM).
  mutating func restoreBaseline(count ramCount: Int, template: FrameTemplate) {
    let chunks = chunksInUseSinceBaseline
    var entry = 0
    for chunk in 0..<chunks where pristine[chunk] == 0 || unwritten[chunk] == 0 {
      var marks = subDirty[chunk] | subchunkMarks(chunk: chunk)
      if marks == 0 { marks = Self.allSubchunks }
      while marks != 0 {
        // The run of marked sub-chunks from the lowest mark, cleared and refilled at once.
        let first = marks.trailingZeroBitCount
        let run = (~(marks >> first)).trailingZeroBitCount
        marks &= ~(SubchunkMask(truncatingIfNeeded: (1 << (first + run)) - 1))
        let start = chunk << Self.chunkShift | first << Self.subchunkShift
        let end = min(start + run << Self.subchunkShift, capacity)
        guard start < end else { break }
        UnsafeMutableRawPointer(base + start).initializeMemory(as: UInt8.self, repeating: 0, count: (end - start) * MemoryLayout<FrameDescriptor>.stride)
        guard start < ramCount else { continue }
        entry = template.firstEntry(atOrAfter: start, from: entry)
        while entry < template.indices.count && Int(template.indices[entry]) < end {
          base[Int(template.indices[entry])] = template.descriptors[entry]
          entry += 1
        }
      }
    }
    subDirty.update(repeating: 0, count: chunks)
    truncate(to: ramCount)
    let ramChunks = chunkCount
    unwritten.update(repeating: 1, count: chunks)
    pristine.update(repeating: Self.baseline, count: chunks)
    resetMeta(chunks: ramChunks)
  }
}
