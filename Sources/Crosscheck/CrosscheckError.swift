import LiveLinux
import Scenarios

/// Why a crosscheck could not run (as opposed to a disagreement, which a report describes).
public enum CrosscheckError: Error, Hashable, Sendable, CustomStringConvertible {
  /// This machine cannot run crosschecks: the reason (not Linux, not root, no THP, …).
  case unavailable(String)
  /// A system call of the controller failed.
  case systemCall(String, errno: Int32)
  /// The real-process driver failed (a helper died, did not answer, could not start).
  case realProcess(RealProcessError)
  /// The scenario file could not be read or parsed: the scenario language's diagnostics.
  case scenario(ScenarioParseError)
  /// The real process could not be read.
  case inspection(LiveLinuxError)

  /// The message.
  public var description: String {
    switch self {
    case .unavailable(let reason): return "crosscheck cannot run here: \(reason)"
    case .systemCall(let call, let errno): return "\(call) failed (errno \(errno))"
    case .realProcess(let error): return error.description
    case .scenario(let error): return error.description
    case .inspection(let error): return "reading the real process failed: \(error)"
    }
  }
}
