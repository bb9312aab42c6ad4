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
  /// What a checker recorded of a table, to find later the regions whose lookups may give
  /// something else since (``forEachChangedRegion(_:_:)``): the table's generation then and a
  /// copy of the entries of every table above the PTE level, by the address its span starts at.
  public struct RegionTracker: Sendable {
    /// The generation recorded (`UInt64.max`: nothing recorded).
    var generation = UInt64.max
    /// Copies of the PMD tables' entries then, by the (1 GiB aligned) address each covers from.
    var pmdCopies: [UInt64: [PageTableEntry]] = [:]
    /// Copies of the PUD tables' entries then, by the (512 GiB aligned) address each covers from.
    var pudCopies: [UInt64: [PageTableEntry]] = [:]
    /// A copy of the PGD's entries then (empty: none recorded).
    var rootCopy: [PageTableEntry] = []
    /// A tracker that recorded nothing.
    public init() {}
  }

  /// Records the table as it is now in `tracker`.
  /// - Parameter tracker: the tracker to fill (what it held before is replaced).
  public func record(_ tracker: inout RegionTracker) {
    tracker.generation = generation
    tracker.pmdCopies.removeAll(keepingCapacity: true)
    tracker.pudCopies.removeAll(keepingCapacity: true)
    entries.withUnsafeBufferPointer { buffer in
      tracker.rootCopy = Array(buffer[(root << 9)..<((root + 1) << 9)])
      for node in 0..<nodeLevel.count where node != root && nodeParentSlot[node] >= 0 {
        let level = nodeLevel[node]
        guard level == .pmd || level == .pud, let base = regionBase(of: node) else { continue }
        let copy = Array(buffer[(node << 9)..<((node + 1) << 9)])
        if level == .pmd { tracker.pmdCopies[base] = copy } else { tracker.pudCopies[base] = copy }
      }
    }
  }

  /// Calls `body` with the start and size of every region whose translation may have changed
  /// since `tracker` recorded the table (a region may come more than once, and regions may
  /// overlap), and brings the tracker up to date: a PTE table written since gives its 2 MiB
  /// region; a PMD, PUD or PGD table written since gives the span of each entry that differs from
  /// the copy recorded for the addresses it covers (2 MiB, 1 GiB, 512 GiB). An entry of a table
  /// above the PMD level that differs may have brought a table of another place (or none): its
  /// whole span is given, and the tracker then records every table afresh. Returns false, having
  /// called `body` for some regions or none, when that cannot be told (nothing recorded, or a
  /// table that does not lead to the root): then the caller looks at everything and records again.
  /// - Parameters:
  ///   - tracker: what the caller recorded; brought up to the table's generation when the
  ///     regions could be told.
  ///   - body: called with the start and the size in bytes of each changed region.
  public func forEachChangedRegion(_ tracker: inout RegionTracker, _ body: (_ start: VirtualAddress, _ bytes: UInt64) -> Void) -> Bool {
    guard tracker.generation != UInt64.max else { return false }
    guard tracker.generation != generation else { return true }
    let since = tracker.generation
    var upperChanged = false
    let done = entries.withUnsafeBufferPointer { buffer -> Bool in
      for node in 0..<nodeLevel.count where nodeGeneration[node] > since {
        // A freed node (no parent slot) is not looked up; its parent's entry changed.
        if node != root && nodeParentSlot[node] < 0 { continue }
        let level = nodeLevel[node]
        guard let base = regionBase(of: node) else { return false }
        if level == .pte {
          body(VirtualAddress(base), PageTableLevel.pmd.entrySpan)
          continue
        }
        let shift = level.shift
        // In place (no copy of the copy); an address with no copy had no table (all none).
        func compare(_ copy: inout [PageTableEntry]) {
          if copy.count != 512 { copy = [PageTableEntry](repeating: .none, count: 512) }
          copy.withUnsafeMutableBufferPointer { copy in
            // Eight entries at a time (one test of their differences; most tables differ from
            // their copy in an entry or two), entry by entry only where they differ.
            let table = node << 9
            var chunk = 0
            while chunk < 512 {
              var differs: UInt64 = 0
              for k in chunk..<(chunk &+ 8) { differs |= buffer[table | k].rawValue ^ copy[k].rawValue }
              if differs != 0 {
                for i in chunk..<(chunk &+ 8) where buffer[table | i] != copy[i] {
                  body(VirtualAddress(base &+ UInt64(i) << shift), level.entrySpan)
                  copy[i] = buffer[table | i]
                  if level != .pmd { upperChanged = true }
                }
              }
              chunk &+= 8
            }
          }
        }
        switch level {
        case .pmd: compare(&tracker.pmdCopies[base, default: []])
        case .pud: compare(&tracker.pudCopies[base, default: []])
        default: compare(&tracker.rootCopy)
        }
      }
      return true
    }
    guard done else { return false }
    // The copies of the tables below a changed upper entry may be of other places: all afresh.
    if upperChanged { record(&tracker) } else { tracker.generation = generation }
    return true
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
