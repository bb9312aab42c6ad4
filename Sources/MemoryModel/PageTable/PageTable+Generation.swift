extension PageTable {
  /// A number that changes with every change to the table's entries or nodes: a checker that
  /// saw generation `g` and sees `g` again may trust what it found then (the safety oracle,
  /// which depends on the entries alone).
  public var changeGeneration: UInt64 { generation }
}

extension PageTable {
  /// Remembers the PTE table of the last 2 MiB region ``forEachLookup(_:_:cursor:_:)`` looked
  /// up, so that the next call in the same region costs no walk from the root. Valid while the
  /// table does not change: make a fresh one for each pass over an unchanged table.
  public struct LookupCursor {
    /// The PTE table last looked up (the one CPU accesses over a range use).
    var table = PTETableCursor()
    /// A cursor that remembers nothing yet.
    public init() {}
  }

  /// Calls `body` with what ``lookup(_:)`` finds for every address of `[start, end)` (4 KiB
  /// aligned), in address order, one callback per PTE run or per leaf: `entries` are the PTEs of
  /// one table from `address` on, one 4 KiB page each (`level` is `.pte`), or the one entry that
  /// ends the lookup above the PTE level (a huge or software leaf, or an empty entry: `level` is
  /// its level) for `[address, min(end of its span, end))`. `body` returns false to stop.
  /// The safety oracle checks device mappings this way: one lookup per PTE table, not per page.
  public func forEachLookup(_ start: VirtualAddress, _ end: VirtualAddress, cursor: inout LookupCursor,
                            _ body: (_ entries: UnsafeBufferPointer<PageTableEntry>, _ level: PageTableLevel, _ address: VirtualAddress) -> Bool) {
    var address = start
    let pmdSpan = PageTableLevel.pmd.entrySpan
    entries.withUnsafeBufferPointer { buffer in
      while address < end {
        let (entry, level, slot) = cursor.table.lookup(address, in: self)
        let span = level.entrySpan
        if level == .pte {
          // The rest of this PTE table: the path from the root is the same for all of it.
          let tableEnd = min(address.alignedDown(to: pmdSpan) + pmdSpan, end)
          let count = Int((tableEnd - address) >> PageSize.shift4K)
          guard body(UnsafeBufferPointer(rebasing: buffer[slot..<(slot + count)]), .pte, address) else { return }
          address = tableEnd
        } else {
          let one = withUnsafePointer(to: entry) { body(UnsafeBufferPointer(start: $0, count: 1), level, address) }
          guard one else { return }
          address = min(address.alignedDown(to: span) + span, end)
        }
      }
    }
  }

  /// ``forEachLookup(_:_:cursor:_:)`` with a fresh cursor.
  public func forEachLookup(_ start: VirtualAddress, _ end: VirtualAddress,
                            _ body: (_ entries: UnsafeBufferPointer<PageTableEntry>, _ level: PageTableLevel, _ address: VirtualAddress) -> Bool) {
    var cursor = LookupCursor()
    forEachLookup(start, end, cursor: &cursor, body)
  }
}

