/// `mmap`: creating VMAs, and finding room for them (`get_unmapped_area`).
extension AddressSpace {
  /// What to map and how (`mmap`'s arguments).
  public struct MapRequest {
    /// Length in bytes (rounded up to the page size, or to the hugetlb page size).
    public var length: UInt64
    /// `PROT_*`.
    public var protection: Protection
    /// `MAP_SHARED` rather than `MAP_PRIVATE`.
    public var shared: Bool
    /// The file to map (nil for anonymous memory).
    public var file: File?
    /// The file offset in bytes (page aligned).
    public var offset: UInt64
    /// `MAP_FIXED` at this address (replacing what is mapped there).
    public var fixedAddress: VirtualAddress?
    /// Place the mapping at a multiple of this many bytes (a power of two; 0 for the default).
    public var alignment: UInt64
    /// `MAP_HUGETLB` with this page size.
    public var hugetlbPageSize: PageSize?
    /// Extra `VM_*` flags (`VM_IO`, `VM_PFNMAP`, `VM_MIXEDMAP`, as a driver's mmap would set).
    public var extraFlags: VMAFlags

    /// Creates a request; by default private anonymous memory placed by the kernel.
    public init(length: UInt64, protection: Protection, shared: Bool = false, file: File? = nil, offset: UInt64 = 0,
                fixedAddress: VirtualAddress? = nil, alignment: UInt64 = 0, hugetlbPageSize: PageSize? = nil,
                extraFlags: VMAFlags = []) {
      self.length = length
      self.protection = protection
      self.shared = shared
      self.file = file
      self.offset = offset
      self.fixedAddress = fixedAddress
      self.alignment = alignment
      self.hugetlbPageSize = hugetlbPageSize
      self.extraFlags = extraFlags
    }
  }

