/// The incremental invariant check: the cost of what changed since the last check, not of what
/// is mapped.
///
/// It keeps a ledger across checks (``InvariantScratch/pteRefs``, ``InvariantScratch/leafRefs``,
/// ``InvariantScratch/migrationRefs``): how many entries of all recorded page tables name each
/// frame, with a copy of every recorded node's entries (``InvariantTableRecord``). A check
/// updates it by the difference of each node whose ``PageTable/nodeGeneration`` moved since
/// (the copy's entries minus, the node's entries plus), and marks the chunks of
/// ``FrameTable/chunkSize`` frames whose counts changed. When the last check found everything
/// consistent, the ledger equals what the full check's walk counts, provided that
/// - every non-empty PTE and every PMD/PUD leaf lies inside one VMA (each changed entry is
///   looked up in the VMAs; where the VMAs changed, the addresses they no longer cover are
///   walked, and a new VMA boundary inside a huge leaf is refused);
/// - the table's structure is what the walk follows: every node not free is linked from its
///   parent slot at the level above, its frame is a page-table frame naming it, used counts
///   agree, deposited tables are empty, and the table pointers are as many as the linked nodes
///   (looked at for every node of a table whose generation moved, and for the table frames of
///   written chunks).
/// Only chunks whose inputs may differ are scanned: a descriptor written, a count of the
/// ledger changed, a whole-folio map count, the page caches' list of folios or a GUP hold
/// there, the last scan not covering the chunk in a whole group (``InvariantScratch/group``),
/// or another chunk of its group dirty. A frame the ledger counts in a scanned chunk must still
/// be mappable. Anything unexpected makes the caller run the full check (whose messages name
/// every problem exactly), and the next incremental check starts the ledger again.
extension MemorySystem {
  /// The incremental check, or nil when the full check must run (no trustworthy last check is
  /// needed for that: the first incremental check records and scans everything).
  func checkInvariantsIncrementally() -> [InvariantViolation]? {
    let scratch = preparedInvariantScratch()
    if !scratch.ledgerValid {
      scratch.resetLedger()
      settleBaselineGroups(scratch)
    }
    let ok = updateLedgerAndScan(scratch)
    scratch.lastScannedChunks = scratch.dirtyList.count
    // Counters and marks of this check are emptied either way.
    if !scratch.countedHeads.isEmpty {
      for head in scratch.countedHeads { scratch.otherRefs[head] = 0 }
      scratch.countedHeads.removeAll(keepingCapacity: true)
    }
    for chunk in scratch.dirtyList {
      scratch.touched[chunk] = 0
      scratch.subDirty[chunk] = 0
    }
    scratch.dirtyList.removeAll(keepingCapacity: true)
    guard ok else {
      scratch.writtenChunks.removeAll(keepingCapacity: true)
      scratch.ledgerValid = false
      scratch.fallbacks += 1
      return nil
    }
    memory.frames.clearWritten(scratch.writtenChunks)
    scratch.writtenChunks.removeAll(keepingCapacity: true)
    return []
  }

  private func updateLedgerAndScan(_ scratch: InvariantScratch) -> Bool {
    let chunkCount = scratch.chunkCount
    let dirty = scratch.touched
    var ledger = InvariantLedgerUpdate(scratch: scratch, memory: memory)
    scratch.checks &+= 1
    let stamp = scratch.checks
    let spaces = addressSpaces
    let records = scratch.records
    var matched = records.count == spaces.count
    for i in 0..<spaces.count {
      // The common case, a table recorded at its address space's position that did not change
      // since, without retaining anything: `spaces` and `records` keep the space, its table and
      // the record alive for the loop (nothing here drops them), so they are used unretained.
      if i < records.count {
        let unchanged = Unmanaged.passUnretained(records[i])._withUnsafeGuaranteedRef { record in
          Unmanaged.passUnretained(spaces[i])._withUnsafeGuaranteedRef { space in
            Unmanaged.passUnretained(space.pageTable)._withUnsafeGuaranteedRef { table in
              guard record.table === table else { return false }
              record.stamp = stamp
              return record.generation == table.generation && Self.sameVMAs(record, space)
            }
          }
        }
        if unchanged { continue }
      }
      let space = spaces[i]
      let table = space.pageTable
      let record: InvariantTableRecord
      if i < scratch.records.count && scratch.records[i].table === table {
        record = scratch.records[i]
      } else if let found = scratch.records.first(where: { $0.table === table }) {
        record = found
        matched = false
      } else {
        record = InvariantTableRecord(table: table)
        scratch.records.append(record)
        scratch.ledgerTouched = true
        matched = false
      }
      record.stamp = stamp
      if record.generation == table.generation && record.vmas == space.vmas { continue }
      guard ledger.update(record, space) else { return false }
    }
    if !matched {
      // In the address spaces' order; the tables gone since count no more.
      var ordered: [InvariantTableRecord] = []
      for space in addressSpaces {
        if let record = scratch.records.first(where: { $0.table === space.pageTable }), !ordered.contains(where: { $0 === record }) {
          ordered.append(record)
        }
      }
      for record in scratch.records where record.stamp != stamp {
        ledger.forget(record)
        record.release()
      }
      scratch.records = ordered
    }
    func mark(_ pfn: UInt32) { ledger.markFrame(Int(pfn)) }
    // Whole-folio map counts changed alone (no descriptor written).
    let entire = memory.entireMapCounts
    if entire != scratch.lastEntireMapCounts {
      for (head, count) in entire where scratch.lastEntireMapCounts[head] != count { mark(head) }
      for (head, count) in scratch.lastEntireMapCounts where entire[head] != count { mark(head) }
    }
    for head in gupHolds.keys {
      // The pin count is kept in the frame after the head.
      mark(head)
      mark(head &+ 1)
    }
    let frames = memory.frames
    frames.forEachWrittenChunk { scratch.writtenChunks.append($0) }
    // The page caches, by the difference of the slots of each index whose generation moved.
    let fileRecords = scratch.fileRecords
    var filesMatched = fileRecords.count == files.count
    var position = 0
    for file in files.values {
      // As above: a page cache recorded at its file's position whose generation did not move,
      // without retaining it (`file` and `fileRecords` keep both alive).
      if position < fileRecords.count {
        let unchanged = Unmanaged.passUnretained(fileRecords[position])._withUnsafeGuaranteedRef { record in
          Unmanaged.passUnretained(file.pageCache)._withUnsafeGuaranteedRef { index in
            guard record.index === index && record.generation == index.generation else { return false }
            record.stamp = stamp
            return true
          }
        }
        if unchanged {
          position += 1
          continue
        }
      }
      let index = file.pageCache
      let record: InvariantFileRecord
      if position < scratch.fileRecords.count && scratch.fileRecords[position].index === index {
        record = scratch.fileRecords[position]
      } else if let found = scratch.fileRecords.first(where: { $0.index === index }) {
        record = found
        filesMatched = false
      } else {
        record = InvariantFileRecord(index: index)
        scratch.fileRecords.append(record)
        scratch.ledgerTouched = true
        filesMatched = false
      }
      position += 1
      record.stamp = stamp
      if record.generation != index.generation { ledger.update(record) }
    }
    if !filesMatched {
      var ordered: [InvariantFileRecord] = []
      for file in files.values {
        if let record = scratch.fileRecords.first(where: { $0.index === file.pageCache }), !ordered.contains(where: { $0 === record }) {
          ordered.append(record)
        }
      }
      for record in scratch.fileRecords where record.stamp != stamp { ledger.forget(record) }
      scratch.fileRecords = ordered
    }
    scratch.lastEntireMapCounts = entire
    // Written chunks and those the last scan left unsettled are dirty; a group of chunks is
    // scanned whole or skipped whole: one dirty chunk makes all of it dirty.
    // A chunk still holding its baseline that a group learned for it covers is listed only
    // because this table was not checked since it was set to its baseline (every chunk counts as
    // written then): nothing wrote there.
    // By sub-chunk (FrameTable+SubchunkMarks.swift).
    for chunk in scratch.writtenChunks where scratch.group[chunk] < 0 || !frames.holdsBaseline(chunk: chunk) {
      ledger.markSubchunks(chunk, frames.writtenSubchunks(chunk: chunk))
    }
    for chunk in scratch.unsettled { ledger.mark(chunk) }
    var next = 0
    while next < scratch.dirtyList.count {
      let chunk = scratch.dirtyList[next]
      next += 1
      let start = Int(scratch.group[chunk])
      guard start >= 0 && start < chunkCount else { continue }
      let end = min(start + max(1, Int(scratch.span[start])), chunkCount)
      if end - start > 1 || start != chunk {
        for c in start..<end where dirty[c] == 0 || scratch.subDirty[c] != FrameTable.allSubchunks { ledger.mark(c) }
      }
    }
    guard !ledger.failed else { return false }
    scratch.dirtyList.sort()
    guard checkReferencedFrames(scratch) else { return false }
    guard scanDirtyChunks(scratch) else { return false }
    learnBaselineGroups(scratch)
    return true
  }

