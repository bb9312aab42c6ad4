import HMM
import MemoryModel

/// `uvm-hmm`: NVIDIA UVM for HMM (non-managed) memory. A fault services the whole 2 MiB
/// `uvm_va_block` around the address (clipped to the VMA) and maps it with 4 KiB device pages
/// only: `block_gpu_supports_2m()` is false for HMM blocks and the map order is ignored.
/// Faults are serviced in batches of 256 (the cost model's `faultBatchSize`).
public struct UVMHMMPolicy: MappingPolicy {
  /// Creates the policy.
  public init() {}
  /// `uvm-hmm`.
  public var name: String { "uvm-hmm" }
  /// One 4 KiB mapping per VALID entry.
  public func mappings(for pfns: [HMMPFN], start: VirtualAddress, sizes: DevicePageSizes, memory: PhysicalMemory) -> [DeviceMapping] {
    BasePolicy().mappings(for: pfns, start: start, sizes: sizes, memory: memory)
  }
}
