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
  /// Frames covered.
  let frameCount: Int

  /// Per chunk of ``FrameTable/chunkSize`` frames, what the last check's frame scan found, so
  /// that an incremental check skips a chunk no descriptor write and no counted mapping touched
  /// since (its frames were consistent and nothing they are checked against changed):
  /// - `touched`: this check counted an entry, a page-cache or whole-folio reference there;
  /// - `touchedBefore`: the last check did;
  /// - `free`: the frames of free buddy blocks the scan found there;
  /// - `simple`: the scan entered the chunk at its first frame and no block or folio crossed its
  ///   end (a chunk with part of a larger block or folio is always scanned).
  let touched: UnsafeMutablePointer<UInt8>
  let touchedBefore: UnsafeMutablePointer<UInt8>
  /// Chunks covered.
  let chunkCount: Int
  var free: [Int32]
  var simple: [Bool]
  /// Whether the last check found nothing wrong and scanned every frame or skipped only
  /// unchanged chunks (only then may the next skip chunks).
  var chunksValid = false

  init(frameCount: Int) {
    self.frameCount = frameCount
    let chunks = (frameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    chunkCount = chunks
    touched = .allocate(capacity: max(chunks, 1))
    touched.initialize(repeating: 0, count: max(chunks, 1))
    touchedBefore = .allocate(capacity: max(chunks, 1))
    touchedBefore.initialize(repeating: 1, count: max(chunks, 1))
    free = Array(repeating: 0, count: chunks)
    simple = Array(repeating: false, count: chunks)
    let bytes = max(frameCount, 1) * MemoryLayout<Int32>.stride
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the invariant check")
    }
    counts = raw.bindMemory(to: Int32.self, capacity: max(frameCount, 1))
    entireCounts = Self.counters(frameCount)
    otherRefs = Self.counters(frameCount)
  }

  /// The part of the check that depends on one address space alone (its table structure and
  /// entries outside VMAs), with what it was computed from.
  struct SpaceCheck {
    var generation: UInt64
    var vmas: [VMA]
    var mapped: MappedFrames
    var problems: [(invariant: String, detail: String)]
  }

  /// The frames one address space's entries counted: PTE-mapped pages, PMD/PUD-mapped folio
  /// heads, and frames of migration entries.
  struct MappedFrames {
    var pte: [UInt32] = []
    var entire: [UInt32] = []
    var migration: [UInt32] = []
    /// False when the walk found a problem: such a table is walked again, never replayed.
    var valid = true
  }

  private static func counters(_ frameCount: Int) -> UnsafeMutablePointer<Int32> {
    let bytes = max(frameCount, 1) * MemoryLayout<Int32>.stride
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the invariant check")
    }
    return raw.bindMemory(to: Int32.self, capacity: max(frameCount, 1))
  }

  /// Ends a check: what it touched becomes what the last check touched.
  func rotateTouched() {
    touchedBefore.update(from: touched, count: chunkCount)
    touched.update(repeating: 0, count: chunkCount)
  }

  deinit {
    munmap(UnsafeMutableRawPointer(counts), max(frameCount, 1) * MemoryLayout<Int32>.stride)
    munmap(UnsafeMutableRawPointer(entireCounts), max(frameCount, 1) * MemoryLayout<Int32>.stride)
    munmap(UnsafeMutableRawPointer(otherRefs), max(frameCount, 1) * MemoryLayout<Int32>.stride)
    touched.deallocate()
    touchedBefore.deallocate()
  }
}