  /// Maps memory (`mmap`) and returns its address.
  ///
  /// Placement is top-down from ``mmapBase``. As Linux 6.7+ does, anonymous mappings whose length
  /// is a multiple of 2 MiB are placed 2 MiB aligned, and mappings of files with large folios
  /// are placed so that the address and the file offset agree modulo 2 MiB. A shared anonymous
  /// mapping is backed by a new shmem file, as `shmem_zero_setup()` does.
  /// A mapping of a hugetlbfs file is rounded up to the file's page size, needs an offset aligned
  /// to it, and extends the file when writable (`hugetlbfs_file_mmap()`). `MAP_FIXED` may go
  /// below ``mmapMinimum``, as it may for root.
  /// - Throws: `EINVAL` for a zero length, an unaligned offset or fixed address, a bad
  ///   alignment or a fixed range that cuts a hugetlb page; `ENOMEM` when no room is left or a hugetlb pool is too small.
  @discardableResult
  public func mmap(_ request: MapRequest) throws(SyscallError) -> VirtualAddress {
    guard !hasExited else { throw SyscallError(.EINVAL, "process \(name) has exited") }
    // A hugetlbfs file is mapped in its own page size, as `MAP_HUGETLB` memory is.
    let pageSize = (request.hugetlbPageSize ?? request.file?.hugetlbPageSize)?.bytes ?? PageSize.bytes4K
    guard request.length > 0 else { throw SyscallError(.EINVAL, "mmap of length 0") }
    guard request.length <= VirtualAddress.userSpaceEnd.rawValue else {
      throw SyscallError(.ENOMEM, "mmap of \(request.length) bytes is larger than the address space")
    }
    let length = VirtualAddress(request.length).alignedUp(to: pageSize).rawValue
    guard request.offset % pageSize == 0 else {
      throw SyscallError(.EINVAL, "mmap offset \(request.offset) is not aligned to \(formatSize(pageSize))")
    }
    guard !request.offset.addingReportingOverflow(length).overflow else {
      throw SyscallError(.EOVERFLOW, "mmap offset \(request.offset) plus length \(length) overflows")
    }
    guard request.alignment == 0 || request.alignment & (request.alignment - 1) == 0 else {
      throw SyscallError(.EINVAL, "alignment \(request.alignment) is not a power of two")
    }
    if let fixed = request.fixedAddress {
      guard fixed.isAligned(to: pageSize) else { throw SyscallError(.EINVAL, "MAP_FIXED address \(fixed) is not aligned to \(formatSize(pageSize))") }
      // Below mmap_min_addr too: the model's processes run as root (CAP_SYS_RAWIO), as Linux lets them.
      guard fixed.rawValue.addingReportingOverflow(length).overflow == false, fixed + length <= VirtualAddress.userSpaceEnd
      else { throw SyscallError(.ENOMEM, "MAP_FIXED range at \(fixed) is outside user space") }
    }
    if let hugetlbPageSize = request.hugetlbPageSize ?? request.file?.hugetlbPageSize {
      guard hugetlbPageSize != .size4K else { throw SyscallError(.EINVAL, "hugetlb pages are 2M or 1G") }
      // hugetlb_reserve_pages(): a private mapping needs a page for its whole range, a shared
      // mapping of a hugetlbfs file one for each page the file does not cache yet.
      var needed = Int(length / hugetlbPageSize.bytes)
      if request.shared, let file = request.file {
        let pages = UInt64(needed)
        let firstIndex = request.offset >> PageSize.shift4K
        let step = UInt64(hugetlbPageSize.pageCount)
        let cachedFolios = UInt64(file.cachedPageCount) / step
        // Counting costs what the pool and the cache hold, not the mapping's length.
        if pages <= UInt64(system.hugetlbFreeCount(hugetlbPageSize)) + cachedFolios {
          needed = (0..<pages).count { file.cachedPage(firstIndex + $0 * step) == nil }
        }
      }
      guard system.hugetlbFreeCount(hugetlbPageSize) >= needed else {
        // The reservation fails in the file's mmap hook, after mmap_region() cleared the
        // MAP_FIXED range: what was mapped there is gone (measured on Linux 6.18).
        if let fixed = request.fixedAddress, !vmaIndices(overlapping: fixed, fixed + length).isEmpty {
          try? munmap(fixed, length)
        }
        throw SyscallError(.ENOMEM, "the \(hugetlbPageSize) hugetlb pool has \(system.hugetlbFreeCount(hugetlbPageSize)) free pages, \(needed) needed")
      }
    }
    var file = request.file
    var offset = request.offset
    if file == nil && request.shared {
      file = system.createFile(name: "anon_shmem", kind: request.hugetlbPageSize == nil ? .shmem : .hugetlb,
                               size: length, hugetlbPageSize: request.hugetlbPageSize)
      offset = 0
    }
    var alignment = max(request.alignment, pageSize)
    var alignmentOffset: UInt64 = 0
    if request.fixedAddress == nil && request.alignment == 0 && request.hugetlbPageSize == nil {
      if let file, file.largeFolios, length >= PageSize.size2M.bytes {
        alignment = PageSize.size2M.bytes
        alignmentOffset = offset % PageSize.size2M.bytes
      } else if file == nil && system.settings.thp != .never && length % PageSize.size2M.bytes == 0 {
        alignment = PageSize.size2M.bytes
      }
    }
    let address: VirtualAddress
    if let fixed = request.fixedAddress {
      if !vmaIndices(overlapping: fixed, fixed + length).isEmpty { try munmap(fixed, length) }
      address = fixed
    } else {
      guard let found = findFreeArea(length: length, alignment: alignment, alignmentOffset: alignmentOffset) else {
        throw SyscallError(.ENOMEM, "no free area of \(formatSize(length)) in the address space")
      }
      address = found
    }
    var flags = request.extraFlags
    if request.shared { flags.insert(.shared) }
    let vma = VMA(
      start: address, end: address + length, protection: request.protection, flags: flags,
      backing: file.map { .file($0.id) } ?? .anonymous,
      // MAP_HUGETLB memory is a fresh hugetlbfs file mapped at offset 0 (hugetlb_file_setup()),
      // so two such mappings never merge.
      pageOffset: file == nil ? (request.hugetlbPageSize == nil ? address.pageNumber : 0) : offset >> PageSize.shift4K,
      hugetlbPageSize: request.hugetlbPageSize ?? file?.hugetlbPageSize, anonID: nil)
    insert(vma)
    mergeVMAs(around: vma.start, vma.end)
    if let file, file.kind == .hugetlb, request.protection.contains(.write), file.size < offset + length {
      // hugetlbfs_file_mmap() extends the file to cover a writable mapping.
      file.size = offset + length
    }
    return address
  }

  /// The highest free range of `length` bytes below ``mmapBase`` whose start is congruent to
  /// `alignmentOffset` modulo `alignment` (`vm_unmapped_area` top-down).
  func findFreeArea(length: UInt64, alignment: UInt64, alignmentOffset: UInt64 = 0) -> VirtualAddress? {
    var gapEnd = Self.mmapBase
    // Top down, without copying the VMAs.
    for index in vmas.indices.reversed() where vmas[index].start < gapEnd {
      let vma = vmas[index]
      if let address = fit(length, alignment, alignmentOffset, gapStart: max(vma.end, Self.mmapMinimum), gapEnd: gapEnd) {
        return address
      }
      gapEnd = min(gapEnd, vma.start)
    }
    return fit(length, alignment, alignmentOffset, gapStart: Self.mmapMinimum, gapEnd: gapEnd)
  }

  private func fit(_ length: UInt64, _ alignment: UInt64, _ alignmentOffset: UInt64,
                   gapStart: VirtualAddress, gapEnd: VirtualAddress) -> VirtualAddress? {
    guard gapEnd > gapStart, gapEnd - gapStart >= length else { return nil }
    var candidate = (gapEnd - length).alignedDown(to: alignment) + alignmentOffset
    if candidate + length > gapEnd { candidate = candidate - alignment }
    guard candidate >= gapStart, candidate + length <= gapEnd else { return nil }
    return candidate
  }
}
