#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-frame counters the invariant check fills and empties again, kept between checks in a
/// lazily backed host mapping: a check costs what is mapped and allocated, not one fresh
/// 4-byte counter for every simulated frame (which made every step of a 256 GiB machine cost a
/// 256 MiB allocation).
final class InvariantScratch {
  /// The counters, all zero between checks: PTEs mapping each frame.
  let counts: UnsafeMutablePointer<Int32>
  /// PMD/PUD entries mapping each folio, by head (zero between checks).
  let entireCounts: UnsafeMutablePointer<Int32>
  /// Page-cache and migration-entry references of each folio, by head (zero between checks).
  let otherRefs: UnsafeMutablePointer<Int32>
  /// The ledger (InvariantTableRecord.swift, MemorySystem+IncrementalInvariants.swift): what
  /// every page-table entry of every recorded table names, kept across checks and updated by
  /// the difference of each changed node. PTE-level entries mapping each frame (migration
  /// entries apart, the zero page included).
  let pteRefs: UnsafeMutablePointer<Int32>
  /// PMD/PUD leaves mapping each frame (by the frame the leaf names).
  let leafRefs: UnsafeMutablePointer<Int32>
  /// Migration entries (any level) naming each frame.
  let migrationRefs: UnsafeMutablePointer<Int32>
  /// Per frame: 1 + the node index of the recorded table node it backs last marked, or 0; and
  /// how many recorded nodes it backs (one, or a later check finds the table frames wrong).
  let tableNodeAt: UnsafeMutablePointer<Int32>
  let tableClaims: UnsafeMutablePointer<Int32>
  /// Per frame: the page-cache slots (of every file) that hold it.
  let cacheRefs: UnsafeMutablePointer<Int32>
  /// The recorded page caches, in the order of the files at the last check.
  @exclusivity(unchecked) var fileRecords: [InvariantFileRecord] = []
  /// Per chunk: the sum of the three reference counts over its frames, and its table frames.
  let chunkRefs: UnsafeMutablePointer<Int32>
  let chunkTables: UnsafeMutablePointer<Int32>
  private let chunkCapacityCount: Int
  /// Whether the ledger matches the recorded tables and the last check found everything
  /// consistent (false: the next incremental check starts the ledger again).
  @exclusivity(unchecked) var ledgerValid = false
  /// Incremental checks that handed over to the full check (for tests: a clean run has none
  /// after its first).
  @exclusivity(unchecked) var fallbacks = 0
  /// Whether the ledger's counts are exactly what the records hold (false once an entry named
  /// a frame beyond physical memory: a reset then drops the pages instead of uncounting).
  @exclusivity(unchecked) var ledgerConsistent = true
  /// False once a full check found a violation: its per-frame counters may not all be empty.
  @exclusivity(unchecked) var countersEmpty = true
  /// Whether the ledger may hold anything (a table was recorded since the last reset).
  @exclusivity(unchecked) var ledgerTouched = false
  /// The recorded tables, in the order of the address spaces at the last check.
  @exclusivity(unchecked) var records: [InvariantTableRecord] = []
  /// Chunks the last scan did not cover as part of a whole group (`group` is -1): scanned at
  /// every check.
  @exclusivity(unchecked) var unsettled: [Int] = []
  /// The chunks this check scans (each once; `touched` marks them).
  @exclusivity(unchecked) var dirtyList: [Int] = []
  /// The free frames of every group, as the scans found them (the sum of `free`).
  @exclusivity(unchecked) var freeTotal = 0
  /// Node roles of the table being updated (scratch: 0 in the tree, 1 free, 2 deposited).
  @exclusivity(unchecked) var roles: [UInt8] = []

  /// Frames covered (grows with device memory, up to `capacity`: ``grow(to:)``).
  private(set) var frameCount: Int
  /// Frames the counters have room for (host address space only: backed where written).
  let capacity: Int

