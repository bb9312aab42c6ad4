import Scenarios

extension ScenarioGenerator {
  /// A live process and a region it maps, if there is one.
  ///
  /// Lists the candidates once (into ``regionCandidates``, whose buffer is kept: this runs for most
  /// steps) and takes the chosen one, drawing exactly what picking from the filtered lists would.
  mutating func pickRegion(of process: Int? = nil) -> (Int, Region)? {
    func owns(_ owner: Int) -> Bool { processes[owner].alive && (process == nil || owner == process) }
    // By index: a region is not copied (its name and process list retained) to be tested.
    func isCandidate(_ index: Int) -> Bool { regions[index].processes.contains(where: owns) }
    // The candidates' indices, found in one pass, in a buffer the generator keeps.
    regionCandidates.removeAll(keepingCapacity: true)
    for index in regions.indices where isCandidate(index) { regionCandidates.append(index) }
    let count = regionCandidates.count
    guard count > 0 else { return nil }
    // Recent regions are more interesting: half the draws take one of the last three.
    let chosen = random.percent(50) ? max(0, count - 1 - random.below(min(3, count))) : random.below(count)
    let found = regionCandidates[chosen]
    var owners = 0
    for owner in regions[found].processes where owns(owner) { owners += 1 }
    var pick = random.below(owners)
    for owner in regions[found].processes where owns(owner) {
      if pick == 0 { return (owner, regions[found]) }
      pick -= 1
    }
    return nil
  }

  /// A size for a new mapping, biased to the boundaries that matter.
  mutating func mappingSize() -> UInt64 {
    let page = Self.pageSize
    let huge = Self.hugeSize
    switch random.below(20) {
    case 0: return page
    case 1: return 4 * page
    case 2: return 16 * page
    case 3: return 256 * page
    case 4, 5, 6: return huge
    case 7: return huge + page
    case 8: return huge - page
    case 9, 10, 11: return 2 * huge
    case 12: return 3 * huge
    case 13: return 4 * huge - page
    case 14: return 4 * huge
    case 15: return UInt64(1 + random.below(1024)) * page
    case 16: return 8 * huge
    case 17: return random.percent(40) ? Self.gigaSize : 2 * huge
    default: return UInt64(1 + random.below(3)) * huge + UInt64(random.below(512)) * page
    }
  }

  /// An offset into a region of `size` bytes kept to `pageSize`: 0, the last page, 2M ± 4K, a
  /// random page or 2M boundary.
  ///
  /// Draws what picking from the list of candidates would (the two random candidates first, then
  /// the pick), without building the list: this runs for most steps.
  mutating func offset(in size: UInt64, pageSize: UInt64) -> UInt64 {
    let page = Self.pageSize
    let huge = Self.hugeSize
    let randomPage = UInt64(random.below(Int(max(1, size / page)))) * page
    let randomHuge = UInt64(random.below(Int(max(1, size / huge)))) * huge
    var offset: UInt64
    switch random.below(13) {
    case 0, 1, 2: offset = 0
    case 3: offset = page
    case 4: offset = size &- page
    case 5: offset = huge &- page
    case 6: offset = huge
    case 7: offset = huge + page
    case 8: offset = 1 << 20
    case 9: offset = 64 << 10
    case 10: offset = randomPage
    case 11: offset = randomHuge
    default: offset = size / 2
    }
    if offset >= size { offset = 0 }
    return offset / pageSize * pageSize
  }

  /// A length for a range from `offset` in a region of `size` bytes: 4K, 64K, 1M, 2M ± 4K, to the
  /// end of the region, a random number of pages.
  ///
  /// Draws what picking from the list of candidates would (the random candidate first, then the
  /// pick), without building the list.
  mutating func length(from offset: UInt64, in size: UInt64, pageSize: UInt64, limit: UInt64) -> UInt64 {
    let page = Self.pageSize
    let huge = Self.hugeSize
    let rest = size > offset ? size - offset : page
    let randomPages = UInt64(1 + random.below(Int(min(1024, max(1, rest / page))))) * page
    var length: UInt64
    switch random.below(14) {
    case 0, 1: length = page
    case 2: length = 2 * page
    case 3: length = 64 << 10
    case 4: length = 1 << 20
    case 5, 6: length = huge
    case 7: length = huge - page
    case 8: length = huge + page
    case 9, 10, 11: length = rest
    case 12: length = randomPages
    default: length = Self.gigaSize
    }
    if length > limit { length = min(rest, limit) }
    if length == 0 { length = page }
    if pageSize > page { length = (length + pageSize - 1) / pageSize * pageSize }
    return length
  }

  /// A range in `region`, sometimes an unusual one when the profile asks for them.
  mutating func range(in region: Region, limit: UInt64) -> AddressRange {
    let profile = configuration.profile
    if profile.oddRangePercent > 0 && random.percent(profile.oddRangePercent) {
      switch random.below(4) {
      case 0: return AddressRange(address: address(region, 0), size: 0)
      case 1: return AddressRange(address: literal(UInt64.max - Self.pageSize + 1), size: Self.pageSize)
      case 2: return AddressRange(address: address(region, UInt64(random.below(4096))), size: UInt64(1 + random.below(8192)))
      default: return AddressRange(address: address(region, 0), size: UInt64(1) << 46)
      }
    }
    let pageSize = configuration.profile.oddRangePercent > 0 && random.percent(50) ? Self.pageSize : region.pageSize
    let offset = self.offset(in: region.size, pageSize: pageSize)
    let length = self.length(from: offset, in: region.size, pageSize: pageSize, limit: limit)
    return AddressRange(address: address(region, offset), size: length)
  }

  /// A data pattern for a write, or nil (zeroes are not written: the access only faults).
  mutating func pattern() -> DataPattern? {
    switch random.below(10) {
    case 0, 1: return nil
    case 2, 3, 4: return .index
    case 5: return .negatedIndex
    case 6: return .shiftedIndex(UInt32(1 + random.below(1000)))
    default: return .byte(UInt8(1 + random.below(255)))
    }
  }

  /// A protection, mostly read-write.
  mutating func protection() -> Command.Protection {
    switch random.below(20) {
    case 0, 1, 2: return Command.Protection(read: true, write: false, execute: false)
    case 3: return Command.Protection(read: false, write: false, execute: false)
    case 4: return Command.Protection(read: true, write: true, execute: true)
    case 5: return Command.Protection(read: true, write: false, execute: true)
    default: return Command.Protection(read: true, write: true, execute: false)
    }
  }
}
