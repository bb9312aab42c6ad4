/// An `expect` line: a value of the model compared with an expected one.
public enum Expectation: Sendable, Hashable {
  /// `expect error [ERRNO]`: the previous command failed (with this error number, if given).
  /// The previous command is then allowed to fail.
  case error(ErrorName?)
  /// `expect A snapshot ADDR SIZE == ATTRIBUTES`: every 4 KiB page of the range has every
  /// attribute.
  case snapshot(process: Identifier, range: AddressRange, attributes: [PageAttribute])
  /// `expect COUNTER ... OP VALUE`: a counter compared with a number.
  case counter(Counter, Comparison, UInt64)
  /// An expectation about HMM, notifiers, devices, dmirror files or the oracle.
  case device(DeviceExpectation)
  /// `expect A wait == exited [N] | signaled [SIGNAL]`: the status `A`'s last `waitpid` returned.
  case wait(process: Identifier, status: WaitStatus)
}
