/// Per-device counters.
public struct DeviceCounters: Sendable, Equatable {
  /// Device accesses.
  public var accesses = 0
  /// Device page faults (an access that found no usable translation).
  public var faults = 0
  /// Fault windows resolved through HMM.
  public var faultWindows = 0
  /// `hmm_range_fault()` calls.
  public var hmmCalls = 0
  /// `hmm_range_fault()` output entries written.
  public var entriesWalked = 0
  /// Retries: `-EBUSY` results and sequence changes seen under the driver lock.
  public var busyRetries = 0
  /// Device mappings created, by size.
  public var mappingsCreated: [DevicePageSize: Int] = [:]
  /// Device mappings removed by invalidations, by size.
  public var mappingsRemoved: [DevicePageSize: Int] = [:]
  /// Invalidations delivered to the device.
  public var invalidations = 0
  /// TLB hits.
  public var tlbHits = 0
  /// TLB misses.
  public var tlbMisses = 0
  /// Page-walk steps taken on TLB misses.
  public var walkSteps = 0

  /// Looks a counter up by its scenario-language name (`faults`, `fault-windows`, `hmm-calls`,
  /// `entries-walked`, `retries`, `invalidations`, `tlb-hits`, `tlb-misses`, `walk-steps`,
  /// `accesses`, `mappings-created`, `mappings-removed`, `mappings-created-2M`, …).
  public func value(named name: String) -> Int? {
    switch name {
    case "accesses": return accesses
    case "faults": return faults
    case "fault-windows": return faultWindows
    case "hmm-calls": return hmmCalls
    case "entries-walked": return entriesWalked
    case "retries": return busyRetries
    case "invalidations": return invalidations
    case "tlb-hits": return tlbHits
    case "tlb-misses": return tlbMisses
    case "walk-steps": return walkSteps
    case "mappings-created": return mappingsCreated.values.reduce(0, +)
    case "mappings-removed": return mappingsRemoved.values.reduce(0, +)
    default:
      for size in DevicePageSize.allCases {
        if name == "mappings-created-\(size)" { return mappingsCreated[size] ?? 0 }
        if name == "mappings-removed-\(size)" { return mappingsRemoved[size] ?? 0 }
      }
      return nil
    }
  }

  /// Every counter name ``value(named:)`` knows.
  public static let names: [String] = ["accesses", "faults", "fault-windows", "hmm-calls", "entries-walked", "retries",
                                       "invalidations", "tlb-hits", "tlb-misses", "walk-steps", "mappings-created",
                                       "mappings-removed"]
    + DevicePageSize.allCases.flatMap { ["mappings-created-\($0)", "mappings-removed-\($0)"] }
}

extension DeviceCounters {
  /// Adds mappings counted by size (4K, 64K, 2M, 1G) to `counts`, one dictionary update per size
  /// that has any.
  static func add(_ bySize: (Int, Int, Int, Int), to counts: inout [DevicePageSize: Int]) {
    if bySize.0 > 0 { counts[.size4K, default: 0] += bySize.0 }
    if bySize.1 > 0 { counts[.size64K, default: 0] += bySize.1 }
    if bySize.2 > 0 { counts[.size2M, default: 0] += bySize.2 }
    if bySize.3 > 0 { counts[.size1G, default: 0] += bySize.3 }
  }
}
