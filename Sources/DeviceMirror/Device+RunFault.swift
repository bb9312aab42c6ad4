import HMM
import MemoryModel

/// Runs of one-page faults that need no CPU fault, taken from one walk of the CPU page table.
///
/// A device with a one-page fault window (a 4 KiB-only ladder) faults once per page it has not
/// mapped: a device read of a few MiB of present memory is hundreds of faults, each walking the
/// CPU page table for its page and committing one 4 KiB mapping. When a fault committed its walk
/// directly (no page needed a CPU fault), ``Device/accessPages(from:pages:write:needsMirror:_:)``
/// walks the pages after it once (``prewalkRun(after:pages:write:)``), and each later fault of
/// that run whose page the walk resolved commits from that walk
/// (``commitPrewalked(_:_:write:)``) instead of walking again: the same entry (a walk of the
/// page alone writes what the longer walk wrote for it), so the same mapping, counters, TLB fill
/// and change record, in the same order with the accesses between them. The walk stays valid
/// while the CPU page table's `PageTable.changeGeneration` stays, in the same
/// address space: every change to an entry moves it.
extension Device {
  /// What the walk ahead resolved: the pages `[start, start + pages·4K)`, their entries in
  /// ``runPFNs`` from index 0, valid while `space`'s page table is at `generation`.
  struct RunWalk {
    /// The first page walked.
    var start: UInt64 = 0
    /// Pages resolved from `start` (0: none).
    var pages = 0
    /// The CPU page table's change generation at the walk.
    var generation: UInt64 = 0
    /// The address space walked (compared by identity, never dereferenced).
    var space: ObjectIdentifier?

    /// The index of `address`'s page in the walk, or nil when the walk did not resolve it.
    @inline(__always)
    func index(of address: VirtualAddress) -> Int? {
      let offset = address.rawValue &- start
      guard offset >> 12 < UInt64(pages) else { return nil }
      return Int(truncatingIfNeeded: offset >> 12)
    }
  }

  /// Whether a fault at any page takes exactly the one-page path that
  /// ``commitPrewalked(_:_:write:)`` stands for: a one-page window, system placement, and
  /// everything ``allowsWindowWalk`` asks for.
  var allowsRunFault: Bool {
    allowsRunFaults && faultWindow == 4096 && placement == .system && allowsWindowWalk
  }

  /// Walks the CPU page table over up to `pages` pages after `address` (within its VMA, at most
  /// 512) with a fault's flags, into ``runPFNs``; what it resolved, or an empty walk when the
  /// pages cannot be taken this way.
  /// - Parameters:
  ///   - address: the page just faulted.
  ///   - pages: the pages the access still has after it.
  ///   - write: whether the accesses are writes.
  func prewalkRun(after address: VirtualAddress, pages: Int, write: Bool) -> RunWalk {
    guard pages > 0, allowsRunFault, let space = mirroredSpace, notifier != nil else { return RunWalk() }
    let start = address.alignedDown(to: 4096) + 4096
    guard let vma = space.vma(containing: start) else { return RunWalk() }
    let count = min(pages, 512, Int((vma.end - start) >> 12))
    guard count > 0 else { return RunWalk() }
    let end = start + UInt64(count) << 12
    let flags: HMMPFN = write ? [.requestFault, .requestWrite] : .requestFault
    guard let walk = HMM.walkWindow(space, vma, start, end, defaultFlags: flags, owner: ownerID, into: &runPFNs) else {
      return RunWalk()
    }
    return RunWalk(start: start.rawValue, pages: walk.resolvedPages(from: start, of: count),
                   generation: space.pageTable.changeGeneration, space: ObjectIdentifier(space))
  }

  /// Whether `run` still holds `address`'s page: resolved, and the CPU page table unchanged since.
  @inline(__always)
  func prewalked(_ run: RunWalk, _ address: VirtualAddress) -> Int? {
    guard let index = run.index(of: address), let space = mirroredSpace, ObjectIdentifier(space) == run.space,
          space.pageTable.changeGeneration == run.generation, notifier != nil, allowsRunFault
    else { return nil }
    return index
  }

  /// The fault and replay of a missed access at `address` (4 KiB aligned, no device mapping
  /// there) whose one-page walk writes `entry` and needs no fault: what ``faultAndReplay(_:write:)``
  /// does then (``faultWithoutCPUFault(at:write:)``'s direct commit, then the walk that finds the
  /// new mapping and fills the TLB), with `entry` taken from the walk ahead.
  /// - Returns: the frame reached.
  /// - Throws: `-EFAULT` where the replay finds no usable translation (as the whole path does).
  @inline(__always)
  func commitPrewalked(_ address: VirtualAddress, _ entry: HMMPFN, write: Bool) throws(HMMError) -> PFN {
    counters.faults += 1
    counters.faultWindows += 1
    counters.hmmCalls += 1
    counters.entriesWalked += 1
    // commitMappings for one page, then the replay's walk (4 levels to a 4 KiB leaf, or to none).
    counters.walkSteps += 4
    guard entry.isValid else { throw .fault(address) }
    let mapping = DeviceMapping(start: address, size: .size4K, pfn: entry.pfn, isWritable: entry.isWritable)
    if !pageTable.mapIntoCachedEmptySlot(mapping) { pageTable.map(mapping) }
    counters.created[.size4K] += 1
    guard !write || mapping.isWritable else { throw .fault(address) }
    tlb.fill(mapping)
    return mapping.pfn
  }
}
