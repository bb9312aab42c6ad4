/// The memory model's own consistency check: invariants 3 (no use after free) and
/// 4 (counts add up), and the page tables' structure.
extension MemorySystem {
  /// One broken invariant.
  public struct InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which invariant (`use-after-free`, `map-count`, `reference-count`, `page-table`, `frames`).
    public var invariant: String
    /// What is wrong, with addresses and frames.
    public var detail: String
    /// `invariant: detail`.
    public var description: String { "\(invariant): \(detail)" }
  }

  /// Checks every invariant the memory model keeps and returns what is broken (empty when all
  /// hold):
  /// - every entry of every page table maps an allocated frame of a mappable kind, inside a VMA;
  /// - every frame's PTE map count and every folio's whole-folio map count equal the entries
  ///   that map them, and reference counts equal mappings plus page-cache references;
  /// - no mapped folio is freed, and no allocated anonymous folio is unreferenced (a leak);
  /// - every table's used count equals its non-empty entries, and every frame is either free in
  ///   the buddy allocator or allocated.
  /// - Complexity: O(mapped pages + allocated frames + free blocks), whatever the size of the
  ///   machine; meant for tests and scenario steps.
  /// - Parameter incremental: check only what may have changed since the last check
  ///   (MemorySystem+IncrementalInvariants.swift: unchanged tables are not walked, unchanged
  ///   chunks of frames are not scanned); the scenario interpreter checks this way after every
  ///   step. False (the default, and what tests use) checks everything.
  public func checkInvariants(incremental: Bool = false) -> [InvariantViolation] {
    if incremental, let violations = checkInvariantsIncrementally() { return violations }
    return checkAllInvariants()
  }

  /// The full check: every table walked, every frame scanned.
  private func checkAllInvariants() -> [InvariantViolation] {
    var violations: [InvariantViolation] = []
    func fail(_ invariant: String, _ detail: String) {
      if violations.count < 20 { violations.append(InvariantViolation(invariant: invariant, detail: detail)) }
    }
    let scratch = preparedInvariantScratch()
    var counter = MappingCounter(memory: memory, pteMaps: scratch.counts, entireMaps: scratch.entireCounts, otherRefs: scratch.otherRefs, touched: scratch.touched)
    for space in addressSpaces {
      counter.space = space.name
      for vma in space.vmas { space.pageTable.walk(vma.start, vma.end, &counter) }
      for problem in Self.spaceProblems(space) { fail(problem.invariant, problem.detail) }
    }
    for problem in counter.problems { fail("use-after-free", problem) }
    for file in files.values {
      for pfn in file.pageCache.values where memory.folioHead(of: pfn) == pfn { counter.addOtherRef(pfn.index) }
    }
    // Groups of chunks that hold the frame table's baseline, with nothing counted there, are
    // what scanning them found when their template's groups were learned (InvariantBaseline):
    // chunks of GUP-held and whole-folio-mapped heads are marked, so that only chunks no count,
    // hold or map can look at are taken as learned.
    let baseline = memory.template.flatMap { InvariantBaseline.lookup($0) }
    if baseline != nil {
      for head in gupHolds.keys where Int(head) < scratch.frameCount { scratch.touched[Int(head) >> FrameTable.chunkShift] = 1 }
      for head in memory.entireMapCounts.keys where Int(head) < scratch.frameCount { scratch.touched[Int(head) >> FrameTable.chunkShift] = 1 }
    }
    scratch.lastBaselineGroups = 0
    scanFrames(&counter, scratch, skip: nil, baseline: baseline, into: &violations)
    scratch.chunksValid = false
    scratch.ledgerValid = false
    if !violations.isEmpty { scratch.countersEmpty = false }
    scratch.touched.update(repeating: 0, count: scratch.chunkCount)
    memory.frames.clearWritten()
    return violations
  }

  /// The invariant scratch, covering every frame: created on the first check, grown when device
  /// memory was added since (keeping what the last check found), created again when the
  /// frames outgrew it.
  func preparedInvariantScratch() -> InvariantScratch {
    let frameCount = memory.frameCount
    if let scratch = invariantScratch, scratch.frameCount == frameCount { return scratch }
    if let scratch = invariantScratch, frameCount > scratch.frameCount, frameCount <= scratch.capacity {
      scratch.grow(to: frameCount)
      return scratch
    }
    let scratch = InvariantScratch(frameCount: frameCount)
    invariantScratch = scratch
    return scratch
  }

  /// What one address space's structure shows alone: entries outside every VMA, tables whose
  /// counts or links are wrong.
  static func spaceProblems(_ space: AddressSpace) -> [(invariant: String, detail: String)] {
    let table = space.pageTable
    var problems: [(invariant: String, detail: String)] = []
    var cursor = VirtualAddress(0)
    for vma in space.vmas {
      if let found = Self.entryOutside(table, cursor, vma.start) { problems.append(("use-after-free", "\(space.name): an entry at \(found) lies outside every VMA")) }
      cursor = vma.end
    }
    if let found = Self.entryOutside(table, cursor, VirtualAddress.userSpaceEnd) {
      problems.append(("use-after-free", "\(space.name): an entry at \(found) lies outside every VMA"))
    }
    for problem in table.structuralProblems() { problems.append(("page-table", "\(space.name): \(problem)")) }
    return problems
  }

  /// Scans the frame descriptors against the counts, empties the counters again, and checks the
  /// free lists' total. `skip(chunk)` says that the group of chunks that starts at `chunk` (as
  /// the last scan found it) is unchanged: its free frames are taken from that scan.
  /// `baseline`: the groups learned for the frame table's template, taken as found where their
  /// chunks hold the baseline and no counter or side table marked them (`scratch.touched`).
  func scanFrames(_ counter: inout MappingCounter, _ scratch: InvariantScratch, skip: ((Int) -> Bool)?,
                  baseline: InvariantBaseline? = nil, into violations: inout [InvariantViolation]) {
    func fail(_ invariant: String, _ detail: String) {
      if violations.count < 20 { violations.append(InvariantViolation(invariant: invariant, detail: detail)) }
    }
    let frames = memory.frames
    var freeFrames = 0
    var pfn = 0
    while pfn < frames.count {
      let chunk = pfn >> FrameTable.chunkShift
      let chunkStart = chunk << FrameTable.chunkShift
      if let skip, pfn == chunkStart && scratch.group[chunk] == Int32(chunk) && skip(chunk) {
        freeFrames += Int(scratch.free[chunk])
        pfn += Int(scratch.span[chunk]) << FrameTable.chunkShift
        continue
      }
      if let baseline, pfn == chunkStart, let group = baseline.group(at: chunk), chunk + group.span <= scratch.chunkCount,
        (chunk..<(chunk + group.span)).allSatisfy({ frames.holdsBaseline(chunk: $0) && scratch.touched[$0] == 0 })
      {
        // The descriptors a scan of this group found nothing wrong in, with every counter of
        // theirs empty (nothing to empty again): its free frames as then.
        freeFrames += group.free
        scratch.free[chunk] = Int32(group.free)
        scratch.group[chunk] = Int32(chunk)
        scratch.span[chunk] = Int32(group.span)
        for covered in (chunk + 1)..<(chunk + group.span) {
          scratch.group[covered] = Int32(chunk)
          scratch.free[covered] = 0
        }
        pfn = (chunk + group.span) << FrameTable.chunkShift
        scratch.lastBaselineGroups += 1
        continue
      }
      if pfn == chunkStart && frames.isPristine(chunk: chunk) {
        // Device frames never handed out, nothing wrote since they were added (zero
        // descriptors, FrameTable.isPristine; PhysicalMemory.kind(of:) gives them the device's
        // kind): free device frames, which no entry may map (MappingCounter.isMappable), so no
        // counter of the chunk holds anything, and the per-frame checks below find nothing: the
        // whole chunk is verified by its mark.
        scratch.free[chunk] = 0
        scratch.group[chunk] = Int32(chunk)
        scratch.span[chunk] = 1
        pfn = chunkStart + FrameTable.chunkSize
        continue
      }
      let chunkEnd = min(chunkStart + FrameTable.chunkSize, frames.count)
      var chunkFree = 0
      let enteredAtStart = pfn == chunkStart
      while pfn < chunkEnd {
        var descriptor = frames[pfn]
        // [machine] A zero descriptor above RAM is a device frame never handed out (PhysicalMemory.kind(of:)).
        if descriptor.kind == .free && pfn >= memory.ramFrameCount { descriptor.kind = memory.unusedDeviceFrameKind(pfn) }
        if descriptor.flags.contains(.buddy) {
          chunkFree += 1 << Int(descriptor.order)
          pfn += 1 << Int(descriptor.order)
          continue
        }
        let mapped = counter.pteMaps[pfn]
        // Empty the counters again for the next check (every counted frame is allocated, so the
        // scan passes it: as this frame, or as a tail of this head).
        // Only counters that hold something are written: a fresh scratch stays untouched host
        // memory (no page faults) where nothing is mapped.
        if descriptor.flags.contains(.head) && descriptor.order > 0 {
          let counts = counter.pteMaps + pfn
          for i in 0..<min(1 << Int(descriptor.order), frames.count - pfn) where counts[i] != 0 { counts[i] = 0 }
        } else if mapped != 0 {
          counter.pteMaps[pfn] = 0
        }
        if descriptor.mapCount != mapped && descriptor.kind != .free {
          fail("map-count", "frame \(PFN(UInt64(pfn))) (\(descriptor.kind)) has map count \(descriptor.mapCount) but \(mapped) PTEs map it")
        }
        if descriptor.flags.contains(.head) {
          let kind = descriptor.kind
          let order = Int(descriptor.order)
          let head = PFN(UInt64(pfn))
          let entire = Int32(memory.entireMapCount(ofFolio: head))
          let counted = counter.entireMaps[pfn]
          if entire != counted && kind != .zero {
            fail("map-count", "folio \(head) has whole-folio map count \(entire) but \(counted) PMD/PUD entries map it")
          }
          if kind.isCounted {
            var pteMaps: Int32 = 0
            for i in 0..<(1 << order) { pteMaps += frames[pfn + i].mapCount }
            let expected = pteMaps + entire + counter.otherRefs[pfn] + gupReferences(ofFolio: head)
            if order > 0 && frames[pfn + 1].refCount != gupPins(ofFolio: head) {
              fail("pin-count", "folio \(head) (\(kind), order \(order)) has pin count \(frames[pfn + 1].refCount), but GUP callers hold \(gupPins(ofFolio: head)) pins")
            }
            let isFreeHugetlb = kind == .hugetlb && expected == 0
            if descriptor.refCount != expected && !isFreeHugetlb {
              fail("reference-count", "folio \(head) (\(kind), order \(order)) has reference count \(descriptor.refCount), expected \(expected)")
            }
            if descriptor.refCount < 0 { fail("reference-count", "folio \(head) has a negative reference count") }
            if (kind == .anonymous || kind.isDevice) && descriptor.refCount == 0 {
              fail("reference-count", "\(kind) folio \(head) is allocated but unreferenced (leak)")
            }
          }
          pfn += 1 << order
          continue
        }
        if descriptor.kind == .free { fail("frames", "frame \(PFN(UInt64(pfn))) is neither free in the allocator nor allocated") }
        pfn += 1
      }
      freeFrames += chunkFree
      // The chunks this scan covered form a group when it entered the first at its start and
      // ended at a chunk's start (an order-10 free block covers two chunks, a 1G folio 512):
      // a later check skips the group whole or scans it whole.
      let whole = enteredAtStart && (pfn & (FrameTable.chunkSize - 1) == 0 || pfn >= frames.count)
      let groupEnd = min((pfn + FrameTable.chunkSize - 1) >> FrameTable.chunkShift, scratch.chunkCount)
      scratch.free[chunk] = Int32(chunkFree)
      scratch.group[chunk] = whole ? Int32(chunk) : -1
      scratch.span[chunk] = Int32(groupEnd - chunk)
      for covered in (chunk + 1)..<max(chunk + 1, groupEnd) {
        scratch.group[covered] = whole ? Int32(chunk) : -1
        scratch.free[covered] = 0
      }
    }
    if freeFrames != memory.freeFrameCount {
      fail("frames", "the free lists hold \(freeFrames) frames but the allocator counts \(memory.freeFrameCount)")
    }
    for index in counter.countedHeads {
      counter.entireMaps[index] = 0
      counter.otherRefs[index] = 0
    }
    counter.countedHeads.removeAll()
  }
}

