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

  /// Scratch for `frameCount` frames, with room for the device memory of
  /// ``FrameTable/deviceReserve`` more: adding device memory grows the scratch
  /// (``grow(to:)``), which keeps what the last check found.
  init(frameCount: Int) {
    self.frameCount = frameCount
    capacity = frameCount + FrameTable.deviceReserve
    let chunks = (frameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    let chunkCapacity = (capacity + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    chunkCount = chunks
    touched = .allocate(capacity: chunkCapacity)
    touched.initialize(repeating: 0, count: chunkCapacity)
    free = Array(repeating: 0, count: chunks)
    group = Array(repeating: -1, count: chunks)
    span = Array(repeating: 1, count: chunks)
    counts = Self.counters(capacity)
    entireCounts = Self.counters(capacity)
    otherRefs = Self.counters(capacity)
  }

  /// Covers `frameCount` frames (more than now, at most `capacity`): the new chunks were never
  /// scanned (the next check scans them), the others keep what the last scan found.
  func grow(to frameCount: Int) {
    precondition(frameCount >= self.frameCount && frameCount <= capacity, "the invariant scratch only grows, within its capacity")
    self.frameCount = frameCount
    let chunks = (frameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    // The old last chunk may have been partial: scan it again.
    if chunkCount > 0 && chunks > chunkCount { group[chunkCount - 1] = -1 }
    let added = chunks - chunkCount
    free += repeatElement(0, count: added)
    group += repeatElement(-1, count: added)
    span += repeatElement(1, count: added)
    chunkCount = chunks
  }

  /// The part of the check that depends on one address space alone (its table structure and
  /// entries outside VMAs), with what it was computed from.
  struct SpaceCheck {
    var generation: UInt64
    var vmas: [VMA]
    var mapped: MappedFrames
    var problems: [(invariant: String, detail: String)]
    /// The incremental check that last found the address space alive (``InvariantScratch/checks``).
    var stamp: UInt64 = 0
    /// What the walk read in the table's nodes (``InvariantTableCache``).
    var tables: InvariantTableCache?
  }

  /// The frames one address space's entries counted: PTE-mapped pages, PMD/PUD-mapped folio
  /// heads, and frames of migration entries.
  struct MappedFrames {
    /// PTE-mapped frames; after ``groupByChunk(chunkCount:)``, in order of their chunk.
    var pte: [UInt32] = []
    var entire: [UInt32] = []
    var migration: [UInt32] = []
    /// False when the walk found a problem: such a table is walked again, never replayed.
    var valid = true
    /// After grouping: `pte[pteOffsets[c]..<pteOffsets[c + 1]]` are the frames of chunk `c`.
    var pteOffsets: [Int32] = []

    /// Orders `pte` by chunk (a counting sort: O(frames + chunks)) and fills `pteOffsets`.
    mutating func groupByChunk(chunkCount: Int) {
      var offsets = [Int32](repeating: 0, count: chunkCount + 1)
      for pfn in pte { offsets[Int(pfn) >> FrameTable.chunkShift + 1] += 1 }
      for c in 0..<chunkCount { offsets[c + 1] += offsets[c] }
      var next = offsets
      var grouped = [UInt32](repeating: 0, count: pte.count)
      for pfn in pte {
        let c = Int(pfn) >> FrameTable.chunkShift
        grouped[Int(next[c])] = pfn
        next[c] += 1
      }
      pte = grouped
      pteOffsets = offsets
    }
  }

  /// The whole-folio map counts the last incremental check saw (a change there alone, with no
  /// descriptor written, must still make the check look at the folio).
  var lastEntireMapCounts: [UInt32: Int32] = [:]
  /// The page caches' folio heads the last incremental check counted, in the order it met them.
  var lastPageCacheHeads: [UInt32] = []
  /// The ``PageCacheIndex/generation`` of each page cache index ``lastPageCacheHeads`` was
  /// collected from, in order.
  var lastPageCacheIndexes: [UInt64] = []
  /// The frame chunks of every page cached then (ascending, each once): while none of their
  /// descriptors was written, every cached frame is still the head it was, or not.
  var lastPageCacheChunks: [Int] = []
  /// Every frame cached then, in the order the indexes gave them: with the same generations,
  /// the frames cached now.
  var lastPageCacheFrames: [UInt32] = []
  /// Scratch for the next list of indexes.
  var spareIndexes: [UInt64] = []
  /// Buffers the incremental check reuses (empty between checks, capacity kept): no
  /// allocation per check.
  var spareHeads: [UInt32] = []
  var spareChunks: [Int] = []
  /// Incremental checks so far (stamps ``SpaceCheck/stamp``).
  var checks: UInt64 = 0

  private static func counters(_ frameCount: Int) -> UnsafeMutablePointer<Int32> {
    let bytes = max(frameCount, 1) * MemoryLayout<Int32>.stride
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the invariant check")
    }
    return raw.bindMemory(to: Int32.self, capacity: max(frameCount, 1))
  }

  deinit {
    munmap(UnsafeMutableRawPointer(counts), max(capacity, 1) * MemoryLayout<Int32>.stride)
    munmap(UnsafeMutableRawPointer(entireCounts), max(capacity, 1) * MemoryLayout<Int32>.stride)
    munmap(UnsafeMutableRawPointer(otherRefs), max(capacity, 1) * MemoryLayout<Int32>.stride)
    touched.deallocate()
  }
}
