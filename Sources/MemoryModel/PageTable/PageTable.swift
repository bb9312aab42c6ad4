/// A process's x86-64 4-level page table: a real radix tree of 512-entry tables (PGD → PUD →
/// PMD → PTE) with leaves at PTE (4 KiB), PMD (2 MiB) and PUD (1 GiB).
///
/// Every table node is backed by a frame of ``PhysicalMemory`` (kind `.pageTable`), and
/// non-leaf entries hold that frame's PFN exactly as hardware expects. Node contents live in one
/// flat array of entries, 512 per node; a table frame's descriptor records its node index so
/// that walking down costs one array read per level. Tables are allocated on demand and freed
/// when emptied by unmapping.
public final class PageTable {
  /// The physical memory that backs table frames.
  public let memory: PhysicalMemory
  /// All nodes' entries, 512 per node.
  @exclusivity(unchecked) var entries = PageTableEntryStorage()
  /// Each node's level.
  @exclusivity(unchecked) var nodeLevel: [PageTableLevel] = []
  /// Each node's count of non-none entries.
  @exclusivity(unchecked) var nodeUsed = PageTableNodeArray<Int32>()
  /// Each node's frame.
  @exclusivity(unchecked) var nodeFrame: [PFN] = []
  /// Each node's parent slot (a flat index into `entries`), or -1 for the root.
  @exclusivity(unchecked) var nodeParentSlot: [Int] = []
  /// Free node indices, reused before the arrays grow.
  @exclusivity(unchecked) var freeNodes: [Int] = []
  /// PTE tables deposited with anonymous PMD leaves, by PMD slot, as Linux's
  /// `pgtable_trans_huge_deposit()` keeps one so that splitting a PMD can never fail.
  @exclusivity(unchecked) var depositedTables: [Int: Int] = [:]
  /// Changes to entries and tables so far: the incremental invariant check skips a table whose
  /// generation it has already checked.
  @exclusivity(unchecked) private(set) var generation: UInt64 = 0
  /// [inv] Each node's ``generation`` when one of its entries was last written (or when it was
  /// created): the incremental invariant check re-reads only nodes that changed
  /// (PageTable+Generation.swift).
  @exclusivity(unchecked) private(set) var nodeGeneration = PageTableNodeArray<UInt64>()
  /// The root (PGD) node index.
  public let root: Int = 0

  /// Creates a page table with an empty PGD.
  /// - Throws: `ENOMEM` when no frame is free for the PGD.
  public init(memory: PhysicalMemory) throws(SyscallError) {
    self.memory = memory
    // Room for as many nodes as the node arrays start with (PageTableNodeArray), so that a
    // process's first tables do not regrow the three arrays one doubling at a time.
    nodeLevel.reserveCapacity(8)
    nodeFrame.reserveCapacity(8)
    nodeParentSlot.reserveCapacity(8)
    guard allocateNode(level: .pgd, parentSlot: -1) != nil else {
      throw SyscallError(.ENOMEM, "no frame for the page global directory")
    }
  }

  deinit {
    entries.release()
    nodeUsed.release()
    nodeGeneration.release()
  }

  /// The number of table nodes allocated (including deposited PTE tables).
  public var tableCount: Int { nodeLevel.count - freeNodes.count }

  /// Table nodes allocated at `level` (including deposited PTE tables).
  public func tableCount(at level: PageTableLevel) -> Int {
    var count = 0
    let free = Set(freeNodes)
    for (node, nodeLevel) in nodeLevel.enumerated() where nodeLevel == level && !free.contains(node) { count += 1 }
    return count
  }

  func allocateNode(level: PageTableLevel, parentSlot: Int) -> Int? {
    guard let frame = memory.allocateFolio(order: 0, kind: .pageTable) else { return nil }
    generation &+= 1
    let node: Int
    if let reused = freeNodes.popLast() {
      node = reused
      nodeLevel[node] = level
      nodeUsed[node] = 0
      nodeFrame[node] = frame
      nodeParentSlot[node] = parentSlot
    } else {
      node = nodeLevel.count
      nodeLevel.append(level)
      nodeUsed.append(0)
      nodeFrame.append(frame)
      nodeParentSlot.append(parentSlot)
      nodeGeneration.append(generation)  // [inv]
      entries.appendNode()
    }
    memory.frames[frame.index].refCount = Int32(node)
    return node
  }

