import CHMMKit
import MemoryModel

/// Device-private memory added from C: the model's region and the bridge that calls the
/// driver's `migrate_to_ram`.
final class CPagemap: DevicePagemapOps {
  /// The driver's struct.
  let pointer: UnsafeMutablePointer<dev_pagemap>
  /// The machine.
  unowned let machine: CMachine
  /// The model's region (set right after it is added).
  var region: DeviceMemory!

  /// Creates the bridge.
  init(pointer: UnsafeMutablePointer<dev_pagemap>, machine: CMachine) {
    self.pointer = pointer
    self.machine = machine
  }

  /// A CPU fault on one of the region's device-private entries: calls `migrate_to_ram`.
  func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, pfn: PFN) -> Bool {
    guard let ops = pointer.pointee.ops, let callback = ops.pointee.migrate_to_ram else { return false }
    let process = machine.process(for: space)
    var fault = vm_fault(
      vma: lookupVMA(process, address), address: UInt(address.rawValue & ~0xFFF), page: CPages.page(pfn), flags: 0)
    return callback(&fault) == 0
  }
}