  /// Per chunk of ``FrameTable/chunkSize`` frames: 1 when this check scans it (the incremental
  /// check's set of chunks whose inputs may have changed), 0 between checks.
  let touched: UnsafeMutablePointer<UInt8>
  /// What the last scan found, by chunk:
  /// - `group`: the first chunk of the group the chunk belongs to: the chunks one stretch of the
  ///   scan covered from the first one's start to a later chunk's start (one chunk, or the two
  ///   of an order-10 free block, the 512 of a 1G folio); -1 when the scan did not cover the
  ///   chunk that way (it is always scanned);
  /// - `span`: for a group's first chunk, the group's chunks;
  /// - `free`: for a group's first chunk, the frames of free buddy blocks in the group.
  @exclusivity(unchecked) var group: [Int32]
  @exclusivity(unchecked) var span: [Int32]
  @exclusivity(unchecked) var free: [Int32]
  /// Chunks covered.
  private(set) var chunkCount: Int
  /// Whether the last check was incremental and found nothing wrong: only then did it record
  /// every address space, and may the next skip chunks.
  @exclusivity(unchecked) var chunksValid = false

  /// Sub-chunks (``FrameTable/subchunkSize`` frames) inside chunks, for partial rescans
  /// (MemorySystem+IncrementalInvariants.swift):
  /// - `subDirty`: per chunk, one bit per sub-chunk this check must look at again (a frame's
  ///   count changed there, or a descriptor was written); all set when the whole chunk must be
  ///   scanned (0 between checks);
  /// - `bounds`: per chunk whose last scan covered it as a group of its own (`group` is the
  ///   chunk, `span` 1), one bit per sub-chunk whose first frame that scan reached as the start
  ///   of a block (bit 0 always); 0 when not known (the chunk is then scanned whole);
  /// - `subFree`: per sub-chunk of a chunk whose `bounds` are known, the frames of the free
  ///   buddy blocks starting in it (their sum is the chunk's `free`); not read otherwise.
  let subDirty: UnsafeMutablePointer<FrameTable.SubchunkMask>
  let bounds: UnsafeMutablePointer<FrameTable.SubchunkMask>
  let subFree: UnsafeMutablePointer<Int32>
  /// Migration entries the ledger counts (partial rescans only while there are none: their
  /// references are counted at folio heads for whole chunks).
  @exclusivity(unchecked) var migrationTotal = 0
  /// Chunks rescanned in part so far (for tests).
  @exclusivity(unchecked) var partialRescans = 0

