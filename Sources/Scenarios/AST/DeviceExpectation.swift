/// Expectations about HMM, notifiers, devices, dmirror files and the safety oracle.
public enum DeviceExpectation: Sendable, Hashable {
  /// `expect hmm PROCESS ADDR SIZE == ATTRIBUTES`: every output entry of an
  /// `hmm_range_fault()` without faulting has every attribute (`valid`, `read`, `write`,
  /// `error`, `none`, `zero`, `order=N`).
  case hmm(process: Identifier, range: AddressRange, attributes: [HMMAttribute])
  /// `expect hmm PROCESS ADDR SIZE order=pte-batch == ATTRIBUTES`: the same with the non-Linux
  /// `pte-batch` order hint.
  case hmmPTEBatch(process: Identifier, range: AddressRange, attributes: [HMMAttribute])
  /// `expect notifier N invalidations [event=E] OP N`.
  case notifier(name: Identifier, event: Expectation.InvalidationEvent?, Expectation.Comparison, UInt64)
  /// `expect DEV COUNTER OP N` (device counters, `mapped-2M` and friends, `pages-to-device`…)
  /// and `expect FD cpages|faults OP N` (the last dmirror ioctl).
  case counter(subject: Identifier, counter: String, Expectation.Comparison, UInt64)
  /// `expect DEV mapping ADDR == SIZE read|write` or `== none`.
  case mapping(device: Identifier, address: AddressExpression, size: UInt64?, writable: Bool?)
  /// `expect FD ret == 0|ERRNO`: the last ioctl's return code.
  case result(name: Identifier, error: Expectation.ErrorName?)
  /// `expect FD data [from=OFFSET] [to=OFFSET] == PATTERN`: the bytes the last ioctl copied out,
  /// index patterns counting from the start of the data.
  case data(name: Identifier, from: UInt64, to: UInt64?, pattern: DataPattern)
  /// `expect FD snapshot == B0 B1 …` or `expect FD snapshot all == B`.
  case snapshotBytes(name: Identifier, bytes: [UInt8], all: Bool)
  /// `expect oracle violations OP N`.
  case oracleViolations(Expectation.Comparison, UInt64)
}

/// An attribute of `hmm_range_fault()` output entries.
public enum HMMAttribute: Sendable, Hashable, CustomStringConvertible {
  /// VALID.
  case valid
  /// VALID without WRITE.
  case readOnly
  /// VALID and WRITE.
  case writable
  /// ERROR.
  case error
  /// Neither VALID nor ERROR (the output 0).
  case none
  /// The zero page.
  case zero
  /// The map order.
  case order(Int)

  /// As written.
  public var description: String {
    switch self {
    case .valid: "valid"
    case .readOnly: "read"
    case .writable: "write"
    case .error: "error"
    case .none: "none"
    case .zero: "zero"
    case .order(let order): "order=\(order)"
    }
  }
}
