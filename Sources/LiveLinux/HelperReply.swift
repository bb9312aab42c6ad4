/// A crosscheck helper's answer to one ``HelperRequest``.
public struct HelperReply: Hashable, Sendable {
  /// 0 for success, else the errno of the failed call.
  public var errno: Int32
  /// The result (an address, a PID, a descriptor), or 0.
  public var value: UInt64
  /// The helper's minor plus major page faults while it performed the request (`getrusage`
  /// `ru_minflt + ru_majflt` before and after), including faults taken inside system calls
  /// such as `MADV_POPULATE_*`; ``notMeasured`` for requests that are not counted (`fork`,
  /// `exit`, `open`).
  public var faults: UInt64

  /// The ``faults`` of a request whose faults were not counted.
  public static let notMeasured = UInt64.max

  /// Creates a reply.
  public init(errno: Int32, value: UInt64, faults: UInt64 = HelperReply.notMeasured) {
    self.errno = errno
    self.value = value
    self.faults = faults
  }
}
