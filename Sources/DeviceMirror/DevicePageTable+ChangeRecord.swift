import MemoryModel

/// Where mappings were added: the safety oracle re-checks a device whose table changed only
/// where mappings came since its last check, not every mapping. Removals are not recorded: a
/// mapping that is gone cannot break invariant 1, and what stays is as it was.
extension DevicePageTable {
  /// The pages mapped since generation ``since``: a few ranges of 4 KiB page numbers (address
  /// >> 12, both ends inclusive), a new mapping merged into the last range when it touches it, so
  /// a run of mappings costs one compare each. More scattered mappings than ``limit`` make it
  /// incomplete: then nothing can be told until the next ``restartChangeRecord()``.
  struct ChangeRecord {
    /// The generation the record starts at.
    var since: UInt64 = 0
    /// False once a mapping was not recorded.
    var complete = true
    /// Mapped page numbers, as (first, last) pairs.
    var ranges: [(first: UInt64, last: UInt64)] = []
    /// More ranges than this: the record gives up (the caller checks everything).
    static let limit = 32

    /// Pages `first...last` were mapped.
    @inline(__always)
    mutating func note(_ first: UInt64, _ last: UInt64) {
      guard complete else { return }
      if let tail = ranges.last, first <= tail.last &+ 1, tail.first <= last &+ 1 {
        ranges[ranges.count - 1] = (min(first, tail.first), max(last, tail.last))
        return
      }
      guard ranges.count < ChangeRecord.limit else {
        complete = false
        ranges.removeAll(keepingCapacity: true)
        return
      }
      ranges.append((first, last))
    }
  }

  /// Notes that `mapping` was mapped (with the generation bump).
  @inline(__always)
  func noteMapped(_ mapping: DeviceMapping) {
    let first = mapping.start.rawValue >> 12
    changeRecord.note(first, first + UInt64(mapping.size.pageCount) - 1)
  }

  /// Starts a new record at the current generation (the caller has looked at the whole table).
  public func restartChangeRecord() {
    changeRecord.since = generation
    changeRecord.complete = true
    changeRecord.ranges.removeAll(keepingCapacity: true)
  }

  /// Calls `body` with address ranges `[start, end)` (an `end` of `UInt64.max` stands for the top
  /// of the address space) that together cover every mapping added since generation `since`
  /// (mappings removed since are not named), and returns true; returns false, having called
  /// `body` for none, when that cannot be told (the record does not start at `since`, or gave
  /// up). Every mapping outside the ranges was there, the same, at `since`.
  /// - Parameters:
  ///   - since: the generation at which the caller last looked at the whole table, having called
  ///     ``restartChangeRecord()`` then.
  ///   - body: called with the start and end of each range.
  public func forEachChangedRange(since: UInt64, _ body: (VirtualAddress, VirtualAddress) -> Void) -> Bool {
    guard changeRecord.complete, changeRecord.since == since else { return false }
    for range in changeRecord.ranges {
      let end = range.last >= UInt64.max >> 12 ? UInt64.max : (range.last + 1) << 12
      body(VirtualAddress(range.first << 12), VirtualAddress(end))
    }
    return true
  }
}