  func freeNode(_ node: Int) {
    precondition(nodeUsed[node] == 0, "freeing a page table that still has entries")
    generation &+= 1
    memory.frames[nodeFrame[node].index].refCount = 0
    memory.freeFolio(nodeFrame[node])
    nodeParentSlot[node] = -1
    freeNodes.append(node)
  }

  /// The node a present non-leaf entry points to.
  func node(for entry: PageTableEntry) -> Int {
    Int(memory.frames[entry.pfn.index].refCount)
  }

  /// Reads the entry in a flat slot.
  func entry(at slot: Int) -> PageTableEntry { entries[slot] }

  /// Writes the entry in a flat slot, keeping the node's used count.
  func setEntry(_ entry: PageTableEntry, at slot: Int) {
    generation &+= 1
    nodeGeneration[slot >> 9] = generation  // [inv]
    let old = entries[slot]
    if old.isNone != entry.isNone { nodeUsed[slot >> 9] += entry.isNone ? -1 : 1 }
    entries[slot] = entry
  }

  /// The flat slot of the entry at `level` covering `address`, descending from the root.
  /// - Parameter allocate: create missing tables on the way (returns nil only when no frame is free).
  /// - Returns: nil when a table is missing (and `allocate` is false), when a leaf or software
  ///   entry sits above `level`, or when allocation failed.
  func slot(for address: VirtualAddress, level: PageTableLevel, allocate: Bool) -> Int? {
    var node = root
    var current = PageTableLevel.pgd
    while true {
      let slot = node << 9 | Self.index(address, current.shift)
      if current == level { return slot }
      let entry = entries[slot]
      if entry.isNone {
        guard allocate, let child = current.child,
          let newNode = allocateNode(level: child, parentSlot: slot)
        else { return nil }
        setEntry(.present(nodeFrame[newNode], writable: true), at: slot)
        node = newNode
      } else if entry.isHuge || entry.isSwap || entry.isProtNone {
        return nil
      } else {
        node = self.node(for: entry)
      }
      current = current.child!
    }
  }

  /// The flat slot of the PTE covering `address` in the table the PMD entry in `pmdSlot` points
  /// to, as ``slot(for:level:allocate:)`` would find it from the root.
  /// - Parameter allocate: create the PTE table when the PMD entry is empty.
  /// - Returns: nil when the PMD entry is empty (and `allocate` is false), a leaf or a software
  ///   entry, or when allocation failed.
  func pteSlot(underPMD pmdSlot: Int, _ address: VirtualAddress, allocate: Bool) -> Int? {
    let entry = entries[pmdSlot]
    let node: Int
    if entry.isNone {
      guard allocate, let newNode = allocateNode(level: .pte, parentSlot: pmdSlot) else { return nil }
      setEntry(.present(nodeFrame[newNode], writable: true), at: pmdSlot)
      node = newNode
    } else if entry.isHuge || entry.isSwap || entry.isProtNone {
      return nil
    } else {
      node = self.node(for: entry)
    }
    return node << 9 | Self.index(address, 12)
  }

  /// Frees the tables on the path to `address` that have become empty, bottom-up, as
  /// `free_pgtables()` does after an unmap.
  func freeEmptyTables(containing address: VirtualAddress) {
    var path: [Int] = []  // slots from the PGD down to the PMD entry
    var node = root
    var level = PageTableLevel.pgd
    while level != .pte {
      let slot = node << 9 | address.index(at: level)
      let entry = entries[slot]
      guard !entry.isNone, !entry.isHuge, !entry.isSwap, !entry.isProtNone else { break }
      path.append(slot)
      node = self.node(for: entry)
      level = level.child!
    }
    for slot in path.reversed() {
      let child = self.node(for: entries[slot])
      guard nodeUsed[child] == 0 else { return }
      setEntry(.none, at: slot)
      freeNode(child)
    }
  }

  /// Frees the PTE tables under `[start, end)` that have become empty, and only those, as
  /// `MADV_DONTNEED` does with `CONFIG_PT_RECLAIM` (Linux 6.14+).
  func freeEmptyPTETables(_ start: VirtualAddress, _ end: VirtualAddress) {
    var address = start.alignedDown(to: PageTableLevel.pmd.entrySpan)
    while address < end {
      if let slot = slot(for: address, level: .pmd, allocate: false) {
        let entry = entries[slot]
        if entry.isHardwarePresent && !entry.isHuge {
          let child = node(for: entry)
          if nodeUsed[child] == 0 {
            setEntry(.none, at: slot)
            freeNode(child)
          }
        }
      }
      address = nextPMDStep(after: address)
    }
  }

