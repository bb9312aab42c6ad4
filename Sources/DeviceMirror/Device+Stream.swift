import HMM
import MemoryModel

extension Device {
  /// A streaming fast path: `count` accesses, the first at `start` and each `step` bytes after
  /// the previous, all reads or all writes. The counters, TLB and page table end exactly as
  /// `count` calls of ``access(_:write:)`` would leave them: the accesses that follow a TLB hit
  /// inside the same translation are all hits on that one entry (no other lookup comes between
  /// them), so they are counted together instead of looked up one by one.
  /// - Returns: the accesses done (fewer than `count` only when one throws).
  /// - Throws: the first access's `HMMError` that could not be resolved.
  @discardableResult
  public func stream(from start: VirtualAddress, step: UInt64, count: Int, write: Bool) throws(HMMError) -> Int {
    precondition(step > 0, "the stream's step must be positive")
    var cursor = start
    var done = 0
    while done < count {
      let hitsBefore = counters.tlbHits
      try access(cursor, write: write)
      done += 1
      guard done < count, counters.tlbHits != hitsBefore, let mapping = pageTable.lookup(cursor) else {
        cursor = cursor + step
        continue
      }
      // The rest of this translation: every access hits the entry the last one hit.
      let left = (mapping.end - cursor - 1) / step
      let n = min(Int(clamping: left), count - done)
      if n > 0 && tlb.repeatHits(cursor, times: n) {
        counters.accesses += n
        counters.tlbHits += n
        done += n
        cursor = cursor + UInt64(n) * step
      }
      cursor = cursor + step
    }
    return done
  }
}
