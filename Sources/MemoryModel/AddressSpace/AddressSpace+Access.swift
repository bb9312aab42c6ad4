/// CPU accesses: what a thread of the process does when it loads or stores, faulting as needed.
extension AddressSpace {
  /// Where an address translates to.
  public struct Translation: Hashable, Sendable {
    /// The frame backing the 4 KiB page of the address.
    public var pfn: PFN
    /// Whether the CPU may write through the mapping without a fault.
    public var isWritable: Bool
    /// The level of the leaf that maps it.
    public var level: PageTableLevel
  }

  /// The current translation of `address`, without faulting (nil when no present, accessible
  /// entry maps it).
  public func translate(_ address: VirtualAddress) -> Translation? {
    let (entry, level, _) = pageTable.lookup(address)
    guard entry.isHardwarePresent, !entry.isSwap else { return nil }
    let offset = (address.rawValue & (level.entrySpan - 1)) >> PageSize.shift4K
    return Translation(pfn: entry.pfn + offset, isWritable: entry.isWritable, level: level)
  }

  /// Performs one CPU access to `address`: faults until the page is mapped with the needed
  /// permission, then sets the accessed (and, for writes, dirty) bit as the MMU would.
  /// - Returns: the frame the access reached.
  /// - Throws: ``FaultError`` when the fault cannot be resolved.
  @discardableResult
  public func access(_ address: VirtualAddress, write: Bool) throws(FaultError) -> PFN {
    var cursor = PTETableCursor()
    return try access(address, write: write, &cursor)
  }

  /// ``access(_:write:)`` with a remembered PTE table: an address in the cursor's 2 MiB reads
  /// its PTE from that table instead of walking from the root, and a fault on it starts at the
  /// PTE (``handleFault(at:write:pteSlot:)``). The cursor is kept across faults that only fill
  /// or touch PTEs of the table, or copy or reuse a page on write; after any other fault (a
  /// software entry; anything above the PTE level) it is dropped and the next access walks again.
  @inline(__always)
  func access(_ address: VirtualAddress, write: Bool, _ cursor: inout PTETableCursor) throws(FaultError) -> PFN {
    try access(address, write: write, &cursor, attempts: 4)
  }

  /// ``access(_:write:_:)`` with `attempts` lookups (each followed by a fault when the entry does
  /// not allow the access) before it gives up: 4 for an access, fewer for one whose first fault
  /// its caller already made.
  @inline(__always)
  func access(_ address: VirtualAddress, write: Bool, _ cursor: inout PTETableCursor, attempts: Int) throws(FaultError) -> PFN {
    for _ in 0..<attempts {
      let (entry, level, slot) = cursor.lookup(address, in: pageTable)
      if entry.isHardwarePresent, !entry.isSwap, !write || entry.isWritable {
        if !entry.isAccessed || (write && !entry.isDirty) { pageTable.setEntry(entry.touched(write: write), at: slot) }
        let pfn = entry.pfn + ((address.rawValue & (level.entrySpan - 1)) >> PageSize.shift4K)
        if write && memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
        return pfn
      }
      try faultOnce(at: address, write: write, entry: entry, level: level, slot: slot, &cursor)
    }
    throw .busError(address, "the fault did not resolve after repeated attempts")
  }

  /// Touches every page of `[address, address + length)` with a read or a write, as a loop of
  /// CPU loads or stores would (no data is stored).
  /// - Throws: ``FaultError`` at the first page that cannot be accessed.
  /// A zero length touches nothing; a range may end at 2^64.
  /// Each page is accessed (and faulted) on its own, in address order, as the CPU would; the
  /// pages of one PTE table are found from the table (one walk per table, not per page).
  public func touch(_ address: VirtualAddress, _ length: UInt64, write: Bool) throws(FaultError) {
    guard length > 0 else { return }
    let last = address.rawValue.addingReportingOverflow(length - 1)
    let lastPage = VirtualAddress(last.overflow ? UInt64.max : last.partialValue).alignedDown(to: PageSize.bytes4K)
    var page = address.alignedDown(to: PageSize.bytes4K)
    var cursor = PTETableCursor()
    // A leaf above the PTE level that the last access went through without a fault (its span:
    // `leafStart..<leafEnd`, its first frame `leafPFN`): the pages after it in its span find the
    // same entry, already touched, so that their accesses only clear the lazy-free marks a write
    // clears (nothing runs between two accesses that could change the entry).
    var leafStart: UInt64 = 0
    var leafEnd: UInt64 = 0
    var leafPFN: UInt64 = 0
    while true {
      if page.rawValue >= leafStart && page.rawValue < leafEnd {
        if write {
          let pfn = PFN(leafPFN + ((page.rawValue - leafStart) >> PageSize.shift4K))
          if memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
        }
      } else if let slot = cursor.slot(for: page) {
        // The rest of the remembered PTE table, up to the last page, in one pass.
        let tableLeft = 512 - (slot & 511)
        let left = (lastPage.rawValue - page.rawValue) >> PageSize.shift4K
        let count = left < UInt64(tableLeft) ? Int(left) + 1 : tableLeft
        let done = try touchRun(page, slot: slot, count: count, write: write, &cursor)
        if done == count && page.rawValue + (UInt64(count - 1) << PageSize.shift4K) >= lastPage.rawValue { break }
        page = page + (UInt64(done) << PageSize.shift4K)
        continue
      } else if let leaf = try accessThroughLeaf(page, write: write, &cursor) {
        leafStart = leaf.start
        leafEnd = leaf.end
        leafPFN = leaf.pfn
      }
      if page >= lastPage { break }
      page = page + PageSize.bytes4K
    }
  }

