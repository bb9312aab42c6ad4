import MemoryModel

extension DeviceTLB {
  /// An entry that translates an address, found by ``probe(_:)`` without counting the lookup.
  struct Hit {
    /// The entry's slot in ``DeviceTLB/slots``.
    let slot: Int
    /// The frame the probed address translates to.
    let pfn: PFN
    /// Whether the entry allows writes.
    let writable: Bool
    /// 4 KiB pages from the probed address to the end of the entry (at least 1).
    let pages: Int
  }

  /// The entry ``lookup(_:)`` would hit for `address`, probed in the same order (largest size
  /// first), changing nothing. Every address of the same entry after `address` probes the same
  /// way (the larger arrays see the same virtual page number, so they miss again), which is
  /// why ``countHits(_:times:)`` can stand for that many lookups in a row.
  @inline(__always)
  func probe(_ address: VirtualAddress) -> Hit? {
    for a in arrays.indices {
      let array = arrays[a]
      let vpn = address.rawValue >> array.shift
      let tag = vpn &+ 1
      var way = firstSlot(array, vpn)
      let end = way &+ array.ways
      while way < end {
        if slots[way].tag == tag {
          let offset = (address.rawValue >> 12) & array.pageMask
          return Hit(slot: way, pfn: PFN(slots[way].pfn &+ offset), writable: slots[way].writable,
                     pages: Int(truncatingIfNeeded: array.pageMask &- offset) &+ 1)
        }
        way &+= 1
      }
    }
    return nil
  }

  /// Counts `times` lookups in a row that hit `hit`'s entry: what that many ``lookup(_:)`` calls
  /// leave behind (the clock, the entry's recency, the hit count).
  @inline(__always)
  mutating func countHits(_ hit: Hit, times: Int) {
    clock &+= UInt64(truncatingIfNeeded: times)
    slots[hit.slot].stamp = clock
    statistics.hits &+= times
  }

  /// Counts one lookup that missed, as ``lookup(_:)`` does.
  @inline(__always)
  mutating func countMiss() {
    clock &+= 1
    statistics.misses += 1
  }
}

extension DeviceTLB {
  /// Drops the entries of array `index` that overlap `[start, end)` by probing only the sets their
  /// virtual page numbers fall in, when the range covers fewer of this size's pages than the
  /// array has sets (each set is then probed for one page number at most, so every overlapping
  /// entry is found once, as the full scan finds it).
  /// - Returns: false, changing nothing, when the range is too large for that (scan instead).
  /// - Precondition: `start < end`.
  mutating func shootDownBySet(_ index: Int, _ start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    let array = arrays[index]
    let first = start.rawValue >> array.shift
    let last = (end.rawValue &- 1) >> array.shift
    guard last &- first < UInt64(array.sets) else { return false }
    var vpn = first
    while true {
      let tag = vpn &+ 1
      let set = firstSlot(array, vpn)
      for way in set..<(set &+ array.ways) where slots[way].tag == tag {
        slots[way].tag = 0
        validEntries[index] -= 1
        statistics.shootdowns += 1
      }
      if vpn == last { break }
      vpn &+= 1
    }
    return true
  }
}
