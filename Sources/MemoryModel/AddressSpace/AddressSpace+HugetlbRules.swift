/// The argument rules hugetlb VMAs add to the system calls (`hugetlb_vm_op_split`,
/// `hugetlbfs_file_mmap`, the hugetlb branches of `madvise` and `mremap`): a hugetlb page is
/// mapped, changed and unmapped whole, never in part.
extension AddressSpace {
  /// Refuses a VMA split at `address` inside a hugetlb page (`hugetlb_vm_op_split()`, which
  /// `__split_vma()` asks first): every operation that would cut a hugetlb VMA there — `munmap`,
  /// `mmap` with `MAP_FIXED` over it — fails with `EINVAL` before it changes anything.
  func checkHugetlbSplit(at address: VirtualAddress, _ call: String) throws(SyscallError) {
    _ = try hugetlbEdges(address, address, call, changes: { _ in true })
  }

  /// The edges of `[start, end)` for a call that changes VMAs (`mprotect`, `madvise` of VMA
  /// flags): an edge inside a hugetlb page of a VMA the call changes is `EINVAL`; a hugetlb VMA
  /// at an edge that the call leaves as it is is dropped from the range instead, because Linux
  /// returns before splitting a VMA whose flags do not change (`mprotect_fixup()`,
  /// `madvise_update_vma()`) — `mprotect h+4K 4K rw` of a read-write hugetlb mapping succeeds.
  /// - Returns: the range to work on (empty when nothing changes).
  func hugetlbEdges(_ start: VirtualAddress, _ end: VirtualAddress, _ call: String,
                    changes: (VMA) -> Bool) throws(SyscallError) -> (start: VirtualAddress, end: VirtualAddress) {
    var from = start
    var to = end
    for edge in [start, end] {
      guard let index = vmaIndex(containing: edge), vmas[index].start != edge,
        let size = vmas[index].hugetlbPageSize, !edge.isAligned(to: size.bytes)
      else { continue }
      guard !changes(vmas[index]) else {
        throw SyscallError(.EINVAL, "\(call): \(edge) is inside a \(size) hugetlb page (a hugetlb VMA is split only at page boundaries)")
      }
      if edge == start { from = min(vmas[index].end, end) } else { to = max(vmas[index].start, from) }
    }
    return (from, max(from, to))
  }

  /// The end of `[start, end)` in the VMA at `index` after the hugetlb rule of `MADV_DONTNEED`
  /// (`madvise_dontneed_free_valid_vma()`): the start must be aligned to the VMA's huge page
  /// size, and the end is rounded down to it, so that a caller unaware of huge pages loses no
  /// data (`madvise h 4K dontneed` drops nothing and succeeds).
  func hugetlbDontneedEnd(_ index: Int, _ start: VirtualAddress, _ end: VirtualAddress) throws(SyscallError) -> VirtualAddress {
    guard let size = vmas[index].hugetlbPageSize else { return end }
    guard start.isAligned(to: size.bytes) else {
      throw SyscallError(.EINVAL, "madvise: DONTNEED from \(start), inside a \(size) hugetlb page")
    }
    return max(start, end.alignedDown(to: size.bytes))
  }

  /// The rules `mremap` adds for a hugetlb VMA: the address and the new address aligned to the
  /// huge page size, both lengths rounded up to it, never growing and no `MREMAP_DONTUNMAP`
  /// (hugetlb VMAs are `VM_DONTEXPAND`).
  /// - Returns: the rounded old and new lengths.
  func hugetlbRemapLengths(_ size: PageSize, _ address: VirtualAddress, oldLength: UInt64, newLength: UInt64,
                           fixedAddress: VirtualAddress?, dontUnmap: Bool) throws(SyscallError) -> (old: UInt64, new: UInt64) {
    guard address.isAligned(to: size.bytes) else {
      throw SyscallError(.EINVAL, "mremap: \(address) is not aligned to the \(size) hugetlb page size")
    }
    if let fixedAddress, !fixedAddress.isAligned(to: size.bytes) {
      throw SyscallError(.EINVAL, "mremap: the new address \(fixedAddress) is not aligned to the \(size) hugetlb page size")
    }
    let old = VirtualAddress(oldLength).alignedUp(to: size.bytes).rawValue
    let new = VirtualAddress(newLength).alignedUp(to: size.bytes).rawValue
    guard new <= old else { throw SyscallError(.EINVAL, "mremap: a hugetlb mapping cannot grow") }
    guard !dontUnmap else { throw SyscallError(.EINVAL, "mremap: MREMAP_DONTUNMAP does not apply to hugetlb (VM_DONTEXPAND) mappings") }
    return (old, new)
  }
}
