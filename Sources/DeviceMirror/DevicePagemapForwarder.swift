import MemoryModel

/// The `dev_pagemap_ops` a ``Device``'s memory calls: a separate object so that the device
/// itself is never the target of a weak reference (`DeviceMemory.ops` is weak). A weakly
/// referenced Swift object gets a side table, and from then on every retain and release of it —
/// one per interval-notifier callback, per safety-oracle check, per fault — takes the runtime's
/// slow path.
///
/// Lifetime: the device holds its forwarder strongly and is its only owner, so the memory's weak
/// reference to the forwarder becomes nil when the device goes, as its weak reference to the
/// device did; while the forwarder lives, so does the device (`unowned`, checked).
final class DevicePagemapForwarder: DevicePagemapOps {
  /// The device whose memory this is.
  unowned let device: Device

  init(_ device: Device) {
    self.device = device
  }

  func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, pfn: PFN) -> Bool {
    device.migrateToRAM(space, address: address, pfn: pfn)
  }
}
