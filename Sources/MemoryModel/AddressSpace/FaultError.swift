/// Why a page fault could not be resolved (the `VM_FAULT_ERROR` outcomes of `handle_mm_fault`,
/// plus the access check the architecture's fault handler makes first).
public enum FaultError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `SIGSEGV`: no VMA at the address, or the VMA does not allow the access (`VM_FAULT_SIGSEGV`).
  case segmentationFault(VirtualAddress, String)
  /// `SIGBUS`: beyond the end of a file, an empty hugetlb pool, or an entry the model cannot
  /// resolve (`VM_FAULT_SIGBUS`).
  case busError(VirtualAddress, String)
  /// No memory for a page or a page table (`VM_FAULT_OOM`).
  case outOfMemory(VirtualAddress)

  /// The address that faulted.
  public var address: VirtualAddress {
    switch self {
    case .segmentationFault(let address, _), .busError(let address, _), .outOfMemory(let address): address
    }
  }

  /// The error number a system call or `hmm_range_fault()` reports for it (`EFAULT`, or
  /// `ENOMEM` for out of memory).
  public var errno: Errno {
    switch self {
    case .outOfMemory: .ENOMEM
    default: .EFAULT
    }
  }

  /// `SIGSEGV at 0x…: reason`.
  public var description: String {
    switch self {
    case .segmentationFault(let address, let reason): "SIGSEGV at \(address): \(reason)"
    case .busError(let address, let reason): "SIGBUS at \(address): \(reason)"
    case .outOfMemory(let address): "out of memory at \(address)"
    }
  }
}
