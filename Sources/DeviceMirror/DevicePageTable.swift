import MemoryModel

/// A device's page table: mappings of any size on the device's ladder, found by address in one
/// hash lookup. 1 GiB mappings sit in their own map; everything smaller lives in the 2 MiB
/// block that holds it — a single 2 MiB mapping, or 512 slots of 4 KiB entries (a 64 KiB
/// mapping fills 16 slots, as hardware with a contiguous bit does).
public final class DevicePageTable {
  enum Block {
    case huge(DeviceMapping)
    case small(SmallBlock)
  }

  /// 512 slots of 4 KiB and how many are used, changed in place (one hash lookup per change,
  /// no copy of the slots). The slots are one fixed allocation owned by the block: reading or
  /// writing one is a load or a store, with no uniqueness check or copy-on-write of an array.
  /// Every index is a 4 KiB slot number below 512 (`(address >> 12) & 511`, or a naturally
  /// aligned run of a mapping's pages inside its 2 MiB block).
  final class SmallBlock {
    let slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) var used = 0

    init() {
      slots = .allocate(capacity: 512)
      slots.initialize(repeating: Slot(), count: 512)
    }

    deinit { slots.deallocate() }  // Slot is a trivial type: nothing to deinitialize
  }

  /// A 4 KiB slot: the mapping that covers it, encoded compactly (PFN of this page, size, write).
  struct Slot {
    var pfn: UInt64 = 0
    var order: Int8 = -1  // -1: empty
    var writable = false
    var isEmpty: Bool { order < 0 }
  }

  @exclusivity(unchecked) var gigantic: [UInt64: DeviceMapping] = [:]
  /// The 2 MiB blocks; changed only through ``setBlock(_:_:)``, which keeps ``cachedBlock`` right.
  @exclusivity(unchecked) private(set) var blocks: [UInt64: Block] = [:]
  /// The last block looked up (nil: none there), so that the accesses and mappings of one 2 MiB
  /// block after another cost one hash lookup, not one each.
  @exclusivity(unchecked) private var cachedKey = UInt64.max
  @exclusivity(unchecked) private var cachedBlock: Block?
  /// The slots of ``cachedBlock`` when it is a small block (nil otherwise): ``lookup(_:)`` reads
  /// them without copying the enum (no retain and release of the block per lookup). Valid as
  /// long as ``cachedBlock`` holds that block, and set with it in ``block(_:)``,
  /// ``setBlock(_:_:)`` and ``clear()``.
  @exclusivity(unchecked) private var cachedSlots: UnsafeMutablePointer<Slot>?
  /// ``cachedBlock``'s small block, unretained (nil when it is not one): ``map4KRun(start:pfn:count:writable:)``
  /// writes into it without a retain and release of the block. Valid while ``cachedBlock`` (so
  /// `blocks`) holds that block; set with ``cachedSlots``.
  @exclusivity(unchecked) private var cachedSmall: Unmanaged<SmallBlock>?
  /// Mappings present, by size index (4K, 64K, 2M, 1G).
  @exclusivity(unchecked) private var countsBySize = (0, 0, 0, 0)
  /// `[low, high)` holds every mapping: each map widens it to the mapping's 2 MiB block (1 GiB
  /// for a 1 GiB mapping) after the mapping is in, and it is reset only when the table is empty
  /// (an unmap that removed the last mapping, `clear`). An unmap or visit of a range outside it
  /// touches nothing, so it returns at once (most invalidations a device hears are elsewhere).
  @exclusivity(unchecked) private(set) var mappedBounds: (low: UInt64, high: UInt64) = (.max, 0)
  /// Changes to the mappings so far: the safety oracle skips a device whose table and whose
  /// CPU page table did not change since it last checked them.
  @exclusivity(unchecked) public private(set) var generation: UInt64 = 0
  /// Where mappings were added since a generation (DevicePageTable+ChangeRecord.swift), noted
  /// where ``generation`` moves for a new mapping. Unchecked like the properties above: only
  /// this table's methods touch it, one at a time, never while another access to it is open.
  @exclusivity(unchecked) var changeRecord = ChangeRecord()
  /// Small blocks whose last mapping went (all their slots empty), kept for the next block the
  /// table needs instead of a fresh allocation of 512 slots. Nothing else holds them: a block
  /// leaves `blocks` (and the cached lookup) before it is kept.
  @exclusivity(unchecked) private var spareBlocks: [SmallBlock] = []

  /// An empty table.
  public init() {}

  /// The block `key` (address >> 21), through the one-entry cache.
  @inline(__always)
  func block(_ key: UInt64) -> Block? {
    if key == cachedKey { return cachedBlock }
    let block = blocks[key]
    cachedKey = key
    cachedBlock = block
    cachedSlots = Self.slots(of: block)
    cachedSmall = Self.small(of: block)
    return block
  }

  /// The slots of `block` when it is a small block.
  @inline(__always)
  private static func slots(of block: Block?) -> UnsafeMutablePointer<Slot>? {
    if case .small(let small) = block { return small.slots }
    return nil
  }

  /// `block`'s small block, unretained, when it is one.
  @inline(__always)
  private static func small(of block: Block?) -> Unmanaged<SmallBlock>? {
    if case .small(let small) = block { return Unmanaged.passUnretained(small) }
    return nil
  }

  /// Sets or removes block `key`, keeping the cache right.
  @inline(__always)
  private func setBlock(_ key: UInt64, _ block: Block?) {
    blocks[key] = block
    if key == cachedKey {
      cachedBlock = block
      cachedSlots = Self.slots(of: block)
      cachedSmall = Self.small(of: block)
    }
  }

  /// Mappings present, by size (sizes with none left out).
  public var counts: [DevicePageSize: Int] {
    var result: [DevicePageSize: Int] = [:]
    for size in DevicePageSize.allCases where count(of: size) != 0 { result[size] = count(of: size) }
    return result
  }

  /// Mappings present of `size`.
  public func count(of size: DevicePageSize) -> Int {
    switch size {
    case .size4K: countsBySize.0
    case .size64K: countsBySize.1
    case .size2M: countsBySize.2
    case .size1G: countsBySize.3
    }
  }

  @inline(__always)
  private func adjustCount(_ size: DevicePageSize, by delta: Int) {
    switch size {
    case .size4K: countsBySize.0 += delta
    case .size64K: countsBySize.1 += delta
    case .size2M: countsBySize.2 += delta
    case .size1G: countsBySize.3 += delta
    }
  }

  /// The number of mappings.
  public var mappingCount: Int { countsBySize.0 + countsBySize.1 + countsBySize.2 + countsBySize.3 }

  /// Bytes mapped.
  public var mappedBytes: UInt64 { DevicePageSize.allCases.reduce(0) { $0 + UInt64(count(of: $1)) * $1.bytes } }

  /// The mapping that covers `address`.
  /// - Complexity: O(1): one or two hash lookups.
  @inline(__always)
  public func lookup(_ address: VirtualAddress) -> DeviceMapping? {
    if !gigantic.isEmpty, let mapping = gigantic[address.rawValue >> 30] { return mapping }
    if address.rawValue >> 21 == cachedKey, let slots = cachedSlots {
      // The small block looked up last: the slot read through its pointer.
      let index = Int((address.rawValue >> 12) & 511)
      let slot = slots[index]
      guard !slot.isEmpty else { return nil }
      if slot.order == 0 {
        // A 4 KiB mapping (most slots): its own page, no size to work out.
        return DeviceMapping(start: VirtualAddress(address.rawValue & ~4095), size: .size4K, pfn: PFN(slot.pfn), isWritable: slot.writable)
      }
      let size = DevicePageSize(rawValue: Int(slot.order))!
      let first = index & ~(size.pageCount - 1)
      return DeviceMapping(start: VirtualAddress(address.rawValue & ~(size.bytes - 1)), size: size,
                           pfn: PFN(slot.pfn - UInt64(index - first)), isWritable: slot.writable)
    }
    guard let block = block(address.rawValue >> 21) else { return nil }
    switch block {
    case .huge(let mapping):
      return mapping
    case .small(let block):
      let index = Int((address.rawValue >> 12) & 511)
      let slot = block.slots[index]
      guard !slot.isEmpty else { return nil }
      let size = DevicePageSize(rawValue: Int(slot.order))!
      let first = index & ~(size.pageCount - 1)
      return DeviceMapping(start: VirtualAddress(address.rawValue & ~(size.bytes - 1)), size: size,
                           pfn: PFN(slot.pfn - UInt64(index - first)), isWritable: slot.writable)
    }
  }

  /// Inserts a mapping, replacing whatever overlaps it.
  /// - Precondition: `mapping.start` is aligned to its size.
  public func map(_ mapping: DeviceMapping) {
    precondition(mapping.start.isAligned(to: mapping.size.bytes), "device mappings are naturally aligned")
    generation &+= 1
    noteMapped(mapping)
    switch mapping.size {
    case .size1G:
      _ = unmap(mapping.start, mapping.end)
      gigantic[mapping.start.rawValue >> 30] = mapping
    case .size2M:
      _ = unmap(mapping.start, mapping.end)
      setBlock(mapping.start.rawValue >> 21, .huge(mapping))
    case .size4K, .size64K:
      let key = mapping.start.rawValue >> 21
      if !gigantic.isEmpty { _ = unmap(mapping.start, mapping.end) }
      let block: SmallBlock
      switch self.block(key) {
      case .small(let existing):
        block = existing
        // What overlaps in this block goes first (whole: a 64K mapping under a 4K one).
        let first = Int((mapping.start.rawValue >> 12) & 511)
        var cleared = false
        for i in first..<(first + mapping.size.pageCount) where !block.slots[i].isEmpty {
          cleared = true
          break
        }
        if cleared { clearSlots(block, first, first + mapping.size.pageCount, blockStart: key << 21) { _ in } }
      case .huge(let old):
        setBlock(key, nil)
        adjustCount(old.size, by: -1)
        block = spareBlocks.popLast() ?? SmallBlock()
        setBlock(key, .small(block))
      case nil:
        block = spareBlocks.popLast() ?? SmallBlock()
        setBlock(key, .small(block))
      }
      let first = Int((mapping.start.rawValue >> 12) & 511)
      let order = Int8(mapping.size.order)
      for i in 0..<mapping.size.pageCount {
        block.slots[first + i] = Slot(pfn: mapping.pfn.rawValue + UInt64(i), order: order, writable: mapping.isWritable)
      }
      block.used += mapping.size.pageCount
    }
    adjustCount(mapping.size, by: 1)
    // After the mapping is in (the unmaps above may have emptied the table and reset the
    // bounds). The 4 KiB mappings map(list) adds after it lie in the same 2 MiB block.
    let granule: UInt64 = mapping.size == .size1G ? 1 << 30 : 1 << 21
    let low = mapping.start.rawValue & ~(granule &- 1)
    if low < mappedBounds.low { mappedBounds.low = low }
    if low &+ granule > mappedBounds.high { mappedBounds.high = low &+ granule }
  }

  /// ``map(_:)`` of a 4 KiB mapping into an empty slot of the small block looked up last (a
  /// one-page fault right after the lookup that missed there): the same generation, change
  /// record note, slot, counts and bounds as ``map(_:)``, without its search. Returns false,
  /// having changed nothing, in any other case (the caller maps it with ``map(_:)``).
  @inline(__always)
  func mapIntoCachedEmptySlot(_ mapping: DeviceMapping) -> Bool {
    let key = mapping.start.rawValue >> 21
    guard mapping.size == .size4K, key == cachedKey, let slots = cachedSlots, gigantic.isEmpty,
          mapping.start.isAligned(to: 4096), let block = cachedSmall
    else { return false }
    let index = Int((mapping.start.rawValue >> 12) & 511)
    guard slots[index].isEmpty else { return false }
    generation &+= 1
    noteMapped(mapping)
    slots[index] = Slot(pfn: mapping.pfn.rawValue, order: 0, writable: mapping.isWritable)
    block._withUnsafeGuaranteedRef { $0.used += 1 }
    countsBySize.0 += 1
    let low = key << 21
    if low < mappedBounds.low { mappedBounds.low = low }
    if low &+ (1 << 21) > mappedBounds.high { mappedBounds.high = low &+ (1 << 21) }
    return true
  }

  /// The slot of `address` as ``lookup(_:)`` reads it when the address's 2 MiB block is the small
  /// block looked up last and there is no 1 GiB mapping; nil otherwise (look it up instead).
  @inline(__always)
  func cachedSlot(_ address: VirtualAddress) -> Slot? {
    guard address.rawValue >> 21 == cachedKey, let slots = cachedSlots, gigantic.isEmpty else { return nil }
    return slots[Int((address.rawValue >> 12) & 511)]
  }

  /// Whether `[start, end)` lies outside ``mappedBounds`` (no mapping overlaps it).
  @inline(__always)
  func isOutsideMappedBounds(_ start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    start.rawValue >= mappedBounds.high || end.rawValue <= mappedBounds.low
  }

  /// ``map(_:)`` for each of `mappings` in order, with a run of 4 KiB mappings into one small
  /// block written through that block directly (one block lookup for the run, not one each):
  /// the same slots, counts and generation as mapping them one by one.
  func map(_ mappings: UnsafeBufferPointer<DeviceMapping>) {
    var i = 0
    let count = mappings.count
    while i < count {
      let head = mappings[i]
      map(head)
      i += 1
      // The 4K mappings that follow in the block the head (a 4K or 64K mapping) went into, with
      // no 1G mapping anywhere (nothing to unmap above them), go straight into its slots: what
      // map(_:) does for each (clear what overlaps the slot, fill it, count it, bump the
      // generation, note the page), with the block held once for the run and the notes of
      // consecutive pages given as one range (the same record: each of them would merge into
      // the tail that holds the page before it).
      guard head.size < .size2M, i < count, gigantic.isEmpty else { continue }
      let key = head.start.rawValue >> 21
      guard case .small(let block) = self.block(key) else { continue }
      let blockStart = key << 21
      let slots = block.slots
      var previous = (head.end.rawValue >> 12) &- 1
      var pendingFirst = UInt64.max
      var added = 0
      while i < count {
        let mapping = mappings[i]
        guard mapping.size == .size4K, mapping.start.rawValue >> 21 == key else { break }
        let page = mapping.start.rawValue >> 12
        if page == previous &+ 1 {
          if pendingFirst == .max { pendingFirst = page }
        } else {
          if pendingFirst != .max { changeRecord.note(pendingFirst, previous) }
          pendingFirst = .max
          changeRecord.note(page, page)
        }
        previous = page
        let index = Int(page & 511)
        if !slots[index].isEmpty { clearSlots(block, index, index + 1, blockStart: blockStart) { _ in } }
        slots[index] = Slot(pfn: mapping.pfn.rawValue, order: 0, writable: mapping.isWritable)
        block.used += 1
        added += 1
        i += 1
      }
      if pendingFirst != .max { changeRecord.note(pendingFirst, previous) }
      generation &+= UInt64(added)
      countsBySize.0 += added
    }
  }

  /// ``map(_:)`` of the `count` 4 KiB mappings `start + i·4K → pfn + i` (`i` from 0), all
  /// writable or all read-only, one after another: the same slots, counts, generation, change
  /// record and bounds as those `count` calls, with each 2 MiB block found once for its pages
  /// and no mapping built (a fault's run of 4 KiB pages commits straight into the slots). The
  /// change record hears the first page, then the rest as one range: each later page's note
  /// would merge into the range that holds the page before it.
  /// - Precondition: `start` is 4 KiB aligned; `count` > 0.
  func map4KRun(start: VirtualAddress, pfn: PFN, count: Int, writable: Bool) {
    precondition(start.isAligned(to: 4096) && count > 0, "a run of 4 KiB mappings starts at a page")
    guard gigantic.isEmpty else {
      // A 1G mapping may overlap: map(_:) unmaps it first, page by page.
      for k in 0..<count {
        map(DeviceMapping(start: start + UInt64(k) << 12, size: .size4K, pfn: pfn + UInt64(k), isWritable: writable))
      }
      return
    }
    let firstPage = start.rawValue >> 12
    var page = firstPage
    var frame = pfn.rawValue
    var left = count
    while left > 0 {
      let key = page >> 9
      let index = Int(truncatingIfNeeded: page & 511)
      let n = min(left, 512 - index)
      let blockStart = key << 21
      if key == cachedKey, let cached = cachedSmall {
        // The small block looked up last (a fault's window right after the lookup that missed
        // there): written without a retain of it.
        cached._withUnsafeGuaranteedRef { fill4K($0, index, n, blockStart, frame, writable) }
      } else {
        // The block as map(_:) finds or makes it for the first of its pages (the rest find it small).
        let block: SmallBlock
        switch self.block(key) {
        case .small(let existing):
          block = existing
        case .huge(let old):
          setBlock(key, nil)
          adjustCount(old.size, by: -1)
          block = spareBlocks.popLast() ?? SmallBlock()
          setBlock(key, .small(block))
        case nil:
          block = spareBlocks.popLast() ?? SmallBlock()
          setBlock(key, .small(block))
        }
        fill4K(block, index, n, blockStart, frame, writable)
      }
      frame &+= UInt64(n)
      // After the block's pages are in, as map(_:) widens the bounds after each mapping.
      if blockStart < mappedBounds.low { mappedBounds.low = blockStart }
      if blockStart &+ (1 << 21) > mappedBounds.high { mappedBounds.high = blockStart &+ (1 << 21) }
      page &+= UInt64(n)
      left -= n
    }
    generation &+= UInt64(count)
    countsBySize.0 += count
    // The first page's note as its map(_:) makes it (it may start a range of its own next to the
    // record's last one, or merge into it), then the rest at once: each of their notes merges
    // into the range that holds the page before it.
    changeRecord.note(firstPage, firstPage)
    if count > 1 { changeRecord.note(firstPage &+ 1, firstPage &+ UInt64(count) &- 1) }
  }

  /// Slots `index ..< index + n` of `block` (at `blockStart`) become 4 KiB mappings of the frames
  /// from `frame`, each slot cleared first of what overlaps it (whole, as map(_:) does).
  @inline(__always)
  private func fill4K(_ block: SmallBlock, _ index: Int, _ n: Int, _ blockStart: UInt64, _ frame: UInt64, _ writable: Bool) {
    let slots = block.slots
    var frame = frame
    for i in index..<(index + n) {
      if !slots[i].isEmpty { clearSlots(block, i, i + 1, blockStart: blockStart) { _ in } }
      slots[i] = Slot(pfn: frame, order: 0, writable: writable)
      block.used += 1
      frame &+= 1
    }
  }

  /// Removes the mappings that overlap slots `[from, to)` of `block` (whole), counting them out.
  private func clearSlots(_ block: SmallBlock, _ from: Int, _ to: Int, blockStart: UInt64, removed: (DeviceMapping) -> Void) {
    var index = from
    while index < to {
      let slot = block.slots[index]
      guard !slot.isEmpty else {
        index += 1
        continue
      }
      let size = DevicePageSize(rawValue: Int(slot.order))!
      let first = index & ~(size.pageCount - 1)
      removed(DeviceMapping(start: VirtualAddress(blockStart + UInt64(first) << 12), size: size,
                            pfn: PFN(slot.pfn - UInt64(index - first)), isWritable: slot.writable))
      for i in first..<(first + size.pageCount) { block.slots[i] = Slot() }
      block.used -= size.pageCount
      adjustCount(size, by: -1)
      if block.used == 0 { return }  // nothing left in the block: the rest of the slots are empty
      index = first + size.pageCount
    }
  }

  /// Removes every mapping that overlaps `[start, end)` — whole, even when it is only partly
  /// inside — and returns them.
  @discardableResult
  public func unmap(_ start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping] {
    var removed: [DeviceMapping] = []
    unmap(start, end) { removed.append($0) }
    return removed
  }

  /// Removes every mapping that overlaps `[start, end)` — whole, even when it is only partly
  /// inside — handing each to `removed` (in the order ``unmap(_:_:)`` returns them), without
  /// building a list.
  public func unmap(_ start: VirtualAddress, _ end: VirtualAddress, removed: (DeviceMapping) -> Void) {
    // Nothing mapped (a mirroring device before its first fault, or after a large invalidation):
    // nothing to remove, and the generation stays.
    guard start < end, mappingCount > 0, !isOutsideMappedBounds(start, end) else { return }
    // The generation moves only when a mapping goes: an invalidation of a range the device does
    // not map (most CPU changes) leaves the safety oracle's last verdict on this table valid.
    let before = countsBySize
    defer {
      if countsBySize != before {
        generation &+= 1
        if mappingCount == 0 { mappedBounds = (.max, 0) }
      }
    }
    if !gigantic.isEmpty {
      // Cost what is mapped: visit the 1G keys of the range, or the mappings, whichever is fewer.
      let first = start.rawValue >> 30
      let last = (end.rawValue - 1) >> 30
      let keys = last - first >= UInt64(gigantic.count) ? gigantic.keys.filter { $0 >= first && $0 <= last }.sorted() : Array(first...last)
      for key in keys {
        if let mapping = gigantic.removeValue(forKey: key) {
          removed(mapping)
          adjustCount(.size1G, by: -1)
        }
      }
    }
    let firstBlock = start.rawValue >> 21
    let lastBlock = (end.rawValue - 1) >> 21
    if lastBlock - firstBlock > UInt64(blocks.count) {
      // A huge range over a sparse table: visit the blocks that exist.
      for key in blocks.keys.sorted() where key >= firstBlock && key <= lastBlock {
        unmapBlock(key, start, end, removed)
      }
    } else {
      var key = firstBlock
      while key <= lastBlock {
        unmapBlock(key, start, end, removed)
        key += 1
      }
    }
  }

  private func unmapBlock(_ key: UInt64, _ start: VirtualAddress, _ end: VirtualAddress, _ removed: (DeviceMapping) -> Void) {
    guard let block = block(key) else { return }
    switch block {
    case .huge(let mapping):
      setBlock(key, nil)
      removed(mapping)
      adjustCount(.size2M, by: -1)
    case .small(let small):
      let blockStart = key << 21
      let from = Int((max(start.rawValue, blockStart) - blockStart) >> 12)
      let to = Int((min(end.rawValue, blockStart + (1 << 21)) - blockStart + 4095) >> 12)
      clearSlots(small, from, to, blockStart: blockStart, removed: removed)
      if small.used == 0 {
        setBlock(key, nil)
        if spareBlocks.count < 8 { spareBlocks.append(small) }
      }
    }
  }

  /// Every mapping, by address.
  public var mappings: [DeviceMapping] {
    var result = Array(gigantic.values)
    for (key, block) in blocks {
      switch block {
      case .huge(let mapping): result.append(mapping)
      case .small(let block):
        var index = 0
        while index < 512 {
          let slot = block.slots[index]
          guard !slot.isEmpty else {
            index += 1
            continue
          }
          let size = DevicePageSize(rawValue: Int(slot.order))!
          result.append(DeviceMapping(start: VirtualAddress(key << 21 + UInt64(index) << 12), size: size,
                                      pfn: PFN(slot.pfn), isWritable: slot.writable))
          index += size.pageCount
        }
      }
    }
    return result.sorted { $0.start < $1.start }
  }

  /// Removes everything.
  public func clear() {
    generation &+= 1
    countsBySize = (0, 0, 0, 0)
    mappedBounds = (.max, 0)
    gigantic.removeAll()
    blocks.removeAll()
    cachedKey = .max
    cachedBlock = nil
    cachedSlots = nil
    cachedSmall = nil
  }
}
