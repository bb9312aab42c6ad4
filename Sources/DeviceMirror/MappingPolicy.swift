import HMM
import MemoryModel

/// How a device turns one `hmm_range_fault()` result into device mappings.
public protocol MappingPolicy {
  /// The policy's name in the scenario language (`base`, `map-order`, `scan`, `folio-order`).
  var name: String { get }
  /// The mappings to create for the output `pfns` of `[start, start + 4K * pfns.count)`.
  /// - Parameters:
  ///   - pfns: the output entries of `hmm_range_fault()`, one per 4 KiB page.
  ///   - start: the virtual address of the first entry.
  ///   - sizes: the device's page-size ladder.
  ///   - memory: physical memory (only a policy that ignores the CPU mapping looks at folios).
  func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping]
}

extension MappingPolicy {
  /// Covers `run` greedily with the largest sizes of `sizes` no larger than `maxOrder` whose VA and
  /// PFN are both aligned and that fit inside the run: the building block of the built-in
  /// policies, for a policy of one's own too.
  /// - Parameters:
  ///   - run: a run of entries with equal flags and consecutive PFNs (from
  ///     `HMM.runsByMapOrder(_:start:)` or `HMM.runsByScanning(_:start:)`).
  ///   - maxOrder: the largest device page order to use (the run's map order for `map-order`).
  ///   - sizes: the device's page-size ladder.
  ///   - result: where the mappings are appended, writable where the run is.
  public func cover(_ run: HMMRun, maxOrder: Int, sizes: DevicePageSizes, into result: inout [DeviceMapping]) {
    var address = run.start
    let end = run.end
    while address < end {
      let pfn = run.pfn + ((address - run.start) >> 12)
      var chosen = DevicePageSize.size4K
      for size in sizes.sizes.reversed() where size.order <= maxOrder {
        if address.isAligned(to: size.bytes) && pfn.rawValue & UInt64(size.pageCount - 1) == 0 && address + size.bytes <= end {
          chosen = size
          break
        }
      }
      result.append(DeviceMapping(start: address, size: chosen, pfn: pfn, isWritable: run.flags.isWritable))
      address = address + chosen.bytes
    }
  }
}

/// `base`: 4 KiB device pages only — what HMM-backed memory gets in NVIDIA UVM today.
public struct BasePolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `base`.
  public var name: String { "base" }
  /// One 4 KiB mapping per VALID entry.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    for (i, entry) in pfns.enumerated() where entry.isValid {
      result.append(DeviceMapping(start: start + UInt64(i) << 12, size: .size4K, pfn: entry.pfn, isWritable: entry.isWritable))
    }
    return result
  }
}

/// `map-order`: the largest device page no larger than the CPU mapping (the map order), aligned
/// in VA and PFN, clipped to the faulted range — what nouveau and drm_gpusvm do.
public struct MapOrderPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `map-order`.
  public var name: String { "map-order" }
  /// Mappings from `HMM.runsByMapOrder(_:start:)`.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    for run in HMM.runsByMapOrder(pfns, start: start) where run.flags.isValid {
      cover(run, maxOrder: run.order, sizes: sizes, into: &result)
    }
    return result
  }
}

/// `scan`: rediscovers contiguity by inspecting every entry — runs of VALID pages with equal
/// flags and consecutive PFNs get the largest device pages that fit, whatever the map order
/// says (RDMA ODP before the order existed). Safe page by page at the time of the fault.
public struct ScanPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `scan`.
  public var name: String { "scan" }
  /// Mappings from `HMM.runsByScanning(_:start:)`, each run covered by any aligned size.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    for run in HMM.runsByScanning(pfns, start: start) where run.flags.isValid {
      cover(run, maxOrder: 18, sizes: sizes, into: &result)
    }
    return result
  }
}

/// `folio-order`: maps by the size of the folio behind each page, ignoring how the CPU maps it —
/// the alternative rejected in the seed thread ("the caller should be able to just use
/// page_size()"). It can give the device memory, or write permission, that the CPU does not
/// have; it exists so that the safety oracle can show it.
public struct FolioOrderPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `folio-order`.
  public var name: String { "folio-order" }
  /// For each VALID page, the largest device page no larger than its folio, aligned in VA and
  /// PFN and inside the folio, with the faulting page's permission — even where it reaches
  /// beyond the faulted range.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    var coveredUntil = VirtualAddress(0)
    for (i, entry) in pfns.enumerated() where entry.isValid {
      let address = start + UInt64(i) << 12
      guard address >= coveredUntil else { continue }
      let pfn = entry.pfn
      var chosen = DeviceMapping(start: address, size: .size4K, pfn: pfn, isWritable: entry.isWritable)
      if memory.contains(pfn) && !memory.isZeroPage(pfn) {
        let folio = memory.folio(containing: pfn)
        for size in sizes.sizes.reversed() where size.order <= folio.order && size != .size4K {
          let blockStart = address.alignedDown(to: size.bytes)
          let blockPFN = pfn.rawValue - ((address - blockStart) >> 12)
          if blockPFN & UInt64(size.pageCount - 1) == 0 && blockPFN >= folio.head.rawValue
            && blockPFN + UInt64(size.pageCount) <= folio.head.rawValue + UInt64(folio.pageCount)
          {
            chosen = DeviceMapping(start: blockStart, size: size, pfn: PFN(blockPFN), isWritable: entry.isWritable)
            break
          }
        }
      }
      result.append(chosen)
      coveredUntil = chosen.end
    }
    return result
  }
}

/// Looks a policy up by its scenario-language name.
public func mappingPolicy(named name: String) -> (any MappingPolicy)? {
  switch name {
  case _ where DriverPreset(rawValue: name) != nil: DriverPreset(rawValue: name)!.makePolicy()
  case "base": BasePolicy()
  case "map-order": MapOrderPolicy()
  case "scan": ScanPolicy()
  case "folio-order": FolioOrderPolicy()
  case "pte-batch": PTEBatchPolicy()
  default: nil
  }
}