  /// Whether `record`'s VMAs are `space`'s: the same array storage (the record keeps its copy
  /// alive, so equal base addresses and counts mean the one buffer), or equal element by element.
  @inline(__always)
  private static func sameVMAs(_ record: InvariantTableRecord, _ space: AddressSpace) -> Bool {
    let count = record.vmas.count
    guard count == space.vmas.count else { return false }
    let mine = record.vmas.withUnsafeBufferPointer { $0.baseAddress }
    let theirs = space.vmas.withUnsafeBufferPointer { $0.baseAddress }
    return mine == theirs || record.vmas == space.vmas
  }

  /// After a reset of the ledger: the groups of chunks that still hold the frame table's
  /// baseline and were learned for its template (``InvariantBaseline``) are taken as scanned, as
  /// if the last scan had found them (nothing counts there yet: whatever this check counts in
  /// them marks them dirty, as for any chunk a scan settled).
  private func settleBaselineGroups(_ scratch: InvariantScratch) {
    guard let template = memory.template, let baseline = InvariantBaseline.lookup(template) else { return }
    let frames = memory.frames
    let limit = min(baseline.span.count, scratch.chunkCount)
    var settled = false
    var chunk = 0
    while chunk < limit {
      guard let group = baseline.group(at: chunk), chunk + group.span <= limit,
        (chunk..<(chunk + group.span)).allSatisfy({ frames.holdsBaseline(chunk: $0) })
      else {
        chunk += 1
        continue
      }
      scratch.group[chunk] = Int32(chunk)
      scratch.span[chunk] = Int32(group.span)
      scratch.free[chunk] = Int32(group.free)
      for covered in (chunk + 1)..<(chunk + group.span) {
        scratch.group[covered] = Int32(chunk)
        scratch.free[covered] = 0
      }
      scratch.freeTotal += group.free
      settled = true
      chunk += group.span
    }
    if settled { scratch.unsettled = (0..<scratch.chunkCount).filter { scratch.group[$0] < 0 } }
  }

  /// After a scan that passed: the groups it scanned whole in chunks that hold the frame table's
  /// baseline, with nothing counting there (no entry names a frame of theirs, no table frame,
  /// and no page cache, GUP hold, whole-folio map or migration entry anywhere), are what any
  /// scan of those descriptors finds: learned for the table's template.
  private func learnBaselineGroups(_ scratch: InvariantScratch) {
    guard let template = memory.template, memory.entireMapCounts.isEmpty, gupHolds.isEmpty,
      scratch.fileRecords.isEmpty, scratch.countedHeads.isEmpty
    else { return }
    let frames = memory.frames
    // Whole chunks of RAM only (a group's end there does not depend on what follows).
    let ramChunks = min(memory.ramFrameCount >> FrameTable.chunkShift, scratch.chunkCount)
    var learned: [(start: Int, span: Int, free: Int)] = []
    // What is known already, looked up (under the table's lock) at the first group that could
    // be learned: most checks have none.
    var known: InvariantBaseline??
    for chunk in scratch.dirtyList where chunk < ramChunks && scratch.group[chunk] == Int32(chunk) {
      let span = Int(scratch.span[chunk])
      guard span >= 1, chunk + span <= ramChunks,
        (chunk..<(chunk + span)).allSatisfy({ frames.holdsBaseline(chunk: $0) && scratch.chunkRefs[$0] == 0 && scratch.chunkTables[$0] == 0 })
      else { continue }
      if known == nil { known = .some(InvariantBaseline.lookup(template)) }
      guard known??.group(at: chunk) == nil else { continue }
      learned.append((chunk, span, Int(scratch.free[chunk])))
    }
    InvariantBaseline.learn(template, learned)
  }

