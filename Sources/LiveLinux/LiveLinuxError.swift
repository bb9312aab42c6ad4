/// Why live mode could not inspect a process. Every message says what to do about it.
public enum LiveLinuxError: Error, Hashable, Sendable, CustomStringConvertible {
  /// `/proc/PID` does not exist.
  case noSuchProcess(pid: Int32)
  /// `/proc/PID` exists but the process has no memory to read: a kernel thread.
  case kernelThread(pid: Int32)
  /// `/proc/PID` exists but the process has no memory to read: it exited and is a zombie.
  case zombie(pid: Int32)
  /// A file under `/proc` could not be opened for lack of privilege.
  case permissionDenied(path: String)
  /// A file under `/proc` could not be opened although hmmkit runs as root (the kernel's ptrace
  /// access check refused it).
  case permissionDeniedAsRoot(path: String)
  /// The `--pid` value is not a process ID.
  case badProcessID(String)
  /// The `--range` value is not `START-END`.
  case badRange(String, reason: String)
  /// A line of `/proc/PID/maps` could not be parsed.
  case malformedMaps(line: Int, text: String)
  /// The kernel has no `PAGEMAP_SCAN` ioctl (before Linux 6.7): the ioctl failed with this errno.
  case pagemapScanUnsupported(errno: Int32)
  /// A read of a `/proc` file failed with this errno.
  case readFailed(path: String, errno: Int32)
  /// A system call on the tool's own memory (`mmap`, `madvise`, `mprotect`) failed with this errno.
  case systemCallFailed(String, errno: Int32)
  /// Live mode needs Linux's `/proc`.
  case notLinux

  /// The message, with what to do.
  public var description: String {
    switch self {
    case .noSuchProcess(let pid):
      return "no such process: \(pid) (/proc/\(pid) does not exist; it may have exited). "
        + "Check the PID with `ps -p \(pid)`, or omit --pid to inspect hmmkit itself."
    case .kernelThread(let pid):
      return "process \(pid) is a kernel thread: it has no user address space (no mm) to inspect. "
        + "Choose a user process (`ps -e -o pid,comm`), or omit --pid to inspect hmmkit itself."
    case .zombie(let pid):
      return "process \(pid) is a zombie: it has exited and its memory is gone (its parent has not reaped it yet). "
        + "Choose a running process, or omit --pid to inspect hmmkit itself."
    case .permissionDeniedAsRoot(let path):
      return "permission denied reading \(path), although hmmkit runs as root: the kernel's ptrace access check "
        + "refused it (the process may belong to another user namespace, be non-dumpable, or be protected by Yama "
        + "or an LSM). Inspect a process of this namespace, or omit --pid to inspect hmmkit itself."
    case .permissionDenied(let path):
      return "permission denied reading \(path). Reading another process's page tables needs ptrace "
        + "read access (the same user, or root); PFNs and /proc/kpageflags need CAP_SYS_ADMIN. "
        + "Run hmmkit as root (sudo), or inspect a process you own."
    case .badProcessID(let text):
      return "bad --pid '\(text)': expected a positive process ID (e.g. --pid $$) or 'self'."
    case .badRange(let text, let reason):
      return "bad --range '\(text)': \(reason). Expected START-END in hexadecimal, as /proc/PID/maps "
        + "prints it (e.g. --range 7f0000000000-7f0000400000; a 0x prefix is allowed; END is exclusive)."
    case .malformedMaps(let line, let text):
      return "cannot parse line \(line) of /proc/PID/maps: '\(text)'. This kernel's format is unexpected; "
        + "please report it with the output of `cat /proc/PID/maps`."
    case .pagemapScanUnsupported(let errno):
      return "the PAGEMAP_SCAN ioctl is unavailable (errno \(errno); it needs Linux 6.7 or newer)."
    case .readFailed(let path, let errno):
      return "reading \(path) failed (errno \(errno)). The process may have exited while it was read; try again."
    case .systemCallFailed(let call, let errno):
      return "\(call) failed (errno \(errno)) on hmmkit's own memory; the system may be short of memory."
    case .notLinux:
      return "live mode reads Linux's /proc and runs only on Linux."
    }
  }
}
