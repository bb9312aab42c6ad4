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


extension PageTable {
  /// What a checker recorded of a table, to find later the 2 MiB regions whose lookups may give
  /// something else since (``forEachChangedRegion(_:_:)``): the table's generation then and a
  /// copy of every PMD table's entries.
  public struct RegionTracker: Sendable {
    /// The generation recorded (`UInt64.max`: nothing recorded).
    var generation = UInt64.max
    /// Copies of the PMD tables' entries then, by node.
    var pmdCopies: [Int: [PageTableEntry]] = [:]
    /// A tracker that recorded nothing.
    public init() {}
  }

  /// Records the table as it is now in `tracker`.
  /// - Parameter tracker: the tracker to fill (what it held before is replaced).
  public func record(_ tracker: inout RegionTracker) {
    tracker.generation = generation
    tracker.pmdCopies.removeAll(keepingCapacity: true)
    entries.withUnsafeBufferPointer { buffer in
      for node in 0..<nodeLevel.count where nodeLevel[node] == .pmd && nodeParentSlot[node] >= 0 {
        tracker.pmdCopies[node] = Array(buffer[(node << 9)..<((node + 1) << 9)])
      }
    }
  }

  /// Calls `body` with the start of every 2 MiB region whose translation may have changed since
  /// `tracker` recorded the table (a region may come more than once), and brings the tracker up
  /// to date: a PTE table written since gives its region, a PMD table written since the regions
  /// of the entries that differ from the copy. Returns false, having called `body` for some
  /// regions or none, when that cannot be told (nothing recorded, or a table above the PMD level
  /// changed): then the caller looks at everything and records again.
  /// - Parameters:
  ///   - tracker: what the caller recorded; brought up to the table's generation when the
  ///     regions could be told.
  ///   - body: called with the start of each changed region.
  public func forEachChangedRegion(_ tracker: inout RegionTracker, _ body: (VirtualAddress) -> Void) -> Bool {
    guard tracker.generation != UInt64.max else { return false }
    guard tracker.generation != generation else { return true }
    let since = tracker.generation
    let done = entries.withUnsafeBufferPointer { buffer -> Bool in
      for node in 0..<nodeLevel.count where nodeGeneration[node] > since {
        // A freed node (no parent slot) is not looked up; its parent's entry changed.
        if node != root && nodeParentSlot[node] < 0 { continue }
        let level = nodeLevel[node]
        guard level == .pte || level == .pmd, let base = regionBase(of: node) else { return false }
        if level == .pte {
          body(VirtualAddress(base))
          continue
        }
        if tracker.pmdCopies[node]?.count != 512 { tracker.pmdCopies[node] = [PageTableEntry](repeating: .none, count: 512) }
        // In place (no copy of the copy).
        tracker.pmdCopies[node]!.withUnsafeMutableBufferPointer { copy in
          for i in 0..<512 where buffer[(node << 9) | i] != copy[i] {
            body(VirtualAddress(base + UInt64(i) << PageTableLevel.pmd.shift))
            copy[i] = buffer[(node << 9) | i]
          }
        }
      }
      return true
    }
    if done { tracker.generation = generation }
    return done
  }

  /// The virtual address a node's span starts at, from the parent slots (nil when they do not
  /// lead to the root).
  private func regionBase(of node: Int) -> UInt64? {
    var address: UInt64 = 0
    var current = node
    for _ in 0..<4 {
      if current == root { return address }
      let slot = nodeParentSlot[current]
      guard slot >= 0 && slot < nodeLevel.count << 9 else { return nil }
      address += UInt64(slot & 511) << nodeLevel[slot >> 9].shift
      current = slot >> 9
    }
    return current == root ? address : nil
  }
}
