#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The entries of every node of one ``PageTable``, 512 per node, in one block of memory the
/// page table owns: reads and writes are a load or a store (no copy-on-write check, no dynamic
/// exclusivity check), and the block grows by whole nodes. Only the owning page table uses it,
/// and it frees the block in its `deinit`.
struct PageTableEntryStorage {
  private(set) var base: UnsafeMutablePointer<PageTableEntry>
  /// Entries in use (a multiple of 512).
  private(set) var count = 0
  private var capacity: Int
  /// Entries from here to ``capacity`` are zero (`.none`) and were never handed out: a node
  /// appended there needs no clearing (a block from ``PageTableEntryBlockPool`` is zero
  /// throughout; one from the C heap is not). Never below ``count``.
  private var zeroFrom: Int

  /// Empty storage with room for `nodes` nodes (a pooled block: for the nodes it held).
  init(nodes: Int = 4) {
    if let block = PageTableEntryBlockPool.shared.take() {
      base = block.base
      capacity = block.entries
      zeroFrom = 0
    } else {
      capacity = nodes << 9
      base = Self.reallocate(nil, capacity)
      zeroFrom = capacity
    }
  }

  /// `realloc` of the block to `entries` entries (a large block grows without a copy where the
  /// C library can remap it; entries are plain 64-bit values, so moving their bytes is moving them).
  private static func reallocate(_ block: UnsafeMutablePointer<PageTableEntry>?, _ entries: Int) -> UnsafeMutablePointer<PageTableEntry> {
    guard let raw = realloc(block, entries * MemoryLayout<PageTableEntry>.stride) else {
      fatalError("cannot allocate \(entries) page-table entries")
    }
    return raw.bindMemory(to: PageTableEntry.self, capacity: entries)
  }

  /// The entry in flat slot `slot`.
  @inline(__always)
  subscript(slot: Int) -> PageTableEntry {
    get {
      precondition(slot >= 0 && slot < count, "page-table slot out of range")
      return base[slot]
    }
    nonmutating set {
      precondition(slot >= 0 && slot < count, "page-table slot out of range")
      base[slot] = newValue
    }
  }

  /// Appends one node of empty entries.
  mutating func appendNode() {
    if count + 512 > capacity {
      let newCapacity = capacity * 2
      base = Self.reallocate(base, newCapacity)
      capacity = newCapacity
      zeroFrom = newCapacity
    }
    if count < zeroFrom {
      (base + count).initialize(repeating: .none, count: 512)
    }
    count += 512
    zeroFrom = max(zeroFrom, count)
  }

  /// Calls `body` with the entries in use.
  func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<PageTableEntry>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: base, count: count))
  }

  /// Gives the block back to ``PageTableEntryBlockPool`` (which clears the entries handed out)
  /// or frees it (the owner's `deinit`).
  func release() { PageTableEntryBlockPool.shared.give(base, entries: capacity, dirty: zeroFrom) }
}