/// Counts, for the invariant check, how many entries map each frame and folio.
struct MappingCounter: PageTableVisitor {
  let memory: PhysicalMemory
  var space = ""
  var pteMaps: UnsafeMutablePointer<Int32>
  /// The invariant scratch's chunks counted in by this check.
  let touched: UnsafeMutablePointer<UInt8>
  /// Every head counted in `entireMaps` or `otherRefs` (emptied again after the check).
  var countedHeads: [Int] = []

  init(memory: PhysicalMemory, pteMaps: UnsafeMutablePointer<Int32>, entireMaps: UnsafeMutablePointer<Int32>,
       otherRefs: UnsafeMutablePointer<Int32>, touched: UnsafeMutablePointer<UInt8>) {
    self.memory = memory
    self.pteMaps = pteMaps
    self.entireMaps = entireMaps
    self.otherRefs = otherRefs
    self.touched = touched
  }

  /// Counts one PMD/PUD entry mapping the folio at `head`.
  mutating func addEntire(_ head: Int) {
    entireMaps[head] += 1
    countedHeads.append(head)
    touched[head >> FrameTable.chunkShift] = 1
  }

  /// Counts one page-cache or migration-entry reference of the folio at `head`.
  mutating func addOtherRef(_ head: Int) {
    otherRefs[head] += 1
    countedHeads.append(head)
    touched[head >> FrameTable.chunkShift] = 1
  }
  /// PMD/PUD entries counted per folio head.
  let entireMaps: UnsafeMutablePointer<Int32>
  /// Page-cache and migration-entry references counted per folio head.
  let otherRefs: UnsafeMutablePointer<Int32>
  var problems: [String] = []

