import HMM
import MemoryModel

/// `HMM_DMIRROR_FLAG_FAIL_ALLOC`: the next large allocation fails once.
public let dmirrorFlagFailAlloc: UInt64 = 1 << 0

extension DMirror {
  /// `HMM_DMIRROR_MIGRATE_TO_DEV`: migrates `pages` pages at `address` to this device's memory
  /// (`MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_COMPOUND`, in chunks of at most 512 pages
  /// inside one VMA), maps them in the device, then reads the range back through the device.
  /// `cpages` is the number of pages read back; `-ENOENT` when some page did not migrate.
  /// - Parameters:
  ///   - address: the first page's address.
  ///   - pages: how many 4 KiB pages.
  ///   - readBack: read the range back through the device as the driver does (the
  ///     benchmarks turn it off to measure the migration alone).
  public func migrateToDevice(_ address: VirtualAddress, pages: UInt64, readBack: Bool = true) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return failure(error) }
    guard !space.hasExited, let region = device.deviceMemory else { return failure(-Errno.EINVAL.rawValue) }
    let end = address + pages * 4096
    var cursor = address
    while cursor < end {
      guard let vma = space.vma(containing: cursor), vma.protection.contains(.read) else { return failure(-Errno.EINVAL.rawValue) }
      let next = min(end, cursor + 512 * 4096, vma.end)
      guard var m = try? space.migrateVMASetup(start: cursor, end: next, select: [.system, .compound], pgmapOwner: device.ownerID)
      else { return failure(-Errno.EINVAL.rawValue) }
      allocateAndCopy(&m, into: region, vmaWritable: vma.protection.contains(.write))
      space.migrateVMAPages(&m)
      // dmirror_migrate_finalize_and_map: the device maps what moved.
      for i in 0..<m.pageCount where m.src[i].isMigrating && m.dst[i].isValid {
        let count = m.dst[i].isCompound ? 512 : 1
        for k in 0..<count {
          pageTable[(m.address(of: i) + UInt64(k) * 4096).rawValue >> 12] = (m.dst[i].pfn + UInt64(k), m.dst[i].isWritable ? .write : .read)
        }
        device.migrationCounters.pagesToDevice += count
      }
      space.migrateVMAFinalize(&m)
      cursor = next
    }
    guard readBack else { return DMirrorCommandResult(returnCode: 0, cpages: pages, faults: 0, data: []) }
    return readThroughDevice(address, end, pages: pages)
  }

  /// `dmirror_migrate_alloc_and_copy`: a device folio per collected entry (2 MiB for compound
  /// entries, falling back to 4 KiB pages when the large allocation fails), data copied.
  func allocateAndCopy(_ m: inout MigrateVMA, into region: DeviceMemory, vmaWritable: Bool) {
    let failLarge = flags_consumeFailAlloc()
    DeviceMigration.allocateOnDevice(&m, region: region, system: space.system, failLarge: failLarge, vmaWritable: vmaWritable)
  }

  /// Consumes `HMM_DMIRROR_FLAG_FAIL_ALLOC`: returns true (the allocation must fail) once.
  func flags_consumeFailAlloc() -> Bool {
    guard flags & dmirrorFlagFailAlloc != 0 else { return false }
    flags &= ~dmirrorFlagFailAlloc
    return true
  }

  /// `HMM_DMIRROR_MIGRATE_TO_SYS`: migrates this device's pages in `[address, address + pages)`
  /// back to system memory. `cpages` counts the entries that migrated (a 2 MiB folio counts once).
  public func migrateToSystem(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return failure(error) }
    guard !space.hasExited else { return failure(-Errno.EINVAL.rawValue) }
    let end = address + pages * 4096
    var cursor = address
    var migrated: UInt64 = 0
    while cursor < end {
      guard let vma = space.vma(containing: cursor), vma.protection.contains(.read) else { return failure(-Errno.EINVAL.rawValue) }
      let next = min(end, cursor + 512 * 4096, vma.end)
      let select: MigrateSelect = device.memoryType == .devicePrivate ? [.devicePrivate, .compound] : [.deviceCoherent, .compound]
      guard var m = try? space.migrateVMASetup(start: cursor, end: next, select: select, pgmapOwner: device.ownerID)
      else { return failure(-Errno.EINVAL.rawValue) }
      guard device.copyToSystem(&m, failLarge: flags_consumeFailAlloc()) else {
        space.migrateVMAFinalize(&m)
        return failure(-Errno.ENOMEM.rawValue)
      }
      space.migrateVMAPages(&m)
      for entry in m.src where entry.isValid && entry.isMigrating { migrated += 1 }
      space.migrateVMAFinalize(&m)
      cursor = next
    }
    return DMirrorCommandResult(returnCode: 0, cpages: migrated, faults: 0, data: [])
  }

  /// `HMM_DMIRROR_EXCLUSIVE`: makes every page device-exclusive (tagged atomic in the device),
  /// then reads the range back. `cpages` is the number of pages read.
  public func exclusive(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return failure(error) }
    guard !space.hasExited else { return failure(-Errno.EINVAL.rawValue) }
    let end = address + pages * 4096
    var page = address
    while page < end {
      do {
        let pfn = try space.makeDeviceExclusive(page, owner: nil)
        pageTable[page.rawValue >> 12] = (pfn, .atomic)
      } catch {
        return failure(-error.errno.rawValue)
      }
      page = page + 4096
    }
    return readThroughDevice(address, end, pages: pages)
  }

  /// `HMM_DMIRROR_CHECK_EXCLUSIVE`: `-EPERM` while any page of the range is still mapped for
  /// atomic access in the device, else 0.
  public func checkExclusive(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return failure(error) }
    let first = address.rawValue >> 12
    let last = first + pages - 1
    if pages > UInt64(pageTable.count) {
      // Cost what the device maps, not the range's size.
      if pageTable.contains(where: { $0.key >= first && $0.key <= last && $0.value.tag == .atomic }) { return failure(-Errno.EPERM.rawValue) }
    } else {
      for key in first...last where pageTable[key]?.tag == .atomic { return failure(-Errno.EPERM.rawValue) }
    }
    return DMirrorCommandResult(returnCode: 0, cpages: 0, faults: 0, data: [])
  }

  /// `HMM_DMIRROR_RELEASE`: evicts every page of the device's memory back to system memory and
  /// removes the memory (`dmirror_device_remove_chunks`).
  public func release(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return failure(error) }
    device.evictAll()
    return DMirrorCommandResult(returnCode: 0, cpages: 0, faults: 0, data: [])
  }

  /// `dmirror_do_read` after a migration or EXCLUSIVE: the range read back through the device's
  /// entries; `-ENOENT` if a page is not mapped in the device.
  func readThroughDevice(_ address: VirtualAddress, _ end: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    var bounce: [PageData] = []
    guard copyIn(address, end, into: &bounce) == nil else { return failure(-Errno.ENOENT.rawValue) }
    return DMirrorCommandResult(returnCode: 0, cpages: pages, faults: 0, pages: bounce)
  }

  func failure(_ code: Int32) -> DMirrorCommandResult { DMirrorCommandResult(returnCode: code, cpages: 0, faults: 0, data: []) }
}

