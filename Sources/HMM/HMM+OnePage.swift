import MemoryModel

extension HMM {
  /// The output of `hmm_range_fault()` over the one page at `address` when the call needs no
  /// fault and no retry, without an ``HMMRange``: what ``rangeFault(_:segment:)`` would write
  /// (from input entry 0 and `defaultFlags`, mask 0, map-order hint) and the entries it would
  /// count as filled; nil when the page would need a fault, wait for a migration entry, or fail
  /// (the caller then takes the whole path, as nothing here changed anything).
  /// - Parameters:
  ///   - space: the address space (its notifier's sequence is unchanged by this call).
  ///   - address: the page (4 KiB aligned).
  ///   - defaultFlags: `default_flags`.
  ///   - owner: `dev_private_owner`.
  public static func faultFreeOnePage(_ space: AddressSpace, _ address: VirtualAddress, defaultFlags: HMMPFN,
                                      owner: Int?) -> (entry: HMMPFN, filled: Int)? {
    let vmas = space.vmas
    // find_vma, as walk(_:_:from:) does.
    var index = 0
    var high = vmas.count
    while index < high {
      let mid = (index + high) / 2
      if vmas[mid].end <= address { index = mid + 1 } else { high = mid }
    }
    guard index < vmas.count, vmas[index].start <= address else { return nil }  // a hole: error or fault
    let vma = vmas[index]
    guard vma.flags.isDisjoint(with: [.io, .pfnmap]), vma.protection.contains(.read) else { return nil }
    var entry = HMMPFN.none
    let mayFault = defaultFlags.rawValue & HMMPFN.requestFault.rawValue != 0
    let filled = withUnsafeMutablePointer(to: &entry) { pointer -> Int? in
      var walker = HMMWalker(
        pfns: UnsafeMutableBufferPointer(start: pointer, count: 1), rangeStart: address, defaultFlags: defaultFlags.rawValue,
        mask: 0, mayFault: mayFault, owner: owner, system: space.system, zeroPage: space.system.memory.zeroPage)
      walker.vmaEnd = min(vma.end, address + 4096)
      walker.hugetlbSize = vma.hugetlbPageSize
      walkOnePage(space.pageTable, address, &walker)
      return walker.outcome == nil ? walker.filled : nil
    }
    guard let filled else { return nil }
    return (entry, filled)
  }
}
