/// A place where the model and the kernel differ after a step: which pages (or the command's
/// outcome), which attribute, and both values.
public struct CrosscheckDisagreement: Hashable, Sendable, CustomStringConvertible {
  /// The scenario line of the step.
  public var line: Int
  /// The step's text.
  public var step: String
  /// The process.
  public var process: String
  /// The first model address (0 for an outcome).
  public var start: UInt64
  /// One past the last model address (0 for an outcome).
  public var end: UInt64
  /// The first real address (0 for an outcome).
  public var realStart: UInt64
  /// `buf+1M..buf+2M (1M)`, or `outcome`.
  public var location: String
  /// What differs.
  public var attribute: CrosscheckAttribute
  /// The model's value.
  public var model: String
  /// The kernel's value.
  public var kernel: String
  /// Why this may be the kernel's background work rather than a model bug (khugepaged, the
  /// deferred-split shrinker, a THP allocation failure): then it is listed, not counted.
  public var background: String?
  /// The line of the earlier step where this same difference first appeared, if it persists
  /// from there (then it is listed, not counted again).
  public var since: Int?

  /// Creates a disagreement.
  public init(line: Int, step: String, process: String, start: UInt64, end: UInt64, realStart: UInt64,
              location: String, attribute: CrosscheckAttribute, model: String, kernel: String, background: String? = nil) {
    self.line = line
    self.step = step
    self.process = process
    self.start = start
    self.end = end
    self.realStart = realStart
    self.location = location
    self.attribute = attribute
    self.model = model
    self.kernel = kernel
    self.background = background
    self.since = nil
  }

  /// Whether it counts: new in this step and not possibly background.
  public var isCounted: Bool { background == nil && since == nil }

  /// Whether `other` is the same difference (process, attribute and both values), wherever it is.
  func sameKind(as other: CrosscheckDisagreement) -> Bool {
    process == other.process && attribute == other.attribute && model == other.model && kernel == other.kernel
  }

  /// `line 7 (A: madvise buf+1M 4K free): A buf..buf+2M (2M) at 0x7f…: order: model order=9, kernel order=0`.
  public var description: String {
    let real = attribute == .outcome ? "" : " at 0x" + String(realStart, radix: 16)
    return "line \(line) (\(step)): \(process) \(location)\(real): \(attribute): model \(model), kernel \(kernel)"
      + (background.map { " [possibly background: \($0)]" } ?? "") + (since.map { " [since line \($0)]" } ?? "")
  }
}
