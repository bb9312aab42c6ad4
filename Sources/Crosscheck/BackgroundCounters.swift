import LiveLinux

/// Kernel counters that move when background work may have changed a crosscheck's processes
/// behind its back (internal): khugepaged collapses, shrinkers run by reclaim (the deferred-split
/// shrinker among them), and THP allocations that failed (a fragmented machine).
struct BackgroundCounters: Equatable {
  /// `/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed`.
  var khugepagedCollapsed: UInt64?
  /// `/proc/vmstat` `slabs_scanned`: objects scanned by shrinkers (reclaim).
  var shrinkerScanned: UInt64?
  /// `/proc/vmstat` `thp_fault_fallback` + `thp_collapse_alloc_failed`.
  var allocationFailures: UInt64?

  /// The counters now.
  static func read() -> BackgroundCounters {
    #if canImport(Glibc)
    var counters = BackgroundCounters()
    if let text = try? ProcFile.readText("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", pid: nil) {
      counters.khugepagedCollapsed = UInt64(text.filter { $0.isNumber })
    }
    if let vmstat = try? ProcFile.readText("/proc/vmstat", pid: nil) {
      var values: [Substring: UInt64] = [:]
      for line in vmstat.split(separator: "\n") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let value = UInt64(parts[1]) { values[parts[0]] = value }
      }
      counters.shrinkerScanned = values["slabs_scanned"]
      if let fallback = values["thp_fault_fallback"] {
        counters.allocationFailures = fallback + (values["thp_collapse_alloc_failed"] ?? 0)
      }
    }
    return counters
    #else
    return BackgroundCounters()
    #endif
  }

  /// What moved between `earlier` and `self`, in words, with the attributes of a page that
  /// such work can change; empty when nothing moved.
  func changes(since earlier: BackgroundCounters) -> [(attributes: Set<CrosscheckAttribute>, text: String)] {
    var found: [(attributes: Set<CrosscheckAttribute>, text: String)] = []
    if let now = khugepagedCollapsed, let then = earlier.khugepagedCollapsed, now > then {
      found.append(([.present, .pmd, .zero, .order, .write, .sharedWith], "khugepaged collapsed \(now - then) pages"))
    }
    if let now = shrinkerScanned, let then = earlier.shrinkerScanned, now > then {
      found.append(([.present, .order, .zero, .sharedWith],
                    "reclaim ran the shrinkers, the deferred-split shrinker among them (slabs_scanned +\(now - then))"))
    }
    if let now = allocationFailures, let then = earlier.allocationFailures, now > then {
      found.append(([.pmd, .order, .zero, .sharedWith],
                    "THP allocations failed (thp_fault_fallback + thp_collapse_alloc_failed +\(now - then): memory fragmented)"))
    }
    return found
  }
}
