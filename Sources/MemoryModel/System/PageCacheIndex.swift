import Synchronization

/// One file's page cache index (the `i_pages` xarray): page index → the frame caching it.
///
/// Indices are kept in chunks of 512 consecutive pages (one PMD's worth, as a leaf node of the
/// xarray holds a run of neighbours), each a flat array of frames, so that the lookups a fault
/// makes around one index (fault-around's window, a PMD-sized folio's "is all of it uncached"
/// check, a folio's insertion) cost one hash lookup for the chunk and array reads after it; the
/// last chunk used is remembered, so most lookups hash nothing. Only its file uses it.
final class PageCacheIndex {
  /// 512 consecutive indices: their frames (``empty`` where nothing is cached), then how many
  /// of them are cached, in one block this index owns (no reference counting on lookups).
  typealias Chunk = UnsafeMutablePointer<UInt64>

  /// Indices per chunk.
  static let chunkSize = 512
  /// The frame value of an index that caches nothing (no PFN is this large).
  static let empty = UInt64.max

  /// The chunks that cache at least one page, by `index / 512`.
  @exclusivity(unchecked) private(set) var chunks: [UInt64: Chunk] = [:]
  /// The number of cached pages.
  @exclusivity(unchecked) private(set) var count = 0
  /// A value no other index and no earlier state of this one had (drawn from one counter for
  /// the process): the incremental invariant check takes the page caches' folio list from its
  /// last check while no index moved and no descriptor of the cached frames changed. A change
  /// only marks the index changed; the next read draws the new value, so the faults and reads
  /// between two checks do not each pay for an atomic add (no read sees an earlier value again).
  var generation: UInt64 {
    if changedSinceGeneration {
      storedGeneration = Self.nextGeneration()
      changedSinceGeneration = false
    }
    return storedGeneration
  }
  /// The value ``generation`` last returned (valid while ``changedSinceGeneration`` is false).
  @exclusivity(unchecked) private var storedGeneration: UInt64 = 0
  /// Whether what is cached changed since ``generation`` was last read (true for a new index).
  @exclusivity(unchecked) private var changedSinceGeneration = true

  private static let generations = Atomic<UInt64>(0)

  private static func nextGeneration() -> UInt64 { generations.wrappingAdd(1, ordering: .relaxed).newValue }
  /// The chunk last looked up (`lastKey` is `UInt64.max` when none is remembered).
  @exclusivity(unchecked) private var lastKey = UInt64.max
  @exclusivity(unchecked) private var lastChunk: Chunk?

  deinit { for chunk in chunks.values { chunk.deallocate() } }

  private static func newChunk() -> Chunk {
    let chunk = Chunk.allocate(capacity: chunkSize + 1)
    chunk.initialize(repeating: empty, count: chunkSize)
    chunk[chunkSize] = 0
    return chunk
  }

  /// The chunk holding `index`, if any page of it is cached.
  @inline(__always)
  private func chunk(_ key: UInt64) -> Chunk? {
    if key == lastKey { return lastChunk }
    let found = chunks[key]
    lastKey = key
    lastChunk = found
    return found
  }

  /// The frame caching page `index`; setting nil drops it.
  subscript(index: UInt64) -> PFN? {
    get {
      guard let chunk = chunk(index >> 9) else { return nil }
      let raw = chunk[Int(index & 511)]
      return raw == Self.empty ? nil : PFN(raw)
    }
    set {
      let key = index >> 9
      let slot = Int(index & 511)
      changedSinceGeneration = true
      if let newValue {
        precondition(newValue.rawValue != Self.empty, "PFN out of range for the page cache")
        let target = chunkCreating(key)
        if target[slot] == Self.empty {
          target[Self.chunkSize] += 1
          count += 1
        }
        target[slot] = newValue.rawValue
      } else {
        guard let target = chunk(key), target[slot] != Self.empty else { return }
        target[slot] = Self.empty
        target[Self.chunkSize] -= 1
        count -= 1
        if target[Self.chunkSize] == 0 {
          chunks[key] = nil
          target.deallocate()
          lastKey = UInt64.max
          lastChunk = nil
        }
      }
    }
  }

  /// The chunk of slots for `key`, made (and remembered as the last one looked up) when there
  /// is none yet.
  private func chunkCreating(_ key: UInt64) -> Chunk {
    if let existing = chunk(key) { return existing }
    let made = Self.newChunk()
    chunks[key] = made
    lastKey = key
    lastChunk = made
    return made
  }

  /// Caches frames `pfn, pfn + 1, ...` at the `count` indices from `first` (a folio's
  /// insertion): the same as setting each index in turn, with one chunk lookup per chunk and one
  /// new ``generation`` for the whole change (no state in between is ever seen).
  func insert(_ first: UInt64, _ pfn: PFN, count: Int) {
    precondition(pfn.rawValue &+ UInt64(count) <= Self.empty, "PFN out of range for the page cache")
    guard count > 0 else { return }
    changedSinceGeneration = true
    var index = first
    var frame = pfn.rawValue
    var left = count
    while left > 0 {
      let key = index >> 9
      let slot = Int(index & 511)
      let target = chunkCreating(key)
      let n = min(left, Self.chunkSize - slot)
      var added: UInt64 = 0
      for i in slot..<(slot + n) {
        if target[i] == Self.empty { added += 1 }
        target[i] = frame
        frame += 1
      }
      target[Self.chunkSize] += added
      self.count += Int(added)
      index += UInt64(n)
      left -= n
    }
  }

  /// Whether no page of `[first, first + 512)` is cached, `first` a multiple of 512 (one chunk).
  func isEmptyChunk(at first: UInt64) -> Bool {
    precondition(first & 511 == 0, "a chunk starts at a multiple of 512")
    return chunk(first >> 9) == nil
  }

  /// Whether nothing is cached.
  var isEmpty: Bool { count == 0 }

  /// Drops every page.
  func removeAll() {
    changedSinceGeneration = true
    for chunk in chunks.values { chunk.deallocate() }
    chunks.removeAll()
    count = 0
    lastKey = UInt64.max
    lastChunk = nil
  }

  /// The cached frames (chunk by chunk, in index order inside a chunk), without copying them.
  var values: Values { Values(chunks: chunks.values) }

  /// The cached page indices (chunk by chunk, in order inside a chunk).
  var keys: [UInt64] {
    var result: [UInt64] = []
    result.reserveCapacity(count)
    for (key, chunk) in chunks {
      for i in 0..<Self.chunkSize where chunk[i] != Self.empty { result.append(key << 9 | UInt64(i)) }
    }
    return result
  }

  /// The cached frames of a ``PageCacheIndex``.
  struct Values: Sequence {
    let chunks: Dictionary<UInt64, Chunk>.Values

    /// Walks the chunks and, in each, its cached slots.
    struct Iterator: IteratorProtocol {
      var chunks: Dictionary<UInt64, Chunk>.Values.Iterator
      var current: Chunk?
      var slot = PageCacheIndex.chunkSize

      mutating func next() -> PFN? {
        while true {
          if let chunk = current {
            while slot < PageCacheIndex.chunkSize {
              let raw = chunk[slot]
              slot += 1
              if raw != PageCacheIndex.empty { return PFN(raw) }
            }
          }
          guard let chunk = chunks.next() else { return nil }
          current = chunk
          slot = 0
        }
      }
    }

    func makeIterator() -> Iterator { Iterator(chunks: chunks.makeIterator()) }
  }
}
