#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The frame descriptors (`mem_map`) in one anonymous mapping of the host, indexed by PFN.
///
/// The mapping starts zero-filled, and a zero descriptor is a free frame, so host pages of
/// descriptors the model never touches are never backed: a 256 GiB machine costs host memory
/// for the frames it uses (and one descriptor per free 4 MiB block), not 16 bytes for every
/// simulated frame up front. Device frames appended with ``appendUnused(count:)`` stay zero
/// until their owner hands them out (FrameTable+Baseline.swift), and a dropped machine's
/// mapping is reused by the next machine of its size (FrameTablePool.swift).
struct FrameTable {
  private(set) var base: UnsafeMutablePointer<FrameDescriptor>
  /// Descriptors in use (RAM, then device memory).
  private(set) var count: Int
  /// Descriptors the mapping holds.
  private(set) var capacity: Int
  /// One byte per chunk of ``chunkSize`` descriptors: 1 while no descriptor of the chunk was
  /// written (or handed out for writing) since ``clearWritten()``, 0 after; until the first
  /// ``clearWritten()`` every chunk counts as written (``wasWritten(chunk:)``); the incremental
  /// invariant check skips chunks nothing wrote.
  private(set) var unwritten: UnsafeMutablePointer<UInt8>
  /// One byte per chunk: what the chunk held when the table was last set to its baseline and
  /// whether it still does (folding ``unwritten`` in at each ``clearWritten()``): 0 changed
  /// since, ``Self/baseline`` unchanged (the state ``PhysicalMemory`` starts from, or zeros),
  /// ``Self/unusedDevice`` unchanged and device frames nobody was handed yet (all zero).
  private(set) var pristine: UnsafeMutablePointer<UInt8>
  /// [inv] One byte per sub-chunk of ``subchunkSize`` descriptors: 1 when a descriptor of it may
  /// have been written since ``clearWritten()`` (FrameTable+SubchunkMarks.swift).
  private(set) var subWritten: UnsafeMutablePointer<UInt8>
  /// One ``SubchunkMask`` per chunk: the sub-chunks (one bit each, as ``writtenSubchunks(chunk:)`` gives
  /// them) whose marks in ``subWritten`` were forgotten by a ``clearWritten()`` since the table
  /// was last set to its baseline: with the marks still in ``subWritten``, every sub-chunk that
  /// may have changed since (``restoreBaseline(count:template:)`` clears only those).
  private(set) var subDirty: UnsafeMutablePointer<SubchunkMask>
  /// `[0]`: 1 once ``clearWritten()`` ran; `[1]`: chunks ever in use since the baseline.
  private let meta: UnsafeMutablePointer<Int>

  /// Descriptors per chunk of ``unwritten`` (2 MiB of frames, a PMD-sized folio; a chunk with part of a larger
  /// free block or folio is always scanned, which costs a step per block or folio).
  static let chunkShift = 9
  /// Descriptors per chunk.
  static let chunkSize = 1 << chunkShift
  /// ``pristine``: unchanged since the baseline.
  static let baseline: UInt8 = 1
  /// ``pristine``: unchanged since ``appendUnused(count:)`` (zero descriptors of free device frames).
  static let unusedDevice: UInt8 = 2

  /// Descriptors reserved beyond RAM for device memory before the mapping must grow (64 GiB).
  static let deviceReserve = 16 << 20

  /// `count` free descriptors.
  init(count: Int) {
    self.count = count
    self.capacity = count + Self.deviceReserve
    self.base = Self.map(capacity)
    self.unwritten = Self.chunkMap(capacity)
    self.pristine = Self.chunkMap(capacity)
    self.subWritten = Self.subchunkMap(capacity)
    self.subDirty = Self.maskMap(capacity)
    self.meta = .allocate(capacity: 2)
    meta.initialize(repeating: 0, count: 2)
    let chunks = chunkCount
    unwritten.update(repeating: 1, count: chunks)
    meta[1] = chunks
  }

  /// Bytes of a map of one ``SubchunkMask`` per chunk for `descriptors` descriptors.
  private static func maskMapBytes(_ descriptors: Int) -> Int {
    ((descriptors >> chunkShift) + 1) * MemoryLayout<SubchunkMask>.stride
  }

