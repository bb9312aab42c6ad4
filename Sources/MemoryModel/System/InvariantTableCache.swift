/// What the incremental invariant check read in one address space's page-table nodes, by node,
/// with the node's ``PageTable/nodeGeneration`` then. Every entry write goes through
/// `PageTable.setEntry`, which stamps the node with a new generation: a node whose generation is
/// unchanged holds the same entries, so its used count and the frames of its PTE runs are taken
/// from here instead of being read and checked again (the frames' descriptors are checked anew
/// wherever they changed: the incremental check replays every frame of a changed chunk through
/// `MappingCounter.stillMappable`). The full check never uses it.
final class InvariantTableCache {
  /// One run of PTEs the walk handed over, and the frames it counted (it found no problem).
  struct Run {
    var generation: UInt64
    /// The run's first entry in its node, and its length.
    var first: Int
    var count: Int
    var pte: [UInt32]
    var migration: [UInt32]
  }

  /// The table this describes (another table, say after exec, starts a fresh cache).
  let table: PageTable
  /// Per node: the generation `used` was counted at (`UInt64.max`: not counted), and the
  /// node's non-empty entries then.
  private(set) var usedGeneration: [UInt64] = []
  private(set) var used: [Int32] = []
  /// Per node: its clean PTE runs at one generation.
  private(set) var runs: [[Run]] = []

  /// Per node: runs of PTEs outside every VMA found empty, at one generation (`pte` unused).
  private(set) var emptyRuns: [[Run]] = []

  init(table: PageTable) { self.table = table }

  /// Where a run of PTEs a walk of ``table`` handed over lies: its node, the node's generation
  /// now, and the run's first entry in the node.
  func position(of entries: UnsafeBufferPointer<PageTableEntry>) -> (node: Int, generation: UInt64, first: Int)? {
    guard let base = entries.baseAddress else { return nil }
    let flat = UnsafePointer(table.entries.base).distance(to: base)
    return (flat >> 9, table.nodeGeneration[flat >> 9], flat & 511)
  }

  /// Whether the run of `count` entries from `first` in node `node` was found empty at `generation`.
  func isEmptyRun(node: Int, generation: UInt64, first: Int, count: Int) -> Bool {
    guard node < emptyRuns.count else { return false }
    return emptyRuns[node].contains { $0.generation == generation && $0.first == first && $0.count == count }
  }

  /// Records a run found empty (runs of older generations of the node are dropped).
  func recordEmptyRun(node: Int, generation: UInt64, first: Int, count: Int) {
    while emptyRuns.count <= node { emptyRuns.append([]) }
    emptyRuns[node].removeAll { $0.generation != generation || ($0.first == first && $0.count == count) }
    emptyRuns[node].append(Run(generation: generation, first: first, count: count, pte: [], migration: []))
  }

  /// The non-empty entries node `node` had at `generation`, if counted then.
  func usedCount(node: Int, generation: UInt64) -> Int32? {
    node < usedGeneration.count && usedGeneration[node] == generation ? used[node] : nil
  }

  /// Remembers that node `node` had `count` non-empty entries at `generation`.
  func setUsedCount(_ count: Int32, node: Int, generation: UInt64) {
    while usedGeneration.count <= node {
      usedGeneration.append(UInt64.max)
      used.append(0)
    }
    usedGeneration[node] = generation
    used[node] = count
  }

  /// The clean run of `count` entries from `first` in node `node` at `generation`, if recorded.
  func run(node: Int, generation: UInt64, first: Int, count: Int) -> Run? {
    guard node < runs.count else { return nil }
    for run in runs[node] where run.generation == generation && run.first == first && run.count == count { return run }
    return nil
  }

  /// Records a clean run (runs of older generations of the node are dropped).
  func record(_ run: Run, node: Int) {
    while runs.count <= node { runs.append([]) }
    runs[node].removeAll { $0.generation != run.generation || ($0.first == run.first && $0.count == run.count) }
    runs[node].append(run)
  }
}
