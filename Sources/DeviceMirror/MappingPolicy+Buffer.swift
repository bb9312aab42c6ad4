import HMM
import MemoryModel

/// The built-in policies whose mappings a device appends to a buffer it keeps from fault to
/// fault: the same mappings, in the same order, as their ``MappingPolicy/mappings(for:start:sizes:memory:)``
/// returns, without a new array (or an array of runs) per fault, and without an existential
/// call.
enum BuiltInPolicy {
  case base, mapOrder, scan

  /// The kind of `policy`, nil for any other policy (a preset, `folio-order`, one's own).
  init?(_ policy: any MappingPolicy) {
    switch policy {
    case is BasePolicy: self = .base
    case is MapOrderPolicy, is PTEBatchPolicy: self = .mapOrder  // pte-batch maps as map-order does
    case is ScanPolicy: self = .scan
    default: return nil
    }
  }

  /// Appends to `result` exactly what the policy's `mappings(for:start:sizes:memory:)` returns.
  func appendMappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, into result: inout [DeviceMapping]) {
    switch self {
    case .base:
      pfns.withUnsafeBufferPointer { entries in
        for i in entries.indices where entries[i].isValid {
          let entry = entries[i]
          result.append(DeviceMapping(start: start + UInt64(i) << 12, size: .size4K, pfn: entry.pfn, isWritable: entry.isWritable))
        }
      }
    case .mapOrder:
      let policy = MapOrderPolicy()
      HMM.forEachRunByMapOrder(pfns, start: start) { run in
        if run.flags.isValid { policy.cover(run, maxOrder: run.order, sizes: sizes, into: &result) }
      }
    case .scan:
      let policy = ScanPolicy()
      HMM.forEachRunByScanning(pfns, start: start) { run in
        if run.flags.isValid { policy.cover(run, maxOrder: 18, sizes: sizes, into: &result) }
      }
    }
  }
}
