/// The operations a crosscheck helper process performs on itself, with their request codes
/// (``RealProcessGroup/request(_:_:_:)``). A request is eight 64-bit words: the code, then the arguments; a reply is the
/// errno (0 for success), the result, and the helper's minor plus major faults during the
/// operation (`getrusage` before and after it).
public enum HelperRequest: UInt64, Sendable {
  /// `mmap(addr, length, prot, flags, fd, offset)`: returns the address (`fd` -1 for
  /// anonymous memory).
  case mmap = 1
  /// `munmap(addr, length)`.
  case munmap = 2
  /// `mprotect(addr, length, prot)`.
  case mprotect = 3
  /// `madvise(addr, length, advice)`.
  case madvise = 4
  /// `mremap(old, oldLength, newLength, flags, new)`: returns the address.
  case mremap = 5
  /// Touch every 4 KiB page of `[addr, addr + length)`: `MADV_POPULATE_READ` (`write` 0) or
  /// `MADV_POPULATE_WRITE` alone (`write` 1: the pages may stay zero-filled) or followed by one
  /// store of 0x5A per page (`write` 2: the pages hold data).
  case touch = 6
  /// `fork()`: the child serves slot `newSlot`; returns the child's PID.
  case fork = 7
  /// Reply, then `_exit(0)`.
  case exit = 8
  /// `open(path, O_RDWR)` of a path of at most 48 bytes packed into the six argument words
  /// (``RealProcessGroup/open(_:path:)``): returns the descriptor.
  case open = 9

  /// The reply a new helper sends on its slot when it is ready: errno 0, its PID.
  public static let readyCode: UInt64 = 0
}