  /// Whether an entry at `address` may map `pfn` (when not, the problem is recorded): the test
  /// inline, the problem's message out of line (``report(_:_:)``).
  @inline(__always)
  mutating func check(_ pfn: PFN, _ address: VirtualAddress) -> Bool {
    let frames = memory.frames
    if pfn.rawValue < UInt64(frames.count) {
      let descriptor = frames[pfn.index]
      let kind = descriptor.kind
      // A free descriptor above RAM may be a device frame never handed out (kind(of:)): the
      // slow path decides.
      if kind != .free && kind != .pageTable && kind != .reserved
        && (!kind.isDevice || descriptor.flags.contains(.head) || descriptor.flags.contains(.tail))
      {
        return true
      }
    }
    return report(pfn, address)
  }

  /// ``check(_:_:)`` entry by entry as it was, recording the problem when `pfn` may not be mapped.
  @inline(never)
  private mutating func report(_ pfn: PFN, _ address: VirtualAddress) -> Bool {
    guard memory.contains(pfn) else {
      problems.append("\(space): \(address) maps frame \(pfn), beyond physical memory")
      return false
    }
    let kind = memory.kind(of: pfn)
    if kind == .free || kind == .pageTable || kind == .reserved {
      problems.append("\(space): \(address) maps frame \(pfn), which is \(kind)")
      return false
    }
    if kind.isDevice && !memory.frames[pfn.index].flags.contains(.head) && !memory.frames[pfn.index].flags.contains(.tail) {
      problems.append("\(space): \(address) maps device frame \(pfn), which is free")
      return false
    }
    return true
  }

