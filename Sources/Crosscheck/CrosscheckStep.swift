/// What a crosscheck found for one scenario line: what each side did, where they agree, and
/// every disagreement.
public struct CrosscheckStep: Hashable, Sendable {
  /// The line number.
  public var line: Int
  /// The line's text.
  public var text: String
  /// How the step was treated.
  public var status: CrosscheckStepStatus
  /// What the model did (`ok`, `buf = 0x7effffe00000`, `EINVAL`, `SIGSEGV`), when it ran.
  public var model: String?
  /// What the real process did (`ok`, `0x7f5a40000000`, `EINVAL`, …), when it ran.
  public var kernel: String?
  /// The runs of pages both sides agree on, per process, in address order.
  public var agreements: [CrosscheckRun]
  /// Every difference, counted or background.
  public var disagreements: [CrosscheckDisagreement]
  /// Remarks: attributes not compared on some pages and why, background activity seen.
  public var notes: [String]

  /// Creates a step result.
  public init(line: Int, text: String, status: CrosscheckStepStatus, model: String? = nil, kernel: String? = nil,
              agreements: [CrosscheckRun] = [], disagreements: [CrosscheckDisagreement] = [], notes: [String] = []) {
    self.line = line
    self.text = text
    self.status = status
    self.model = model
    self.kernel = kernel
    self.agreements = agreements
    self.disagreements = disagreements
    self.notes = notes
  }

  /// The disagreements that count: new in this step, and not possibly background.
  public var countedDisagreements: [CrosscheckDisagreement] { disagreements.filter(\.isCounted) }
}
