import MemoryModel

extension DeviceTLB {
  /// Counts `times` more hits on the entry that translates `address`, as `times` lookups of it
  /// in a row would: the entry becomes the most recently used and nothing else changes.
  /// - Returns: false (changing nothing) when no entry translates `address`.
  mutating func repeatHits(_ address: VirtualAddress, times: Int) -> Bool {
    guard times > 0 else { return true }
    for a in arrays.indices {
      let shift = UInt64(12 + arrays[a].size.order)
      let vpn = address.rawValue >> shift
      let base = Int(vpn & UInt64(arrays[a].sets - 1)) * arrays[a].ways
      for way in base..<(base + arrays[a].ways) where arrays[a].tags[way] == vpn &+ 1 {
        clock &+= UInt64(times)
        arrays[a].stamps[way] = clock
        statistics.hits += times
        return true
      }
    }
    return false
  }
}
