/// How a crosscheck treated one scenario line.
public enum CrosscheckStepStatus: Hashable, Sendable {
  /// Run in the model and for real; every compared attribute agreed.
  case agreed
  /// Run in both; at least one counted disagreement.
  case disagreed
  /// Run in both; no new difference, but some that an earlier step introduced persist.
  case persisting
  /// Run in both; every new difference may be the kernel's background work (listed, not counted).
  case background
  /// Not compared, with the reason (the real side cannot do it, or an earlier step made the
  /// two sides diverge for good).
  case notCompared(String)
  /// A line about the model only (an `expect`, a file's contents, the model's memory size):
  /// nothing to compare.
  case modelOnly(String)

  /// `agree`, `DISAGREE`, `background`, `not compared`, `model only`.
  public var label: String {
    switch self {
    case .agreed: "agree"
    case .disagreed: "DISAGREE"
    case .persisting: "still differs"
    case .background: "background"
    case .notCompared: "not compared"
    case .modelOnly: "model only"
    }
  }

  /// The reason of ``notCompared(_:)`` and ``modelOnly(_:)``.
  public var reason: String? {
    switch self {
    case .notCompared(let reason), .modelOnly(let reason): reason
    default: nil
    }
  }

  /// Whether both sides ran the step and were compared.
  public var isCompared: Bool {
    switch self {
    case .agreed, .disagreed, .persisting, .background: true
    default: false
    }
  }
}