  /// In the dirty chunks: every frame an entry names is still one an entry may map (and a
  /// huge leaf's a folio head); every recorded table frame is still that table node's. Counts
  /// the migration entries' references by folio head.
  private func checkReferencedFrames(_ scratch: InvariantScratch) -> Bool {
    let frames = memory.frames
    let frameCount = scratch.frameCount
    let pteRefs = scratch.pteRefs
    let leafRefs = scratch.leafRefs
    let migrationRefs = scratch.migrationRefs
    // Without migration entries (whose references this counts by head for the scan), only the
    // dirty sub-chunks: whether a frame an entry names may be mapped depends on its descriptor
    // and its counts alone, and a change to either marks its sub-chunk; the other frames were
    // found mappable by an earlier check and are as then. With migration entries, every frame
    // of a dirty chunk: a partial rescan may check a head whose sub-chunk is clean against
    // references counted here (InvariantMigrationGateTests).
    let bySubchunk = scratch.migrationTotal == 0
    for chunk in scratch.dirtyList {
      let first = chunk << FrameTable.chunkShift
      let end = min(first + FrameTable.chunkSize, frameCount)
      if scratch.chunkRefs[chunk] != 0 {
        let mask = bySubchunk ? scratch.subDirty[chunk] : FrameTable.allSubchunks
        // Runs of 16 frames no entry names are skipped with one test of their counts (the
        // compiler vectorises it); the frames of the other runs are checked in order as before.
        var run = first
        while run < end {
          if mask != FrameTable.allSubchunks && mask & (1 << FrameTable.SubchunkMask(truncatingIfNeeded: (run - first) >> FrameTable.subchunkShift)) == 0 {
            run = (run + FrameTable.subchunkSize) & ~(FrameTable.subchunkSize - 1)
            continue
          }
          let runEnd = min(run + 16, end)
          var named: Int32 = 0
          for pfn in run..<runEnd { named |= pteRefs[pfn] | leafRefs[pfn] | migrationRefs[pfn] }
          if named != 0 {
            for pfn in run..<runEnd where pteRefs[pfn] | leafRefs[pfn] | migrationRefs[pfn] != 0 {
              let kind = memory.kind(of: PFN(UInt64(pfn)))
              if kind == .free || kind == .pageTable || kind == .reserved { return false }
              if kind.isDevice && !frames[pfn].flags.contains(.head) && !frames[pfn].flags.contains(.tail) { return false }
              if leafRefs[pfn] != 0 && Int(frames[pfn].head) != pfn { return false }
              let migrations = migrationRefs[pfn]
              if migrations != 0 {
                let head = Int(frames[pfn].head)
                guard migrations > 0, head < frameCount else { return false }
                scratch.otherRefs[head] += migrations
                scratch.countedHeads.append(head)
              }
            }
          }
          run = runEnd
        }
      }
      if scratch.chunkTables[chunk] != 0 {
        // Runs of 16 frames no recorded node claims skipped with one test, as above.
        let claims = scratch.tableClaims
        var run = first
        while run < end {
          let runEnd = min(run + 16, end)
          var claimed: Int32 = 0
          for pfn in run..<runEnd { claimed |= claims[pfn] }
          if claimed != 0 {
            for pfn in run..<runEnd where claims[pfn] != 0 {
              guard claims[pfn] == 1, frames[pfn].kind == .pageTable, frames[pfn].refCount == scratch.tableNodeAt[pfn] - 1 else { return false }
            }
          }
          run = runEnd
        }
      }
    }
    return true
  }

