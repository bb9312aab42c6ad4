extension Statement {
  /// The device or dmirror file that runs this statement, when it is a device operation whose
  /// driver loop can be scheduled.
  public var schedulableDeviceName: String? {
    guard case .device(let command) = command else { return nil }
    switch command {
    case .dmirror(let name, let operation, _, _):
      return operation == .close || operation == .failAlloc ? nil : name.name
    case .access(let device, _, _, _, _, _):
      return device.name
    default:
      return nil
    }
  }

  /// The mmap lock this statement takes when it races a device operation (nil: it cannot race).
  public var lockNeed: LockNeed? {
    switch command {
    case .munmap, .mprotect, .mremap, .fork, .mmap, .collapse: return .write
    case .exit: return .teardown
    case .madvise(_, _, let advice):
      return advice == .dontneed || advice == .free ? .read : .write
    case .read, .write, .snapshot: return .read
    case .device(let device):
      switch device {
      case .dmirror, .access, .snapshot, .hmm: return .read
      default: return nil
      }
    default: return nil
    }
  }
}
