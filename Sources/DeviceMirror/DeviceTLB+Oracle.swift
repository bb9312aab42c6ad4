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
}
