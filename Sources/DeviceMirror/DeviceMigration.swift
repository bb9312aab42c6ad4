import MemoryModel

/// The driver half of `migrate_vma` shared by the devices: allocate destination folios, copy
/// the data, and tell the caller which pages moved.
enum DeviceMigration {
  /// Fills `m.dst` with device folios from `region` for every collected entry: a 2 MiB folio
  /// for a compound entry (unless `failLarge` or none is free, then 512 small pages), a 4 KiB
  /// page otherwise; copies the data of entries that had a page.
  /// - Returns: the number of pages given a destination.
  @discardableResult
  static func allocateOnDevice(_ m: inout MigrateVMA, region: DeviceMemory, system: MemorySystem, failLarge: Bool,
                               vmaWritable: Bool) -> Int {
    let memory = system.memory
    var given = 0
    var i = 0
    while i < m.pageCount {
      defer { i += 1 }
      let source = m.src[i]
      guard source.isMigrating else { continue }
      let flags = source.isWritable || (!source.isValid && vmaWritable) ? MigratePFN.write : 0
      if source.isCompound {
        if !failLarge, let head = system.allocateDeviceFolio(region, order: 9) {
          if source.isValid { for k in 0..<UInt64(512) { memory.copyContents(from: source.pfn + k, to: head + k) } }
          m.dst[i] = MigratePFN(pfn: head, flags: flags | MigratePFN.compound)
          given += 512
          continue
        }
        let count = min(512, m.pageCount - i)
        for k in 0..<count {
          guard let page = system.allocateDeviceFolio(region, order: 0) else { break }
          if source.isValid { memory.copyContents(from: source.pfn + UInt64(k), to: page) }
          m.dst[i + k] = MigratePFN(pfn: page, flags: flags)
          given += 1
        }
        i += count - 1
        continue
      }
      guard let page = system.allocateDeviceFolio(region, order: 0) else { continue }
      if source.isValid { memory.copyContents(from: source.pfn, to: page) }
      m.dst[i] = MigratePFN(pfn: page, flags: flags)
      given += 1
    }
    return given
  }

  /// Fills `m.dst` with system folios for every collected device entry (2 MiB for compound
  /// entries unless `failLarge`, then 4 KiB pages) and copies the data; `moved` hears every
  /// range of pages given a destination.
  /// - Returns: false when system memory ran out.
  static func allocateInSystem(_ m: inout MigrateVMA, system: MemorySystem, failLarge: Bool,
                               moved: (VirtualAddress, Int) -> Void) -> Bool {
    let memory = system.memory
    var i = 0
    while i < m.pageCount {
      defer { i += 1 }
      let source = m.src[i]
      guard source.isValid && source.isMigrating else { continue }
      let flags = source.isWritable ? MigratePFN.write : 0
      if source.isCompound {
        if !failLarge, let head = memory.allocateFolio(order: 9, kind: .anonymous) {
          for k in 0..<UInt64(512) { memory.copyContents(from: source.pfn + k, to: head + k) }
          m.dst[i] = MigratePFN(pfn: head, flags: flags | MigratePFN.compound)
          moved(m.address(of: i), 512)
          continue
        }
        let count = min(512, m.pageCount - i)
        for k in 0..<count {
          guard let page = memory.allocateFolio(order: 0, kind: .anonymous) else { return false }
          memory.copyContents(from: source.pfn + UInt64(k), to: page)
          m.dst[i + k] = MigratePFN(pfn: page, flags: flags)
        }
        moved(m.address(of: i), count)
        i += count - 1
        continue
      }
      guard let page = memory.allocateFolio(order: 0, kind: .anonymous) else { return false }
      memory.copyContents(from: source.pfn, to: page)
      m.dst[i] = MigratePFN(pfn: page, flags: flags)
      moved(m.address(of: i), 1)
    }
    return true
  }

  /// `migrate_to_ram` for a device-private page at `address`: the PMD-sized folio when the CPU
  /// maps it with a PMD entry, else the one page.
  /// - Returns: whether the page is back in system memory.
  static func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, owner: Int, failLarge: Bool,
                           moved: (VirtualAddress, Int) -> Void) -> Bool {
    let (entry, level) = space.cpuEntry(address)
    let size: UInt64 = level == .pmd ? 2 << 20 : 4096
    let start = address.alignedDown(to: size)
    guard entry.swapType == .devicePrivate,
      var m = try? space.migrateVMASetup(start: start, end: start + size, select: [.devicePrivate, .compound], pgmapOwner: owner)
    else { return false }
    guard allocateInSystem(&m, system: space.system, failLarge: failLarge, moved: moved) else {
      space.migrateVMAFinalize(&m)
      return false
    }
    space.migrateVMAPages(&m)
    space.migrateVMAFinalize(&m)
    return space.cpuEntry(address).entry.swapType != .devicePrivate
  }
}
