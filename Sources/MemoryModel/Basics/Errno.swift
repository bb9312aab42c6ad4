/// A Linux error number, as system calls and `hmm_range_fault()` return them (negated).
public struct Errno: RawRepresentable, Hashable, Sendable, Error, CustomStringConvertible {
  /// The positive error number (`EFAULT` is 14).
  public var rawValue: Int32
  /// Creates an error number.
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// Operation not permitted (1).
  public static let EPERM = Errno(rawValue: 1)
  /// No such file or directory (2).
  public static let ENOENT = Errno(rawValue: 2)
  /// Interrupted system call (4).
  public static let EINTR = Errno(rawValue: 4)
  /// Try again (11).
  public static let EAGAIN = Errno(rawValue: 11)
  /// Out of memory (12).
  public static let ENOMEM = Errno(rawValue: 12)
  /// Permission denied (13).
  public static let EACCES = Errno(rawValue: 13)
  /// Bad address (14).
  public static let EFAULT = Errno(rawValue: 14)
  /// Device or resource busy (16).
  public static let EBUSY = Errno(rawValue: 16)
  /// Invalid argument (22).
  public static let EINVAL = Errno(rawValue: 22)
  /// Value too large for defined data type (75).
  public static let EOVERFLOW = Errno(rawValue: 75)

  private static let names: [Int32: String] = [
    1: "EPERM", 2: "ENOENT", 4: "EINTR", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT",
    16: "EBUSY", 22: "EINVAL", 75: "EOVERFLOW",
  ]

  /// The symbolic name (`EFAULT`), or `E<number>`.
  public var name: String { Errno.names[rawValue] ?? "E\(rawValue)" }
  /// The symbolic name.
  public var description: String { name }

  /// Looks an error up by its symbolic name (`"EPERM"`).
  public init?(name: String) {
    guard let entry = Errno.names.first(where: { $0.value == name }) else { return nil }
    self.rawValue = entry.key
  }
}

/// A system call of the memory model failed: the Linux error number and what was wrong.
public struct SyscallError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The error number the system call returns.
  public var errno: Errno
  /// A human-readable reason.
  public var reason: String
  /// Creates an error.
  public init(_ errno: Errno, _ reason: String) {
    self.errno = errno
    self.reason = reason
  }
  /// `EINVAL: reason`.
  public var description: String { "\(errno): \(reason)" }
}
