#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the incremental invariant check recorded of one page table: a copy of every node's
/// entries as the last check saw them (free nodes are not recorded), each node's level and frame
/// then, and the table's generation and the address space's VMAs then. The check updates the
/// ledger (``InvariantScratch/pteRefs`` and the others) by the difference between a changed
/// node's copy and its entries now, so what it costs is what changed.
///
/// Its properties are read and written by the invariant check alone, one access at a time (no
/// access is held across a call), so they skip the dynamic exclusivity checks.
final class InvariantTableRecord {
  /// `realloc` of a copy block to `entries` entries (a large block grows without a copy where
  /// the C library can remap it; entries are plain 64-bit values, so moving their bytes moves
  /// them).
  private static func reallocate(_ block: UnsafeMutablePointer<PageTableEntry>?, entries: Int) -> UnsafeMutablePointer<PageTableEntry> {
    guard let raw = realloc(block, max(entries, 1) * MemoryLayout<PageTableEntry>.stride) else {
      fatalError("cannot allocate the invariant check's copy of \(entries) page-table entries")
    }
    return raw.bindMemory(to: PageTableEntry.self, capacity: max(entries, 1))
  }

  /// The table recorded (another table, say after exec, gets a record of its own).
  let table: PageTable
  /// The table's ``PageTable/generation`` at the last check (`UInt64.max`: never checked).
  @exclusivity(unchecked) var generation = UInt64.max
  /// The address space's VMAs at the last check.
  @exclusivity(unchecked) var vmas: [VMA] = []
  /// The incremental check that last found the table among the address spaces.
  @exclusivity(unchecked) var stamp: UInt64 = 0
  /// Copies of the nodes' entries, 512 per node (nodes not recorded hold empty entries).
  @exclusivity(unchecked) private(set) var mirror: UnsafeMutablePointer<PageTableEntry>
  /// Nodes the copy has room for.
  @exclusivity(unchecked) private(set) var capacity: Int
  /// Per node: 0 not recorded (free), else the level's raw value + 1 at the time of the copy.
  @exclusivity(unchecked) var level: [UInt8] = []
  /// Per node: non-empty entries of the copy.
  @exclusivity(unchecked) var used: [Int32] = []
  /// Per node: the frame marked in ``InvariantScratch/tableNodeAt`` for it (`UInt32.max`: none).
  @exclusivity(unchecked) var frame: [UInt32] = []
  /// Entries of recorded nodes a walk descends through (table pointers).
  @exclusivity(unchecked) var pointers = 0

  init(table: PageTable) {
    self.table = table
    capacity = 0
    mirror = Self.reallocate(nil, entries: 1)
  }

  /// Makes room for `nodes` nodes (new nodes are not recorded, their copies empty).
  func reserve(_ nodes: Int) {
    guard nodes > level.count else { return }
    if nodes > capacity {
      let newCapacity = max(nodes, capacity * 2, 8)
      mirror = Self.reallocate(mirror, entries: newCapacity << 9)
      capacity = newCapacity
    }
    (mirror + (level.count << 9)).initialize(repeating: .none, count: (nodes - level.count) << 9)
    let added = nodes - level.count
    level += repeatElement(0, count: added)
    used += repeatElement(0, count: added)
    frame += repeatElement(UInt32.max, count: added)
  }

  /// Uncounts every recorded entry from `scratch`'s ledger and unmarks the recorded frames,
  /// without marking chunks (a scratch going back to the pool: its ledger is zero again).
  func uncountAll(_ scratch: InvariantScratch) {
    let frameCount = UInt64(scratch.frameCount)
    for node in 0..<level.count where level[node] != 0 {
      let code = level[node]
      let copy = mirror + (node << 9)
      for i in 0..<512 where !copy[i].isNone {
        let entry = copy[i]
        var refs: UnsafeMutablePointer<Int32>?
        if code == 1 || ((code == 2 || code == 3) && (entry.isHuge || entry.isSwap || entry.isProtNone)) {
          if InvariantLedgerUpdate.isMigration(entry) {
            refs = scratch.migrationRefs
          } else if InvariantLedgerUpdate.mapsFrame(entry) {
            refs = code == 1 ? scratch.pteRefs : scratch.leafRefs
          }
        }
        guard let refs, entry.pfn.rawValue < frameCount else { continue }
        let index = Int(entry.pfn.rawValue)
        refs[index] -= 1
        scratch.chunkRefs[index >> FrameTable.chunkShift] -= 1
      }
      if frame[node] != UInt32.max {
        let index = Int(frame[node])
        scratch.tableClaims[index] -= 1
        if scratch.tableClaims[index] == 0 { scratch.tableNodeAt[index] = 0 }
        scratch.chunkTables[index >> FrameTable.chunkShift] -= 1
        frame[node] = UInt32.max
      }
      level[node] = 0
    }
  }

  /// Frees the copy (the scratch's deinit and reset).
  func release() {
    free(mirror)
    mirror = Self.reallocate(nil, entries: 1)
    capacity = 0
    level = []
    used = []
    frame = []
  }

  deinit { free(mirror) }
}
