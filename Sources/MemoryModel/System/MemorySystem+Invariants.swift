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
  /// - Parameter incremental: reuse, for an address space whose page table and VMAs did not
  ///   change since the last check, what that check found in its table structure and outside
  ///   its VMAs (the counts are always recomputed); the scenario interpreter checks this way
  ///   after every step. False (the default, and what tests use) checks everything.
  public func checkInvariants(incremental: Bool = false) -> [InvariantViolation] {
    var violations: [InvariantViolation] = []
    func fail(_ invariant: String, _ detail: String) {
      if violations.count < 20 { violations.append(InvariantViolation(invariant: invariant, detail: detail)) }
    }
    if invariantScratch?.frameCount != memory.frameCount { invariantScratch = InvariantScratch(frameCount: memory.frameCount) }
    guard let scratch = invariantScratch else { return violations }
    var counter = MappingCounter(memory: memory, pteMaps: scratch.counts, entireMaps: scratch.entireCounts, otherRefs: scratch.otherRefs, touched: scratch.touched)
    var cache: [Int: InvariantScratch.SpaceCheck] = [:]
    for space in addressSpaces {
      counter.space = space.name
      // What an address space maps, its table structure and the entries outside its VMAs
      // change only with its table or its VMAs: an unchanged address space replays the frames
      // the last check counted (each checked again against the allocator) instead of walking.
      let table = space.pageTable
      var check: InvariantScratch.SpaceCheck
      if incremental, let cached = invariantCache[space.pid], cached.generation == table.generation, cached.vmas == space.vmas,
        cached.mapped.valid, counter.replay(cached.mapped)
      {
        check = cached
      } else {
        counter.recorded = InvariantScratch.MappedFrames()
        counter.recording = incremental
        for vma in space.vmas { space.pageTable.walk(vma.start, vma.end, &counter) }
        counter.recording = false
        check = InvariantScratch.SpaceCheck(generation: table.generation, vmas: space.vmas, mapped: counter.recorded, problems: [])
        var cursor = VirtualAddress(0)
        for vma in space.vmas {
          if let found = Self.entryOutside(table, cursor, vma.start) { check.problems.append(("use-after-free", "\(space.name): an entry at \(found) lies outside every VMA")) }
          cursor = vma.end
        }
        if let found = Self.entryOutside(table, cursor, VirtualAddress.userSpaceEnd) {
          check.problems.append(("use-after-free", "\(space.name): an entry at \(found) lies outside every VMA"))
        }
        for problem in table.structuralProblems() { check.problems.append(("page-table", "\(space.name): \(problem)")) }
      }
      cache[space.pid] = check
      for problem in check.problems { fail(problem.invariant, problem.detail) }
    }
    // A full check records no frames to replay: it leaves nothing for an incremental one to trust.
    invariantCache = incremental ? cache : [:]
    for problem in counter.problems { fail("use-after-free", problem) }
    for file in files.values {
      for pfn in file.pageCache.values where memory.folioHead(of: pfn) == pfn { counter.addOtherRef(pfn.index) }
    }
    for head in memory.entireMapCounts.keys where Int(head) < scratch.frameCount { scratch.touched[Int(head) >> FrameTable.chunkShift] = 1 }
    let frames = memory.frames
    var freeFrames = 0
    // An incremental check skips a chunk of frames that nothing wrote, counted or referenced
    // since the last check, which found it consistent: what it would check there is unchanged.
    let skipUnchanged = incremental && scratch.chunksValid
    var pfn = 0
    while pfn < frames.count {
      let chunk = pfn >> FrameTable.chunkShift
      let chunkStart = chunk << FrameTable.chunkShift
      if skipUnchanged && pfn == chunkStart && scratch.simple[chunk] && !frames.wasWritten(chunk: chunk)
        && scratch.touched[chunk] == 0 && scratch.touchedBefore[chunk] == 0
      {
        freeFrames += Int(scratch.free[chunk])
        pfn += FrameTable.chunkSize
        continue
      }
      let chunkEnd = min(chunkStart + FrameTable.chunkSize, frames.count)
      var chunkFree = 0
      let enteredAtStart = pfn == chunkStart
      while pfn < chunkEnd {
        let descriptor = frames[pfn]
        if descriptor.flags.contains(.buddy) {
          chunkFree += 1 << Int(descriptor.order)
          pfn += 1 << Int(descriptor.order)
          continue
        }
        let mapped = counter.pteMaps[pfn]
        // Empty the counters again for the next check (every counted frame is allocated, so the
        // scan passes it: as this frame, or as a tail of this head).
        if descriptor.flags.contains(.head) && descriptor.order > 0 {
          (counter.pteMaps + pfn).update(repeating: 0, count: min(1 << Int(descriptor.order), frames.count - pfn))
        } else {
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
      scratch.free[chunk] = Int32(chunkFree)
      scratch.simple[chunk] = enteredAtStart && pfn <= chunkEnd
      // Chunks a folio covered whole are never skipped (the scan does not enter them).
      var covered = chunk + 1
      while covered < scratch.chunkCount && covered << FrameTable.chunkShift < pfn {
        scratch.simple[covered] = false
        scratch.free[covered] = 0
        covered += 1
      }
    }
    if freeFrames != memory.freeFrameCount {
      fail("frames", "the free lists hold \(freeFrames) frames but the allocator counts \(memory.freeFrameCount)")
    }
    for index in counter.countedHeads {
      counter.entireMaps[index] = 0
      counter.otherRefs[index] = 0
    }
    scratch.chunksValid = violations.isEmpty
    scratch.rotateTouched()
    frames.clearWritten()
    return violations
  }
}

/// Counts, for the invariant check, how many entries map each frame and folio.
private struct MappingCounter: PageTableVisitor {
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
  /// Whether counted frames are also recorded (for the incremental check's cache).
  var recording = false
  /// The frames counted while recording.
  var recorded = InvariantScratch.MappedFrames()

  /// Counts the frames a previous check recorded for an unchanged address space, if each is
  /// still a mappable frame (and each PMD/PUD-mapped one still a folio head); returns false,
  /// counting nothing, otherwise (the caller then walks the table for exact messages).
  mutating func replay(_ frames: InvariantScratch.MappedFrames) -> Bool {
    func valid(_ pfn: UInt32) -> Bool {
      let frame = PFN(UInt64(pfn))
      guard memory.contains(frame) else { return false }
      let kind = memory.kind(of: frame)
      if kind == .free || kind == .pageTable || kind == .reserved { return false }
      return !kind.isDevice || memory.frames[frame.index].flags.contains(.head) || memory.frames[frame.index].flags.contains(.tail)
    }
    guard frames.pte.allSatisfy(valid), frames.migration.allSatisfy(valid),
      frames.entire.allSatisfy({ valid($0) && memory.folioHead(of: PFN(UInt64($0))).rawValue == UInt64($0) })
    else { return false }
    for pfn in frames.pte {
      pteMaps[Int(pfn)] += 1
      touched[Int(pfn) >> FrameTable.chunkShift] = 1
    }
    for head in frames.entire { addEntire(Int(head)) }
    for pfn in frames.migration { addOtherRef(memory.folioHead(of: PFN(UInt64(pfn))).index) }
    return true
  }

  mutating func check(_ pfn: PFN, _ address: VirtualAddress) -> Bool {
    let ok = isMappable(pfn, address)
    if !ok { recorded.valid = false }  // a table with a problem is walked again, never replayed
    return ok
  }

  private mutating func isMappable(_ pfn: PFN, _ address: VirtualAddress) -> Bool {
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

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for (i, entry) in entries.enumerated() where !entry.isNone {
      let address = start + UInt64(i) << PageSize.shift4K
      if entry.isMigration {
        if check(entry.pfn, address) {
          addOtherRef(memory.folioHead(of: entry.pfn).index)
          if recording { recorded.migration.append(UInt32(entry.pfn.rawValue)) }
        }
        continue
      }
      guard let frame = entry.mappedFrame, check(frame, address) else { continue }
      if !memory.isZeroPage(frame) {
        pteMaps[frame.index] += 1
        touched[frame.index >> FrameTable.chunkShift] = 1
        if recording { recorded.pte.append(UInt32(frame.rawValue)) }
      }
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    if entry.isMigration {
      if check(entry.pfn, start) {
        addOtherRef(memory.folioHead(of: entry.pfn).index)
        if recording { recorded.migration.append(UInt32(entry.pfn.rawValue)) }
      }
      return .continue
    }
    guard entry.mappedFrame != nil, check(entry.pfn, start) else { return .continue }
    let head = memory.folioHead(of: entry.pfn)
    if head != entry.pfn {
      problems.append("\(space): the \(level) leaf at \(start) maps \(entry.pfn), not a folio head")
      recording = false
      recorded.valid = false  // never replay a table with a problem: walk it again next time
    }
    addEntire(head.index)
    touched[entry.pfn.index >> FrameTable.chunkShift] = 1
    if recording { recorded.entire.append(UInt32(head.rawValue)) }
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }

}

extension MemorySystem {
  /// The first entry of `[start, end)` (entries outside every VMA are a bug).
  static func entryOutside(_ table: PageTable, _ start: VirtualAddress, _ end: VirtualAddress) -> VirtualAddress? {
    guard start < end else { return nil }
    var finder = PresentFinder()
    table.walk(start, end, &finder)
    return finder.found
  }
}

/// Finds the first non-empty entry of a walk.
private struct PresentFinder: PageTableVisitor {
  var found: VirtualAddress?
  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    if let index = entries.firstIndex(where: { !$0.isNone }) {
      found = start + UInt64(index) << PageSize.shift4K
      return .stop
    }
    return .continue
  }
  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    found = start
    return .stop
  }
  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}

extension PageTable {
  /// Structural problems: used counts that disagree with the entries, table entries that point
  /// at frames that are not this table's nodes.
  func structuralProblems() -> [String] {
    var problems: [String] = []
    let free = Set(freeNodes)
    let deposited = Set(depositedTables.values)
    for node in 0..<nodeLevel.count where !free.contains(node) {
      var used: Int32 = 0
      for slot in (node << 9)..<((node + 1) << 9) where !entries[slot].isNone { used += 1 }
      if used != nodeUsed[node] { problems.append("table \(node) (\(nodeLevel[node])) counts \(nodeUsed[node]) entries but has \(used)") }
      if memory.kind(of: nodeFrame[node]) != .pageTable { problems.append("table \(node)'s frame \(nodeFrame[node]) is not a page-table frame") }
      if deposited.contains(node) {
        if used != 0 { problems.append("deposited table \(node) is not empty") }
        continue
      }
      if node != root {
        let parent = nodeParentSlot[node]
        if parent < 0 || entries[parent].pfn != nodeFrame[node] || entries[parent].isHuge {
          problems.append("table \(node) (\(nodeLevel[node])) is not linked from its parent slot")
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
