import DeviceMirror
import HMM
import MemoryModel

/// A driver's own policy: map by the CPU's map order, like `map-order`, but never with a device
/// page larger than `cap` — a device whose MMU can map 2 MiB pages but whose driver keeps
/// mappings small so that invalidations tear down less.
///
/// Each run of entries that `hmm_range_fault()` reports with one map order (and equal flags, and
/// consecutive PFNs) is covered greedily by the largest device page that is no larger than the
/// run's order and `cap`, aligned in both VA and PFN, and inside the run (`MappingPolicy`'s
/// `cover(_:maxOrder:sizes:into:)`, which HMMKit's own policies use too).
public struct CappedMapOrderPolicy: MappingPolicy {
  /// The largest device page the policy creates.
  public var cap: DevicePageSize

  /// A policy that maps at most `cap` at a time.
  public init(cap: DevicePageSize) {
    self.cap = cap
  }

  /// `capped-map-order`.
  public var name: String { "capped-map-order" }

  /// Device mappings for the VALID entries of `pfns`, none larger than ``cap``.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes,
                       memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    for run in HMM.runsByMapOrder(pfns, start: start) where run.flags.isValid {
      cover(run, maxOrder: min(run.order, cap.order), sizes: sizes, into: &result)
    }
    return result
  }
}
