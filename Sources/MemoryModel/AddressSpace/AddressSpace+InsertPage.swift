/// `vm_insert_page`: a driver's `mmap` handler populating a `VM_MIXEDMAP` VMA with pages it
/// allocated (what `lib/test_hmm.c` does when its device file is mapped).
extension AddressSpace {
  /// Allocates a zeroed page for every page of `[address, address + length)` and maps it there
  /// with the VMA's protection (read-only in a private mapping, as `vma->vm_page_prot` has no
  /// write permission there), marking the VMA `VM_MIXEDMAP`. The driver drops its own reference
  /// at once (`__free_page` after `vm_insert_page`), so the pages live as long as their mappings.
  /// Populating empty entries raises no invalidation.
  /// - Throws: `EINVAL` when the range is not inside one VMA or already populated, `ENOMEM` when
  ///   no frame is free.
  public func insertDriverPages(_ address: VirtualAddress, _ length: UInt64) throws(SyscallError) {
    let end = try checkedRange(address, length, "vm_insert_page")
    guard let index = vmaIndex(containing: address), end <= vmas[index].end else {
      throw SyscallError(.EINVAL, "vm_insert_page: \(address)+\(formatSize(length)) is not inside one VMA")
    }
    vmas[index].flags.insert(.mixedmap)
    let vma = vmas[index]
    let writable = vma.isShared && vma.protection.contains(.write)
    var page = address
    while page < end {
      guard pageTable.slot(for: page, level: .pud, allocate: true) != nil,
        let slot = pageTable.slot(for: page, level: .pte, allocate: true)
      else { throw SyscallError(.ENOMEM, "vm_insert_page: no frame for a page table") }
      guard pageTable.entry(at: slot).isNone else { throw SyscallError(.EINVAL, "vm_insert_page: \(page) is already mapped") }
      guard let pfn = memory.allocateFolio(order: 0, kind: .driver) else { throw SyscallError(.ENOMEM, "vm_insert_page: no free page") }
      memory.clearContents(pfn)
      pageTable.setEntry(.present(pfn, writable: writable), at: slot)
      addPTEMapping(pfn)
      page = page + 4096
    }
  }
}