  /// ``access(_:write:_:)`` that also tells, when the access ends at a present leaf above the
  /// PTE level, the span the leaf maps (`end` is 0 when it reaches 2^64) and its first frame.
  @inline(__always)
  private func accessThroughLeaf(_ address: VirtualAddress, write: Bool,
                                 _ cursor: inout PTETableCursor) throws(FaultError) -> (start: UInt64, end: UInt64, pfn: UInt64)? {
    for _ in 0..<4 {
      let (entry, level, slot) = cursor.lookup(address, in: pageTable)
      if entry.isHardwarePresent, !entry.isSwap, !write || entry.isWritable {
        if !entry.isAccessed || (write && !entry.isDirty) { pageTable.setEntry(entry.touched(write: write), at: slot) }
        let span = level.entrySpan
        let pfn = entry.pfn + ((address.rawValue & (span - 1)) >> PageSize.shift4K)
        if write && memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
        guard level != .pte else { return nil }
        let start = address.rawValue & ~(span - 1)
        return (start, start &+ span, entry.pfn.rawValue)
      }
      try faultOnce(at: address, write: write, entry: entry, level: level, slot: slot, &cursor)
    }
    throw .busError(address, "the fault did not resolve after repeated attempts")
  }

  /// Reads `count` bytes at `address` as the CPU would (faulting pages in).
  /// - Throws: ``FaultError`` at the first page that cannot be read.
  public func read(_ address: VirtualAddress, count: Int) throws(FaultError) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    var cursor = address
    var remaining = count
    while remaining > 0 {
      let offset = Int(cursor.rawValue & (PageSize.bytes4K - 1))
      let chunk = min(remaining, 4096 - offset)
      let pfn = try access(cursor, write: false)
      memory.read(pfn, offset: offset, count: chunk, into: &result)
      cursor = cursor + UInt64(chunk)
      remaining -= chunk
    }
    return result
  }

  /// Writes `bytes` at `address` as the CPU would (faulting pages in, breaking COW).
  /// - Throws: ``FaultError`` at the first page that cannot be written.
  public func write(_ address: VirtualAddress, bytes: [UInt8]) throws(FaultError) {
    var cursor = address
    var index = 0
    while index < bytes.count {
      let offset = Int(cursor.rawValue & (PageSize.bytes4K - 1))
      let chunk = min(bytes.count - index, 4096 - offset)
      let pfn = try access(cursor, write: true)
      memory.write(pfn, offset: offset, bytes: bytes[index..<(index + chunk)])
      cursor = cursor + UInt64(chunk)
      index += chunk
    }
  }

  /// One fault at `address` for an access that the entry found there (`entry` at `level`, in
  /// `slot`) did not allow: through the cursor's PTE table when the walk reached one.
  private func faultOnce(at address: VirtualAddress, write: Bool, entry: PageTableEntry, level: PageTableLevel, slot: Int,
                         _ cursor: inout PTETableCursor) throws(FaultError) {
    if level == .pte {
      try handleFault(at: address, write: write, pteSlot: slot, wasSwap: entry.isSwap, &cursor)
    } else {
      cursor.forget()
      try handleFault(at: address, write: write)
    }
  }
}

extension MemorySystem {
  /// Writes `bytes` into `file` at `offset` through the page cache (`pwrite`), extending the
  /// file if needed.
  /// - Throws: `ENOMEM` when no frame is free.
  public func write(_ file: File, offset: UInt64, bytes: [UInt8]) throws(SyscallError) {
    let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.count))
    guard !overflow else { throw SyscallError(.EINVAL, "pwrite: offset overflows") }
    if end > file.size { file.size = end }
    var cursor = offset
    var index = 0
    while index < bytes.count {
      let inPage = Int(cursor & (PageSize.bytes4K - 1))
      let chunk = min(bytes.count - index, 4096 - inPage)
      let pfn: PFN
      do { pfn = try pageCacheFolio(file, cursor >> PageSize.shift4K, address: VirtualAddress(cursor)) } catch {
        throw SyscallError(.ENOMEM, "pwrite: \(error)")
      }
      memory.write(pfn, offset: inPage, bytes: bytes[index..<(index + chunk)])
      cursor += UInt64(chunk)
      index += chunk
    }
  }

  /// Reads `count` bytes of `file` at `offset` through the page cache (`pread`); holes and
  /// bytes past the end read as zeros.
  public func read(_ file: File, offset: UInt64, count: Int) -> [UInt8] {
    var result: [UInt8] = []
    var cursor = offset
    while result.count < count {
      let inPage = Int(cursor & (PageSize.bytes4K - 1))
      let chunk = min(count - result.count, 4096 - inPage)
      if let pfn = file.cachedPage(cursor >> PageSize.shift4K) {
        memory.read(pfn, offset: inPage, count: chunk, into: &result)
      } else {
        result.append(contentsOf: repeatElement(0, count: chunk))
      }
      cursor += UInt64(chunk)
    }
    return result
  }
}
