import MemoryModel

extension HMM {
  /// The walk ``rangeFault(_:segment:)`` makes first over `[start, end)` inside `vma` (from
  /// input entries 0 and `defaultFlags`, mask 0, map-order hint), made without an ``HMMRange``:
  /// `pfns` becomes what that walk writes. Nil, with `pfns` untouched, when the VMA is one the
  /// walk does not enter (`VM_IO`/`VM_PFNMAP`, or not readable).
  /// - Parameters:
  ///   - space: the address space.
  ///   - vma: the VMA that holds all of `[start, end)`.
  ///   - start: the first page (4 KiB aligned).
  ///   - end: one past the last page (4 KiB aligned, above `start`).
  ///   - defaultFlags: `default_flags`.
  ///   - owner: `dev_private_owner`.
  ///   - pfns: the output buffer (resized to the range).
  public static func walkWindow(_ space: AddressSpace, _ vma: VMA, _ start: VirtualAddress, _ end: VirtualAddress,
                                defaultFlags: HMMPFN, owner: Int?, into pfns: inout [HMMPFN]) -> HMMWindowWalk? {
    guard vma.flags.isDisjoint(with: [.io, .pfnmap]), vma.protection.contains(.read) else { return nil }
    let count = Int((end - start) >> 12)
    HMMRange.clear(&pfns, count: count)
    let mayFault = defaultFlags.rawValue & HMMPFN.requestFault.rawValue != 0
    return pfns.withUnsafeMutableBufferPointer { buffer -> HMMWindowWalk in
      var walker = HMMWalker(
        pfns: buffer, rangeStart: start, defaultFlags: defaultFlags.rawValue, mask: 0, mayFault: mayFault, owner: owner,
        system: space.system, zeroPage: space.system.memory.zeroPage)
      walker.vmaEnd = min(vma.end, end)
      walker.hugetlbSize = vma.hugetlbPageSize
      if count == 1 {
        walkOnePage(space.pageTable, start, &walker)
      } else {
        space.pageTable.walk(start, end, &walker)
      }
      return HMMWindowWalk(outcome: walker.outcome, filled: walker.filled)
    }
  }

  /// ``faultAndCommit(_:requests:retryBudget:variant:scheduler:beforeLock:commit:)`` with the
  /// correct driver loop, no scheduler and no requests, for a range whose first walk `walk`
  /// already made (``walkWindow(_:_:_:_:defaultFlags:owner:into:)`` over the range's window
  /// with its flags, with nothing changed since): the first call takes `walk` for its first
  /// walk instead of walking again; every later call, walk and retry is the loop's own. The
  /// same CPU faults, retries, result and commit.
  /// - Parameters:
  ///   - range: the range: start, end, flags and owner as `walk` had them, its `pfns` as `walk`
  ///     left them (``HMMRange/init(notifier:notifierSequence:start:end:defaultFlags:pfnFlagsMask:devicePrivateOwner:continuing:)``).
  ///   - walk: the first walk; it needs a fault.
  ///   - retryBudget: how many `hmm_range_fault()` calls the loop may make.
  ///   - commit: programs the device from the range's output, with the notifier's sequence checked.
  /// - Returns: the loop's counts.
  /// - Throws: `-EBUSY` when the budget runs out, or the first `hmm_range_fault()` error.
  public static func faultAndCommit(_ range: inout HMMRange, after walk: HMMWindowWalk, retryBudget: Int,
                                    commit: (inout HMMRange) throws(HMMError) -> Void) throws(HMMError) -> DriverLoopResult {
    var result = DriverLoopResult()
    var first: HMMWindowWalk? = walk
    while true {
      guard result.calls < retryBudget else { throw .busy }
      range.notifierSequence = range.notifier.readBegin()
      if first == nil { range.keepInOutFlags() }
      result.calls += 1
      do {
        try rangeFault(&range, segment: nil, firstWalk: first)
      } catch .busy {
        first = nil
        result.busyRetries += 1
        result.pagesFaulted += range.statistics.pagesFaulted
        result.entriesFilled += range.statistics.entriesFilled
        continue
      }
      first = nil
      result.pagesFaulted += range.statistics.pagesFaulted
      result.entriesFilled += range.statistics.entriesFilled
      if range.notifier.readRetry(range.notifierSequence) {
        result.sequenceRetries += 1
        continue
      }
      try commit(&range)
      return result
    }
  }
}
