import MemoryModel

/// A device TLB: one set-associative array per page size, least-recently-used replacement,
/// counting hits, misses, page-walk steps, fills and evictions.
public struct DeviceTLB {
  /// The geometry of one page size's array.
  public struct Geometry: Hashable, Sendable, CustomStringConvertible {
    /// Entries in all.
    public var entries: Int
    /// Ways per set (`entries` for fully associative).
    public var ways: Int
    /// Creates a geometry.
    /// - Precondition: `entries` is a positive multiple of `ways`, and `entries / ways` a power of two.
    public init(entries: Int, ways: Int) {
      precondition(entries > 0 && ways > 0 && entries % ways == 0, "TLB entries must be a multiple of the ways")
      let sets = entries / ways
      precondition(sets & (sets - 1) == 0, "the number of TLB sets must be a power of two")
      self.entries = entries
      self.ways = ways
    }
    /// `64x4` (entries x ways).
    public var description: String { "\(entries)x\(ways)" }
  }

  /// Counters.
  public struct Statistics: Sendable, Equatable {
    /// Lookups that hit.
    public var hits = 0
    /// Lookups that missed.
    public var misses = 0
    /// Entries filled after a walk.
    public var fills = 0
    /// Valid entries replaced by a fill.
    public var evictions = 0
    /// Entries removed by shootdowns.
    public var shootdowns = 0
  }

  /// One page size's array: where its sets start in ``slots`` and how an address picks a set.
  struct Array {
    let size: DevicePageSize
    let sets: Int
    let ways: Int
    /// The first slot of the array's sets.
    let base: Int
    /// `12 + order`: an address's virtual page number at this size is `address >> shift`.
    let shift: UInt64
    /// `sets - 1`.
    let setMask: UInt64
    /// `pageCount - 1`: the 4 KiB page within an entry.
    let pageMask: UInt64

    /// The array's slots in ``DeviceTLB/slots``.
    var slotRange: Range<Int> { base ..< base + sets * ways }
  }

  /// One cached translation.
  struct Slot {
    var tag: UInt64 = 0  // (va >> shift) + 1; 0 is empty
    var pfn: UInt64 = 0
    var stamp: UInt64 = 0
    var writable = false
  }

  /// The arrays, largest size first (never changed after `init`).
  let arrays: [Array]
  /// Every array's slots, one flat buffer (array `a` holds `arrays[a].base ..< base + sets * ways`).
  var slots: ContiguousArray<Slot>
  var clock: UInt64 = 0
  /// Valid entries per array (by index in ``arrays``): a shootdown skips an array with none, as
  /// its scan would find nothing (a device that maps only 4 KiB pages never fills the others).
  var validEntries: ContiguousArray<Int>
  /// Counters.
  public internal(set) var statistics = Statistics()
  /// Fills of entries larger than 4 KiB so far: while it stays, an address that every larger
  /// array missed stays a miss in them (``probeSmallest(_:)``).
  var largeFills: UInt64 = 0
  /// `[low, high)` holds every valid entry: ``fill(_:)`` (the only way in) widens it to the
  /// entry, and a shootdown that leaves no entry resets it. A shootdown of a range outside it
  /// finds nothing, so it returns at once (most invalidations are elsewhere).
  var filledBounds: (low: UInt64, high: UInt64) = (.max, 0)

  /// A TLB with one array per size in `geometry`, probed largest size first.
  public init(geometry: [DevicePageSize: Geometry]) {
    var base = 0
    // Largest size first (the order of `geometry.keys.sorted(by: >)`, without the sort).
    arrays = DevicePageSize.allCases.reversed().compactMap { size in
      guard let g = geometry[size] else { return nil }
      defer { base += g.entries }
      let sets = g.entries / g.ways
      return Array(size: size, sets: sets, ways: g.ways, base: base, shift: UInt64(12 + size.order),
                   setMask: UInt64(sets - 1), pageMask: UInt64(size.pageCount - 1))
    }
    slots = ContiguousArray(repeating: Slot(), count: base)
    validEntries = ContiguousArray(repeating: 0, count: arrays.count)
  }

