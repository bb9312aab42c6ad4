import DeviceMirror
import HMM
import MemoryModel

/// `hmm_range_fault()` over a range of any size in bounded pieces, so that host memory grows
/// with what is mapped, not with the range.
extension ScenarioInterpreter {
  /// The most entries one piece holds (1 GiB of 4 KiB pages; pieces start 1 GiB aligned, so no
  /// PUD or PMD leaf straddles two pieces).
  static let hmmPieceBytes: UInt64 = 1 << 30

  /// Runs the driver loop over `[start, end)` piece by piece: a VMA's populated parts (and, when
  /// faulting, all of it) in pieces of at most 1 GiB; a stretch that holds no VMA, or no page
  /// table when nothing is faulted, is sampled at its first page, whose entry stands for every
  /// page of it (they are all alike: `HMM_PFN_ERROR` outside VMAs, none in an empty VMA).
  /// - Parameter body: hears each piece's start, its entries, and how many pages they stand
  ///   for (more than `entries.count` only for a sampled stretch of one entry).
  /// - Returns: the driver loop's retries.
  func hmmPieces(_ space: AddressSpace, _ start: VirtualAddress, _ end: VirtualAddress, flags: HMMPFN,
                 _ body: (VirtualAddress, [HMMPFN], UInt64) throws(StepFailure) -> Void) throws(StepFailure) -> Int {
    var retries = 0
    func run(_ from: VirtualAddress, _ to: VirtualAddress) throws(StepFailure) -> [HMMPFN] {
      let notifier = try hmmCall { () throws(HMMError) in
        try IntervalNotifier.insert(into: space, start: from, length: to - from, ops: SequenceOnlyOps())
      }
      defer { notifier.remove() }
      var range = HMMRange(notifier: notifier, notifierSequence: 0, start: from, end: to, defaultFlags: flags)
      range.orderHint = hmmPTEBatchHint ? .pteBatch : .mapOrder
      let loop = try hmmCall { () throws(HMMError) in try HMM.faultAndCommit(&range) { _ in } }
      retries += loop.busyRetries + loop.sequenceRetries
      return range.pfns
    }
    func whole(_ from: VirtualAddress, _ to: VirtualAddress) throws(StepFailure) {
      var cursor = from
      while cursor < to {
        let next = min(to, cursor.alignedDown(to: Self.hmmPieceBytes) + Self.hmmPieceBytes)
        try body(cursor, try run(cursor, next), (next - cursor) >> 12)
        cursor = next
      }
    }
    func sampled(_ from: VirtualAddress, _ to: VirtualAddress) throws(StepFailure) {
      guard to - from > 4096 else { return try whole(from, to) }
      let sample = try run(from, from + 4096)
      guard let entry = sample.first, !entry.isValid else { return try whole(from, to) }
      try body(from, sample, (to - from) >> 12)
    }
    var cursor = start
    for vma in space.vmas where vma.end > start && vma.start < end {
      if vma.start > cursor { try sampled(cursor, vma.start) }
      let from = max(cursor, vma.start)
      let to = min(end, vma.end)
      if flags != .none {
        try whole(from, to)
      } else {
        var position = from
        for populated in space.populatedRanges(from, to) {
          let low = max(populated.start, from)
          let high = min(populated.end, to)
          if low > position { try sampled(position, low) }
          try whole(max(low, position), high)
          position = high
        }
        if position < to { try sampled(position, to) }
      }
      cursor = to
    }
    if cursor < end { try sampled(cursor, end) }
    return retries
  }

  /// The runs of `hmm` output for `[start, end)`, merged across pieces as one call would.
  func hmmRuns(_ space: AddressSpace, _ start: VirtualAddress, _ end: VirtualAddress, flags: HMMPFN) throws(StepFailure) -> (runs: [HMMRun], retries: Int) {
    var runs: [HMMRun] = []
    let retries = try hmmPieces(space, start, end, flags: flags) { pieceStart, pfns, pages in
      var pieceRuns = HMM.runsByMapOrder(pfns, start: pieceStart)
      if UInt64(pfns.count) < pages, pieceRuns.count == 1 {
        pieceRuns[0].size = pages << 12  // a sampled stretch: its one entry stands for every page
      }
      for run in pieceRuns {
        if let last = runs.last, last.order == 0, run.order == 0, last.end == run.start, last.flags == run.flags,
          !run.flags.isValid || last.pfn.rawValue &+ (last.size >> 12) == run.pfn.rawValue {
          runs[runs.count - 1].size += run.size
        } else {
          runs.append(run)
        }
      }
    }
    return (runs, retries)
  }
}
