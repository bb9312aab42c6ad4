/// What one scenario line asks for.
///
/// CPU-side commands of the memory model, and (in ``DeviceCommand``) the HMM, device and dmirror
/// commands.
public enum Command: Sendable, Hashable {
  /// `process A`: creates a process with an empty address space.
  case process(Identifier)
  /// `file F size=SIZE [shmem] [huge]`: creates a file (or a shmem object) that processes can map.
  case file(FileDefinition)
  /// `file F write OFFSET SIZE pattern=P`: writes data into a file's page cache.
  case fileWrite(FileWrite)
  /// `system key=value ...`: changes system settings (THP mode, memory size, fragmentation,
  /// hugetlb pools).
  case system([SystemSetting])
  /// `split`: processes the deferred-split queue (splits partly unmapped large folios).
  case split
  /// `A: NAME = mmap SIZE PROT ...`: maps a new region and names it.
  case mmap(Mmap)
  /// `A: munmap ADDR SIZE`.
  case munmap(process: Identifier, range: AddressRange)
  /// `A: mprotect ADDR SIZE PROT`.
  case mprotect(process: Identifier, range: AddressRange, protection: Protection)
  /// `A: madvise ADDR SIZE ADVICE`.
  case madvise(process: Identifier, range: AddressRange, advice: Advice)
  /// `A: [NEW =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed=ADDR]`.
  case mremap(Mremap)
  /// `A: B = fork`: creates process `B` as a copy-on-write child of `A`.
  case fork(parent: Identifier, child: Identifier)
  /// `A: exit`: tears down `A`'s address space.
  case exit(process: Identifier)
  /// `A: read ADDR SIZE [expect=PATTERN]`: CPU reads (read faults), optionally checking data.
  case read(Access)
  /// `A: write ADDR SIZE [pattern=PATTERN]`: CPU writes (write faults), optionally storing data.
  case write(Access)
  /// `A: collapse ADDR SIZE`: khugepaged-style collapse of PTE-mapped ranges into PMD mappings.
  case collapse(process: Identifier, range: AddressRange)
  /// `A: snapshot ADDR SIZE`: prints the CPU view of a range as runs of pages.
  case snapshot(process: Identifier, range: AddressRange)
  /// `A: kill B SIGNAL`: sends a fatal signal to process `B`, which ends (`kill(2)`; the model's
  /// processes have no handlers).
  case kill(process: Identifier, target: Identifier, signal: Signal)
  /// `A: waitpid B`: reaps `A`'s ended child `B` and keeps its wait status for `expect A wait`.
  case waitpid(process: Identifier, child: Identifier)
  /// `expect ...`: compares a value with an expected one.
  case expect(Expectation)
  /// An HMM, device or dmirror command (`hmm`, `notifier`, `device`, `DEV: ...`, `FD: ...`).
  case device(DeviceCommand)

  /// The command's keyword as written (`mmap`, `expect`, ...), used in reports.
  public var keyword: String {
    switch self {
    case .process: "process"
    case .file: "file"
    case .fileWrite: "file-write"
    case .system: "system"
    case .split: "split"
    case .mmap: "mmap"
    case .munmap: "munmap"
    case .mprotect: "mprotect"
    case .madvise: "madvise"
    case .mremap: "mremap"
    case .fork: "fork"
    case .exit: "exit"
    case .read: "read"
    case .write: "write"
    case .collapse: "collapse"
    case .snapshot: "snapshot"
    case .kill: "kill"
    case .waitpid: "waitpid"
    case .expect: "expect"
    case .device(let command):
      switch command {
      case .hmm, .hmmPTEBatch: "hmm"
      case .notifierInsert, .notifierRemove: "notifier"
      case .define: "device"
      case .mirror: "mirror"
      case .access(_, _, let write, _, _, _): write ? "device-write" : "device-read"
      case .snapshot: "device-snapshot"
      case .open: "open"
      case .dmirror(_, let operation, _, _): "dmirror-\(operation.rawValue)"
      case .stats: "devices"
      case .openGUPTest: "open"
      case .gupTest(_, let test, _, _, _, _): test.rawValue
      case .gupPin: "pin"
      case .gupUnpin: "unpin"
      }
    }
  }
}
