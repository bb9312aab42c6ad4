/// A reverse-map walk: every page-table entry in every address space that maps a frame. The
/// model keeps no anon_vma chains; it scans the VMAs' page tables (cost grows with mapped
/// memory, and only migration of shared pages needs it).
extension MemorySystem {
  /// One entry found by ``entriesMapping(_:)``.
  public struct MappingSite {
    /// The address space.
    public let space: AddressSpace
    /// The virtual address of the page.
    public let address: VirtualAddress
    /// The level of the entry (PTE for 4 KiB mappings, PMD for whole-folio mappings).
    public let level: PageTableLevel
  }

  /// Every PTE (or PMD leaf) that maps `pfn` (present, device-private or device-exclusive).
  public func entriesMapping(_ pfn: PFN) -> [MappingSite] {
    var sites: [MappingSite] = []
    let head = memory.folioHead(of: pfn)
    // Every site found holds one of the page's mappings (a PTE one, or one of its folio's
    // whole-folio ones): once as many sites as mappings are found, the scan can stop. The zero
    // pages' mappings are not counted: for them the scan goes through.
    var unfound = memory.isZeroPage(pfn) ? Int.max : memory.mapCount(of: pfn)
    for space in addressSpaces {
      guard unfound > 0 else { break }
      var finder = SiteFinder(pfn: pfn, head: head, limit: unfound)
      for vma in space.vmas {
        guard finder.found.count < unfound else { break }
        space.pageTable.walk(vma.start, vma.end, &finder)
      }
      sites += finder.found.map { MappingSite(space: space, address: $0.0, level: $0.1) }
      unfound -= finder.found.count
    }
    return sites
  }
}

private struct SiteFinder: PageTableVisitor {
  let pfn: PFN
  let head: PFN
  /// How many sites there are left to find (the walk stops when it has found them).
  let limit: Int
  var found: [(VirtualAddress, PageTableLevel)] = []

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    // The PFN bits first (one compare per entry); only a match asks whether it maps the frame.
    let bits = pfn.rawValue << 12
    for i in entries.indices where entries[i].rawValue & PageTableEntry.pfnMask == bits && entries[i].mappedFrame == pfn {
      found.append((start + UInt64(i) << 12, .pte))
      if found.count >= limit { return .stop }
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    if entry.mappedFrame == head && start.isAligned(to: level.entrySpan) { found.append((start, level)) }
    return found.count >= limit ? .stop : .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
