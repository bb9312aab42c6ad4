/// The incremental invariant check: the cost of what changed since the last check, not of what
/// is mapped.
///
/// What the full check computes for a chunk of ``FrameTable/chunkSize`` frames depends on the
/// chunk's descriptors, on the entries that map its frames, and on the side tables (whole-folio
/// map counts, GUP holds, page caches). The last incremental check found every chunk consistent;
/// this one scans again only the chunks where one of those inputs may differ:
/// - a descriptor of the chunk was written;
/// - an address space whose table or VMAs changed maps a different multiset of the chunk's
///   frames than it did (its old and new records are compared frame by frame), or an address
///   space that mapped some of them is gone;
/// - a whole-folio map count of a folio there changed, the page caches' list of folios changed
///   there, or a GUP caller holds a folio there (always looked at);
/// - the last scan did not cover the chunk in a group of whole chunks (``InvariantScratch/group``),
///   or another chunk of its group is dirty.
/// Only frames in those chunks are counted, from each address space's record (an unchanged table
/// is not walked). Anything wrong found on the way makes the caller run the full check, whose
/// messages name every problem exactly.
extension MemorySystem {
  /// The incremental check, or nil when the full check must run (no trustworthy last check is
  /// needed for that: the first incremental check scans everything).
  func checkInvariantsIncrementally() -> [InvariantViolation]? {
    let scratch = preparedInvariantScratch()
    let chunkCount = scratch.chunkCount
    let dirty = scratch.touched
    let frames = memory.frames
    // Only a clean incremental check recorded every address space: otherwise scan everything.
    let trusted = scratch.chunksValid
    if !trusted { dirty.update(repeating: 1, count: chunkCount) }
    func mark(_ pfn: UInt32) {
      let chunk = Int(pfn) >> FrameTable.chunkShift
      if chunk < chunkCount { dirty[chunk] = 1 }
    }

    var counter = MappingCounter(memory: memory, pteMaps: scratch.counts, entireMaps: scratch.entireCounts, otherRefs: scratch.otherRefs, touched: dirty)
    counter.counting = false
    counter.recording = true
    // The cache is updated in place (a failed check returns nil, and the full check that
    // follows empties it): each live address space's entry is stamped with this check.
    scratch.checks &+= 1
    let stamp = scratch.checks
    for space in addressSpaces {
      let table = space.pageTable
      if let index = invariantCache.index(forKey: space.pid) {
        let cached = invariantCache.values[index]
        if cached.generation == table.generation, cached.mapped.valid, cached.vmas == space.vmas {
          invariantCache.values[index].stamp = stamp
          continue
        }
      }
      counter.space = space.name
      counter.recorded = InvariantScratch.MappedFrames()
      // Nodes unchanged since the last walk of this table are taken from its cache.
      let tables = invariantCache[space.pid]?.tables.flatMap { $0.table === table ? $0 : nil } ?? InvariantTableCache(table: table)
      counter.tableCache = tables
      for vma in space.vmas { table.walk(vma.start, vma.end, &counter) }
      counter.tableCache = nil
      guard counter.problems.isEmpty, counter.recorded.valid else { return nil }
      let problems = Self.spaceProblems(space, cache: tables)
      guard problems.isEmpty else { return nil }
      var mapped = counter.recorded
      mapped.groupByChunk(chunkCount: chunkCount)
      if trusted { markChanges(from: invariantCache[space.pid]?.mapped, to: mapped, scratch) }
      invariantCache[space.pid] = InvariantScratch.SpaceCheck(generation: table.generation, vmas: space.vmas, mapped: mapped, problems: [],
                                                              stamp: stamp, tables: tables)
    }
    if invariantCache.contains(where: { $0.value.stamp != stamp }) {
      // Address spaces gone since: the frames they mapped are counted no more.
      for (_, old) in invariantCache where old.stamp != stamp && trusted {
        for pfn in old.mapped.pte { mark(pfn) }
        for pfn in old.mapped.entire { mark(pfn) }
        for pfn in old.mapped.migration { mark(pfn) }
      }
      invariantCache = invariantCache.filter { $0.value.stamp == stamp }
    }
    if trusted {
      // Whole-folio map counts changed alone (no descriptor written).
      let entire = memory.entireMapCounts
      if entire != scratch.lastEntireMapCounts {
        for (head, count) in entire where scratch.lastEntireMapCounts[head] != count { mark(head) }
        for (head, count) in scratch.lastEntireMapCounts where entire[head] != count { mark(head) }
      }
    }
    for head in gupHolds.keys { mark(head) }
    // The page caches' folios, compared with the last check's list: where it changed, both the
    // old and the new folios' chunks are dirty (a list in another order counts as changed).
    var pageCacheHeads: [UInt32] = []
    swap(&pageCacheHeads, &scratch.spareHeads)
    pageCacheHeads.removeAll(keepingCapacity: true)
    // The same indexes at the same generations, and no descriptor of a cached frame's chunk
    // written: the list is the last one (a frame's head is read from its own descriptor).
    var indexes: [UInt64] = []
    swap(&indexes, &scratch.spareIndexes)
    indexes.removeAll(keepingCapacity: true)
    for file in files.values { indexes.append(file.pageCache.generation) }
    let sameIndexes = trusted && indexes == scratch.lastPageCacheIndexes
    if sameIndexes && !scratch.lastPageCacheChunks.contains(where: { frames.wasWritten(chunk: $0) }) {
      pageCacheHeads.append(contentsOf: scratch.lastPageCacheHeads)
    } else if sameIndexes {
      // The same frames are cached (in the same order); only which of them are heads may differ.
      for pfn in scratch.lastPageCacheFrames where memory.folioHead(of: PFN(UInt64(pfn))) == PFN(UInt64(pfn)) { pageCacheHeads.append(pfn) }
    } else {
      var chunks: [Int] = []
      swap(&chunks, &scratch.lastPageCacheChunks)
      chunks.removeAll(keepingCapacity: true)
      scratch.lastPageCacheFrames.removeAll(keepingCapacity: true)
      for file in files.values {
        for pfn in file.pageCache.values {
          chunks.append(pfn.index >> FrameTable.chunkShift)
          scratch.lastPageCacheFrames.append(UInt32(truncatingIfNeeded: pfn.rawValue))
          if memory.folioHead(of: pfn) == pfn { pageCacheHeads.append(UInt32(truncatingIfNeeded: pfn.rawValue)) }
        }
      }
      chunks.sort()
      var unique = 0
      for i in chunks.indices where unique == 0 || chunks[unique - 1] != chunks[i] {
        chunks[unique] = chunks[i]
        unique += 1
      }
      chunks.removeLast(chunks.count - unique)
      swap(&chunks, &scratch.lastPageCacheChunks)
    }
    swap(&indexes, &scratch.lastPageCacheIndexes)
    swap(&indexes, &scratch.spareIndexes)
    if !trusted || pageCacheHeads != scratch.lastPageCacheHeads {
      for head in scratch.lastPageCacheHeads { mark(head) }
      for head in pageCacheHeads { mark(head) }
    }
    // Chunks the last scan did not cover whole, or where a descriptor was written, are dirty; a
    // group of chunks is scanned whole or skipped whole: one dirty chunk makes all dirty. One
    // pass over the chunks, through the arrays' buffers.
    var dirtyChunks: [Int] = []
    swap(&dirtyChunks, &scratch.spareChunks)
    dirtyChunks.removeAll(keepingCapacity: true)
    scratch.group.withUnsafeBufferPointer { group in
      scratch.span.withUnsafeBufferPointer { span in
        var chunk = 0
        while chunk < chunkCount {
          let size = group[chunk] == Int32(chunk) ? max(1, Int(span[chunk])) : 1
          let end = min(chunk + size, chunkCount)
          var any: UInt8 = 0
          for c in chunk..<end {
            if group[c] < 0 || frames.wasWritten(chunk: c) { dirty[c] = 1 }
            any |= dirty[c]
          }
          if any != 0 {
            if size > 1 { (dirty + chunk).update(repeating: 1, count: end - chunk) }
            for c in chunk..<end where dirty[c] != 0 { dirtyChunks.append(c) }
          }
          chunk = end
        }
      }
    }
    for space in addressSpaces {
      guard let check = invariantCache[space.pid] else { continue }
      if !counter.replay(check.mapped, dirtyChunks: dirtyChunks, dirty: dirty, chunkCount: chunkCount) {
        // A frame an entry maps is no longer mappable: empty the counters, check in full.
        scratch.counts.update(repeating: 0, count: scratch.frameCount)
        scratch.entireCounts.update(repeating: 0, count: scratch.frameCount)
        scratch.otherRefs.update(repeating: 0, count: scratch.frameCount)
        dirty.update(repeating: 0, count: chunkCount)
        scratch.chunksValid = false
        invariantCache = [:]
        return nil
      }
    }
    for head in pageCacheHeads where dirty[Int(head) >> FrameTable.chunkShift] != 0 { counter.addOtherRef(Int(head)) }
    var violations: [InvariantViolation] = []
    scanFrames(&counter, scratch, skip: { dirty[$0] == 0 }, into: &violations)
    swap(&dirtyChunks, &scratch.spareChunks)
    swap(&scratch.lastPageCacheHeads, &pageCacheHeads)
    swap(&pageCacheHeads, &scratch.spareHeads)
    scratch.lastEntireMapCounts = memory.entireMapCounts
    scratch.chunksValid = violations.isEmpty
    dirty.update(repeating: 0, count: chunkCount)
    frames.clearWritten()
    return violations
  }

