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
  /// The bytes of the smallest array larger than 4 KiB when the smallest array holds 4 KiB
  /// entries (0 otherwise, or when there is no larger one): the region over which every
  /// larger array answers a probe the same way.
  var largerGranule: UInt64 {
    let n = arrays.count
    guard n >= 2, arrays[n - 1].size == .size4K else { return 0 }
    return arrays[n - 2].size.bytes
  }

  /// Whether `hit` (a probe's answer) says that every array larger than 4 KiB missed: no hit,
  /// or a hit in the 4 KiB array (probe looks in the larger ones first).
  @inline(__always)
  func largerArraysMissed(_ hit: Hit?) -> Bool {
    guard let hit else { return true }
    return hit.slot >= arrays[arrays.count - 1].base
  }

  /// ``probe(_:)`` when every larger array is known to miss at `address` (same answer): the 4 KiB
  /// array alone. An entry of a larger array that covered an address covers its whole aligned
  /// region of ``largerGranule`` bytes, and entries only arrive by fills (``largeFills``
  /// counts those): so a miss at one address of the region stays a miss at the others until a
  /// larger entry is filled.
  @inline(__always)
  func probeSmallest(_ address: VirtualAddress) -> Hit? {
    let array = arrays[arrays.count - 1]
    let vpn = address.rawValue >> 12
    let tag = vpn &+ 1
    var way = firstSlot(array, vpn)
    let end = way &+ array.ways
    while way < end {
      if slots[way].tag == tag { return Hit(slot: way, pfn: PFN(slots[way].pfn), writable: slots[way].writable, pages: 1) }
      way &+= 1
    }
    return nil
  }

  /// Whether the smallest array holds 4 KiB entries (the one ``missAndFillSmallest(_:pfn:writable:)`` fills).
  var smallestIs4K: Bool { arrays.last?.size == .size4K }

  /// A lookup at `address` when every array larger than 4 KiB is known to miss there (as for
  /// ``probeSmallest(_:)``), followed on a miss by the fill of the page's 4 KiB mapping (frame
  /// `pfn`, `writable`): when the 4 KiB array misses too, counts the miss and fills, leaving
  /// exactly what ``countMiss()`` then ``fill(_:)`` leave (clock, stamp, victim, counts, bounds),
  /// and returns true; when it hits, returns false, having changed nothing. The set is read once
  /// for both (a miss means the page's tag is in none of its ways, so the fill takes the first
  /// empty way, else the least recently used one).
  /// - Precondition: ``smallestIs4K``; `address` may be anywhere in its page.
  @inline(__always)
  mutating func missAndFillSmallest(_ address: VirtualAddress, pfn: UInt64, writable: Bool) -> Bool {
    let a = arrays.count &- 1
    let array = arrays[a]
    let vpn = address.rawValue >> 12
    let tag = vpn &+ 1
    let first = firstSlot(array, vpn)
    let end = first &+ array.ways
    let stamp = clock &+ 2  // the miss's tick, then the fill's
    let outcome = slots.withUnsafeMutableBufferPointer { slots -> UInt8 in
      var victim = first
      var empty = -1
      var way = first
      while way < end {
        let wayTag = slots[way].tag
        if wayTag == tag { return 0 }  // a hit: nothing changes here
        if empty < 0 {
          if wayTag == 0 {
            empty = way
          } else if slots[way].stamp < slots[victim].stamp {
            victim = way
          }
        }
        way &+= 1
      }
      if empty >= 0 { victim = empty }
      let wasEmpty = slots[victim].tag == 0
      slots[victim] = Slot(tag: tag, pfn: pfn, stamp: stamp, writable: writable)
      return wasEmpty ? 1 : 2
    }
    guard outcome != 0 else { return false }
    clock = stamp
    statistics.misses += 1
    if outcome == 1 { validEntries[a] += 1 } else { statistics.evictions += 1 }
    let entryStart = vpn << 12
    if entryStart < filledBounds.low { filledBounds.low = entryStart }
    if entryStart &+ 4096 > filledBounds.high { filledBounds.high = entryStart &+ 4096 }
    statistics.fills += 1
    return true
  }

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
