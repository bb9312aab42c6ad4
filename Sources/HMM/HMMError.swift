import MemoryModel

/// Why `hmm_range_fault()` or a notifier call failed: one case per Linux return code.
public enum HMMError: Error, Hashable, Sendable, CustomStringConvertible {
  /// `-EBUSY`: the range was invalidated (the notifier sequence changed); begin again.
  case busy
  /// `-EFAULT`: a page had to be made valid and could not be (no VMA, `VM_IO`/`VM_PFNMAP`, no
  /// read permission, a special page, or the fault failed).
  case fault(VirtualAddress)
  /// `-EPERM`: write access was required in a VMA without `VM_WRITE`.
  case permission(VirtualAddress)
  /// `-EINVAL`: invalid arguments.
  case invalidArgument(String)
  /// `-ENOMEM`: out of memory.
  case noMemory
  /// `-EOVERFLOW`: a notifier interval of length 0 or past the end of the address space.
  case overflow

  /// The error number (positive).
  public var errno: Errno {
    switch self {
    case .busy: .EBUSY
    case .fault: .EFAULT
    case .permission: .EPERM
    case .invalidArgument: .EINVAL
    case .noMemory: .ENOMEM
    case .overflow: .EOVERFLOW
    }
  }

  /// The value the kernel function returns: the negated error number (`-14` for `-EFAULT`).
  public var returnCode: Int32 { -errno.rawValue }

  /// `-EFAULT at 0x…` and the like.
  public var description: String {
    switch self {
    case .busy: "-EBUSY"
    case .fault(let address): "-EFAULT at \(address)"
    case .permission(let address): "-EPERM at \(address)"
    case .invalidArgument(let reason): "-EINVAL: \(reason)"
    case .noMemory: "-ENOMEM"
    case .overflow: "-EOVERFLOW"
    }
  }
}
