import DeviceMirror

/// A policy a study names: one of the plain mapping policies (`base`, `map-order`, `scan`,
/// `folio-order`) or a driver preset (`gpusvm`, `nouveau`, `amdkfd`, `odp`, `odp-2M`, `uvm-hmm`).
public enum DevicePolicyChoice: Hashable, Sendable {
  /// A plain policy with a 2 MiB fault window.
  case plain(String)
  /// A driver preset.
  case preset(DriverPreset)

  /// Every name accepted.
  public static let names = ["base", "map-order", "scan", "folio-order"] + DriverPreset.allCases.map(\.rawValue)

  /// Looks `name` up.
  public init?(named name: String) {
    if let preset = DriverPreset(rawValue: name) {
      self = .preset(preset)
    } else if mappingPolicy(named: name) != nil {
      self = .plain(name)
    } else {
      return nil
    }
  }

  /// The name.
  public var name: String {
    switch self {
    case .plain(let name): name
    case .preset(let preset): preset.rawValue
    }
  }

  /// The ladder used when the study names none (a preset's own; NVIDIA-like for plain ones).
  public var defaultLadder: DevicePageSizes {
    switch self {
    case .plain: .nvidia
    case .preset(let preset): preset.pageSizes
    }
  }

  /// A device with this policy.
  public func makeDevice(name: String, ownerID: Int, pageSizes: DevicePageSizes?, placement: Device.Placement,
                         deviceMemoryBytes: UInt64) -> Device {
    switch self {
    case .plain(let policyName):
      return Device(name: name, ownerID: ownerID, pageSizes: pageSizes ?? defaultLadder, policy: mappingPolicy(named: policyName)!,
                    faultWindow: 2 << 20, placement: placement, deviceMemoryBytes: deviceMemoryBytes)
    case .preset(let preset):
      return preset.makeDevice(name: name, ownerID: ownerID, pageSizes: pageSizes, placement: placement,
                               deviceMemoryBytes: deviceMemoryBytes)
    }
  }
}