  /// Scans the dirty chunks' descriptors against the ledger as the full check's scan does
  /// (``scanFrames(_:_:skip:baseline:into:)``), keeping the groups and their free frames, and checks the
  /// free lists' total; false at the first difference. A chunk that is a group of its own, whose
  /// last scan found where its sub-chunks' blocks start (InvariantScratch's `bounds`), and that
  /// is dirty in some sub-chunks only, is rescanned from the last block start at or before each
  /// dirty sub-chunk to the next clean sub-chunk a block started at then (`rescanSubchunks`):
  /// the clean sub-chunks' descriptors and counts are as that scan found them, and so is the
  /// path of blocks through them.
  private func scanDirtyChunks(_ scratch: InvariantScratch) -> Bool {
    let frames = memory.frames
    let count = frames.count
    let dirty = scratch.touched
    let chunkCount = scratch.chunkCount
    let subDirty = scratch.subDirty
    let bounds = scratch.bounds
    let subFree = scratch.subFree
    scratch.unsettled.removeAll(keepingCapacity: true)
    func setFree(_ chunk: Int, _ value: Int) {
      scratch.freeTotal += value - Int(scratch.free[chunk])
      scratch.free[chunk] = Int32(value)
    }
    let ramFrameCount = memory.ramFrameCount
    // Side tables most checks find empty: looked up only when not.
    let noWholeFolioMaps = memory.entireMapCounts.isEmpty
    let noGUP = gupHolds.isEmpty
    // Migration entries' references are counted by head only when there are any; page-cache
    // slots only when a page cache is recorded (otherwise both are zero everywhere).
    let noOtherRefs = scratch.countedHeads.isEmpty
    let noCache = scratch.fileRecords.isEmpty
    // Partial rescans only without migration entries (checkReferencedFrames counts those of
    // whole chunks; kept as a second guard, InvariantMigrationGateTests checks it holds).
    let partialRescans = scratch.migrationTotal == 0
    let subchunkShift = FrameTable.subchunkShift

    /// Checks the block at `pfn` (a free buddy block, a folio or a lone frame) and moves `pfn`
    /// past it; `freed` gets a free block's frames. False at a difference.
    @inline(__always)
    func checkBlock(_ pfn: inout Int, _ freed: inout Int, _ refsHere: Bool) -> Bool {
      var descriptor = frames[pfn]
      if descriptor.kind == .free && pfn >= ramFrameCount { descriptor.kind = memory.unusedDeviceFrameKind(pfn) }
      let order = Int(descriptor.order)
      if descriptor.flags.contains(.buddy) {
        freed = 1 << order
        pfn += 1 << order
        return true
      }
      let kind = descriptor.kind
      // The zero pages' PTEs are not counted (MappingCounter), though the ledger has them.
      let mapped = kind == .zero || !refsHere ? 0 : scratch.pteRefs[pfn]
      if descriptor.mapCount != mapped && kind != .free { return false }
      if descriptor.flags.contains(.head) {
        let head = PFN(UInt64(pfn))
        let entire = noWholeFolioMaps || order == 0 ? 0 : Int32(memory.entireMapCount(ofFolio: head))
        if entire != (refsHere ? scratch.leafRefs[pfn] : 0) && kind != .zero { return false }
        if kind.isCounted {
          guard pfn + (1 << order) <= count else { return false }
          var pteMaps: Int32 = 0
          for i in 0..<(1 << order) { pteMaps += frames[pfn + i].mapCount }
          // Page-cache references count at a frame that is its folio's head (as the full check counts them).
          let cached = noCache || descriptor.head != UInt32(truncatingIfNeeded: pfn) ? 0 : scratch.cacheRefs[pfn]
          let other = noOtherRefs ? 0 : scratch.otherRefs[pfn]
          let expected = pteMaps + entire + other + cached + (noGUP ? 0 : gupReferences(ofFolio: head))
          if order > 0 && frames[pfn + 1].refCount != (noGUP ? 0 : gupPins(ofFolio: head)) { return false }
          let isFreeHugetlb = kind == .hugetlb && expected == 0
          if descriptor.refCount != expected && !isFreeHugetlb { return false }
          if descriptor.refCount < 0 { return false }
          if (kind == .anonymous || kind.isDevice) && descriptor.refCount == 0 { return false }
        }
        pfn += 1 << order
        return true
      }
      if kind == .free { return false }
      pfn += 1
      return true
    }

    /// The partial rescan of `chunk` (see above): 1 done, 0 when a block now reaches past the
    /// chunk's end (the caller scans it whole), -1 at a difference.
    func rescanSubchunks(_ chunk: Int) -> Int {
      let first = chunk << FrameTable.chunkShift
      let mask = subDirty[chunk]
      let old = bounds[chunk]
      let refsHere = scratch.chunkRefs[chunk] != 0
      let subBase = chunk << FrameTable.subchunksPerChunkShift
      var found = old
      var k = 0
      var pfn = first
      while k < FrameTable.subchunksPerChunk {
        guard mask & (1 << FrameTable.SubchunkMask(k)) != 0 else {
          k += 1
          continue
        }
        // From the last sub-chunk at or before k that a block started at (a block from there
        // may reach into k).
        var j = k
        while j > 0 && old & (1 << FrameTable.SubchunkMask(j)) == 0 { j -= 1 }
        pfn = first + j << subchunkShift
        var last = k
        while true {
          if pfn & (FrameTable.subchunkSize - 1) == 0 {
            let s = (pfn - first) >> subchunkShift
            if s >= FrameTable.subchunksPerChunk { break }
            let bit: FrameTable.SubchunkMask = 1 << FrameTable.SubchunkMask(s)
            if s > last {
              // A clean sub-chunk a block started at last time: from here on, as then.
              if mask & bit == 0 && old & bit != 0 { break }
              last = s
            }
            found |= bit
            subFree[subBase + s] = 0
          }
          let before = pfn
          var freed = 0
          guard checkBlock(&pfn, &freed, refsHere) else { return -1 }
          if pfn > first + FrameTable.chunkSize { return 0 }
          let sub = (before - first) >> subchunkShift
          subFree[subBase + sub] += Int32(freed)
          // Sub-chunks whose first frame the block covers: no block starts there.
          var covered = sub + 1
          while covered << subchunkShift < pfn - first {
            found &= ~(1 << FrameTable.SubchunkMask(covered))
            subFree[subBase + covered] = 0
            covered += 1
          }
        }
        k = (pfn - first) >> subchunkShift
      }
      bounds[chunk] = found
      scratch.partialRescans += 1
      var total = 0
      for s in 0..<FrameTable.subchunksPerChunk { total += Int(subFree[subBase + s]) }
      setFree(chunk, total)
      return 1
    }

    var pfn = 0
    for dirtyChunk in scratch.dirtyList {
      let dirtyStart = dirtyChunk << FrameTable.chunkShift
      if dirtyStart + FrameTable.chunkSize <= pfn { continue }
      if pfn < dirtyStart { pfn = dirtyStart }
      while pfn < count {
        let chunk = pfn >> FrameTable.chunkShift
        let chunkStart = chunk << FrameTable.chunkShift
        if pfn == chunkStart && dirty[chunk] == 0 && scratch.group[chunk] == Int32(chunk) { break }
        if pfn == chunkStart && frames.isPristine(chunk: chunk) {
          // Free device frames never handed out (scanFrames says why nothing there can be wrong).
          setFree(chunk, 0)
          scratch.group[chunk] = Int32(chunk)
          scratch.span[chunk] = 1
          bounds[chunk] = 0
          pfn = chunkStart + FrameTable.chunkSize
          continue
        }
        if pfn == chunkStart && partialRescans && dirty[chunk] != 0 && subDirty[chunk] != FrameTable.allSubchunks && bounds[chunk] != 0
          && scratch.group[chunk] == Int32(chunk) && scratch.span[chunk] == 1 && chunkStart + FrameTable.chunkSize <= count
        {
          let done = rescanSubchunks(chunk)
          if done < 0 { return false }
          if done > 0 {
            pfn = chunkStart + FrameTable.chunkSize
            continue
          }
        }
        let chunkEnd = min(chunkStart + FrameTable.chunkSize, count)
        var chunkFree = 0
        let enteredAtStart = pfn == chunkStart
        // No entry names a frame of the chunk (its sum of the ledger's counts is zero, and no
        // count is negative): its PTE and leaf counts are not read (cold host pages, mostly).
        let refsHere = scratch.chunkRefs[chunk] != 0
        // Where blocks start by sub-chunk, and their free frames, for later partial rescans.
        let subBase = chunk << FrameTable.subchunksPerChunkShift
        var found: FrameTable.SubchunkMask = 0
        if enteredAtStart { (subFree + subBase).update(repeating: 0, count: FrameTable.subchunksPerChunk) }
        while pfn < chunkEnd {
          if pfn & (FrameTable.subchunkSize - 1) == 0 { found |= 1 << FrameTable.SubchunkMask(truncatingIfNeeded: (pfn - chunkStart) >> subchunkShift) }
          let before = pfn
          var freed = 0
          guard checkBlock(&pfn, &freed, refsHere) else { return false }
          if freed != 0 {
            chunkFree += freed
            if enteredAtStart { subFree[before >> subchunkShift] += Int32(freed) }
          }
        }
        let whole = enteredAtStart && (pfn & (FrameTable.chunkSize - 1) == 0 || pfn >= count)
        let groupEnd = min((pfn + FrameTable.chunkSize - 1) >> FrameTable.chunkShift, chunkCount)
        setFree(chunk, chunkFree)
        scratch.group[chunk] = whole ? Int32(chunk) : -1
        scratch.span[chunk] = Int32(groupEnd - chunk)
        bounds[chunk] = whole && groupEnd - chunk == 1 && chunkEnd == chunkStart + FrameTable.chunkSize ? found : 0
        if !whole { scratch.unsettled.append(chunk) }
        for covered in (chunk + 1)..<max(chunk + 1, groupEnd) {
          scratch.group[covered] = whole ? Int32(chunk) : -1
          bounds[covered] = 0
          setFree(covered, 0)
          if !whole { scratch.unsettled.append(covered) }
        }
      }
    }
    return scratch.freeTotal == memory.freeFrameCount
  }
}

