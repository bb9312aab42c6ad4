/// What `/proc/PID/smaps` adds to a VMA: the page size the kernel maps it with, its `VmFlags`, and
/// how many of its bytes are mapped by PMDs.
public struct VMADetails: Hashable, Sendable {
  /// `KernelPageSize`: 4 KiB except for hugetlb VMAs (2 MiB or 1 GiB).
  public var kernelPageSize: UInt64
  /// The two-letter `VmFlags` (`rd wr mr mw me ac hg …`).
  public var vmFlags: [String]
  /// `AnonHugePages`: bytes of anonymous THPs mapped by a PMD (the huge zero page is not counted).
  public var anonHugePages: UInt64
  /// `ShmemPmdMapped`: bytes of shmem THPs mapped by a PMD.
  public var shmemPmdMapped: UInt64
  /// `FilePmdMapped`: bytes of file THPs mapped by a PMD.
  public var filePmdMapped: UInt64
  /// `Rss`.
  public var rss: UInt64

  /// Creates details.
  public init(kernelPageSize: UInt64 = 4096, vmFlags: [String] = [], anonHugePages: UInt64 = 0,
              shmemPmdMapped: UInt64 = 0, filePmdMapped: UInt64 = 0, rss: UInt64 = 0) {
    self.kernelPageSize = kernelPageSize
    self.vmFlags = vmFlags
    self.anonHugePages = anonHugePages
    self.shmemPmdMapped = shmemPmdMapped
    self.filePmdMapped = filePmdMapped
    self.rss = rss
  }

  /// Bytes mapped by PMD leaves, as `smaps` counts them (anon + shmem + file THPs).
  public var pmdMappedBytes: UInt64 { anonHugePages + shmemPmdMapped + filePmdMapped }
  /// Whether `VmFlags` has the two-letter flag (`io` for `VM_IO`, `pf` for `VM_PFNMAP`, `ht` for hugetlb).
  public func has(_ flag: String) -> Bool { vmFlags.contains(flag) }
}
