import MemoryModel

/// Real drivers' SVM policies as device presets: the fault window, page ladder and rules each
/// uses (docs/drivers.md gives the sources).
public enum DriverPreset: String, CaseIterable, Sendable {
  /// drm_gpusvm + Intel Xe: ranges of 2M/64K/4K chunks, map order clipped to the range,
  /// 4K/64K/2M/1G device pages.
  case gpusvm
  /// nouveau: one page per fault, mapped at the CPU's map order; 4K and 2M pages.
  case nouveau
  /// amdkfd: 2 MiB granularity, fragments rediscovered from contiguity (VRAM only); 4K and 2M.
  case amdkfd
  /// RDMA ODP with a 4 KiB MR page size.
  case odp
  /// RDMA ODP with `IB_ACCESS_HUGETLB`: a 2 MiB MR page size; orders below it fail with -EINVAL.
  case odp2M = "odp-2M"
  /// NVIDIA UVM for HMM memory: 2 MiB VA blocks, 4 KiB device pages.
  case uvmHMM = "uvm-hmm"

  /// The device page sizes the driver's hardware maps.
  public var pageSizes: DevicePageSizes {
    switch self {
    case .gpusvm: .xe
    case .nouveau: DevicePageSizes([.size4K, .size2M])
    case .amdkfd: .amd
    case .odp: .base
    case .odp2M: DevicePageSizes([.size4K, .size2M])
    case .uvmHMM: .nvidia
    }
  }

  /// The default fault window (rules may replace it per fault).
  public var faultWindow: UInt64 {
    switch self {
    case .nouveau, .odp: 4096
    case .gpusvm, .amdkfd, .odp2M, .uvmHMM: 2 << 20
    }
  }

  /// A fresh policy (stateful ones keep their ranges per device).
  public func makePolicy() -> any MappingPolicy {
    switch self {
    case .gpusvm: GPUSVMPolicy()
    case .nouveau: NouveauPolicy()
    case .amdkfd: AMDKFDPolicy()
    case .odp: ODPPolicy(pageSize: .size4K)
    case .odp2M: ODPPolicy(pageSize: .size2M)
    case .uvmHMM: UVMHMMPolicy()
    }
  }

  /// A device configured as the driver configures its hardware; `pageSizes` overrides the ladder.
  public func makeDevice(name: String, ownerID: Int, pageSizes: DevicePageSizes? = nil, placement: Device.Placement = .system,
                         deviceMemoryBytes: UInt64 = 0) -> Device {
    let ladder = pageSizes ?? self.pageSizes
    return Device(name: name, ownerID: ownerID, pageSizes: ladder, policy: makePolicy(), faultWindow: faultWindow,
                  placement: placement, deviceMemoryBytes: deviceMemoryBytes)
  }
}
