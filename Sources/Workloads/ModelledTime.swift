/// Modelled device time of a run, in nanoseconds, by cause.
public struct ModelledTime: Hashable, Sendable, Codable {
  /// Far-fault latency, once per fault batch.
  public var farFault = 0.0
  /// Driver work per fault (``DeviceCostModel/faultServiceNS``).
  public var faultService = 0.0
  /// `hmm_range_fault()` entries.
  public var hmmWalk = 0.0
  /// DMA mapping of segments.
  public var dmaMap = 0.0
  /// Device page-table updates (binds).
  public var pageTableUpdate = 0.0
  /// `migrate_vma` bookkeeping, both ways.
  public var migration = 0.0
  /// Copies to (and back from) device memory.
  public var copy = 0.0
  /// Page walks on TLB misses.
  public var tlbWalk = 0.0
  /// Invalidation callbacks.
  public var invalidation = 0.0
  /// TLB shootdowns.
  public var shootdown = 0.0

  /// An empty breakdown.
  public init() {}

  /// The causes with their names, in report order.
  public var causes: [(name: String, nanoseconds: Double)] {
    [("far-fault", farFault), ("fault-service", faultService), ("hmm-walk", hmmWalk), ("dma-map", dmaMap),
     ("pt-update", pageTableUpdate), ("migration", migration), ("copy", copy), ("tlb-walk", tlbWalk),
     ("invalidation", invalidation), ("shootdown", shootdown)]
  }

  /// The sum.
  public var total: Double { causes.reduce(0) { $0 + $1.nanoseconds } }

  /// What a fault's servicing cost, without the far-fault latency.
  public var faultPath: Double { faultService + hmmWalk + dmaMap + pageTableUpdate + migration + copy }
}
