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
  /// Device mappings created, by size (sizes with none left out).
  public var mappingsCreated: [DevicePageSize: Int] {
    get { created.dictionary }
    set { created = SizeCounts(newValue) }
  }
  /// Device mappings removed by invalidations, by size (sizes with none left out).
  public var mappingsRemoved: [DevicePageSize: Int] {
    get { removed.dictionary }
    set { removed = SizeCounts(newValue) }
  }
  /// The storage of ``mappingsCreated``: no hashing per fault.
  var created = SizeCounts()
  /// The storage of ``mappingsRemoved``.
  var removed = SizeCounts()
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
    case "mappings-created": return created.total
    case "mappings-removed": return removed.total
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
  /// A count per device page size (4K, 64K, 2M, 1G).
  struct SizeCounts: Sendable, Equatable {
    var counts = (0, 0, 0, 0)

    init() {}

    init(_ dictionary: [DevicePageSize: Int]) {
      for (size, n) in dictionary { self[size] = n }
    }

    subscript(size: DevicePageSize) -> Int {
      get {
        switch size {
        case .size4K: counts.0
        case .size64K: counts.1
        case .size2M: counts.2
        case .size1G: counts.3
        }
      }
      set {
        switch size {
        case .size4K: counts.0 = newValue
        case .size64K: counts.1 = newValue
        case .size2M: counts.2 = newValue
        case .size1G: counts.3 = newValue
        }
      }
    }

    var total: Int { counts.0 + counts.1 + counts.2 + counts.3 }

    /// The non-zero counts.
    var dictionary: [DevicePageSize: Int] {
      var result: [DevicePageSize: Int] = [:]
      for size in DevicePageSize.allCases where self[size] != 0 { result[size] = self[size] }
      return result
    }

    static func == (lhs: SizeCounts, rhs: SizeCounts) -> Bool { lhs.counts == rhs.counts }
  }
}
