import HMM
import MemoryModel

/// `odp`: RDMA on-demand paging (`ib_umem_odp`, mlx5). A memory region has one fixed page
/// shift (PAGE_SHIFT, or the huge-page shift with `IB_ACCESS_HUGETLB`); a fault maps the
/// region-page around the address and refuses, with `-EINVAL`, any entry whose map order is
/// below it ("the HMM mapping is smaller than the MR page size"): a 2 MiB region the CPU maps
/// with PTEs cannot be mapped.
public final class ODPPolicy: MappingPolicy, DriverFaultRules {
  /// The MR page size.
  public let pageSize: DevicePageSize
  /// Faults refused by the order check.
  public private(set) var orderRejections = 0

  /// Creates the policy with MR page size `pageSize` (4K or 2M).
  public init(pageSize: DevicePageSize = .size4K) { self.pageSize = pageSize }
  /// `odp` (`odp-2M` for a huge-page MR).
  public var name: String { pageSize == .size4K ? "odp" : "odp-\(pageSize)" }

  /// One MR page around the address, clipped to the VMA.
  public func faultRange(at address: VirtualAddress, vma: VMA, window: (start: VirtualAddress, end: VirtualAddress))
    throws(HMMError) -> (start: VirtualAddress, end: VirtualAddress)
  {
    let start = address.alignedDown(to: pageSize.bytes)
    return (max(start, vma.start), min(start + pageSize.bytes, vma.end))
  }

  /// `hmm_order + PAGE_SHIFT < page_shift` → `-EINVAL`.
  public func validate(_ pfns: [HMMPFN], start: VirtualAddress) throws(HMMError) {
    var i = 0
    while i < pfns.count {
      let entry = pfns[i]
      if entry.isValid && entry.mapOrder < pageSize.order {
        orderRejections += 1
        throw .invalidArgument("odp: the HMM mapping at \(start + UInt64(i) << 12) (order \(entry.mapOrder)) is smaller than the MR page size \(pageSize)")
      }
      i += max(1, pageSize.pageCount)
    }
  }

  /// One mapping of the MR page size per region page (stride `1 << (page_shift - PAGE_SHIFT)`).
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    var i = 0
    while i < pfns.count {
      let entry = pfns[i]
      let address = start + UInt64(i) << 12
      // An MR page the CPU maps with smaller pages is refused (``validate(_:start:)``), not mapped.
      if entry.isValid && entry.mapOrder >= pageSize.order && address.isAligned(to: pageSize.bytes) && i + pageSize.pageCount <= pfns.count {
        result.append(DeviceMapping(start: address, size: pageSize, pfn: entry.pfn, isWritable: entry.isWritable))
      }
      i += pageSize.pageCount
    }
    return result
  }
}