  /// The next 2 MiB-aligned address to look at after `address`: past the whole span of an empty
  /// entry above the PMD level (no table below it can need freeing), so that a huge range costs
  /// the tables that exist.
  private func nextPMDStep(after address: VirtualAddress) -> VirtualAddress {
    let (entry, level, _) = lookup(address)
    let span = entry.isNone && level != .pte && level != .pmd ? level.entrySpan : PageTableLevel.pmd.entrySpan
    let (next, overflow) = address.alignedDown(to: span).rawValue.addingReportingOverflow(span)
    return overflow ? VirtualAddress(UInt64.max) : VirtualAddress(next)
  }

  /// Frees every empty table whose span lies in `[start, end)`.
  func freeEmptyTables(_ start: VirtualAddress, _ end: VirtualAddress) {
    var address = start.alignedDown(to: PageTableLevel.pmd.entrySpan)
    while address < end {
      freeEmptyTables(containing: address)
      address = nextPMDStep(after: address)
    }
  }

  /// Resolves `address` to its leaf: the entry, its level, and its flat slot. When the walk stops
  /// at an empty entry above the PTE level, that entry (`.none`) and its level are returned.
  public func lookup(_ address: VirtualAddress) -> (entry: PageTableEntry, level: PageTableLevel, slot: Int) {
    // The four levels unrolled (every CPU access starts here).
    var slot = root << 9 | Self.index(address, 39)
    var entry = entries[slot]
    if Self.endsWalk(entry) { return (entry, .pgd, slot) }
    slot = node(for: entry) << 9 | Self.index(address, 30)
    entry = entries[slot]
    if Self.endsWalk(entry) { return (entry, .pud, slot) }
    slot = node(for: entry) << 9 | Self.index(address, 21)
    entry = entries[slot]
    if Self.endsWalk(entry) { return (entry, .pmd, slot) }
    slot = node(for: entry) << 9 | Self.index(address, 12)
    return (entries[slot], .pte, slot)
  }

  /// `address.index(at:)` for a level given by its shift, always inlined (the walks' hot path).
  @inline(__always)
  static func index(_ address: VirtualAddress, _ shift: UInt64) -> Int {
    Int(truncatingIfNeeded: (address.rawValue >> shift) & 511)
  }

  /// Whether a walk stops at `entry` above the PTE level: `isNone || isHuge || isSwap ||
  /// isProtNone`, from the raw bits in one step (with P set only PS stops it; with P clear, any
  /// non-empty entry but a malformed one).
  @inline(__always)
  static func endsWalk(_ entry: PageTableEntry) -> Bool {
    let raw = entry.rawValue
    if raw & PageTableEntry.presentBit != 0 { return raw & PageTableEntry.hugeBit != 0 }
    return raw == 0 || raw & (PageTableEntry.swapTypeMask | PageTableEntry.protNoneBit) != 0
  }

  /// Takes the PTE table deposited for the PMD in `pmdSlot`, if any.
  func withdrawDeposit(_ pmdSlot: Int) -> Int? { depositedTables.removeValue(forKey: pmdSlot) }

  /// Deposits a fresh empty PTE table for the PMD in `pmdSlot`.
  /// - Returns: false when no frame is free.
  func deposit(_ pmdSlot: Int) -> Bool {
    guard let node = allocateNode(level: .pte, parentSlot: pmdSlot) else { return false }
    depositedTables[pmdSlot] = node
    return true
  }

  /// Frees the table deposited for `pmdSlot`, if any.
  func freeDeposit(_ pmdSlot: Int) {
    if let node = depositedTables.removeValue(forKey: pmdSlot) { freeNode(node) }
  }

  /// Frees every table, the PGD last. Only for an address space whose mappings are all gone.
  func destroy() {
    generation &+= 1
    for slot in depositedTables.keys.sorted() { freeDeposit(slot) }
    let free = Set(freeNodes)
    for node in stride(from: nodeLevel.count - 1, through: 0, by: -1) where !free.contains(node) {
      nodeUsed[node] = 0
      memory.frames[nodeFrame[node].index].refCount = 0
      memory.freeFolio(nodeFrame[node])
    }
    freeNodes = Array(0..<nodeLevel.count)
  }
}
