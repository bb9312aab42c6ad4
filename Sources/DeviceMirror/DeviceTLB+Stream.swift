import MemoryModel

extension DeviceTLB {
  /// Counts `times` more hits on the entry that translates `address`, as `times` lookups of it
  /// in a row would: the entry becomes the most recently used and nothing else changes.
  /// - Returns: false (changing nothing) when no entry translates `address`.
  mutating func repeatHits(_ address: VirtualAddress, times: Int) -> Bool {
    guard times > 0 else { return true }
    for array in arrays {
      let vpn = address.rawValue >> array.shift
      let first = firstSlot(array, vpn)
      for way in first..<(first + array.ways) where slots[way].tag == vpn &+ 1 {
        clock &+= UInt64(times)
        slots[way].stamp = clock
        statistics.hits += times
        return true
      }
    }
    return false
  }
}
