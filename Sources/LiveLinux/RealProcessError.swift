/// Why the real-process driver (``RealProcessGroup``) could not do what it was asked.
public enum RealProcessError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The machine cannot run helper processes (not Linux): the reason.
  case unavailable(String)
  /// A system call of the controller failed: the call and its errno.
  case systemCall(String, errno: Int32)
  /// A helper process misbehaved (died, did not answer, no free slot).
  case helper(String)

  /// The message.
  public var description: String {
    switch self {
    case .unavailable(let reason): return "real processes cannot run here: \(reason)"
    case .systemCall(let call, let errno): return "\(call) failed (errno \(errno))"
    case .helper(let message): return "crosscheck helper: \(message)"
    }
  }
}
