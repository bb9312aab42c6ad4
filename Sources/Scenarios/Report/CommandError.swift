import MemoryModel

/// Why a command failed: the name of the error a test would check (`EINVAL`, `ENOMEM`, or for
/// CPU accesses `SIGSEGV`/`SIGBUS`), the errno behind it, and the model's reason.
public struct CommandError: Sendable, Hashable, CustomStringConvertible {
  /// `EINVAL`, `ENOMEM`, `SIGSEGV`, ...
  public var name: String
  /// The error number (`EFAULT` for `SIGSEGV` and `SIGBUS`).
  public var errno: Errno
  /// The model's explanation.
  public var reason: String

  /// Creates an error.
  public init(name: String, errno: Errno, reason: String) {
    self.name = name
    self.errno = errno
    self.reason = reason
  }

  /// The error of a failed system call.
  init(_ error: SyscallError) {
    self.init(name: error.errno.name, errno: error.errno, reason: error.reason)
  }

  /// The error of a CPU access that could not be served.
  init(_ error: FaultError) {
    switch error {
    case .segmentationFault: self.init(name: "SIGSEGV", errno: error.errno, reason: error.description)
    case .busError: self.init(name: "SIGBUS", errno: error.errno, reason: error.description)
    case .outOfMemory: self.init(name: "ENOMEM", errno: error.errno, reason: error.description)
    }
  }

  /// Whether `expect error NAME` accepts this error.
  public func matches(_ name: Expectation.ErrorName) -> Bool {
    name.rawValue == self.name || name.rawValue == errno.name
  }

  /// `NAME: reason`.
  public var description: String { "\(name): \(reason)" }
}