  /// Marks the chunks where `new` maps a different multiset of frames than `old` did (`old`
  /// nil: an address space the last check did not see). The per-frame counters serve as the
  /// difference and are empty again afterwards.
  private func markChanges(from old: InvariantScratch.MappedFrames?, to new: InvariantScratch.MappedFrames, _ scratch: InvariantScratch) {
    let dirty = scratch.touched
    let chunkCount = scratch.chunkCount
    let frameCount = scratch.frameCount
    func mark(_ pfn: UInt32) {
      let chunk = Int(pfn) >> FrameTable.chunkShift
      if chunk < chunkCount { dirty[chunk] = 1 }
    }
    func difference(_ before: [UInt32], _ after: [UInt32], _ delta: UnsafeMutablePointer<Int32>) {
      for pfn in before where Int(pfn) < frameCount { delta[Int(pfn)] -= 1 }
      for pfn in after { delta[Int(pfn)] += 1 }
      for pfn in before where Int(pfn) < frameCount {
        if delta[Int(pfn)] != 0 { mark(pfn) }
        delta[Int(pfn)] = 0
      }
      for pfn in after {
        if delta[Int(pfn)] != 0 { mark(pfn) }
        delta[Int(pfn)] = 0
      }
      for pfn in before where Int(pfn) >= frameCount { mark(pfn) }
    }
    difference(old?.pte ?? [], new.pte, scratch.counts)
    difference(old?.entire ?? [], new.entire, scratch.entireCounts)
    for pfn in old?.migration ?? [] { mark(pfn) }
    for pfn in new.migration { mark(pfn) }
  }
}

