/// The result of crosschecking one scenario: every step, and the totals.
public struct CrosscheckReport: Hashable, Sendable {
  /// The scenario file.
  public var file: String
  /// The kernel release (`uname -r`).
  public var kernelRelease: String?
  /// The kernel's THP mode (`/sys/kernel/mm/transparent_hugepage/enabled`), which the model
  /// starts with.
  public var thpMode: String?
  /// Where the real processes map the model's addresses.
  public var window: CrosscheckWindow
  /// One result per scenario line, in order.
  public var steps: [CrosscheckStep]
  /// Remarks about the whole run (the model's settings, kernel interfaces missing).
  public var notes: [String]

  /// Creates a report.
  public init(file: String, kernelRelease: String?, thpMode: String?, window: CrosscheckWindow,
              steps: [CrosscheckStep], notes: [String]) {
    self.file = file
    self.kernelRelease = kernelRelease
    self.thpMode = thpMode
    self.window = window
    self.steps = steps
    self.notes = notes
  }

  /// Every counted disagreement, in step order.
  public var disagreements: [CrosscheckDisagreement] { steps.flatMap(\.countedDisagreements) }
  /// Every new difference that may be the kernel's background work.
  public var backgroundDifferences: [CrosscheckDisagreement] {
    steps.flatMap { $0.disagreements.filter { $0.background != nil && $0.since == nil } }
  }
  /// Steps run in both and compared.
  public var comparedSteps: Int { steps.filter(\.status.isCompared).count }
  /// Compared steps that agreed.
  public var agreedSteps: Int { steps.filter { $0.status == .agreed }.count }
  /// Compared steps whose only differences persist from earlier steps.
  public var persistingSteps: Int { steps.filter { $0.status == .persisting }.count }
  /// Compared steps with counted disagreements.
  public var disagreedSteps: Int { steps.filter { $0.status == .disagreed }.count }
  /// Steps not compared (the real side cannot run them, or the sides diverged for good).
  public var notComparedSteps: Int { steps.filter { if case .notCompared = $0.status { true } else { false } }.count }
  /// Lines about the model only.
  public var modelOnlySteps: Int { steps.filter { if case .modelOnly = $0.status { true } else { false } }.count }
  /// Whether every compared step agreed (background differences aside).
  public var agrees: Bool { disagreements.isEmpty }

  /// `12 steps: 9 compared (9 agree, 0 disagree), 1 not compared, 2 model only; 0 disagreements`.
  public var summaryLine: String {
    let background = backgroundDifferences.count
    let persisting = persistingSteps > 0 ? ", \(persistingSteps) still differ" : ""
    return "\(steps.count) steps: \(comparedSteps) compared (\(agreedSteps) agree, \(disagreedSteps) disagree\(persisting)), "
      + "\(notComparedSteps) not compared, \(modelOnlySteps) model only; \(disagreements.count) disagreement"
      + (disagreements.count == 1 ? "" : "s")
      + (background > 0 ? ", \(background) possibly background (not counted)" : "")
  }
}
