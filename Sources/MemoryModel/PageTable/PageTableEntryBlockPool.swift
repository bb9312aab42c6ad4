#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry blocks of dropped page tables, all zero (every entry `.none`), for the next
/// ``PageTableEntryStorage``: a fuzz case's new page tables then get entries that need no
/// clearing and room that need not be regrown, and the clearing happens when the old table is
/// dropped, while its entries are still in the host's caches (its case's last invariant check
/// walked them), instead of on a block the C heap hands out cold.
///
/// At most ``capacity`` blocks of at most ``maxEntries`` entries are kept.
final class PageTableEntryBlockPool: @unchecked Sendable {
  /// The pool every ``PageTableEntryStorage`` uses.
  static let shared = PageTableEntryBlockPool()
  /// Blocks kept at most.
  static let capacity = 16
  /// The largest block kept (128 tables, 512 KiB).
  static let maxEntries = 128 << 9

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private var blocks: [(base: UnsafeMutablePointer<PageTableEntry>, entries: Int)] = []

  private init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
    blocks.reserveCapacity(Self.capacity)
  }

  /// A block whose `entries` entries are all zero, if one is kept.
  func take() -> (base: UnsafeMutablePointer<PageTableEntry>, entries: Int)? {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return blocks.popLast()
  }

  /// Takes back a block (from `malloc`/`realloc`) whose first `dirty` of `entries` entries may be
  /// non-zero and whose others are zero: clears those and keeps it, or frees it when the pool is
  /// full or the block too large.
  func give(_ base: UnsafeMutablePointer<PageTableEntry>, entries: Int, dirty: Int) {
    guard entries <= Self.maxEntries else { return free(base) }
    pthread_mutex_lock(lock)
    let full = blocks.count >= Self.capacity
    pthread_mutex_unlock(lock)
    guard !full else { return free(base) }
    UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0, count: dirty * MemoryLayout<PageTableEntry>.stride)
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    if blocks.count < Self.capacity {
      blocks.append((base, entries))
    } else {
      free(base)
    }
  }
}
