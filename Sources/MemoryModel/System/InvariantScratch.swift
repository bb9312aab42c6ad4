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
  /// The counters, all zero between checks.
  let counts: UnsafeMutablePointer<Int32>
  /// Frames covered.
  let frameCount: Int

  init(frameCount: Int) {
    self.frameCount = frameCount
    let bytes = max(frameCount, 1) * MemoryLayout<Int32>.stride
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the invariant check")
    }
    counts = raw.bindMemory(to: Int32.self, capacity: max(frameCount, 1))
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

  deinit { munmap(UnsafeMutableRawPointer(counts), max(frameCount, 1) * MemoryLayout<Int32>.stride) }
}