  /// Checks and counts one run of PTEs.
  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    var i = 0
    while i < entries.count {
      // Runs of 16 empty entries passed over with one test of their raw words (vectorised);
      // the others entry by entry, in order.
      if i & 15 == 0 && i + 16 <= entries.count && PageTableEntry.emptyRunOf16(entries.baseAddress! + i) {
        i += 16
        continue
      }
      let entry = entries[i]
      let address = start + UInt64(i) << PageSize.shift4K
      i += 1
      if entry.isNone { continue }
      if entry.isMigration {
        if check(entry.pfn, address) {
          addOtherRef(memory.folioHead(of: entry.pfn).index)
        }
        continue
      }
      guard let frame = entry.mappedFrame, check(frame, address) else { continue }
      if !memory.isZeroPage(frame) {
        pteMaps[frame.index] += 1
        touched[frame.index >> FrameTable.chunkShift] = 1
      }
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    if entry.isMigration {
      if check(entry.pfn, start) {
        addOtherRef(memory.folioHead(of: entry.pfn).index)
      }
      return .continue
    }
    guard entry.mappedFrame != nil, check(entry.pfn, start) else { return .continue }
    let head = memory.folioHead(of: entry.pfn)
    if head != entry.pfn {
      problems.append("\(space): the \(level) leaf at \(start) maps \(entry.pfn), not a folio head")
    }
    addEntire(head.index)
    touched[entry.pfn.index >> FrameTable.chunkShift] = 1
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }

}

extension MemorySystem {
  /// The first entry of `[start, end)` (entries outside every VMA are a bug).
  static func entryOutside(_ table: PageTable, _ start: VirtualAddress, _ end: VirtualAddress) -> VirtualAddress? {
    guard start < end else { return nil }
    return table.entries.withUnsafeBufferPointer { buffer in
      firstEntry(table, node: table.root, level: .pgd, start, end, buffer)
    }
  }

