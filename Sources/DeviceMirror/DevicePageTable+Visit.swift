import MemoryModel

/// Visiting mappings without building the list of all of them.
extension DevicePageTable {
  /// Calls `body` for every mapping that overlaps `[start, end)`, in address order. The cost is
  /// the blocks of the range or the blocks that exist, whichever is fewer, plus the mappings
  /// visited — not the size of the range, and no array of every mapping.
  public func forEachMapping(overlapping start: VirtualAddress, _ end: VirtualAddress, _ body: (DeviceMapping) -> Void) {
    guard start < end, !isOutsideMappedBounds(start, end) else { return }
    if gigantic.isEmpty {
      // No 1G mappings: the blocks in address order, by key when the range spans no more keys
      // than blocks exist (no list of keys built), else the existing keys sorted.
      let firstBlock = start.rawValue >> 21
      let lastBlock = (end.rawValue - 1) >> 21
      guard !blocks.isEmpty else { return }
      if lastBlock - firstBlock < UInt64(blocks.count) {
        var key = firstBlock
        while true {
          visitBlock(key, start, end, body)
          if key == lastBlock { break }
          key += 1
        }
      } else {
        for key in blocks.keys.filter({ $0 >= firstBlock && $0 <= lastBlock }).sorted() { visitBlock(key, start, end, body) }
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

  private func visitBlock(_ key: UInt64, _ start: VirtualAddress, _ end: VirtualAddress, _ body: (DeviceMapping) -> Void) {
    guard let block = block(key) else { return }
    switch block {
    case .huge(let mapping):
      body(mapping)
    case .small(let small):
      let slots = small.slots
      let blockStart = key << 21
      var index = Int((max(start.rawValue, blockStart) - blockStart) >> 12)
      let to = Int((min(end.rawValue, blockStart + (1 << 21)) - blockStart + 4095) >> 12)
      // A 64K mapping that starts before the range still overlaps it.
      let firstSlot = slots[index]
      if !firstSlot.isEmpty, let size = DevicePageSize(rawValue: Int(firstSlot.order)) { index &= ~(size.pageCount - 1) }
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
