import HMM
import MemoryModel

extension Device {
  /// ``handleFault(at:write:)`` for a one-page fault window whose page needs no CPU fault: the
  /// same counters, mappings and buffers, without the driver loop's machinery (a range, a loop,
  /// closures) — with nothing to fault there is no invalidation, so the loop makes one call,
  /// its sequence checks pass, and it commits. Returns false, having changed nothing, when the
  /// fault must take the whole path: another window, a policy with driver rules or its own
  /// mappings, migration placement, a scheduler, a known-wrong loop, the pte-batch order, no
  /// mirror, or a page that needs a CPU fault.
  func faultOnePageWithoutCPUFault(at address: VirtualAddress, write: Bool) -> Bool {
    guard allowsOnePageShortcut, faultWindow == 4096, rules == nil, builtInPolicy != nil, placement == .system, scheduler == nil,
      driverLoopVariant == .correct, !policyIsPTEBatch, hmmOrderHint == .mapOrder, retryBudget >= 1,
      let space = mirroredSpace, notifier != nil
    else { return false }
    let page = address.alignedDown(to: 4096)
    let flags: HMMPFN = write ? [.requestFault, .requestWrite] : .requestFault
    guard let (entry, filled) = HMM.faultFreeOnePage(space, page, defaultFlags: flags, owner: ownerID) else { return false }
    counters.faults += 1
    counters.faultWindows += 1
    // The output array the next fault reuses, as the whole path leaves it.
    if pfnBuffer.count == 1 { pfnBuffer[0] = entry } else { pfnBuffer = [entry] }
    commitMappings(pfnBuffer, start: page, memory: space.system.memory)
    counters.hmmCalls += 1
    counters.entriesWalked += filled
    return true
  }
}

extension Device {
  /// The device's interval notifier (for tests comparing sequences).
  var notifierForTests: IntervalNotifier? { notifier }
}