  /// A default geometry for a ladder: 64 entries 4-way for 4K, 32 4-way for 64K and 2M, 8 fully
  /// associative for 1G.
  public static func defaultGeometry(for sizes: DevicePageSizes) -> [DevicePageSize: Geometry] {
    var geometry: [DevicePageSize: Geometry] = [:]
    for size in sizes.sizes { geometry[size] = defaultGeometry(of: size) }
    return geometry
  }

  /// The first slot of the set `vpn` falls in.
  @inline(__always)
  func firstSlot(_ array: Array, _ vpn: UInt64) -> Int {
    array.base &+ Int(truncatingIfNeeded: vpn & array.setMask) &* array.ways
  }

  /// Looks `address` up; on a hit returns the frame and whether the entry allows writes.
  @inline(__always)
  public mutating func lookup(_ address: VirtualAddress) -> (pfn: PFN, writable: Bool)? {
    // The probe finds the entry (largest size first); the lookup counts it: the clock moves,
    // a hit entry becomes the most recent of its set.
    guard let hit = probe(address) else {
      countMiss()
      return nil
    }
    countHits(hit, times: 1)
    return (hit.pfn, hit.writable)
  }

  /// Caches `mapping` (if the TLB has an array for its size).
  public mutating func fill(_ mapping: DeviceMapping) {
    var a = 0
    while a < arrays.count && arrays[a].size != mapping.size { a += 1 }
    guard a < arrays.count else { return }
    clock &+= 1
    let array = arrays[a]
    let vpn = mapping.start.rawValue >> array.shift
    let first = firstSlot(array, vpn)
    let tag = vpn &+ 1
    let filled = Slot(tag: tag, pfn: mapping.pfn.rawValue, stamp: clock, writable: mapping.isWritable)
    let (evicted, wasEmpty) = slots.withUnsafeMutableBufferPointer { slots -> (Bool, Bool) in
      // The entry's own slot or the first empty one, else the least recently used way.
      var victim = first
      for way in first..<(first + array.ways) {
        if slots[way].tag == tag || slots[way].tag == 0 {
          victim = way
          break
        }
        if slots[way].stamp < slots[victim].stamp { victim = way }
      }
      let evicted = slots[victim].tag != 0 && slots[victim].tag != tag
      let wasEmpty = slots[victim].tag == 0
      slots[victim] = filled
      return (evicted, wasEmpty)
    }
    if wasEmpty { validEntries[a] += 1 }
    let entryStart = vpn << array.shift
    if entryStart < filledBounds.low { filledBounds.low = entryStart }
    if entryStart &+ array.size.bytes > filledBounds.high { filledBounds.high = entryStart &+ array.size.bytes }
    if evicted { statistics.evictions += 1 }
    statistics.fills += 1
    if array.size != .size4K { largeFills &+= 1 }
  }

  /// Drops every entry that overlaps `[start, end)`.
  public mutating func invalidate(_ start: VirtualAddress, _ end: VirtualAddress) {
    guard start.rawValue < filledBounds.high, end.rawValue > filledBounds.low else { return }
    let shotBefore = statistics.shootdowns
    defer {
      if statistics.shootdowns != shotBefore && !validEntries.contains(where: { $0 > 0 }) { filledBounds = (.max, 0) }
    }
    for a in arrays.indices where validEntries[a] > 0 {
      let array = arrays[a]
      if start < end, shootDownBySet(a, start, end) { continue }
      let bytes = array.size.bytes
      for way in array.slotRange where slots[way].tag != 0 {
        let entryStart = (slots[way].tag &- 1) &* bytes
        if entryStart < end.rawValue && start.rawValue < entryStart &+ bytes {
          slots[way].tag = 0
          validEntries[a] -= 1
          statistics.shootdowns += 1
        }
      }
    }
  }

  /// The ranges the valid entries cover.
  public var entries: [(start: VirtualAddress, size: DevicePageSize)] {
    var result: [(VirtualAddress, DevicePageSize)] = []
    forEachEntry(overlapping: VirtualAddress(0), VirtualAddress(UInt64.max)) { result.append(($0, $1)) }
    return result
  }

  /// Bytes the valid entries cover (TLB reach).
  public var reach: UInt64 { entries.reduce(0) { $0 + $1.size.bytes } }

  /// The geometry, as `4K:64x4,2M:32x4`.
  public var geometryDescription: String {
    arrays.reversed().map { "\($0.size):\($0.sets * $0.ways)x\($0.ways)" }.joined(separator: ",")
  }
}
