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

  struct Array {
    let size: DevicePageSize
    let sets: Int
    let ways: Int
    var tags: [UInt64]  // (va >> shift) + 1; 0 is empty
    var pfns: [UInt64]
    var writable: [Bool]
    var stamps: [UInt64]
  }

  var arrays: [Array]
  var clock: UInt64 = 0
  /// Counters.
  public internal(set) var statistics = Statistics()

  /// A TLB with one array per size in `geometry`, probed largest size first.
  public init(geometry: [DevicePageSize: Geometry]) {
    arrays = geometry.keys.sorted(by: >).map { size in
      let g = geometry[size]!
      return Array(size: size, sets: g.entries / g.ways, ways: g.ways, tags: .init(repeating: 0, count: g.entries),
                   pfns: .init(repeating: 0, count: g.entries), writable: .init(repeating: false, count: g.entries),
                   stamps: .init(repeating: 0, count: g.entries))
    }
  }

  /// A default geometry for a ladder: 64 entries 4-way for 4K, 32 4-way for 64K and 2M, 8 fully
  /// associative for 1G.
  public static func defaultGeometry(for sizes: DevicePageSizes) -> [DevicePageSize: Geometry] {
    var geometry: [DevicePageSize: Geometry] = [:]
    for size in sizes.sizes {
      switch size {
      case .size4K: geometry[size] = Geometry(entries: 64, ways: 4)
      case .size64K, .size2M: geometry[size] = Geometry(entries: 32, ways: 4)
      case .size1G: geometry[size] = Geometry(entries: 8, ways: 8)
      }
    }
    return geometry
  }

  /// Looks `address` up; on a hit returns the frame and whether the entry allows writes.
  @inline(__always)
  public mutating func lookup(_ address: VirtualAddress) -> (pfn: PFN, writable: Bool)? {
    clock &+= 1
    for a in arrays.indices {
      let shift = UInt64(12 + arrays[a].size.order)
      let vpn = address.rawValue >> shift
      let tag = vpn &+ 1
      let base = Int(vpn & UInt64(arrays[a].sets - 1)) * arrays[a].ways
      for way in base..<(base + arrays[a].ways) where arrays[a].tags[way] == tag {
        arrays[a].stamps[way] = clock
        statistics.hits += 1
        let offset = (address.rawValue >> 12) & UInt64(arrays[a].size.pageCount - 1)
        return (PFN(arrays[a].pfns[way] &+ offset), arrays[a].writable[way])
      }
    }
    statistics.misses += 1
    return nil
  }

  /// Caches `mapping` (if the TLB has an array for its size).
  public mutating func fill(_ mapping: DeviceMapping) {
    guard let a = arrays.firstIndex(where: { $0.size == mapping.size }) else { return }
    clock &+= 1
    let vpn = mapping.start.rawValue >> UInt64(12 + mapping.size.order)
    let base = Int(vpn & UInt64(arrays[a].sets - 1)) * arrays[a].ways
    var victim = base
    for way in base..<(base + arrays[a].ways) {
      if arrays[a].tags[way] == vpn &+ 1 || arrays[a].tags[way] == 0 {
        victim = way
        break
      }
      if arrays[a].stamps[way] < arrays[a].stamps[victim] { victim = way }
    }
    if arrays[a].tags[victim] != 0 && arrays[a].tags[victim] != vpn &+ 1 { statistics.evictions += 1 }
    arrays[a].tags[victim] = vpn &+ 1
    arrays[a].pfns[victim] = mapping.pfn.rawValue
    arrays[a].writable[victim] = mapping.isWritable
    arrays[a].stamps[victim] = clock
    statistics.fills += 1
  }

  /// Drops every entry that overlaps `[start, end)`.
  public mutating func invalidate(_ start: VirtualAddress, _ end: VirtualAddress) {
    for a in arrays.indices {
      let bytes = arrays[a].size.bytes
      for way in arrays[a].tags.indices where arrays[a].tags[way] != 0 {
        let entryStart = (arrays[a].tags[way] &- 1) &* bytes
        if entryStart < end.rawValue && start.rawValue < entryStart &+ bytes {
          arrays[a].tags[way] = 0
          statistics.shootdowns += 1
        }
      }
    }
  }

  /// The ranges the valid entries cover.
  public var entries: [(start: VirtualAddress, size: DevicePageSize)] {
    var result: [(VirtualAddress, DevicePageSize)] = []
    for array in arrays {
      for tag in array.tags where tag != 0 { result.append((VirtualAddress((tag - 1) * array.size.bytes), array.size)) }
    }
    return result
  }

  /// Bytes the valid entries cover (TLB reach).
  public var reach: UInt64 { entries.reduce(0) { $0 + $1.size.bytes } }

  /// The geometry, as `4K:64x4,2M:32x4`.
  public var geometryDescription: String {
    arrays.reversed().map { "\($0.size):\($0.sets * $0.ways)x\($0.ways)" }.joined(separator: ",")
  }
}
