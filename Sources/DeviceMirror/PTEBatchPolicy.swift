import HMM
import MemoryModel

/// `pte-batch` (an experiment, not Linux): the device asks `hmm_range_fault()` for the
/// `HMM.HMMOrderHint.pteBatch` orders and maps by them as `map-order` does, so PTE-mapped
/// large folios (mTHP) get large device pages where their PTEs agree — what a contiguous-PTE
/// hint in `hmm_range_fault()` would give a driver that trusts the order.
public struct PTEBatchPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `pte-batch`.
  public var name: String { "pte-batch" }
  /// Mappings from `HMM.runsByMapOrder(_:start:)` over the hinted orders.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    MapOrderPolicy().mappings(for: pfns, start: start, sizes: sizes, memory: memory)
  }
}
