import HMM
import MemoryModel

/// `gpusvm`: drm_gpusvm as Intel Xe uses it. A fault creates a range of the largest chunk size
/// (2M, 64K, 4K) whose aligned block around the address fits inside the VMA and the 512 MiB
/// notifier window and overlaps no existing range (`drm_gpusvm_range_chunk_size`); the range's
/// pages are mapped by the map order clipped to the range (`drm_gpusvm_hmm_pfn_to_order`).
/// Ranges are never split or merged: any invalidation zaps the whole ranges it touches, and an
/// unmap destroys them (the garbage collector), so the next fault creates them afresh.
///
/// Simplification: the CPU-population check (`check_pages_threshold`) is 0, as on integrated
/// parts; the 64K "compact table" condition of xe_pt is not modelled (a 64K device page needs
/// only an aligned, contiguous 64K).
public final class GPUSVMPolicy: MappingPolicy, DriverFaultRules {
  /// The chunk sizes, largest first (Xe: `fault_chunk_sizes`).
  public let chunkSizes: [UInt64]
  /// The notifier window (`svm_notifier_size`, 512 MiB).
  public let notifierSize: UInt64
  /// The live ranges, sorted by start.
  public private(set) var ranges: [(start: VirtualAddress, end: VirtualAddress)] = []
  /// Ranges destroyed by unmaps (garbage-collected).
  public private(set) var rangesDestroyed = 0

  /// Creates the policy with Xe's defaults.
  public init(chunkSizes: [UInt64] = [2 << 20, 64 << 10, 4 << 10], notifierSize: UInt64 = 512 << 20) {
    self.chunkSizes = chunkSizes.sorted(by: >)
    self.notifierSize = notifierSize
  }

  /// `gpusvm`.
  public var name: String { "gpusvm" }

  /// The map order clipped to the range (`HMM.runsByMapOrder(_:start:)` clips at both ends).
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    MapOrderPolicy().mappings(for: pfns, start: start, sizes: sizes, memory: memory)
  }

  /// The index of the first range ending after `address`.
  private func firstRange(endingAfter address: VirtualAddress) -> Int {
    var low = 0
    var high = ranges.count
    while low < high {
      let mid = (low + high) / 2
      if ranges[mid].end <= address { low = mid + 1 } else { high = mid }
    }
    return low
  }

  private func overlapsRange(_ start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    let i = firstRange(endingAfter: start)
    return i < ranges.count && ranges[i].start < end
  }

  /// The existing range containing `address`, or a new one of the largest chunk that fits.
  /// - Throws: `-EINVAL` when no chunk fits (`LONG_MAX` from the chunk-size search).
  public func faultRange(at address: VirtualAddress, vma: VMA, window: (start: VirtualAddress, end: VirtualAddress))
    throws(HMMError) -> (start: VirtualAddress, end: VirtualAddress)
  {
    let i = firstRange(endingAfter: address)
    if i < ranges.count && ranges[i].start <= address { return ranges[i] }
    let notifierStart = address.alignedDown(to: notifierSize)
    let notifierEnd = notifierStart + notifierSize
    for chunk in chunkSizes {
      let start = address.alignedDown(to: chunk)
      let end = start + chunk
      guard start >= vma.start, end <= vma.end, start >= notifierStart, end <= notifierEnd else { continue }
      if chunk != 4096 && overlapsRange(start, end) { continue }
      ranges.insert((start, end), at: firstRange(endingAfter: start))
      return (start, end)
    }
    throw .invalidArgument("gpusvm: no chunk size fits the VMA at \(address)")
  }

  /// Whole ranges: the span grows to the boundaries of every range it touches; an unmap also
  /// destroys them (a partial unmap tears the whole range down).
  public func invalidationSpan(_ range: InvalidationRange) -> (start: VirtualAddress, end: VirtualAddress) {
    var low = range.start
    var high = range.end
    var i = firstRange(endingAfter: range.start)
    while i < ranges.count && ranges[i].start < range.end {
      low = min(low, ranges[i].start)
      high = max(high, ranges[i].end)
      if range.event == .unmap || range.event == .release {
        ranges.remove(at: i)
        rangesDestroyed += 1
      } else {
        i += 1
      }
    }
    return (low, high)
  }
}