extension DMirrorDevice {
  /// `dmirror_devmem_fault_alloc_and_copy`: a system folio per collected device entry, data
  /// copied, and the device's entries for those pages erased.
  /// - Returns: false when system memory ran out.
  func copyToSystem(_ m: inout MigrateVMA, failLarge: Bool) -> Bool {
    guard let system else { return false }
    return DeviceMigration.allocateInSystem(&m, system: system, failLarge: failLarge) { address, pages in
      eraseMirrors(address, pages: pages)
      migrationCounters.pagesToSystem += pages
    }
  }

  /// Erases the device's entries for the pages (of any open file mirroring `m`'s process).
  func eraseMirrors(_ address: VirtualAddress, pages: Int) {
    for mirror in openFiles {
      for k in 0..<pages { mirror.pageTable[(address + UInt64(k) * 4096).rawValue >> 12] = nil }
    }
  }

  /// `migrate_to_ram` (`dmirror_devmem_fault`): the CPU touched a device-private page; migrate
  /// it (its whole folio when PMD-mapped) back to system memory.
  public func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, pfn: PFN) -> Bool {
    let failLarge = openFiles.contains { $0.flags & dmirrorFlagFailAlloc != 0 }
    if failLarge { for mirror in openFiles { mirror.flags &= ~dmirrorFlagFailAlloc } }
    return DeviceMigration.migrateToRAM(space, address: address, owner: ownerID, failLarge: failLarge) { address, pages in
      eraseMirrors(address, pages: pages)
      migrationCounters.pagesToSystem += pages
    }
  }

  /// Migrates every allocated page of the device's memory back to system memory, then removes
  /// the memory (`dmirror_device_evict_chunk` + `memunmap_pages`).
  public func evictAll() {
    guard let system, let region = deviceMemory else { return }
    // Frames never handed out are free: only the used ones can hold pages.
    var pfn = region.usedPFNs.lowerBound
    while pfn < region.usedPFNs.upperBound {
      let frame = PFN(pfn)
      let info = system.memory.folio(containing: frame)
      if system.memory.isAllocated(frame) && info.head == frame && info.referenceCount > 0 {
        for site in system.entriesMapping(frame) {
          _ = migrateToRAM(site.space, address: site.address, pfn: frame)
        }
      }
      pfn += 1
    }
    system.removeDeviceMemory(region)
  }
}
