import HMM
import MemoryModel

/// `nouveau`: one page per fault (`nouveau_svm_fault` since 5.9), mapped at the CPU's map order:
/// when `hmm_range_fault()` reports order 9 for the faulting page, the whole 2 MiB is mapped
/// from the head of the huge page (`nouveau_hmm_convert_pfn`), since the CPU maps all of it.
/// The device has 4K and 2M pages. Use it with a 4 KiB fault window (``DriverPreset/nouveau``).
public struct NouveauPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `nouveau`.
  public var name: String { "nouveau" }

  /// For each VALID entry, the largest ladder size no larger than its map order, aligned down
  /// around it (the PFN moved to the head of the CPU's huge mapping), with its permission.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    var coveredUntil = VirtualAddress(0)
    for (i, entry) in pfns.enumerated() where entry.isValid {
      let address = start + UInt64(i) << 12
      guard address >= coveredUntil else { continue }
      let size = sizes.largest(atMostOrder: entry.mapOrder)
      let blockStart = address.alignedDown(to: size.bytes)
      let pfn = PFN(entry.pfn.rawValue - ((address - blockStart) >> 12))
      let mapping = DeviceMapping(start: blockStart, size: size, pfn: pfn, isWritable: entry.isWritable)
      result.append(mapping)
      coveredUntil = mapping.end
    }
    return result
  }
}
