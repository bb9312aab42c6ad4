import MemoryModel

extension HMM {
  /// The output of `hmm_range_fault()` over `[start, end)` inside `vma` when the call needs no
  /// fault and no retry, without an ``HMMRange`` or a driver loop: `pfns` becomes what
  /// ``rangeFault(_:segment:)`` would write (from input entries 0 and `defaultFlags`, mask 0,
  /// map-order hint) and the result is the entries it would count as filled; nil when some page
  /// would need a fault, wait for a migration entry, or fail (the caller then takes the whole
  /// path: nothing but `pfns` changed, and the whole path rewrites it).
  /// - Parameters:
  ///   - space: the address space (its notifier's sequence is unchanged by this call).
  ///   - vma: the VMA that holds all of `[start, end)`.
  ///   - start: the first page (4 KiB aligned).
  ///   - end: one past the last page (4 KiB aligned, above `start`).
  ///   - defaultFlags: `default_flags`.
  ///   - owner: `dev_private_owner`.
  ///   - pfns: the output buffer (resized to the range).
  public static func faultFreeRange(_ space: AddressSpace, _ vma: VMA, _ start: VirtualAddress, _ end: VirtualAddress,
                                    defaultFlags: HMMPFN, owner: Int?, into pfns: inout [HMMPFN]) -> Int? {
    guard let walk = walkWindow(space, vma, start, end, defaultFlags: defaultFlags, owner: owner, into: &pfns), !walk.needsFault else {
      return nil
    }
    return walk.filled
  }

}
