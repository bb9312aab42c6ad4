/// Something a fuzz case showed that must not happen.
public struct FuzzFinding: Sendable, Hashable, CustomStringConvertible {
  /// What kind of oracle saw it.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// The model's invariant checker (`MemorySystem.checkInvariants()`).
    case invariant
    /// The safety oracle (a device maps what the CPU does not).
    case oracle
    /// The policy differential: devices mirroring one process read different bytes.
    case differential
    /// The process died from a signal (a Swift trap: overflow, bad unwrap, out of bounds).
    case trap
    /// The case did not end within the time limit.
    case hang
    /// The running kernel disagreed with the model (`hmmkit crosscheck --fuzz`).
    case kernel
  }

  /// The oracle.
  public var kind: Kind
  /// The index of the step (in the case's steps) after which it was seen.
  public var step: Int
  /// What was seen (the first violation's text).
  public var detail: String
  /// What must stay the same while shrinking: the kind and the name of the broken rule.
  public var signature: String

  /// Creates a finding.
  public init(kind: Kind, step: Int, detail: String, signature: String) {
    self.kind = kind
    self.step = step
    self.detail = detail
    self.signature = signature
  }

  /// `oracle after step 7: ...`.
  public var description: String { "\(kind.rawValue) after step \(step): \(detail)" }
}
