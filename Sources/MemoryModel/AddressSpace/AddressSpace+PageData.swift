/// Whole-page accesses that keep a pattern a pattern (``PageData``).
extension AddressSpace {
  /// Writes the whole 4 KiB page at `address` as the CPU would (faulting it in, breaking COW).
  /// - Precondition: `address` is 4 KiB aligned.
  /// - Throws: ``FaultError`` when the page cannot be written.
  public func writePage(_ address: VirtualAddress, _ data: PageData) throws(FaultError) {
    precondition(address.isAligned(to: PageSize.bytes4K), "whole-page writes start at a page")
    let pfn = try access(address, write: true)
    memory.setPage(pfn, data)
  }

  /// Reads the whole 4 KiB page at `address` as the CPU would (faulting it in).
  /// - Precondition: `address` is 4 KiB aligned.
  /// - Throws: ``FaultError`` when the page cannot be read.
  public func readPage(_ address: VirtualAddress) throws(FaultError) -> PageData {
    precondition(address.isAligned(to: PageSize.bytes4K), "whole-page reads start at a page")
    let pfn = try access(address, write: false)
    return memory.page(pfn)
  }
}

extension MemorySystem {
  /// Writes page `index` of `file` whole through the page cache (`pwrite` of 4 KiB at
  /// `index * 4096`), extending the file if needed.
  /// - Throws: `ENOMEM` when no frame is free.
  public func writePage(_ file: File, index: UInt64, _ data: PageData) throws(SyscallError) {
    let offset = index << PageSize.shift4K
    if offset + PageSize.bytes4K > file.size { file.size = offset + PageSize.bytes4K }
    let pfn: PFN
    do { pfn = try pageCacheFolio(file, index, address: VirtualAddress(offset)) } catch {
      throw SyscallError(.ENOMEM, "pwrite: \(error)")
    }
    memory.setPage(pfn, data)
  }
}