/// One check's updates of the ledger (MemorySystem+IncrementalInvariants.swift): the differences
/// of changed nodes, and the chunks they make dirty.
struct InvariantLedgerUpdate {
  let scratch: InvariantScratch
  let memory: PhysicalMemory
  let frameCount: Int
  let chunkCount: Int
  let dirty: UnsafeMutablePointer<UInt8>
  /// An entry names a frame beyond physical memory, or another problem was met.
  var failed = false

  init(scratch: InvariantScratch, memory: PhysicalMemory) {
    self.scratch = scratch
    self.memory = memory
    frameCount = scratch.frameCount
    chunkCount = scratch.chunkCount
    dirty = scratch.touched
  }

  /// Makes chunk `chunk` dirty (scanned by this check), all of it.
  @inline(__always)
  func mark(_ chunk: Int) {
    guard chunk < chunkCount else { return }
    scratch.subDirty[chunk] = FrameTable.allSubchunks
    guard dirty[chunk] == 0 else { return }
    dirty[chunk] = 1
    scratch.dirtyList.append(chunk)
  }

  /// Makes the sub-chunks `mask` of chunk `chunk` dirty (InvariantScratch's `subDirty`).
  @inline(__always)
  func markSubchunks(_ chunk: Int, _ mask: FrameTable.SubchunkMask) {
    guard chunk < chunkCount, mask != 0 else { return }
    scratch.subDirty[chunk] |= mask
    guard dirty[chunk] == 0 else { return }
    dirty[chunk] = 1
    scratch.dirtyList.append(chunk)
  }

  /// Makes the sub-chunk of frame `pfn` dirty.
  @inline(__always)
  func markFrame(_ pfn: Int) {
    markSubchunks(pfn >> FrameTable.chunkShift, 1 << FrameTable.SubchunkMask(truncatingIfNeeded: (pfn >> FrameTable.subchunkShift) & (FrameTable.subchunksPerChunk - 1)))
  }

  /// Adds `sign` (1 or -1) to the count of `refs` for frame `pfn`.
  @inline(__always)
  private mutating func refer(_ refs: UnsafeMutablePointer<Int32>, _ pfn: PFN, _ sign: Int32, migration: Bool = false) {
    let index = Int(truncatingIfNeeded: pfn.rawValue)
    guard pfn.rawValue < UInt64(frameCount) else {
      if sign > 0 {
        // Beyond physical memory: the full check says where.
        failed = true
        scratch.ledgerConsistent = false
      }
      return
    }
    refs[index] += sign
    scratch.chunkRefs[index >> FrameTable.chunkShift] += sign
    markFrame(index)
    if migration {
      scratch.migrationTotal += Int(sign)
      // The folio the reference is counted at, as the frames say now.
      let head = Int(memory.frames[index].head)
      if head < frameCount { markFrame(head) }
    }
  }

  /// ``refer(_:_:_:migration:)`` with `sign` (1 or -1) for each frame of `start..<start + n`
  /// (inside physical memory), in one pass: each chunk's sum and its sub-chunks' marks once.
  @inline(__always)
  private mutating func referRun(_ refs: UnsafeMutablePointer<Int32>, _ start: Int, _ n: Int, sign: Int32) {
    for k in start..<(start + n) { refs[k] += sign }
    let end = start + n
    var pfn = start
    while pfn < end {
      let chunk = pfn >> FrameTable.chunkShift
      let chunkEnd = min((chunk + 1) << FrameTable.chunkShift, end)
      scratch.chunkRefs[chunk] += sign * Int32(chunkEnd - pfn)
      var mask: FrameTable.SubchunkMask = 0
      for sub in (pfn >> FrameTable.subchunkShift)...((chunkEnd - 1) >> FrameTable.subchunkShift) {
        mask |= 1 << FrameTable.SubchunkMask(truncatingIfNeeded: sub & (FrameTable.subchunksPerChunk - 1))
      }
      markSubchunks(chunk, mask)
      pfn = chunkEnd
    }
  }

  /// For ``diff(_:_:_:_:_:_:)`` of a PTE node, at entry `i` (which differs from the copy, one of
  /// the two empty): the length of the run from `i` to before `end` where the copy is empty and
  /// the node maps consecutive frames with present entries (or the other way round: unmapped),
  /// when the run's frames lie in physical memory and, for a mapping, the node's span lies in
  /// one VMA (no entry of the run can then lie outside every VMA); nil otherwise (the entries
  /// are then gone through one by one).
  @inline(__always)
  private func presentRun(_ copy: UnsafeMutablePointer<PageTableEntry>, _ now: UnsafePointer<PageTableEntry>, _ i: Int, _ end: Int,
                          _ placement: inout NodePlacement, _ table: PageTable, _ vmas: [VMA]) -> Int? {
    let mapping = copy[i].isNone
    let entries = mapping ? now : UnsafePointer(copy)
    let others = mapping ? UnsafePointer(copy) : now
    let entry = entries[i]
    guard entry.isPresent else { return nil }
    if mapping {
      placement.locate(table, vmas)
      guard placement.inside else { return nil }
    }
    let first = entry.pfn.rawValue
    var n = 1
    while i + n < end {
      let next = entries[i + n]
      guard others[i + n].isNone, next.isPresent, next.pfn.rawValue == first &+ UInt64(n) else { break }
      n += 1
    }
    guard first < UInt64(frameCount) && first + UInt64(n) <= UInt64(frameCount) else { return nil }
    return n
  }

  /// Counts (`sign` 1) or uncounts (-1) one entry of a node at level `code` (raw value + 1),
  /// as the full check's walk would count it.
  @inline(__always)
  private mutating func account(_ entry: PageTableEntry, _ code: UInt8, _ sign: Int32, _ record: InvariantTableRecord) {
    guard !entry.isNone else { return }
    switch code {
    case 1:
      if Self.isMigration(entry) {
        refer(scratch.migrationRefs, entry.pfn, sign, migration: true)
      } else if Self.mapsFrame(entry) {
        refer(scratch.pteRefs, entry.pfn, sign)
      }
    case 2, 3:
      if entry.isHuge || entry.isSwap || entry.isProtNone {
        if Self.isMigration(entry) {
          refer(scratch.migrationRefs, entry.pfn, sign, migration: true)
        } else if Self.mapsFrame(entry) {
          refer(scratch.leafRefs, entry.pfn, sign)
        }
      } else {
        record.pointers += Int(sign)
      }
    default:
      record.pointers += Int(sign)
    }
  }

