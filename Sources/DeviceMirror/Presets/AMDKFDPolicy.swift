import HMM
import MemoryModel

/// `amdkfd`: KFD SVM with XNACK on. A retry fault validates the granularity-aligned chunk around
/// the address (`granularity` 9: 2 MiB, clipped to the VMA), and `amdgpu_vm_update_range` maps
/// runs it rediscovers in the DMA address array, each with the largest aligned power-of-two
/// "fragment" — it never reads the map order. System pages get fragment 0 (they go through
/// `pages_addr`, "system pages are non continuous"); only VRAM (device memory) gets fragments.
/// Fragments are rounded to the device ladder's sizes (4K, 2M on AMD).
public struct AMDKFDPolicy: MappingPolicy {
  /// log2 of the pages validated per fault (`KFD_IOCTL_SVM_ATTR_GRANULARITY`, default 9).
  public var granularity: Int
  /// Creates the policy.
  public init(granularity: Int = 9) { self.granularity = granularity }
  /// `amdkfd`.
  public var name: String { "amdkfd" }

  /// 4K mappings for system pages; fragments by scanning for device-memory pages.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    for run in HMM.runsByScanning(pfns, start: start) where run.flags.isValid {
      if memory.isDeviceMemory(run.pfn) {
        cover(run, maxOrder: 18, sizes: sizes, into: &result)
      } else {
        cover(run, maxOrder: 0, sizes: sizes, into: &result)
      }
    }
    return result
  }
}
