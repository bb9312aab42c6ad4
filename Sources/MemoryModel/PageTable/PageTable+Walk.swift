/// What a visitor tells the walker after each callback.
public enum WalkControl: Sendable {
  /// Go on with the next entry.
  case `continue`
  /// Stop the walk.
  case stop
}

/// A page-table walk's callbacks, in the spirit of `struct mm_walk_ops` (mm/pagewalk.c): the
/// walker hands over whole runs of PTEs and whole huge leaves, never one entry at a time.
///
/// Visitors must not change the page table while they are called.
public protocol PageTableVisitor {
  /// A run of PTEs inside one PTE table, mapping `[start, start + entries.count * 4K)`.
  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl
  /// A PMD or PUD entry that is a leaf (present, `PROT_NONE` or a software entry), clipped to the
  /// walked range `[start, end)`.
  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl
  /// No table or an empty entry at `level` for `[start, end)` (`pte_hole`).
  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl
}

extension PageTable {
  /// Walks `[start, end)` (4 KiB aligned), calling `visitor` for each run of PTEs, each huge or
  /// software leaf and each hole, in address order.
  /// - Returns: false if the visitor stopped the walk.
  /// - Complexity: O(tables and leaves visited); large mappings cost one callback.
  @discardableResult
  public func walk<V: PageTableVisitor>(_ start: VirtualAddress, _ end: VirtualAddress, _ visitor: inout V) -> Bool {
    guard start < end else { return true }
    return entries.withUnsafeBufferPointer { buffer in
      walk(node: root, level: .pgd, start, end, buffer, &visitor) == .continue
    }
  }

  private func walk<V: PageTableVisitor>(
    node: Int, level: PageTableLevel, _ start: VirtualAddress, _ end: VirtualAddress,
    _ buffer: UnsafeBufferPointer<PageTableEntry>, _ visitor: inout V
  ) -> WalkControl {
    if level == .pte {
      let first = node << 9 | start.index(at: .pte)
      let count = Int((end - start) >> PageSize.shift4K)
      return visitor.visitPTEs(UnsafeBufferPointer(rebasing: buffer[first..<(first + count)]), start: start)
    }
    var address = start
    let span = level.entrySpan
    while address < end {
      let next = min(address.alignedDown(to: span) + span, end)
      let entry = buffer[node << 9 | address.index(at: level)]
      let control: WalkControl
      if entry.isNone {
        control = visitor.visitHole(start: address, end: next, level: level)
      } else if level != .pgd && (entry.isHuge || entry.isSwap || entry.isProtNone) {
        control = visitor.visitLeaf(entry, level: level, start: address, end: next)
      } else {
        control = walk(node: self.node(for: entry), level: level.child!, address, next, buffer, &visitor)
      }
      if control == .stop { return .stop }
      address = next
    }
    return .continue
  }
}
