import MemoryModel

/// Anything that mirrors part of a process's address space into its own translations — what the
/// safety oracle inspects.
public protocol MirroringDevice: AnyObject {
  /// The device's name, for reports.
  var name: String { get }
  /// The address space it mirrors (nil before `mirror` and after exit).
  var mirroredSpace: AddressSpace? { get }
  /// Every translation the device holds in its page table.
  var deviceMappings: [DeviceMapping] { get }
  /// Every range its TLB caches.
  var cachedTranslations: [(start: VirtualAddress, size: DevicePageSize)] { get }
  /// The translations that overlap `[start, end)`.
  func deviceMappings(overlapping start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping]
}

extension MirroringDevice {
  /// The translations that overlap `[start, end)` (by filtering every translation).
  public func deviceMappings(overlapping start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping] {
    deviceMappings.filter { $0.start < end && start < $0.end }
  }
}
