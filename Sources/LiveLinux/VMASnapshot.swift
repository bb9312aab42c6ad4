import MemoryModel

/// One VMA of a snapshot: the VMA, the part of it inspected, its runs of pages and their summary.
public struct VMASnapshot: Hashable, Sendable {
  /// The VMA as `/proc/PID/maps` (and `smaps`) describe it.
  public var vma: LiveVMA
  /// The first inspected address (the VMA's start unless `--range` clips it).
  public var start: VirtualAddress
  /// One past the last inspected address.
  public var end: VirtualAddress
  /// Runs of alike pages covering `[start, end)` in order.
  public var runs: [PageRun]
  /// The byte counts of the runs.
  public var summary: InspectionSummary
  /// Why `hmm_range_fault()` reports the whole VMA as ERROR, or nil.
  public var hmmErrorReason: String?

  /// Creates a VMA snapshot; the summary is computed from the runs.
  public init(vma: LiveVMA, start: VirtualAddress, end: VirtualAddress, runs: [PageRun]) {
    self.vma = vma
    self.start = start
    self.end = end
    self.runs = runs
    self.hmmErrorReason = vma.hmmErrorReason
    var summary = InspectionSummary()
    for run in runs { summary.add(run) }
    self.summary = summary
  }
}
