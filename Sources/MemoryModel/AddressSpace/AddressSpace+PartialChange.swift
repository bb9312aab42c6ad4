/// `mprotect` and `MADV_(NO)HUGEPAGE` change VMA by VMA, in address order (Linux 6.18,
/// `do_mprotect_pkey()`, `madvise_walk_vmas()`): when the range ends inside a hugetlb page of a
/// VMA that would change, that VMA cannot be split (EINVAL), but the VMAs below it were changed
/// already (measured with `crosscheck --fuzz`).
extension AddressSpace {
  /// ``hugetlbEdges(_:_:_:changes:)`` for a call that changes VMA by VMA: a start inside a
  /// hugetlb page throws before anything changes; an end inside one gives the range up to that
  /// VMA and the error to throw after changing it.
  func hugetlbEdgesChangingBelow(_ start: VirtualAddress, _ end: VirtualAddress, _ call: String,
                                 changes: (VMA) -> Bool) throws(SyscallError) -> (start: VirtualAddress, end: VirtualAddress, error: SyscallError?) {
    _ = try hugetlbEdges(start, start, call, changes: changes)
    guard let index = vmaIndex(containing: end), vmas[index].start != end, vmas[index].start > start,
      let size = vmas[index].hugetlbPageSize, !end.isAligned(to: size.bytes), changes(vmas[index])
    else {
      let (from, to) = try hugetlbEdges(start, end, call, changes: changes)
      return (from, to, nil)
    }
    let (from, to) = try hugetlbEdges(start, vmas[index].start, call, changes: changes)
    return (from, to, SyscallError(.EINVAL, "\(call): \(end) is inside a \(size) hugetlb page (a hugetlb VMA is split only at page boundaries)"))
  }
}