  /// A fresh, zeroed map of one ``SubchunkMask`` per chunk, in its own host mapping.
  private static func maskMap(_ descriptors: Int) -> UnsafeMutablePointer<SubchunkMask> {
    let bytes = maskMapBytes(descriptors)
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the frame descriptors")
    }
    return raw.bindMemory(to: SubchunkMask.self, capacity: bytes / MemoryLayout<SubchunkMask>.stride)
  }

  private static func chunkMap(_ descriptors: Int) -> UnsafeMutablePointer<UInt8> {
    let bytes = (descriptors >> chunkShift) + 1
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the frame descriptors")
    }
    return raw.bindMemory(to: UInt8.self, capacity: bytes)
  }

  /// Chunks covering the descriptors in use.
  var chunkCount: Int { (count + Self.chunkSize - 1) >> Self.chunkShift }

  /// Forgets which chunks were written (what changed since the baseline is kept in ``pristine``).
  func clearWritten() {
    let chunks = chunkCount
    for chunk in 0..<chunks where unwritten[chunk] == 0 {
      pristine[chunk] = 0
      keepSubchunkMarks(chunk: chunk)
    }
    unwritten.update(repeating: 1, count: chunks)
    subWritten.update(repeating: 0, count: chunks << Self.subchunksPerChunkShift)
    meta[0] = 1
  }

  /// [inv] Calls `body` with every chunk ``wasWritten(chunk:)`` reports, in ascending order
  /// (eight chunks' marks read at a time): what the incremental invariant check rescans.
  func forEachWrittenChunk(_ body: (Int) -> Void) {
    let chunks = chunkCount
    guard meta[0] != 0 else {
      for chunk in 0..<chunks { body(chunk) }
      return
    }
    let unwritten = UnsafeRawPointer(self.unwritten)
    var chunk = 0
    while chunk + 8 <= chunks {
      if unwritten.loadUnaligned(fromByteOffset: chunk, as: UInt64.self) != 0x0101_0101_0101_0101 {
        for c in chunk..<(chunk + 8) where self.unwritten[c] == 0 { body(c) }
      }
      chunk += 8
    }
    while chunk < chunks {
      if self.unwritten[chunk] == 0 { body(chunk) }
      chunk += 1
    }
  }

  /// [inv] ``clearWritten()`` when `written` are all the chunks written since the last one
  /// (``forEachWrittenChunk(_:)``, nothing written since): costs those chunks, not the table.
  func clearWritten(_ written: [Int]) {
    guard meta[0] != 0 else { return clearWritten() }
    for chunk in written {
      pristine[chunk] = 0
      unwritten[chunk] = 1
      keepSubchunkMarks(chunk: chunk)
      clearSubchunkMarks(chunk: chunk)
    }
  }

  /// Whether a descriptor of chunk `chunk` was written since ``clearWritten()`` (always true
  /// before the first).
  func wasWritten(chunk: Int) -> Bool { unwritten[chunk] == 0 || meta[0] == 0 }

  /// [inv] Whether ``clearWritten()`` ran since the table was made or set to its baseline
  /// (before, every chunk counts as written).
  var hasClearedWritten: Bool { meta[0] != 0 }

  /// Whether no descriptor of chunk `chunk` was written (or handed out for writing) since
  /// ``appendUnused(count:)`` added it: every descriptor equals the first, a free device frame
  /// its device memory never handed out (a zero descriptor: ``PhysicalMemory/kind(of:)`` gives it
  /// the device's kind), which nothing maps or counts (a check may take the chunk as it is
  /// without reading it).
  func isPristine(chunk: Int) -> Bool { pristine[chunk] == Self.unusedDevice && unwritten[chunk] != 0 }

  private static func map(_ descriptors: Int) -> UnsafeMutablePointer<FrameDescriptor> {
    let bytes = descriptors * MemoryLayout<FrameDescriptor>.stride
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the frame descriptors")
    }
    return raw.bindMemory(to: FrameDescriptor.self, capacity: descriptors)
  }

  /// The descriptor of frame `index`.
  @inline(__always)
  subscript(index: Int) -> FrameDescriptor {
    unsafeAddress {
      precondition(index >= 0 && index < count, "frame index out of range")
      return UnsafePointer(base + index)
    }
    nonmutating unsafeMutableAddress {
      precondition(index >= 0 && index < count, "frame index out of range")
      unwritten[index >> Self.chunkShift] = 0
      subWritten[index >> Self.subchunkShift] = 1
      return base + index
    }
  }

  /// The descriptors of frames `start..<start + n`, marked written, to be changed through the
  /// pointer (one range check and one mark per chunk instead of one per field stored).
  @inline(__always)
  func mutableDescriptors(_ start: Int, count n: Int) -> UnsafeMutablePointer<FrameDescriptor> {
    precondition(start >= 0 && n >= 1 && start + n <= count, "frame index out of range")
    // One descriptor (most callers: a buddy block's head, a folio's head, one page) marks its
    // chunk and sub-chunk with a store each; the loops, which the compiler turns into `memset`
    // calls, only run for ranges.
    guard n > 1 else {
      unwritten[start >> Self.chunkShift] = 0
      subWritten[start >> Self.subchunkShift] = 1
      return base + start
    }
    var chunk = start >> Self.chunkShift
    let last = (start + n - 1) >> Self.chunkShift
    while chunk <= last {
      unwritten[chunk] = 0
      chunk += 1
    }
    markSubchunks(start, count: n)
    return base + start
  }

  /// Appends `n` copies of `descriptor`, growing the mapping when the reserve is used up (the
  /// copy skips host pages that were never written, so they stay unbacked).
  mutating func append(_ descriptor: FrameDescriptor, count n: Int) {
    grow(toHold: count + n)
    let first = count >> Self.chunkShift
    let chunks = ((count + n) >> Self.chunkShift) + 1 - first
    (unwritten + first).update(repeating: 0, count: chunks)
    (pristine + first).update(repeating: 0, count: chunks)
    (subWritten + (first << Self.subchunksPerChunkShift)).update(repeating: 1, count: chunks << Self.subchunksPerChunkShift)
    if !descriptor.isZero {
      (base + count).initialize(repeating: descriptor, count: n)
    }
    count += n
    meta[1] = max(meta[1], chunkCount)
  }

  /// Appends `n` zero descriptors (free device frames their owner has handed out to nobody)
  /// without writing them: their chunks count as unwritten and as ``Self/unusedDevice`` until a
  /// descriptor of theirs is written.
  /// - Precondition: the table ends at a chunk boundary and `n` is a multiple of ``chunkSize``.
  mutating func appendUnused(count n: Int) {
    precondition(count & (Self.chunkSize - 1) == 0 && n & (Self.chunkSize - 1) == 0, "unused device frames come in whole chunks")
    grow(toHold: count + n)
    let first = count >> Self.chunkShift
    (unwritten + first).update(repeating: 1, count: n >> Self.chunkShift)
    (pristine + first).update(repeating: Self.unusedDevice, count: n >> Self.chunkShift)
    count += n
    meta[1] = max(meta[1], chunkCount)
  }

  /// Moves the descriptors to a larger mapping when `total` exceed the capacity.
  private mutating func grow(toHold total: Int) {
    guard total > capacity else { return }
    let newCapacity = max(capacity * 2, total + Self.deviceReserve)
    let newBase = Self.map(newCapacity)
    let bytes = count * MemoryLayout<FrameDescriptor>.stride
    let old = UnsafeRawPointer(base)
    let new = UnsafeMutableRawPointer(newBase)
    var offset = 0
    while offset < bytes {
      let length = min(4096, bytes - offset)
      let words = UnsafeRawBufferPointer(start: old + offset, count: length)
      if words.contains(where: { $0 != 0 }) { (new + offset).copyMemory(from: old + offset, byteCount: length) }
      offset += length
    }
    let newUnwritten = Self.chunkMap(newCapacity)
    let newPristine = Self.chunkMap(newCapacity)
    let chunks = chunkCount
    newUnwritten.update(from: unwritten, count: chunks)
    newPristine.update(from: pristine, count: chunks)
    let newSubWritten = Self.subchunkMap(newCapacity)
    newSubWritten.update(from: subWritten, count: chunks << Self.subchunksPerChunkShift)
    let newSubDirty = Self.maskMap(newCapacity)
    newSubDirty.update(from: subDirty, count: chunks)
    unmap()
    base = newBase
    capacity = newCapacity
    unwritten = newUnwritten
    pristine = newPristine
    subWritten = newSubWritten
    subDirty = newSubDirty
  }

  private func unmap() {
    munmap(UnsafeMutableRawPointer(base), capacity * MemoryLayout<FrameDescriptor>.stride)
    munmap(UnsafeMutableRawPointer(unwritten), (capacity >> Self.chunkShift) + 1)
    munmap(UnsafeMutableRawPointer(pristine), (capacity >> Self.chunkShift) + 1)
    munmap(UnsafeMutableRawPointer(subWritten), Self.subchunkMapBytes(capacity))
    munmap(UnsafeMutableRawPointer(subDirty), Self.maskMapBytes(capacity))
  }

  /// Ends the table at `newCount` descriptors (those after stay as they are: the caller
  /// cleared them).
  mutating func truncate(to newCount: Int) {
    precondition(newCount <= count, "a frame table only shrinks back")
    count = newCount
  }

  /// Chunks in use at some time since the baseline (or since the table was made).
  var chunksInUseSinceBaseline: Int { meta[1] }

  /// Every chunk counts as written until the next ``clearWritten()``; `chunks` are in use.
  func resetMeta(chunks: Int) {
    meta[0] = 0
    meta[1] = chunks
  }

  /// Unmaps the descriptors (when the pool does not keep the table).
  func release() {
    unmap()
    meta.deallocate()
  }
}