  /// How ``account(_:_:_:_:)`` counts `entry` in a node at level `code`: which count (0 none,
  /// 1 a PTE mapping, 2 a leaf mapping, 3 a migration entry, 4 a table pointer, 5 an entry that
  /// counts nothing but must lie in a VMA) and the frame it names.
  @inline(__always)
  private static func counted(_ entry: PageTableEntry, _ code: UInt8) -> UInt64 {
    guard !entry.isNone else { return 0 }
    let frame = entry.pfn.rawValue << 3
    switch code {
    case 1:
      if Self.isMigration(entry) { return frame | 3 }
      return Self.mapsFrame(entry) ? frame | 1 : 5
    case 2, 3:
      guard entry.isHuge || entry.isSwap || entry.isProtNone else { return 4 }
      if Self.isMigration(entry) { return frame | 3 }
      return Self.mapsFrame(entry) ? frame | 2 : 5
    default:
      return 4
    }
  }

  /// ``PageTableEntry/isMigration`` from the raw bits, always inlined (the out-of-line getter
  /// was a call for every entry the ledger counts): P clear and the migration swap type.
  @inline(__always)
  static func isMigration(_ entry: PageTableEntry) -> Bool {
    let raw = entry.rawValue
    return raw & PageTableEntry.presentBit == 0
      && raw & PageTableEntry.swapTypeMask == UInt64(SwapEntryType.migration.rawValue) << PageTableEntry.swapTypeShift
  }

  /// Whether ``PageTableEntry/mappedFrame`` is not nil, from the raw bits, always inlined: P set;
  /// or, with no swap type, `_PAGE_PROTNONE`; or a device-private or device-exclusive entry.
  @inline(__always)
  static func mapsFrame(_ entry: PageTableEntry) -> Bool {
    let raw = entry.rawValue
    if raw & PageTableEntry.presentBit != 0 { return true }
    let type = (raw & PageTableEntry.swapTypeMask) >> PageTableEntry.swapTypeShift
    if type == 0 { return raw & PageTableEntry.protNoneBit != 0 }
    return type == UInt64(SwapEntryType.devicePrivate.rawValue) || type == UInt64(SwapEntryType.deviceExclusive.rawValue)
  }

  /// Whether the walk descends through `entry`, in a node at `level`.
  @inline(__always)
  private static func descends(_ entry: PageTableEntry, _ level: PageTableLevel) -> Bool {
    guard !entry.isNone else { return false }
    return level == .pgd || !(entry.isHuge || entry.isSwap || entry.isProtNone)
  }

  /// Uncounts every entry of the node's copy and forgets the node.
  private mutating func untrack(_ record: InvariantTableRecord, _ node: Int) {
    let code = record.level[node]
    let copy = record.mirror + (node << 9)
    for i in 0..<512 where !copy[i].isNone {
      account(copy[i], code, -1, record)
      copy[i] = .none
    }
    record.used[node] = 0
    record.level[node] = 0
    unmarkFrame(record, node)
  }

  private func unmarkFrame(_ record: InvariantTableRecord, _ node: Int) {
    let frame = record.frame[node]
    guard frame != UInt32.max else { return }
    let index = Int(frame)
    scratch.tableClaims[index] -= 1
    if scratch.tableClaims[index] == 0 { scratch.tableNodeAt[index] = 0 }
    scratch.chunkTables[index >> FrameTable.chunkShift] -= 1
    record.frame[node] = UInt32.max
  }

  /// Brings `record` up to its index: the slots that changed are uncounted and counted.
  mutating func update(_ record: InvariantFileRecord) {
    let index = record.index
    let empty = PageCacheIndex.empty
    for (key, chunk) in index.chunks {
      if record.copy[key] == nil { record.copy[key] = [UInt64](repeating: empty, count: PageCacheIndex.chunkSize) }
      // In place (the copy is referenced by the record alone: no copy of it), runs of 16 equal
      // slots skipped with one comparison, the others slot by slot in order as before.
      record.copy[key]!.withUnsafeMutableBufferPointer { slots in
        var run = 0
        while run < PageCacheIndex.chunkSize {
          var differs: UInt64 = 0
          for k in run..<(run + 16) { differs |= slots[k] ^ chunk[k] }
          if differs != 0 {
            for slot in run..<(run + 16) where slots[slot] != chunk[slot] {
              cache(slots[slot], -1)
              cache(chunk[slot], 1)
              slots[slot] = chunk[slot]
            }
          }
          run += 16
        }
      }
    }
    if record.copy.count != index.chunks.count {
      for (key, slots) in record.copy where index.chunks[key] == nil {
        for raw in slots { cache(raw, -1) }
        record.copy[key] = nil
      }
    }
    record.generation = index.generation
  }

  /// Counts (`sign` 1) or uncounts a page-cache slot's frame.
  private mutating func cache(_ raw: UInt64, _ sign: Int32) {
    guard raw != PageCacheIndex.empty else { return }
    guard raw < UInt64(frameCount) else {
      if sign > 0 {
        failed = true
        scratch.ledgerConsistent = false
      }
      return
    }
    scratch.cacheRefs[Int(raw)] += sign
    markFrame(Int(raw))
  }

  /// Forgets a page cache that is gone.
  mutating func forget(_ record: InvariantFileRecord) {
    for slots in record.copy.values {
      for raw in slots { cache(raw, -1) }
    }
    record.copy = [:]
  }

  /// Forgets a table that is gone: its entries count no more.
  mutating func forget(_ record: InvariantTableRecord) {
    for node in 0..<record.level.count where record.level[node] != 0 { untrack(record, node) }
  }

  /// Brings `record` up to `space`'s table and VMAs; false when the full check must look.
  mutating func update(_ record: InvariantTableRecord, _ space: AddressSpace) -> Bool {
    let table = space.pageTable
    let vmas = space.vmas
    let vmasChanged = record.vmas != vmas
    if vmasChanged {
      // Sorted, non-empty and apart (what the full check's walk and gap search assume).
      var end = VirtualAddress(0)
      for vma in vmas {
        guard vma.start < vma.end, vma.start >= end else { return false }
        end = vma.end
      }
    }
    if record.generation != table.generation {
      guard updateNodes(record, table, vmas) else { return false }
    }
    if vmasChanged {
      guard Self.uncoveredRangesAreEmpty(table, from: record.vmas, to: vmas) else { return false }
    }
    record.generation = table.generation
    record.vmas = vmas
    return !failed
  }

