extension Expectation {
  /// The Linux error numbers (and, for CPU accesses, the signals) an `expect error` line can
  /// name. A CPU access that faults with `SIGSEGV` or `SIGBUS` also matches `EFAULT`.
  public enum ErrorName: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Operation not permitted.
    case EPERM
    /// No such file or directory.
    case ENOENT
    /// Try again.
    case EAGAIN
    /// Out of memory.
    case ENOMEM
    /// Permission denied.
    case EACCES
    /// Bad address.
    case EFAULT
    /// Device or resource busy.
    case EBUSY
    /// File exists.
    case EEXIST
    /// Invalid argument.
    case EINVAL
    /// File too large.
    case EFBIG
    /// Value too large.
    case EOVERFLOW
    /// A CPU access hit no VMA or a VMA that forbids it.
    case SIGSEGV
    /// A CPU access could not be served (beyond a file's end, an empty hugetlb pool).
    case SIGBUS

    /// The symbolic name.
    public var description: String { rawValue }
  }
}
