import MemoryModel

/// One VMA of a real process, as one line of `/proc/PID/maps` describes it (plus what
/// `/proc/PID/smaps` adds, when it could be read).
public struct LiveVMA: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// One past the last address.
  public var end: VirtualAddress
  /// `rwxp` / `rwxs`.
  public var permissions: VMAPermissions
  /// The file offset (bytes).
  public var offset: UInt64
  /// The device, `major:minor` in hexadecimal as the kernel prints it.
  public var device: String
  /// The inode number (0 for anonymous memory).
  public var inode: UInt64
  /// The path column: a file path, `[heap]`, `[stack]`, `[vdso]`, … or empty.
  public var path: String
  /// What backs the VMA.
  public var kind: VMAKind
  /// What `smaps` says, when it was read.
  public var details: VMADetails?

  /// Creates a VMA.
  public init(start: VirtualAddress, end: VirtualAddress, permissions: VMAPermissions, offset: UInt64 = 0,
              device: String = "00:00", inode: UInt64 = 0, path: String = "", details: VMADetails? = nil) {
    self.start = start
    self.end = end
    self.permissions = permissions
    self.offset = offset
    self.device = device
    self.inode = inode
    self.path = path
    self.details = details
    self.kind = VMAKind(path: path)
    if details?.has("ht") == true { self.kind = .hugetlb }
  }

  /// Bytes covered.
  public var size: UInt64 { end - start }
  /// Whether the VMA is a shared mapping (`s`).
  public var isShared: Bool { permissions.contains(.shared) }
  /// Whether the VMA is writable (`w`).
  public var isWritable: Bool { permissions.contains(.write) }

  /// The order of the hugetlb pages of a hugetlb VMA (9 for 2 MiB, 18 for 1 GiB), from `smaps`
  /// `KernelPageSize` (2 MiB assumed when `smaps` was not read); nil for every other VMA.
  public var hugetlbOrder: Int? {
    guard kind == .hugetlb else { return nil }
    guard let size = details?.kernelPageSize, size > 4096 else { return 9 }
    return size.trailingZeroBitCount - 12
  }

  /// Why `hmm_range_fault()` would fill this VMA with `HMM_PFN_ERROR` (mm/hmm.c
  /// `hmm_vma_walk_test`), or nil if it walks it normally: no `VM_READ`, `VM_IO` or `VM_PFNMAP`
  /// (`smaps` VmFlags `io` / `pf`), or not a VMA at all (`[vsyscall]`, the gate area).
  public var hmmErrorReason: String? {
    if path == "[vsyscall]" { return "not a VMA (the vsyscall gate area)" }
    if !permissions.contains(.read) { return "no VM_READ" }
    if details?.has("io") == true { return "VM_IO" }
    if details?.has("pf") == true { return "VM_PFNMAP" }
    if details == nil && (path == "[vvar]" || path == "[vvar_vclock]") { return "VM_PFNMAP (assumed: smaps unread)" }
    return nil
  }

  /// The line as `/proc/PID/maps` prints it (without the column padding).
  public var description: String {
    let span = String(start.rawValue, radix: 16) + "-" + String(end.rawValue, radix: 16)
    let offsetText = String(offset, radix: 16)
    let padded = String(repeating: "0", count: max(0, 8 - offsetText.count)) + offsetText
    return "\(span) \(permissions) \(padded) \(device) \(inode)" + (path.isEmpty ? "" : " \(path)")
  }
}