  /// The addresses the old VMAs covered and the new do not hold no entry, and no new VMA
  /// boundary cuts a huge leaf.
  private static func uncoveredRangesAreEmpty(_ table: PageTable, from old: [VMA], to new: [VMA]) -> Bool {
    var j = 0
    for vma in old {
      var cursor = vma.start
      while cursor < vma.end {
        while j < new.count && new[j].end <= cursor { j += 1 }
        if j == new.count || new[j].start >= vma.end {
          if MemorySystem.entryOutside(table, cursor, vma.end) != nil { return false }
          break
        }
        if new[j].start > cursor, MemorySystem.entryOutside(table, cursor, new[j].start) != nil { return false }
        cursor = new[j].end
      }
    }
    func isOldBoundary(_ address: VirtualAddress) -> Bool {
      var low = 0
      var high = old.count
      while low < high {
        let mid = (low + high) / 2
        if old[mid].end < address { low = mid + 1 } else { high = mid }
      }
      return low < old.count && (old[low].end == address || old[low].start == address)
        || low + 1 < old.count && old[low + 1].start == address
    }
    for vma in new {
      for boundary in [vma.start, vma.end] where !isOldBoundary(boundary) {
        let (entry, level, _) = table.lookup(boundary)
        if level != .pte && !entry.isNone && boundary.rawValue & (level.entrySpan - 1) != 0 { return false }
      }
    }
    return true
  }

  /// The virtual address node `node` starts at, from its parent slots (nil when they do not
  /// lead to the root).
  fileprivate static func base(of node: Int, _ table: PageTable) -> UInt64? {
    var address: UInt64 = 0
    var current = node
    for _ in 0..<4 {
      if current == table.root { return address }
      let slot = table.nodeParentSlot[current]
      guard slot >= 0 && slot < table.nodeLevel.count << 9 else { return nil }
      let parent = slot >> 9
      address += UInt64(slot & 511) << table.nodeLevel[parent].shift
      current = parent
    }
    return current == table.root ? address : nil
  }

  /// Where a node's entries lie, for the rule that each non-empty entry lies inside one VMA: the
  /// node's base address and whether its whole span lies inside one VMA (then so does every
  /// entry of it, with no search per entry), worked out at the first entry that needs them.
  struct NodePlacement {
    let node: Int
    /// The shift of the node's level (the size of one entry's span).
    let shift: UInt64
    /// The node's base address; nil before ``locate(_:_:)`` or when the node is not linked.
    var base: UInt64?
    /// Whether the node's whole span lies inside one VMA.
    var inside = false
    /// The VMA index ``insideOneVMA(_:_:_:_:)`` searches from (-1: not found yet).
    var vma = -1

    init(node: Int, shift: UInt64) {
      self.node = node
      self.shift = shift
    }

    /// Works out the base and ``inside`` once.
    @inline(__always)
    mutating func locate(_ table: PageTable, _ vmas: [VMA]) {
      guard base == nil, let found = InvariantLedgerUpdate.base(of: node, table) else { return }
      base = found
      inside = InvariantLedgerUpdate.insideOneVMA(found, found + (512 << shift), &vma, vmas)
    }

    /// Whether entry `i` of the node lies inside one VMA (false when the node is not linked).
    @inline(__always)
    mutating func entryInsideOneVMA(_ i: Int, _ table: PageTable, _ vmas: [VMA]) -> Bool {
      locate(table, vmas)
      guard let base else { return false }
      if inside { return true }
      let start = base + UInt64(i) << shift
      return InvariantLedgerUpdate.insideOneVMA(start, start + (1 << shift), &vma, vmas)
    }
  }

  /// Applies the difference between node `node`'s copy and its entries now (a node not
  /// recorded has an empty copy); false when a changed entry lies outside every VMA.
  private mutating func diff(_ record: InvariantTableRecord, _ node: Int, _ code: UInt8,
                             _ entries: UnsafePointer<PageTableEntry>, _ table: PageTable, _ vmas: [VMA]) -> Bool {
    let copy = record.mirror + (node << 9)
    let now = entries + (node << 9)
    let level = PageTableLevel(rawValue: Int(code) - 1) ?? .pte
    var placement = NodePlacement(node: node, shift: level.shift)
    var used = record.used[node]
    // Most of a changed node is as the copy has it: runs of 16 equal entries are skipped with
    // one comparison of their raw words (the compiler vectorises it); only a run where some
    // entry differs goes through the loop below, entry by entry or by runs of PTEs mapped or
    // unmapped (the same counts and marks: sums and sets, whatever the order).
    var run = 0
    while run < 512 {
      var differs: UInt64 = 0
      for k in run..<(run + 16) { differs |= now[k].rawValue ^ copy[k].rawValue }
      if differs == 0 {
        run += 16
        continue
      }
      var i = run
      while i < run + 16 {
        let new = now[i]
        let old = copy[i]
        if new == old {
          i += 1
          continue
        }
        if code == 1 && old.isNone != new.isNone, let n = presentRun(copy, now, i, 512, &placement, table, vmas) {
          // A run of PTEs mapped (in a node whose span lies in one VMA) or unmapped at
          // consecutive frames: counted or uncounted in one pass, with the same counts and marks
          // as entry by entry (and nothing here can fail). The run may go on into the next
          // runs of 16: their entries it covers are then as the copy has them.
          let first = Int(truncatingIfNeeded: (new.isNone ? old : new).pfn.rawValue)
          copy.advanced(by: i).update(from: now + i, count: n)
          if new.isNone {
            referRun(scratch.pteRefs, first, n, sign: -1)
            used -= Int32(n)
          } else {
            referRun(scratch.pteRefs, first, n, sign: 1)
            used += Int32(n)
          }
          i += n
          continue
        }
        i += 1
        copy[i - 1] = new
        // The same frame counted the same way (only the A, D or W bits moved): nothing to count
        // again, and the entry was inside a VMA already.
        if Self.counted(old, code) == Self.counted(new, code) { continue }
        account(old, code, -1, record)
        account(new, code, 1, record)
        if old.isNone != new.isNone { used += new.isNone ? -1 : 1 }
        // Entries the full check's gap search would find must lie inside one VMA.
        guard !new.isNone, code == 1 || ((code == 2 || code == 3) && !Self.descends(new, level)) else { continue }
        guard placement.entryInsideOneVMA(i - 1, table, vmas) else { return false }
      }
      run += 16
    }
    record.used[node] = used
    return true
  }

