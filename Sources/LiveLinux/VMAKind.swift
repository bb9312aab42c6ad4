/// What backs a VMA, as far as `/proc/PID/maps` (and `smaps`) tell.
public enum VMAKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
  /// Anonymous memory (no path, or `[anon:name]`).
  case anonymous = "anon"
  /// A regular file mapping.
  case file
  /// Shared memory: `/dev/zero` shared, `/memfd:…`, `SYSV…` segments, `[anon_shmem:…]`.
  case shmem
  /// The program break heap, `[heap]`.
  case heap
  /// A stack, `[stack]`.
  case stack
  /// The vDSO, `[vdso]`.
  case vdso
  /// A hugetlb mapping (`smaps` VmFlags `ht`): mapped only by huge pages of `KernelPageSize`.
  case hugetlb
  /// Any other kernel-provided mapping: `[vvar]`, `[vsyscall]`, `[uprobes]`, `anon_inode:…`.
  case special

  /// Classifies a `/proc/PID/maps` path column (empty for anonymous memory).
  public init(path: String) {
    if path.isEmpty || path.hasPrefix("[anon:") {
      self = .anonymous
    } else if path == "[heap]" {
      self = .heap
    } else if path == "[stack]" || path.hasPrefix("[stack:") {
      self = .stack
    } else if path == "[vdso]" {
      self = .vdso
    } else if path.hasPrefix("[anon_shmem:") || path.hasPrefix("/dev/zero") || path.hasPrefix("/memfd:")
      || path.hasPrefix("/SYSV")
    {
      self = .shmem
    } else if path.hasPrefix("/anon_hugepage") {
      self = .hugetlb
    } else if path.hasPrefix("/") {
      self = .file
    } else {
      self = .special
    }
  }

  /// The short name (`anon`, `file`, `shmem`, …).
  public var description: String { rawValue }
}
