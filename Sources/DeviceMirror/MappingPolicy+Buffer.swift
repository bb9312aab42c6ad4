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
        if run.flags.isValid { Self.cover(run, maxOrder: run.order, sizes: sizes, policy: policy, into: &result) }
      }
    case .scan:
      let policy = ScanPolicy()
      HMM.forEachRunByScanning(pfns, start: start) { run in
        if run.flags.isValid { Self.cover(run, maxOrder: 18, sizes: sizes, policy: policy, into: &result) }
      }
    }
  }

  /// `policy.cover(run, maxOrder:sizes:into:)`, with a run no larger size can cover anywhere
  /// written as its 4 KiB mappings directly. A size of `P` pages is chosen only where both the
  /// address and its frame are `P`-aligned; along a run the frame minus the page number is one
  /// constant, so when that constant is not `P`-aligned (or the run is shorter than the size, or
  /// the size is above `maxOrder`) the size is never chosen in the run. With no size left, every
  /// step of `cover` picks 4 KiB.
  @inline(__always)
  static func cover(_ run: HMMRun, maxOrder: Int, sizes: DevicePageSizes, policy: some MappingPolicy,
                    into result: inout [DeviceMapping]) {
    if mayCoverLarger(run, maxOrder: maxOrder, sizes: sizes) {
      policy.cover(run, maxOrder: maxOrder, sizes: sizes, into: &result)
      return
    }
    let pages = run.pageCount
    let writable = run.flags.isWritable
    for k in 0..<pages {
      result.append(DeviceMapping(start: run.start + UInt64(k) << 12, size: .size4K, pfn: run.pfn + UInt64(k), isWritable: writable))
    }
  }

  /// Whether `cover` may choose a size larger than 4 KiB anywhere in `run`: false when every
  /// step picks 4 KiB (see ``cover(_:maxOrder:sizes:policy:into:)``), so the run's mappings are
  /// its pages' 4 KiB mappings in order.
  @inline(__always)
  static func mayCoverLarger(_ run: HMMRun, maxOrder: Int, sizes: DevicePageSizes) -> Bool {
    let skew = run.pfn.rawValue &- (run.start.rawValue >> 12)
    for size in sizes.sizes where size != .size4K && size.order <= maxOrder && size.bytes <= run.size
      && skew & UInt64(size.pageCount - 1) == 0 {
      return true
    }
    return false
  }
}