  /// The address ``PageTable/walk(_:_:_:)`` of `[start, end)` (inside node `node`'s span) would
  /// first hand a visitor as a run of PTEs with a non-empty entry (that entry's address) or as a
  /// leaf (the leaf's start, clipped to the range), or nil. Runs of empty entries are passed
  /// over in a tight loop instead of one hole callback each, and PTEs by 16 at a time.
  private static func firstEntry(_ table: PageTable, node: Int, level: PageTableLevel, _ start: VirtualAddress, _ end: VirtualAddress,
                                 _ buffer: UnsafeBufferPointer<PageTableEntry>) -> VirtualAddress? {
    if level == .pte {
      let first = node << 9 | start.index(at: .pte)
      let count = Int((end - start) >> PageSize.shift4K)
      var run = 0
      while run + 16 <= count && PageTableEntry.emptyRunOf16(buffer.baseAddress! + first + run) { run += 16 }
      for index in run..<count where !buffer[first + index].isNone { return start + UInt64(index) << PageSize.shift4K }
      return nil
    }
    let span = level.entrySpan
    // The range lies inside the node's span: its last entry is the one holding `end - 1`.
    let last = node << 9 | (end - 1).index(at: level)
    var address = start
    while address < end {
      let slot = node << 9 | address.index(at: level)
      var skipped = slot
      while skipped < last && buffer[skipped].isNone { skipped += 1 }
      if skipped != slot { address = address.alignedDown(to: span) + UInt64(skipped - slot) * span }
      let entry = buffer[skipped]
      let next = min(address.alignedDown(to: span) + span, end)
      if !entry.isNone {
        if level != .pgd && (entry.isHuge || entry.isSwap || entry.isProtNone) { return address }
        if let found = firstEntry(table, node: table.node(for: entry), level: level.child!, address, next, buffer) { return found }
      }
      address = next
    }
    return nil
  }
}

extension PageTable {
  /// Structural problems: used counts that disagree with the entries, table entries that point
  /// at frames that are not this table's nodes.
  func structuralProblems() -> [String] {
    var problems: [String] = []
    // Each node's role, in one byte (no sets): 1 free, 2 deposited, 0 in the tree.
    let nodes = nodeLevel.count
    var role = [UInt8](repeating: 0, count: freeNodes.isEmpty && depositedTables.isEmpty ? 0 : nodes)
    for node in freeNodes where node >= 0 && node < nodes { role[node] = 1 }
    for node in depositedTables.values where node >= 0 && node < nodes && role[node] == 0 { role[node] = 2 }
    entries.withUnsafeBufferPointer { buffer in
      for node in 0..<nodes where role.isEmpty || role[node] != 1 {
        let first = node << 9
        // Over the node's entries, without a branch: (x | -x) >> 63 is 1 for a non-zero word, 0
        // for zero, summed with wrapping adds (at most 512), which the compiler vectorises.
        var nonZero: UInt64 = 0
        for entry in UnsafeBufferPointer(rebasing: buffer[first..<(first + 512)]) { nonZero &+= (entry.rawValue | (0 &- entry.rawValue)) >> 63 }
        let used = Int32(truncatingIfNeeded: nonZero)
        if used != nodeUsed[node] { problems.append("table \(node) (\(nodeLevel[node])) counts \(nodeUsed[node]) entries but has \(used)") }
        if memory.kind(of: nodeFrame[node]) != .pageTable { problems.append("table \(node)'s frame \(nodeFrame[node]) is not a page-table frame") }
        if !role.isEmpty && role[node] == 2 {
          if used != 0 { problems.append("deposited table \(node) is not empty") }
          continue
        }
        if node != root {
          let parent = nodeParentSlot[node]
          if parent < 0 || parent >= buffer.count || buffer[parent].pfn != nodeFrame[node] || buffer[parent].isHuge {
            problems.append("table \(node) (\(nodeLevel[node])) is not linked from its parent slot")
          }
        }
      }
    }
    return problems
  }
}

extension FolioKind {
  /// Whether the invariant check balances this kind's reference count against its mappings
  /// and page-cache references (the zero pages and page tables keep their own).
  var isCounted: Bool {
    switch self {
    case .anonymous, .file, .shmem, .hugetlb, .devicePrivate, .deviceCoherent, .driver: true
    default: false
    }
  }
}
