import MemoryModel

/// A run of an `hmm_range_fault()` output that a device can map with one kind of mapping: a
/// start address, a size, the flags and the order of the pages in it, and the first PFN.
public struct HMMRun: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// Bytes covered.
  public var size: UInt64
  /// VALID/WRITE/ERROR (and sticky) flags shared by every page.
  public var flags: HMMPFN
  /// The map order shared by every page (0 for 4 KiB pages).
  public var order: Int
  /// The first page's PFN (meaningful when VALID).
  public var pfn: PFN

  /// One past the last address.
  public var end: VirtualAddress { start + size }
  /// The number of 4 KiB pages.
  public var pageCount: Int { Int(size >> 12) }

  /// `start-end size valid write order=9 pfn=0x…`.
  public var description: String {
    var text = "\(start)-\(end) \(formatSize(size))"
    if flags.isError { return text + " error" }
    if !flags.isValid { return text + " none" }
    text += flags.isWritable ? " valid write" : " valid read"
    text += " order=\(order) pfn=\(pfn)"
    return text
  }
}

extension HMM {
  /// Runs of an output array, using the map order to step over whole large mappings — what a
  /// driver that trusts `hmm_pfn_to_map_order()` does (nouveau, drm_gpusvm). A VALID entry of
  /// order k starts a run covering the rest of its order-aligned block (clipped to the range)
  /// without looking at the entries inside; consecutive order-0 entries with the same flags and
  /// consecutive PFNs join one order-0 run. Invalid entries join runs of equal flags.
  /// - Complexity: O(number of runs + order-0 entries).
  public static func runsByMapOrder(_ pfns: [HMMPFN], start: VirtualAddress) -> [HMMRun] {
    var runs: [HMMRun] = []
    forEachRunByMapOrder(pfns, start: start) { runs.append($0) }
    return runs
  }

  /// Runs of an output array found without the map order, by inspecting every entry, as RDMA
  /// ODP did before the order existed: a 2 MiB-aligned block of 512 VALID entries with equal
  /// flags and consecutive PFNs starting at a 2 MiB-aligned PFN becomes one order-9 run (and
  /// likewise 1 GiB blocks, order 18); everything else is merged as in ``runsByMapOrder(_:start:)``
  /// with order 0.
  /// - Complexity: O(entries): every entry is read.
  public static func runsByScanning(_ pfns: [HMMPFN], start: VirtualAddress) -> [HMMRun] {
    var runs: [HMMRun] = []
    forEachRunByScanning(pfns, start: start) { runs.append($0) }
    return runs
  }
}