  /// Scratch for `frameCount` frames, with room for the device memory of
  /// ``FrameTable/deviceReserve`` more: adding device memory grows the scratch
  /// (``grow(to:)``), which keeps what the last check found.
  init(frameCount: Int) {
    self.frameCount = frameCount
    capacity = frameCount + FrameTable.deviceReserve
    let chunks = (frameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    let chunkCapacity = (capacity + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    chunkCount = chunks
    // Host buffers of a dropped scratch of this capacity, all zero, if the pool keeps one.
    let buffers = InvariantScratchPool.shared.take(capacity: capacity) ?? InvariantScratchPool.Buffers(capacity: capacity, chunks: chunkCapacity)
    touched = buffers.touched
    free = Array(repeating: 0, count: chunks)
    group = Array(repeating: -1, count: chunks)
    span = Array(repeating: 1, count: chunks)
    counts = buffers.counters[0]
    entireCounts = buffers.counters[1]
    otherRefs = buffers.counters[2]
    pteRefs = buffers.counters[3]
    leafRefs = buffers.counters[4]
    migrationRefs = buffers.counters[5]
    tableNodeAt = buffers.counters[6]
    tableClaims = buffers.counters[7]
    cacheRefs = buffers.counters[8]
    chunkRefs = buffers.chunkCounters[0]
    chunkTables = buffers.chunkCounters[1]
    chunkCapacityCount = chunkCapacity
    unsettled = Array(0..<chunks)
    subDirty = .allocate(capacity: max(chunkCapacity, 1))
    subDirty.initialize(repeating: 0, count: chunks)
    bounds = .allocate(capacity: max(chunkCapacity, 1))
    bounds.initialize(repeating: 0, count: chunks)
    // Not read before a scan wrote it (see `subFree`).
    subFree = .allocate(capacity: max(chunkCapacity << FrameTable.subchunksPerChunkShift, 1))
  }

  /// Covers `frameCount` frames (more than now, at most `capacity`): the new chunks were never
  /// scanned (the next check scans them), the others keep what the last scan found.
  func grow(to frameCount: Int) {
    precondition(frameCount >= self.frameCount && frameCount <= capacity, "the invariant scratch only grows, within its capacity")
    self.frameCount = frameCount
    let chunks = (frameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    // The old last chunk may have been partial: scan it again.
    if chunkCount > 0 && chunks > chunkCount {
      group[chunkCount - 1] = -1
      bounds[chunkCount - 1] = 0
    }
    let added = chunks - chunkCount
    if added > 0 {
      (subDirty + chunkCount).initialize(repeating: 0, count: added)
      (bounds + chunkCount).initialize(repeating: 0, count: added)
    }
    free += repeatElement(0, count: added)
    group += repeatElement(-1, count: added)
    span += repeatElement(1, count: added)
    unsettled += (chunkCount..<chunks)
    if chunkCount > 0 && added > 0 { unsettled.append(chunkCount - 1) }
    chunkCount = chunks
  }

  /// The whole-folio map counts the last incremental check saw (a change there alone, with no
  /// descriptor written, must still make the check look at the folio).
  var lastEntireMapCounts: [UInt32: Int32] = [:]
  /// Heads whose `otherRefs` this check counted (emptied again after it).
  @exclusivity(unchecked) var countedHeads: [Int] = []
  /// Chunks written since the last check (from the frame table).
  @exclusivity(unchecked) var writtenChunks: [Int] = []
  /// Incremental checks so far (stamps the records each check met).
  @exclusivity(unchecked) var checks: UInt64 = 0
  /// Chunks the last incremental check scanned, and groups of chunks the last full check took
  /// from ``InvariantBaseline`` (for tests).
  @exclusivity(unchecked) var lastScannedChunks = 0
  @exclusivity(unchecked) var lastBaselineGroups = 0

  /// Empties the ledger: every count back to zero (the host pages are dropped), no table
  /// recorded, every chunk to be scanned.
  func resetLedger() {
    defer {
      writtenChunks.removeAll(keepingCapacity: true)
      for c in 0..<chunkCount {
        group[c] = -1
        free[c] = 0
      }
      bounds.update(repeating: 0, count: chunkCount)
      migrationTotal = 0
      unsettled = Array(0..<chunkCount)
      freeTotal = 0
      ledgerValid = true
    }
    guard ledgerTouched else { return }
    ledgerTouched = false
    if ledgerConsistent {
      // Cheaper than dropping the pages: uncount what the records hold.
      for record in records {
        record.uncountAll(self)
        record.release()
      }
      records = []
      for record in fileRecords { record.uncountAll(self) }
      fileRecords = []
      return
    }
    ledgerConsistent = true
    let bytes = max(capacity, 1) * MemoryLayout<Int32>.stride
    for array in [pteRefs, leafRefs, migrationRefs, tableNodeAt, tableClaims, cacheRefs] { madvise(UnsafeMutableRawPointer(array), bytes, MADV_DONTNEED) }
    let chunkBytes = max(chunkCapacityCount, 1) * MemoryLayout<Int32>.stride
    madvise(UnsafeMutableRawPointer(chunkRefs), chunkBytes, MADV_DONTNEED)
    madvise(UnsafeMutableRawPointer(chunkTables), chunkBytes, MADV_DONTNEED)
    for record in records { record.release() }
    records = []
    fileRecords = []
  }

  /// Zeroes the ledger's counts for the pool without uncounting the records entry by entry:
  /// while the ledger is consistent every count is a number of recorded entries (never
  /// negative), so a chunk whose ``chunkRefs`` sum is zero holds no PTE, leaf or migration
  /// count, and one whose ``chunkTables`` is zero no table claim or node mark (a node mark is
  /// only set with a claim and cleared with the last one). The page caches' copies are small
  /// and uncounted as before.
  private func zeroLedgerByChunk() {
    for c in 0..<chunkCount {
      let first = c << FrameTable.chunkShift
      let n = min(FrameTable.chunkSize, frameCount - first)
      guard n > 0 else { break }
      if chunkRefs[c] != 0 {
        (pteRefs + first).update(repeating: 0, count: n)
        (leafRefs + first).update(repeating: 0, count: n)
        (migrationRefs + first).update(repeating: 0, count: n)
        chunkRefs[c] = 0
      }
      if chunkTables[c] != 0 {
        (tableNodeAt + first).update(repeating: 0, count: n)
        (tableClaims + first).update(repeating: 0, count: n)
        chunkTables[c] = 0
      }
    }
    for record in fileRecords { record.uncountAll(self) }
    fileRecords = []
    ledgerTouched = false
    migrationTotal = 0
  }

  deinit {
    // Back to zero, for the pool: the chunks whose per-chunk sums say they hold a count are
    // zeroed (O(chunks in use), the records' copies not read again); after a check that handed
    // over, the counts may not match the records: drop the pages.
    if ledgerTouched {
      if ledgerConsistent {
        zeroLedgerByChunk()
      } else {
        resetLedger()
      }
    }
    if !countersEmpty {
      // A full check that found something may have left counts behind (a counted frame its
      // scan did not pass): drop those pages rather than hand them to the next machine.
      let bytes = max(capacity, 1) * MemoryLayout<Int32>.stride
      for array in [counts, entireCounts, otherRefs] { madvise(UnsafeMutableRawPointer(array), bytes, MADV_DONTNEED) }
    }
    for record in records { record.release() }
    // Only chunks below chunkCount are ever marked (InvariantLedgerUpdate.mark, MappingCounter).
    touched.update(repeating: 0, count: chunkCount)
    subDirty.deallocate()
    bounds.deallocate()
    subFree.deallocate()
    InvariantScratchPool.shared.give(InvariantScratchPool.Buffers(
      capacity: capacity, touched: touched, counters: [counts, entireCounts, otherRefs, pteRefs, leafRefs, migrationRefs, tableNodeAt, tableClaims, cacheRefs],
      chunkCounters: [chunkRefs, chunkTables]))
  }
}

/// Host buffers of dropped ``InvariantScratch``es, all zero again, by capacity: a fuzz case's
/// fresh machine takes the last one's instead of mapping new ones whose pages fault in one by one
/// (and an `munmap` that frees them again). At most ``capacity`` are kept.
final class InvariantScratchPool: @unchecked Sendable {
  /// The pool every scratch uses.
  static let shared = InvariantScratchPool()
  /// Buffers kept at most.
  static let capacity = 4

  /// One scratch's host buffers.
  struct Buffers {
    let capacity: Int
    let touched: UnsafeMutablePointer<UInt8>
    /// Per-frame counters (`capacity` each).
    let counters: [UnsafeMutablePointer<Int32>]
    /// Per-chunk counters.
    let chunkCounters: [UnsafeMutablePointer<Int32>]

    init(capacity: Int, touched: UnsafeMutablePointer<UInt8>, counters: [UnsafeMutablePointer<Int32>], chunkCounters: [UnsafeMutablePointer<Int32>]) {
      self.capacity = capacity
      self.touched = touched
      self.counters = counters
      self.chunkCounters = chunkCounters
    }

    /// Fresh buffers, in lazily backed host mappings.
    init(capacity: Int, chunks: Int) {
      self.capacity = capacity
      touched = .allocate(capacity: chunks)
      touched.initialize(repeating: 0, count: chunks)
      counters = (0..<9).map { _ in Self.map(capacity) }
      chunkCounters = (0..<2).map { _ in Self.map(chunks) }
    }

    private static func map(_ count: Int) -> UnsafeMutablePointer<Int32> {
      let bytes = max(count, 1) * MemoryLayout<Int32>.stride
      guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
        fatalError("cannot reserve \(bytes) bytes of host address space for the invariant check")
      }
      return raw.bindMemory(to: Int32.self, capacity: max(count, 1))
    }

    func release() {
      let chunks = (capacity + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
      for counter in counters { munmap(UnsafeMutableRawPointer(counter), max(capacity, 1) * MemoryLayout<Int32>.stride) }
      for counter in chunkCounters { munmap(UnsafeMutableRawPointer(counter), max(chunks, 1) * MemoryLayout<Int32>.stride) }
      touched.deallocate()
    }
  }

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private var kept: [Buffers] = []

  private init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
  }

  /// Buffers of `capacity` frames, all zero, if kept.
  func take(capacity: Int) -> Buffers? {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    guard let index = kept.lastIndex(where: { $0.capacity == capacity }) else { return nil }
    return kept.remove(at: index)
  }

  /// Takes back buffers that are all zero (or unmaps them when the pool is full).
  func give(_ buffers: Buffers) {
    pthread_mutex_lock(lock)
    kept.append(buffers)
    let evicted = kept.count > Self.capacity ? kept.removeFirst() : nil
    pthread_mutex_unlock(lock)
    evicted?.release()
  }
}