  /// Whether `[start, end)` lies inside one VMA of `vmas` (sorted). `vma` is the index to search
  /// from (-1: not found yet, a binary search), moved on to the VMA that ends after `start`:
  /// a node's entries come in address order, so one search serves the whole node.
  @inline(__always)
  fileprivate static func insideOneVMA(_ start: UInt64, _ end: UInt64, _ vma: inout Int, _ vmas: [VMA]) -> Bool {
    if vma < 0 {
      var low = 0
      var high = vmas.count
      while low < high {
        let mid = (low + high) / 2
        if vmas[mid].end.rawValue <= start { low = mid + 1 } else { high = mid }
      }
      vma = low
    }
    while vma < vmas.count && vmas[vma].end.rawValue <= start { vma += 1 }
    return vma < vmas.count && vmas[vma].start.rawValue <= start && end <= vmas[vma].end.rawValue
  }

  /// ``diff(_:_:_:_:_:_:)`` for a node whose copy is empty (not recorded, or just untracked: a
  /// new table, a forked child's): every non-empty entry is new, so it is counted and copied
  /// without comparing it with the copy or uncounting an empty entry (the same counts, marks and
  /// VMA checks, in the same order).
  private mutating func count(_ record: InvariantTableRecord, _ node: Int, _ code: UInt8,
                              _ entries: UnsafePointer<PageTableEntry>, _ table: PageTable, _ vmas: [VMA]) -> Bool {
    let copy = record.mirror + (node << 9)
    let now = entries + (node << 9)
    let level = PageTableLevel(rawValue: Int(code) - 1) ?? .pte
    var placement = NodePlacement(node: node, shift: level.shift)
    var used = record.used[node]
    // The copy is empty: the node's runs of 16 entries that are not all empty copied first, one
    // run at a time (an empty run is as the copy has it: a new node is mostly empty), so a
    // failure below leaves the copy holding entries not counted: the caller marks the ledger
    // inconsistent. The runs found empty are passed over below.
    var empty: UInt32 = 0
    for run in 0..<32 {
      if PageTableEntry.emptyRunOf16(now + run << 4) {
        empty |= 1 << UInt32(run)
      } else {
        (copy + run << 4).update(from: now + run << 4, count: 16)
      }
    }
    if empty == UInt32.max {
      record.used[node] = used
      return true
    }
    if code == 1 {
      // PTEs: a run of present entries naming consecutive frames, in a node whose span lies in
      // one VMA, is counted in one pass (the same counts and marks as entry by entry).
      var i = 0
      while i < 512 {
        if i & 15 == 0 && empty & (1 << UInt32(i >> 4)) != 0 {
          i += 16
          continue
        }
        let new = now[i]
        if new.isNone {
          i += 1
          continue
        }
        placement.locate(table, vmas)
        if placement.inside && new.isPresent {
          let first = new.pfn.rawValue
          var n = 1
          while i + n < 512 {
            let next = now[i + n]
            guard next.isPresent, next.pfn.rawValue == first &+ UInt64(n) else { break }
            n += 1
          }
          if first < UInt64(frameCount) && first + UInt64(n) <= UInt64(frameCount) {
            referRun(scratch.pteRefs, Int(first), n, sign: 1)
            used += Int32(n)
            i += n
            continue
          }
        }
        account(new, code, 1, record)
        used += 1
        guard placement.entryInsideOneVMA(i, table, vmas) else { return false }
        i += 1
      }
      record.used[node] = used
      return true
    }
    var run = 0
    while run < 512 {
      if empty & (1 << UInt32(run >> 4)) != 0 {
        run += 16
        continue
      }
      for i in run..<(run + 16) {
        let new = now[i]
        if new.isNone { continue }
        account(new, code, 1, record)
        used += 1
        guard code == 1 || ((code == 2 || code == 3) && !Self.descends(new, level)) else { continue }
        guard placement.entryInsideOneVMA(i, table, vmas) else { return false }
      }
      run += 16
    }
    record.used[node] = used
    return true
  }

  /// The differences of every node of a table whose generation moved, and its structure.
  private mutating func updateNodes(_ record: InvariantTableRecord, _ table: PageTable, _ vmas: [VMA]) -> Bool {
    let nodes = table.nodeLevel.count
    record.reserve(nodes)
    if scratch.roles.count < nodes { scratch.roles += repeatElement(0, count: nodes - scratch.roles.count) }
    let roles = scratch.roles.withUnsafeMutableBufferPointer { $0.baseAddress! }
    for node in table.freeNodes where node >= 0 && node < nodes { roles[node] = 1 }
    for node in table.depositedTables.values where node >= 0 && node < nodes && roles[node] == 0 { roles[node] = 2 }
    defer {
      for node in table.freeNodes where node >= 0 && node < nodes { roles[node] = 0 }
      for node in table.depositedTables.values where node >= 0 && node < nodes { roles[node] = 0 }
    }
    let seen = record.generation
    let frames = memory.frames
    let frameCount = UInt64(self.frameCount)
    return table.entries.withUnsafeBufferPointer { buffer -> Bool in
      guard let entries = buffer.baseAddress else { return false }
      var linked = 0
      for node in 0..<nodes {
        let role = roles[node]
        if role == 1 {
          if record.level[node] != 0 { untrack(record, node) }
          continue
        }
        let level = table.nodeLevel[node]
        let code = UInt8(level.rawValue + 1)
        if record.level[node] != code {
          if record.level[node] != 0 { untrack(record, node) }
          record.level[node] = code
          guard count(record, node, code, entries, table, vmas) else {
            scratch.ledgerConsistent = false
            return false
          }
        } else if seen == UInt64.max || table.nodeGeneration[node] > seen {
          guard diff(record, node, code, entries, table, vmas) else { return false }
        }
        let frame = table.nodeFrame[node]
        guard frame.rawValue < frameCount else { return false }
        let index = Int(frame.rawValue)
        if record.frame[node] != UInt32(index) {
          unmarkFrame(record, node)
          scratch.tableClaims[index] += 1
          scratch.tableNodeAt[index] = Int32(node + 1)
          scratch.chunkTables[index >> FrameTable.chunkShift] += 1
          record.frame[node] = UInt32(index)
        }
        // What structuralProblems looks at, and that the walk reaches the node from its parent.
        guard record.used[node] == table.nodeUsed[node], frames[index].kind == .pageTable else { return false }
        if role == 2 {
          guard record.used[node] == 0 else { return false }
          continue
        }
        if node == table.root {
          guard level == .pgd else { return false }
          continue
        }
        let slot = table.nodeParentSlot[node]
        guard slot >= 0 && slot < buffer.count else { return false }
        let parent = slot >> 9
        let entry = buffer[slot]
        guard entry.pfn == frame, roles[parent] == 0, table.nodeLevel[parent].rawValue == level.rawValue + 1,
          Self.descends(entry, table.nodeLevel[parent]), frames[index].refCount == Int32(node)
        else { return false }
        linked += 1
      }
      return record.pointers == linked && !failed
    }
  }
}

