/// The default geometry of a ladder, built without a dictionary (a device is created per fuzz
/// case).
extension DeviceTLB {
  /// The default geometry of one page size: 64 entries 4-way for 4K, 32 4-way for 64K and 2M,
  /// 8 fully associative for 1G.
  /// - Parameter size: the page size.
  static func defaultGeometry(of size: DevicePageSize) -> Geometry {
    switch size {
    case .size4K: Geometry(entries: 64, ways: 4)
    case .size64K, .size2M: Geometry(entries: 32, ways: 4)
    case .size1G: Geometry(entries: 8, ways: 8)
    }
  }

  /// The TLB `init(geometry: defaultGeometry(for: sizes))` creates: the same arrays, largest size
  /// first, without building the dictionary.
  /// - Parameter sizes: the device's page sizes.
  init(defaultFor sizes: DevicePageSizes) {
    var base = 0
    var arrays: [Array] = []
    arrays.reserveCapacity(sizes.sizes.count)
    for size in sizes.sizes.reversed() {
      let g = Self.defaultGeometry(of: size)
      let sets = g.entries / g.ways
      arrays.append(Array(size: size, sets: sets, ways: g.ways, base: base, shift: UInt64(12 + size.order),
                          setMask: UInt64(sets - 1), pageMask: UInt64(size.pageCount - 1)))
      base += g.entries
    }
    self.arrays = arrays
    slots = ContiguousArray(repeating: Slot(), count: base)
    validEntries = ContiguousArray(repeating: 0, count: arrays.count)
  }
}
