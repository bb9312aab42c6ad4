import MemoryModel

extension DeviceTLB {
  /// Calls `body` with the range of every valid entry that overlaps `[start, end)` (what the
  /// safety oracle looks for after an invalidation), without building the list of all entries.
  public func forEachEntry(overlapping start: VirtualAddress, _ end: VirtualAddress,
                           _ body: (VirtualAddress, DevicePageSize) -> Void) {
    for array in arrays {
      let bytes = array.size.bytes
      for slot in array.slotRange where slots[slot].tag != 0 {
        let tag = slots[slot].tag
        let entryStart = (tag &- 1) &* bytes
        if entryStart < end.rawValue && start.rawValue < entryStart &+ bytes { body(VirtualAddress(entryStart), array.size) }
      }
    }
  }

  /// Whether a valid entry overlaps `[start, end)`: the sets the range's pages fall in are
  /// probed (all slots only when the range has as many pages of the size as the array has sets),
  /// so that the check after every invalidation costs the range, not the TLB. A range outside
  /// the internal `filledBounds` (every valid entry lies inside it) is answered without a probe.
  /// - Parameters:
  ///   - start: the range's first address.
  ///   - end: one past its last address.
  public func hasEntry(overlapping start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    guard start < end, !isOutsideFilledBounds(start, end) else { return false }
    for array in arrays {
      let first = start.rawValue >> array.shift
      let last = (end.rawValue - 1) >> array.shift
      if last - first >= UInt64(array.sets) {
        let bytes = array.size.bytes
        for slot in array.slotRange where slots[slot].tag != 0 {
          let entryStart = (slots[slot].tag &- 1) &* bytes
          if entryStart < end.rawValue && start.rawValue < entryStart &+ bytes { return true }
        }
        continue
      }
      var vpn = first
      while vpn <= last {
        let set = firstSlot(array, vpn)
        for slot in set..<(set + array.ways) where slots[slot].tag == vpn &+ 1 { return true }
        vpn += 1
      }
    }
    return false
  }

  /// Whether `[start, end)` lies outside `filledBounds` (no valid entry overlaps it).
  @inline(__always)
  func isOutsideFilledBounds(_ start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    start.rawValue >= filledBounds.high || end.rawValue <= filledBounds.low
  }
}
