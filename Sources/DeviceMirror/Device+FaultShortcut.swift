import HMM
import MemoryModel

extension Device {
  /// ``handleFault(at:write:)`` for a device with no driver hooks (a built-in policy, system
  /// placement, the correct loop, no scheduler, the map-order hint): the same counters, CPU
  /// faults, mappings and buffers, with less of the driver loop's machinery. The window is walked
  /// once up front (`HMM.walkWindow`). When no page needs a fault, there is no invalidation, so
  /// the loop would make one call whose sequence checks pass and commit: that is done directly.
  /// Otherwise the loop runs (`HMM.faultAndCommit(_:after:...)`), its first walk being the one
  /// just made rather than a second identical walk. A window of one page (one fault per page)
  /// gains the most. Returns false, having changed nothing the whole path does not rewrite, when
  /// the fault must take the whole path: a policy with driver rules or its own mappings,
  /// migration placement, a scheduler, a known-wrong loop, the pte-batch order, no mirror, or a
  /// VMA the walk does not enter. (A `migrate` placement takes the same window walk in
  /// ``handleFault(at:write:)``, after its migration.)
  /// - Parameters:
  ///   - address: the faulting address.
  ///   - write: whether the access is a write.
  /// - Throws: what ``handleFault(at:write:)`` throws for the fault.
  func faultWithoutCPUFault(at address: VirtualAddress, write: Bool) throws(HMMError) -> Bool {
    guard placement == .system, allowsWindowWalk, let space = mirroredSpace, let notifier, let vma = space.vma(containing: address)
    else { return false }
    let start = max(address.alignedDown(to: faultWindow), vma.start)
    let end = min(address.alignedDown(to: faultWindow) + faultWindow, vma.end)
    let flags: HMMPFN = write ? [.requestFault, .requestWrite] : .requestFault
    guard let walk = HMM.walkWindow(space, vma, start, end, defaultFlags: flags, owner: ownerID, into: &pfnBuffer) else {
      return false
    }
    counters.faults += 1
    counters.faultWindows += 1
    try finishFault(after: walk, space, notifier, start, end, flags: flags)
    return true
  }

  /// Whether faults may take the window walk first (``faultWithoutCPUFault(at:write:)``, and
  /// ``handleFault(at:write:)`` after a `migrate` placement's migration): a built-in policy, no
  /// driver rules, the correct loop, no scheduler, the map-order hint.
  var allowsWindowWalk: Bool {
    allowsFaultShortcut && rules == nil && builtInPolicy != nil && scheduler == nil && driverLoopVariant == .correct
      && !policyIsPTEBatch && hmmOrderHint == .mapOrder && retryBudget >= 1
  }

  /// The rest of ``handleFault(at:write:)`` once `walk`, the window's first walk, is made (with
  /// the fault and its window counted): the commit when no page needs a fault (the loop would
  /// make one call whose sequence checks pass), else the correct driver loop from that walk.
  /// - Parameters:
  ///   - walk: the walk of `[start, end)` with `flags`, into the device's PFN buffer.
  ///   - space: the mirrored address space.
  ///   - notifier: the device's interval notifier.
  ///   - start: the window's first address.
  ///   - end: one past its last address.
  ///   - flags: the range's default flags.
  /// - Throws: what the driver loop throws (counted as one HMM call).
  func finishFault(after walk: HMMWindowWalk, _ space: AddressSpace, _ notifier: IntervalNotifier, _ start: VirtualAddress,
                   _ end: VirtualAddress, flags: HMMPFN) throws(HMMError) {
    let memory = space.system.memory
    guard walk.needsFault else {
      commitMappings(pfnBuffer, start: start, memory: memory)
      counters.hmmCalls += 1
      counters.entriesWalked += walk.filled
      faultCommittedDirectly = true
      return
    }
    var range = HMMRange(notifier: notifier, notifierSequence: 0, start: start, end: end, defaultFlags: flags,
                         devicePrivateOwner: ownerID, continuing: &pfnBuffer)
    let result: HMM.DriverLoopResult
    do {
      result = try HMM.faultAndCommit(&range, after: walk, retryBudget: retryBudget) { (range: inout HMMRange) throws(HMMError) in
        commitMappings(range.pfns, start: range.start, memory: memory)
      }
    } catch {
      counters.hmmCalls += 1
      throw error
    }
    countDriverLoop(result)
    swap(&pfnBuffer, &range.pfns)
  }
}

extension Device {
  /// The device's interval notifier (for tests comparing sequences).
  var notifierForTests: IntervalNotifier? { notifier }
}
