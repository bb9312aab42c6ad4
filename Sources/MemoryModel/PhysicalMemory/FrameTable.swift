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
/// simulated frame up front.
struct FrameTable {
  private(set) var base: UnsafeMutablePointer<FrameDescriptor>
  /// Descriptors in use (RAM, then device memory).
  private(set) var count: Int
  /// Descriptors the mapping holds.
  private var capacity: Int
  /// One byte per chunk of ``chunkSize`` descriptors: 1 while no descriptor of the chunk was
  /// written (or handed out for writing) since ``clearWritten()``, 0 after (a lazily backed
  /// zero-filled mapping: everything counts as written until the first clear); the incremental
  /// invariant check skips chunks nothing wrote.
  private(set) var unwritten: UnsafeMutablePointer<UInt8>

  /// Descriptors per chunk of ``unwritten`` (2 MiB of frames, a PMD-sized folio; a chunk with part of a larger
  /// free block or folio is always scanned, which costs a step per block or folio).
  static let chunkShift = 9
  /// Descriptors per chunk.
  static let chunkSize = 1 << chunkShift

  /// Descriptors reserved beyond RAM for device memory before the mapping must grow (64 GiB).
  static let deviceReserve = 16 << 20

  /// `count` free descriptors.
  init(count: Int) {
    self.count = count
    self.capacity = count + Self.deviceReserve
    self.base = Self.map(capacity)
    self.unwritten = Self.unwrittenMap(capacity)
  }

  private static func unwrittenMap(_ descriptors: Int) -> UnsafeMutablePointer<UInt8> {
    let bytes = (descriptors >> chunkShift) + 1
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
      fatalError("cannot reserve \(bytes) bytes of host address space for the frame descriptors")
    }
    return raw.bindMemory(to: UInt8.self, capacity: bytes)
  }

  /// Chunks covering the descriptors in use.
  var chunkCount: Int { (count + Self.chunkSize - 1) >> Self.chunkShift }

  /// Forgets which chunks were written (a chunk ``isPristine(chunk:)`` stays pristine).
  func clearWritten() {
    // [inv] 0 (written) becomes 1; 2 (pristine) stays 2.
    for chunk in 0..<chunkCount where unwritten[chunk] == 0 { unwritten[chunk] = 1 }
  }

  /// Whether a descriptor of chunk `chunk` was written since ``clearWritten()``.
  func wasWritten(chunk: Int) -> Bool { unwritten[chunk] == 0 }

  // [inv] Pristine chunks, for the invariant check (MemorySystem+Invariants.swift).
  /// Whether no descriptor of chunk `chunk` was written (or handed out for writing) since
  /// ``append(_:count:)`` filled the whole chunk with one descriptor: all its descriptors are
  /// still equal to its first. Only ``append(_:count:)`` sets the mark (value 2 of
  /// ``unwritten``), and the mutable addressor clears it with the written mark.
  func isPristine(chunk: Int) -> Bool { unwritten[chunk] == 2 }

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
      return base + index
    }
  }

  /// Appends `n` copies of `descriptor`, growing the mapping when the reserve is used up (the
  /// copy skips host pages that were never written, so they stay unbacked).
  mutating func append(_ descriptor: FrameDescriptor, count n: Int) {
    if count + n > capacity {
      let newCapacity = max(capacity * 2, count + n + Self.deviceReserve)
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
      release()
      base = newBase
      capacity = newCapacity
      unwritten = Self.unwrittenMap(newCapacity)
    }
    (unwritten + (count >> Self.chunkShift)).update(repeating: 0, count: ((count + n) >> Self.chunkShift) + 1 - (count >> Self.chunkShift))
    // [inv] The chunks the new descriptors fill whole are pristine.
    let firstWhole = (count + Self.chunkSize - 1) >> Self.chunkShift
    let endWhole = (count + n) >> Self.chunkShift
    if firstWhole < endWhole { (unwritten + firstWhole).update(repeating: 2, count: endWhole - firstWhole) }
    if descriptor.refCount != 0 || descriptor.mapCount != 0 || descriptor.head != 0 || descriptor.order != 0
      || descriptor.kind != .free || !descriptor.flags.isEmpty {
      (base + count).initialize(repeating: descriptor, count: n)
    }
    count += n
  }

  /// Unmaps the descriptors (the owner's `deinit`).
  func release() {
    munmap(UnsafeMutableRawPointer(base), capacity * MemoryLayout<FrameDescriptor>.stride)
    munmap(UnsafeMutableRawPointer(unwritten), (capacity >> Self.chunkShift) + 1)
  }
}
