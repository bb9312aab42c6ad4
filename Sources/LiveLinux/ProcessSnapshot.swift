/// A read-only snapshot of a real process's memory: for each VMA (in the requested range), runs
/// of alike pages with the `HMMPFN` Linux's `hmm_range_fault()` would report, and a summary.
public struct ProcessSnapshot: Hashable, Sendable {
  /// The process ID.
  public var processID: Int32
  /// `/proc/PID/comm`.
  public var command: String?
  /// The inspected range, or nil for the whole address space.
  public var range: InspectionRange?
  /// The inspected VMAs, in address order.
  public var vmas: [VMASnapshot]
  /// The sum of the VMAs' summaries.
  public var summary: InspectionSummary
  /// Which kernel interfaces answered.
  public var sources: SnapshotSources
  /// What could not be read and which figures are therefore unavailable.
  public var warnings: [String]

  /// Creates a snapshot; the summary is summed from the VMAs.
  public init(processID: Int32, command: String?, range: InspectionRange?, vmas: [VMASnapshot],
              sources: SnapshotSources, warnings: [String]) {
    self.processID = processID
    self.command = command
    self.range = range
    self.vmas = vmas
    self.sources = sources
    self.warnings = warnings
    var summary = InspectionSummary()
    for vma in vmas { summary.add(vma.summary) }
    self.summary = summary
  }

  /// Every run of every VMA, in address order.
  public var runs: [PageRun] { vmas.flatMap(\.runs) }
}
