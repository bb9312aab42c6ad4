import MemoryModel

/// A device's page table: mappings of any size on the device's ladder, found by address in one
/// hash lookup. 1 GiB mappings sit in their own map; everything smaller lives in the 2 MiB
/// block that holds it — a single 2 MiB mapping, or 512 slots of 4 KiB entries (a 64 KiB
/// mapping fills 16 slots, as hardware with a contiguous bit does).
public final class DevicePageTable {
  enum Block {
    case huge(DeviceMapping)
    case small(ContiguousArray<Slot>, count: Int)
  }

  /// A 4 KiB slot: the mapping that covers it, encoded compactly (PFN of this page, size, write).
  struct Slot {
    var pfn: UInt64 = 0
    var order: Int8 = -1  // -1: empty
    var writable = false
    var isEmpty: Bool { order < 0 }
  }

  var gigantic: [UInt64: DeviceMapping] = [:]
  var blocks: [UInt64: Block] = [:]
  /// Mappings present, by size.
  public private(set) var counts: [DevicePageSize: Int] = [:]

  /// An empty table.
  public init() {}

  /// The number of mappings.
  public var mappingCount: Int { counts.values.reduce(0, +) }

  /// Bytes mapped.
  public var mappedBytes: UInt64 { counts.reduce(0) { $0 + UInt64($1.value) * $1.key.bytes } }

  /// The mapping that covers `address`.
  /// - Complexity: O(1): one or two hash lookups.
  @inline(__always)
  public func lookup(_ address: VirtualAddress) -> DeviceMapping? {
    if !gigantic.isEmpty, let mapping = gigantic[address.rawValue >> 30] { return mapping }
    guard let block = blocks[address.rawValue >> 21] else { return nil }
    switch block {
    case .huge(let mapping):
      return mapping
    case .small(let slots, _):
      let index = Int((address.rawValue >> 12) & 511)
      let slot = slots[index]
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
    _ = unmap(mapping.start, mapping.end)
    counts[mapping.size, default: 0] += 1
    switch mapping.size {
    case .size1G:
      gigantic[mapping.start.rawValue >> 30] = mapping
    case .size2M:
      blocks[mapping.start.rawValue >> 21] = .huge(mapping)
    case .size4K, .size64K:
      let key = mapping.start.rawValue >> 21
      var slots: ContiguousArray<Slot>
      var used: Int
      if case .small(let existing, let count) = blocks[key] {
        slots = existing
        used = count
        blocks[key] = nil  // keep the array uniquely referenced while it is changed
      } else {
        slots = ContiguousArray(repeating: Slot(), count: 512)
        used = 0
      }
      let first = Int((mapping.start.rawValue >> 12) & 511)
      for i in 0..<mapping.size.pageCount {
        slots[first + i] = Slot(pfn: mapping.pfn.rawValue + UInt64(i), order: Int8(mapping.size.order), writable: mapping.isWritable)
      }
      used += mapping.size.pageCount
      blocks[key] = .small(slots, count: used)
    }
  }

  /// Removes every mapping that overlaps `[start, end)` — whole, even when it is only partly
  /// inside — and returns them.
  @discardableResult
  public func unmap(_ start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping] {
    var removed: [DeviceMapping] = []
    guard start < end else { return removed }
    if !gigantic.isEmpty {
      // Cost what is mapped: visit the 1G keys of the range, or the mappings, whichever is fewer.
      let first = start.rawValue >> 30
      let last = (end.rawValue - 1) >> 30
      let keys = last - first >= UInt64(gigantic.count) ? gigantic.keys.filter { $0 >= first && $0 <= last }.sorted() : Array(first...last)
      for key in keys {
        if let mapping = gigantic.removeValue(forKey: key) {
          removed.append(mapping)
          counts[.size1G, default: 0] -= 1
        }
      }
    }
    let firstBlock = start.rawValue >> 21
    let lastBlock = (end.rawValue - 1) >> 21
    if lastBlock - firstBlock > UInt64(blocks.count) {
      // A huge range over a sparse table: visit the blocks that exist.
      for key in blocks.keys.sorted() where key >= firstBlock && key <= lastBlock {
        unmapBlock(key, start, end, &removed)
      }
    } else {
      var key = firstBlock
      while key <= lastBlock {
        unmapBlock(key, start, end, &removed)
        key += 1
      }
    }
    return removed
  }

  private func unmapBlock(_ key: UInt64, _ start: VirtualAddress, _ end: VirtualAddress, _ removed: inout [DeviceMapping]) {
    guard let block = blocks[key] else { return }
    switch block {
    case .huge(let mapping):
      blocks[key] = nil
      removed.append(mapping)
      counts[.size2M, default: 0] -= 1
    case .small(var slots, var used):
      blocks[key] = nil
      let blockStart = key << 21
      let from = Int((max(start.rawValue, blockStart) - blockStart) >> 12)
      let to = Int((min(end.rawValue, blockStart + (1 << 21)) - blockStart + 4095) >> 12)
      var index = from
      while index < to {
        let slot = slots[index]
        guard !slot.isEmpty else {
          index += 1
          continue
        }
        let size = DevicePageSize(rawValue: Int(slot.order))!
        let first = index & ~(size.pageCount - 1)
        removed.append(DeviceMapping(start: VirtualAddress(blockStart + UInt64(first) << 12), size: size,
                                     pfn: PFN(slot.pfn - UInt64(index - first)), isWritable: slot.writable))
        for i in first..<(first + size.pageCount) { slots[i] = Slot() }
        used -= size.pageCount
        counts[size, default: 0] -= 1
        index = first + size.pageCount
      }
      if used > 0 { blocks[key] = .small(slots, count: used) }
    }
  }

  /// Every mapping, by address.
  public var mappings: [DeviceMapping] {
    var result = Array(gigantic.values)
    for (key, block) in blocks {
      switch block {
      case .huge(let mapping): result.append(mapping)
      case .small(let slots, _):
        var index = 0
        while index < 512 {
          let slot = slots[index]
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
    gigantic.removeAll()
    blocks.removeAll()
    counts.removeAll()
  }
}
