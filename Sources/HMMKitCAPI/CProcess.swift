import CHMMKit
import MemoryModel

/// `struct mm_struct`: one process of a machine.
final class CProcess {
  /// The machine.
  unowned let machine: CMachine
  /// The address space.
  let space: AddressSpace
  /// The `struct vm_area_struct` copies `vma_lookup()` handed out, by VMA start.
  var vmaCopies: [UInt64: UnsafeMutablePointer<vm_area_struct>] = [:]

  /// Creates the C side of a process.
  init(machine: CMachine, space: AddressSpace) {
    self.machine = machine
    self.space = space
  }

  /// The handle C code holds.
  var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

  /// Frees the VMA copies.
  func freeVMACopies() {
    for copy in vmaCopies.values { copy.deallocate() }
    vmaCopies.removeAll()
  }
}
