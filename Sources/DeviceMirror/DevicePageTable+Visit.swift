import MemoryModel

/// Visiting mappings without building the list of all of them.
extension DevicePageTable {
  /// Calls `body` for every mapping that overlaps `[start, end)`, in address order. The cost is
  /// the blocks of the range or the blocks that exist, whichever is fewer, plus the mappings
  /// visited — not the size of the range, and no array of every mapping.
  public func forEachMapping(overlapping start: VirtualAddress, _ end: VirtualAddress, _ body: (DeviceMapping) -> Void) {
    guard start < end, !isOutsideMappedBounds(start, end) else { return }
    if gigantic.isEmpty {
      forEachBlockKey(start, end) { key in
        visitBlock(key, start, end, body)
        return true
      }
      return
    }
    let firstGigantic = start.rawValue >> 30
    let lastGigantic = (end.rawValue - 1) >> 30
    let gigantics: [UInt64] = gigantic.isEmpty ? []
      : lastGigantic - firstGigantic >= UInt64(gigantic.count) ? gigantic.keys.filter { $0 >= firstGigantic && $0 <= lastGigantic }.sorted()
      : (firstGigantic...lastGigantic).filter { gigantic[$0] != nil }
    let firstBlock = start.rawValue >> 21
    let lastBlock = (end.rawValue - 1) >> 21
    let blockKeys: [UInt64] = lastBlock - firstBlock >= UInt64(blocks.count)
      ? blocks.keys.filter { $0 >= firstBlock && $0 <= lastBlock }.sorted()
      : (firstBlock...lastBlock).filter { blocks[$0] != nil }
    // 1G mappings and 2M blocks never overlap: merge the two sorted lists by address.
    var g = 0
    for key in blockKeys {
      while g < gigantics.count && gigantics[g] << 30 < key << 21 {
        body(gigantic[gigantics[g]]!)
        g += 1
      }
      visitBlock(key, start, end, body)
    }
    while g < gigantics.count {
      body(gigantic[gigantics[g]]!)
      g += 1
    }
  }

  /// Calls `body` for every mapping, in address order.
  public func forEachMapping(_ body: (DeviceMapping) -> Void) {
    forEachMapping(overlapping: VirtualAddress(0), VirtualAddress(UInt64.max), body)
  }

  /// Calls `body` with the mappings that overlap `[start, end)` (whole, as
  /// ``forEachMapping(overlapping:_:_:)`` visits them) as runs, in address order: each run
  /// `[start, end)` maps the consecutive frames from `pfn` on, with one permission, and is made of
  /// whole mappings (4 KiB and 64 KiB slots of one 2 MiB block joined slot by slot; a 2 MiB or
  /// 1 GiB mapping alone). Runs that continue one another may still come apart (at a block's
  /// edge, for one); the pages they cover, their frames and permissions are those of the
  /// mappings. `body` returns false to stop.
  func forEachRun(overlapping start: VirtualAddress, _ end: VirtualAddress,
                  _ body: (_ start: UInt64, _ end: UInt64, _ pfn: UInt64, _ writable: Bool) -> Bool) {
    guard start < end, !isOutsideMappedBounds(start, end) else { return }
    guard gigantic.isEmpty else {
      // 1G mappings: mapping by mapping.
      var going = true
      forEachMapping(overlapping: start, end) { mapping in
        guard going else { return }
        going = body(mapping.start.rawValue, mapping.end.rawValue, mapping.pfn.rawValue, mapping.isWritable)
      }
      return
    }
    forEachBlockKey(start, end) { key in visitRuns(key, start, end, body) }
  }

  /// What ``forEachSpan(overlapping:_:_:)`` hands over for one 2 MiB block.
  enum Span {
    /// `count` consecutive slots of a small block (empty ones among them), the first at address
    /// `start`.
    case slots(start: UInt64, slots: UnsafeMutablePointer<Slot>, count: Int)
    /// A 2 MiB mapping.
    case mapping(DeviceMapping)
  }

  /// Calls `body` for each 2 MiB block that holds mappings overlapping `[start, end)`, in address
  /// order, with the slots those mappings fill (the slots of the range, widened to whole
  /// mappings at both ends, as ``forEachRun(overlapping:_:_:)`` takes them) or the block's 2 MiB
  /// mapping: the same pages, frames and permissions as the runs, without joining them. `body`
  /// returns false to stop. Returns false, having called `body` for none, when a 1 GiB mapping
  /// exists (visit the runs instead).
  func forEachSpan(overlapping start: VirtualAddress, _ end: VirtualAddress, _ body: (Span) -> Bool) -> Bool {
    guard gigantic.isEmpty else { return false }
    guard start < end, !isOutsideMappedBounds(start, end) else { return true }
    forEachBlockKey(start, end) { key in
      guard let block = block(key) else { return true }
      switch block {
      case .huge(let mapping):
        return body(.mapping(mapping))
      case .small(let small):
        let blockStart = key << 21
        let window = overlappingSlots(small.slots, blockStart, start, end)
        return body(.slots(start: blockStart + UInt64(window.lowerBound) << 12, slots: small.slots + window.lowerBound, count: window.count))
      }
    }
    return true
  }

