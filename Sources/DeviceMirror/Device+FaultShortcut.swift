import HMM
import MemoryModel

extension Device {
  /// ``handleFault(at:write:)`` for a fault window that needs no CPU fault: the same counters,
  /// mappings and buffers, without the driver loop's machinery (a range, a loop, closures) —
  /// with nothing to fault there is no invalidation, so the loop makes one call, its sequence
  /// checks pass, and it commits. A window of one page (one fault per page) gains the most.
  /// Returns false, having changed nothing the whole path does not rewrite, when the fault must
  /// take the whole path: a policy with driver rules or its own mappings, migration placement, a
  /// scheduler, a known-wrong loop, the pte-batch order, no mirror, or a page that needs a CPU
  /// fault.
  func faultWithoutCPUFault(at address: VirtualAddress, write: Bool) -> Bool {
    guard allowsFaultShortcut, rules == nil, builtInPolicy != nil, placement == .system, scheduler == nil,
      driverLoopVariant == .correct, !policyIsPTEBatch, hmmOrderHint == .mapOrder, retryBudget >= 1,
      let space = mirroredSpace, notifier != nil, let vma = space.vma(containing: address)
    else { return false }
    let start = max(address.alignedDown(to: faultWindow), vma.start)
    let end = min(address.alignedDown(to: faultWindow) + faultWindow, vma.end)
    let flags: HMMPFN = write ? [.requestFault, .requestWrite] : .requestFault
    guard let filled = HMM.faultFreeRange(space, vma, start, end, defaultFlags: flags, owner: ownerID, into: &pfnBuffer) else {
      return false
    }
    counters.faults += 1
    counters.faultWindows += 1
    commitMappings(pfnBuffer, start: start, memory: space.system.memory)
    counters.hmmCalls += 1
    counters.entriesWalked += filled
    return true
  }
}

extension Device {
  /// The device's interval notifier (for tests comparing sequences).
  var notifierForTests: IntervalNotifier? { notifier }
}
