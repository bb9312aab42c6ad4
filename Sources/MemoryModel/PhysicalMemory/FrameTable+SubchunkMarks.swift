#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Written marks finer than a chunk: which sub-chunks of ``FrameTable/subchunkSize``
/// descriptors of a written chunk were written, so that the incremental invariant check rescans
/// those (from a block boundary before them) instead of the whole chunk. A mark may be set where
/// nothing was written (more is rescanned), never missing where something was.
extension FrameTable {
  /// Descriptors per sub-chunk: 16 (32 sub-chunks per chunk).
  static let subchunkShift = 4
  /// Descriptors per sub-chunk.
  static let subchunkSize = 1 << subchunkShift
  /// Sub-chunks per chunk, as a shift.
  static let subchunksPerChunkShift = chunkShift - subchunkShift
  /// Sub-chunks per chunk.
  static let subchunksPerChunk = 1 << subchunksPerChunkShift
  /// One bit per sub-chunk of a chunk (bit `k`: frames `chunk * chunkSize + k * subchunkSize` on).
  typealias SubchunkMask = UInt32
  /// Every sub-chunk of a chunk.
  static let allSubchunks = SubchunkMask.max

  /// Bytes of the sub-chunk mark map for `descriptors` descriptors (one per sub-chunk, and a
  /// chunk's worth of slack for the 8-byte loads of the last chunk).
  static func subchunkMapBytes(_ descriptors: Int) -> Int { (descriptors >> subchunkShift) + subchunksPerChunk }

  /// A fresh, zeroed sub-chunk mark map for `descriptors` descriptors, in its own host mapping.
  static func subchunkMap(_ descriptors: Int) -> UnsafeMutablePointer<UInt8> {
    let bytes = subchunkMapBytes(descriptors)
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the frame descriptors")
    }
    return raw.bindMemory(to: UInt8.self, capacity: bytes)
  }

  /// Marks the sub-chunks of `start..<start + n` written.
  @inline(__always)
  func markSubchunks(_ start: Int, count n: Int) {
    var sub = start >> Self.subchunkShift
    let last = (start + n - 1) >> Self.subchunkShift
    while sub <= last {
      subWritten[sub] = 1
      sub += 1
    }
  }

  /// Forgets the sub-chunk marks of chunk `chunk`.
  @inline(__always)
  func clearSubchunkMarks(chunk: Int) {
    (subWritten + (chunk << Self.subchunksPerChunkShift)).update(repeating: 0, count: Self.subchunksPerChunk)
  }

  /// The sub-chunk marks of chunk `chunk` as they are, one bit each (bit `k`: frames
  /// `chunk * chunkSize + k * subchunkSize` on), before the first ``clearWritten()`` too.
  @inline(__always)
  func subchunkMarks(chunk: Int) -> SubchunkMask {
    let marks = UnsafeRawPointer(subWritten + (chunk << Self.subchunksPerChunkShift))
    var mask: SubchunkMask = 0
    for k in 0..<(Self.subchunksPerChunk >> 3) {
      let word = marks.loadUnaligned(fromByteOffset: k << 3, as: UInt64.self)
      // Each byte is 0 or 1: gather the low bit of each of the eight into one byte.
      let byte = ((word & 0x0101_0101_0101_0101) &* 0x0102_0408_1020_4080) >> 56
      mask |= SubchunkMask(truncatingIfNeeded: byte) << SubchunkMask(k << 3)
    }
    return mask
  }

  /// Adds chunk `chunk`'s sub-chunk marks to ``subDirty`` (before a ``clearWritten()`` forgets
  /// them), so that restoring the baseline can find every sub-chunk changed since it was set.
  @inline(__always)
  func keepSubchunkMarks(chunk: Int) { subDirty[chunk] |= subchunkMarks(chunk: chunk) }

  /// The sub-chunks of chunk `chunk` that may have been written since ``clearWritten()``, one
  /// bit each (bit `k`: frames `chunk * chunkSize + k * subchunkSize` on); every bit before the
  /// first ``clearWritten()``. Meaningful for a chunk ``wasWritten(chunk:)`` reports.
  @inline(__always)
  func writtenSubchunks(chunk: Int) -> SubchunkMask {
    guard hasClearedWritten else { return Self.allSubchunks }
    return subchunkMarks(chunk: chunk)
  }
}