  /// Calls `body` with the key of every 2 MiB block of `[start, end)` that may exist, in address
  /// order: each key of the range when it spans no more keys than blocks exist (no list of keys
  /// built), else the existing keys sorted. `body` returns false to stop.
  @inline(__always)
  private func forEachBlockKey(_ start: VirtualAddress, _ end: VirtualAddress, _ body: (UInt64) -> Bool) {
    guard !blocks.isEmpty else { return }
    let firstBlock = start.rawValue >> 21
    let lastBlock = (end.rawValue - 1) >> 21
    if lastBlock - firstBlock < UInt64(blocks.count) {
      var key = firstBlock
      while body(key) && key != lastBlock { key += 1 }
    } else {
      for key in blocks.keys.filter({ $0 >= firstBlock && $0 <= lastBlock }).sorted() {
        if !body(key) { return }
      }
    }
  }

  /// The slots of a small block (starting at `blockStart`) that the mappings overlapping
  /// `[start, end)` fill: those of the range, widened to whole mappings at both ends (a 64K
  /// mapping that starts before the range, or ends after it, still overlaps it).
  @inline(__always)
  private func overlappingSlots(_ slots: UnsafeMutablePointer<Slot>, _ blockStart: UInt64, _ start: VirtualAddress, _ end: VirtualAddress) -> Range<Int> {
    var index = Int((max(start.rawValue, blockStart) - blockStart) >> 12)
    var to = Int((min(end.rawValue, blockStart + (1 << 21)) - blockStart + 4095) >> 12)
    let firstSlot = slots[index]
    if !firstSlot.isEmpty { index &= ~((1 << Int(firstSlot.order)) - 1) }
    let lastSlot = slots[to - 1]
    if !lastSlot.isEmpty {
      let pages = 1 << Int(lastSlot.order)
      to = ((to - 1) & ~(pages - 1)) + pages
    }
    return index..<to
  }

  /// ``forEachRun(overlapping:_:_:)`` for block `key`; false when `body` stopped.
  private func visitRuns(_ key: UInt64, _ start: VirtualAddress, _ end: VirtualAddress,
                         _ body: (_ start: UInt64, _ end: UInt64, _ pfn: UInt64, _ writable: Bool) -> Bool) -> Bool {
    guard let block = block(key) else { return true }
    switch block {
    case .huge(let mapping):
      return body(mapping.start.rawValue, mapping.end.rawValue, mapping.pfn.rawValue, mapping.isWritable)
    case .small(let small):
      let slots = small.slots
      let blockStart = key << 21
      let window = overlappingSlots(slots, blockStart, start, end)
      var index = window.lowerBound
      let to = window.upperBound
      while index < to {
        let slot = slots[index]
        guard !slot.isEmpty else {
          index += 1
          continue
        }
        // The slots from here that continue it: filled, the next frame, the same permission
        // (each slot holds its own page's frame, so whole mappings join as their pages do).
        let first = index
        index += 1
        while index < to {
          let next = slots[index]
          guard !next.isEmpty, next.writable == slot.writable, next.pfn == slot.pfn &+ UInt64(index - first) else { break }
          index += 1
        }
        guard body(blockStart + UInt64(first) << 12, blockStart + UInt64(index) << 12, slot.pfn, slot.writable) else { return false }
      }
      return true
    }
  }

  private func visitBlock(_ key: UInt64, _ start: VirtualAddress, _ end: VirtualAddress, _ body: (DeviceMapping) -> Void) {
    guard let block = block(key) else { return }
    switch block {
    case .huge(let mapping):
      body(mapping)
    case .small(let small):
      let slots = small.slots
      let blockStart = key << 21
      let window = overlappingSlots(slots, blockStart, start, end)
      var index = window.lowerBound
      let to = window.upperBound
      while index < to {
        let slot = slots[index]
        guard !slot.isEmpty, let size = DevicePageSize(rawValue: Int(slot.order)) else {
          index += 1
          continue
        }
        let first = index & ~(size.pageCount - 1)
        body(DeviceMapping(start: VirtualAddress(blockStart + UInt64(first) << 12), size: size,
                           pfn: PFN(slot.pfn - UInt64(index - first)), isWritable: slot.writable))
        index = first + size.pageCount
      }
    }
  }
}
