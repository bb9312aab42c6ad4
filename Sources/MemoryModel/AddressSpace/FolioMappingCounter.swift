/// Counts the PTEs of one address space that map pages of one folio (internal): the model's
/// stand-in for Linux's per-MM large-folio mapcounts (`_mm_id_mapcount`), used when a write
/// fault asks whether a large folio is mapped by this MM only.
struct FolioMappingCounter: PageTableVisitor {
  /// The folio's head.
  let head: PFN
  /// One past its last frame.
  let end: UInt64
  /// The PTEs found so far.
  var count = 0

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    // The frame range first, from the raw bits (one subtraction and compare per entry).
    let first = head.rawValue
    let size = end &- first
    for entry in entries where ((entry.rawValue & PageTableEntry.pfnMask) >> 12) &- first < size && entry.isPresent { count += 1 }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
