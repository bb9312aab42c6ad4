import DeviceMirror
import HMM
import MemoryModel

/// A deliberately wrong policy: 4 KiB mappings, all writable, whatever the CPU allows — the
/// kind of bug the safety oracle exists to catch (the device could write a page the CPU maps
/// read-only, such as a page shared copy-on-write after fork).
public struct WritableEverywherePolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}

  /// `writable-everywhere`.
  public var name: String { "writable-everywhere" }

  /// One writable 4 KiB mapping per VALID entry.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes,
                       memory: PhysicalMemory) -> [DeviceMapping] {
    pfns.enumerated().compactMap { index, entry in
      entry.isValid ? DeviceMapping(start: start + UInt64(index) << 12, size: .size4K, pfn: entry.pfn, isWritable: true) : nil
    }
  }
}
